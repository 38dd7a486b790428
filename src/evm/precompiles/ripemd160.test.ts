import { createHash, randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { bytesToHex } from '../../primitives/hex.ts'
import { ripemd160Precompile } from './ripemd160.ts'

describe('ripemd160 precompile (0x03)', () => {
  it.each([
    [0, 600],
    [1, 720],
    [32, 720],
    [33, 840],
    [1000, 4440],
  ])('prices %i input bytes at %i gas (600 + 120 per word)', (length, gas) => {
    const result = ripemd160Precompile(new Uint8Array(length), 1_000_000)
    expect(result).toMatchObject({ ok: true, gasUsed: gas })
  })

  it('answers the published digest of "abc", left-padded to 32 bytes', () => {
    const result = ripemd160Precompile(new TextEncoder().encode('abc'), 1_000_000)
    expect(result.ok && bytesToHex(result.output)).toBe(
      '0x0000000000000000000000008eb208f7e05d987a9b044a8e98c6b087f15a0bfc',
    )
  })

  it.each([0, 1, 55, 56, 64, 1000])('hashes %i bytes as node:crypto does', (length) => {
    const input = randomBytes(length)
    const result = ripemd160Precompile(input, 1_000_000)
    expect(result.ok && Buffer.from(result.output).toString('hex')).toBe(
      '0'.repeat(24) + createHash('ripemd160').update(input).digest('hex'),
    )
  })

  it('fails with one gas less than its price', () => {
    expect(ripemd160Precompile(new Uint8Array(32), 719)).toEqual({ ok: false, reason: 'out of gas' })
    expect(ripemd160Precompile(new Uint8Array(32), 720).ok).toBe(true)
  })
})
