import { describe, expect, it } from 'vitest'
import { identityPrecompile } from './identity.ts'

describe('identity precompile (0x04)', () => {
  it.each([
    [0, 15],
    [1, 18],
    [32, 18],
    [33, 21],
    [1000, 111],
  ])('prices %i input bytes at %i gas (15 + 3 per word)', (length, gas) => {
    const result = identityPrecompile(new Uint8Array(length), 1_000_000)
    expect(result).toMatchObject({ ok: true, gasUsed: gas })
  })

  it('answers a copy of its input, which later writes to the input do not change', () => {
    const input = Uint8Array.of(1, 2, 3, 4, 5)
    const result = identityPrecompile(input, 1_000)
    input[0] = 99
    expect(result.ok && [...result.output]).toEqual([1, 2, 3, 4, 5])
  })

  it('fails with one gas less than its price', () => {
    expect(identityPrecompile(new Uint8Array(33), 20)).toEqual({ ok: false, reason: 'out of gas' })
    expect(identityPrecompile(new Uint8Array(33), 21).ok).toBe(true)
  })
})
