import { createHash, randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { sha256Precompile } from './sha256.ts'

describe('sha256 precompile (0x02)', () => {
  it.each([
    [0, 60],
    [1, 72],
    [32, 72],
    [33, 84],
    [1000, 444],
  ])('prices %i input bytes at %i gas (60 + 12 per word)', (length, gas) => {
    const result = sha256Precompile(new Uint8Array(length), 1_000_000)
    expect(result).toMatchObject({ ok: true, gasUsed: gas })
  })

  it.each([0, 1, 55, 56, 64, 1000])('hashes %i bytes as node:crypto does', (length) => {
    const input = randomBytes(length)
    const result = sha256Precompile(input, 1_000_000)
    expect(result.ok && Buffer.from(result.output).toString('hex')).toBe(
      createHash('sha256').update(input).digest('hex'),
    )
  })

  it('fails with one gas less than its price, and succeeds with exactly its price', () => {
    const input = new Uint8Array(33)
    expect(sha256Precompile(input, 83)).toEqual({ ok: false, reason: 'out of gas' })
    expect(sha256Precompile(input, 84).ok).toBe(true)
  })
})
