import { describe, expect, it } from 'vitest'
import { bls12G1AddPrecompile, bls12MapFp2ToG2Precompile, bls12PairingCheckPrecompile } from './bls12381.ts'
import { ecrecoverPrecompile } from './ecrecover.ts'
import { isPrecompile, precompilesFor } from './index.ts'
import { kzgPointEvaluationPrecompile } from './kzgPointEvaluation.ts'

describe('precompilesFor', () => {
  it('gives Cancun addresses 0x01..0x0a and Prague 0x01..0x11', () => {
    expect([...precompilesFor('cancun').keys()].sort((a, b) => a - b)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
    ])
    expect([...precompilesFor('prague').keys()].sort((a, b) => a - b)).toEqual(
      Array.from({ length: 17 }, (_, i) => i + 1),
    )
  })

  it('puts each precompile at its address', () => {
    const prague = precompilesFor('prague')
    expect(prague.get(0x01)).toBe(ecrecoverPrecompile)
    expect(prague.get(0x0a)).toBe(kzgPointEvaluationPrecompile)
    expect(prague.get(0x0b)).toBe(bls12G1AddPrecompile)
    expect(prague.get(0x0f)).toBe(bls12PairingCheckPrecompile)
    expect(prague.get(0x11)).toBe(bls12MapFp2ToG2Precompile)
  })

  it('answers isPrecompile by fork', () => {
    expect(isPrecompile(0, 'cancun')).toBe(false)
    expect(isPrecompile(10, 'cancun')).toBe(true)
    expect(isPrecompile(11, 'cancun')).toBe(false)
    expect(isPrecompile(11, 'prague')).toBe(true)
    expect(isPrecompile(17, 'prague')).toBe(true)
    expect(isPrecompile(18, 'prague')).toBe(false)
  })

  it('runs the precompile an address maps to: identity at 0x04 echoes its input', () => {
    const result = precompilesFor('cancun').get(0x04)!(Uint8Array.of(7, 8, 9), 100)
    expect(result).toEqual({ ok: true, gasUsed: 18, output: Uint8Array.of(7, 8, 9) })
  })
})
