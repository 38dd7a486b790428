import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { bytesToHex, hexToBytes } from '../../primitives/hex.ts'
import { kzgPointEvaluationPrecompile } from './kzgPointEvaluation.ts'

const BLS_MODULUS = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001n
const word = (value: bigint) => value.toString(16).padStart(64, '0')
const SUCCESS = `0x${word(4096n)}${word(BLS_MODULUS)}`

/** EIP-4844's kzg_to_versioned_hash, with node:crypto's SHA-256. */
function versionedHash(commitmentHex: string): string {
  return `01${createHash('sha256').update(Buffer.from(commitmentHex, 'hex')).digest('hex').slice(2)}`
}

/** versioned hash ‖ z ‖ y ‖ commitment ‖ proof. */
function pointEvaluationInput(z: bigint, y: bigint, commitmentHex: string, proofHex: string): Uint8Array {
  return hexToBytes(`0x${versionedHash(commitmentHex)}${word(z)}${word(y)}${commitmentHex}${proofHex}`)
}

/** The compressed point at infinity: the commitment to the zero polynomial, and its every proof. */
const INFINITY = `c0${'00'.repeat(47)}`

// geth's core/vm/testdata/precompiles/pointEvaluation.json, a proof made with c-kzg.
const GETH_VECTOR =
  '01e798154708fe7789429634053cbf9f99b619f9f084048927333fce637f549b' +
  '564c0a11a0f704f4fc3e8acfe0f8245f0ad1347b378fbf96e206da11a5d36306' +
  '24d25032e67a7e6a4910df5834b8fe70e6bcfeeac0352434196bdf4b2485d5a1' +
  '8f59a8d2a1a625a17f3fea0fe5eb8c896db3764f3185481bc22f91b4aaffcca25f26936857bc3a7c2539ea8ec3a952b7' +
  '873033e038326e87ed3e1276fd140253fa08e9fc25fb2d9a98527fc22a2c9612fbeafdad446cbc7bcdbdcd780af2c16a'

function evaluate(input: Uint8Array, gasLimit = 50_000) {
  const result = kzgPointEvaluationPrecompile(input, gasLimit)
  return result.ok ? { gasUsed: result.gasUsed, output: bytesToHex(result.output) } : result
}

describe('KZG point evaluation precompile (0x0a)', () => {
  it("verifies geth's vector and answers FIELD_ELEMENTS_PER_BLOB ‖ BLS_MODULUS for 50000 gas", () => {
    expect(evaluate(hexToBytes(`0x${GETH_VECTOR}`))).toEqual({ gasUsed: 50_000, output: SUCCESS })
  })

  it('verifies that the zero polynomial is 0 everywhere (commitment and proof at infinity)', () => {
    expect(evaluate(pointEvaluationInput(0n, 0n, INFINITY, INFINITY))).toEqual({
      gasUsed: 50_000,
      output: SUCCESS,
    })
    expect(evaluate(pointEvaluationInput(123456789n, 0n, INFINITY, INFINITY))).toEqual({
      gasUsed: 50_000,
      output: SUCCESS,
    })
  })

  it('fails for a claimed value the proof does not support', () => {
    expect(evaluate(pointEvaluationInput(5n, 1n, INFINITY, INFINITY))).toEqual({
      ok: false,
      reason: 'KZG proof does not verify',
    })
    const tampered = hexToBytes(`0x${GETH_VECTOR}`)
    tampered[95]! ^= 1
    expect(evaluate(tampered)).toMatchObject({ ok: false })
  })

  it('fails for z or y not below BLS_MODULUS', () => {
    expect(evaluate(pointEvaluationInput(BLS_MODULUS, 0n, INFINITY, INFINITY))).toMatchObject({ ok: false })
    expect(evaluate(pointEvaluationInput(0n, BLS_MODULUS, INFINITY, INFINITY))).toMatchObject({ ok: false })
  })

  it('fails for a commitment or proof that is not a valid compressed G1 point', () => {
    const notOnCurve = `80${'00'.repeat(46)}05`
    expect(evaluate(pointEvaluationInput(0n, 0n, notOnCurve, INFINITY))).toMatchObject({ ok: false })
    expect(evaluate(pointEvaluationInput(0n, 0n, INFINITY, notOnCurve))).toMatchObject({ ok: false })
  })

  it("fails when the versioned hash is not the commitment's", () => {
    const wrongVersion = hexToBytes(`0x${GETH_VECTOR}`)
    wrongVersion[0] = 0x02
    expect(evaluate(wrongVersion)).toEqual({
      ok: false,
      reason: 'versioned hash does not match the commitment',
    })
    const wrongHash = hexToBytes(`0x${GETH_VECTOR}`)
    wrongHash[31]! ^= 0x80
    expect(evaluate(wrongHash)).toEqual({ ok: false, reason: 'versioned hash does not match the commitment' })
  })

  it('fails unless the input is exactly 192 bytes', () => {
    const input = hexToBytes(`0x${GETH_VECTOR}`)
    expect(evaluate(input.subarray(0, 191))).toEqual({
      ok: false,
      reason: 'point evaluation input must be 192 bytes',
    })
    const longer = new Uint8Array(193)
    longer.set(input)
    expect(evaluate(longer)).toMatchObject({ ok: false })
  })

  it('fails out of gas below 50000', () => {
    expect(evaluate(hexToBytes(`0x${GETH_VECTOR}`), 49_999)).toEqual({ ok: false, reason: 'out of gas' })
  })
})
