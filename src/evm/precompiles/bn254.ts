import { bn254 } from '@noble/curves/bn254.js'
import { isZeroRange, readBigEndian, writeBigEndian } from './bigEndian.ts'
import { failure, failureFromError, InvalidPrecompileInputError, OUT_OF_GAS } from './result.ts'
import type { Precompile } from './types.ts'

/**
 * The alt_bn128 (bn254) precompiles of EIP-196 and EIP-197, at EIP-1108's prices. Points are
 * big-endian 32-byte coordinates, (0, 0) is the point at infinity; a G2 coordinate in Fp2 is written
 * imaginary part first. Inputs to add and mul are zero-padded or truncated to their fixed size.
 */

/** EIP-1108 (geth params.Bn256AddGasIstanbul). */
export const BN254_ADD_GAS = 150
/** EIP-1108 (geth params.Bn256ScalarMulGasIstanbul). */
export const BN254_MUL_GAS = 6000
/** EIP-1108 (geth params.Bn256PairingBaseGasIstanbul and Bn256PairingPerPointGasIstanbul). */
export const BN254_PAIRING_BASE_GAS = 45_000
export const BN254_PAIRING_PAIR_GAS = 34_000

const G1_LENGTH = 64
const G2_LENGTH = 128
const PAIR_LENGTH = G1_LENGTH + G2_LENGTH

const { Fp, Fp2, Fp12 } = bn254.fields
const G1 = bn254.G1.Point
const G2 = bn254.G2.Point
type G1Point = typeof G1.BASE
type G2Point = typeof G2.BASE
const FIELD_MODULUS = Fp.ORDER
const GROUP_ORDER = G1.Fn.ORDER
const G1_B = G1.CURVE().b
const G2_B = G2.CURVE().b

const INVALID_PAIRING_LENGTH = failure('bn254 pairing input must be a multiple of 192 bytes')

/** 0x06: the sum of two G1 points. */
export const bn254AddPrecompile: Precompile = (input, gasLimit) => {
  if (BN254_ADD_GAS > gasLimit) return OUT_OF_GAS
  try {
    const sum = decodeG1(input, 0).add(decodeG1(input, G1_LENGTH))
    return { ok: true, gasUsed: BN254_ADD_GAS, output: encodeG1(sum) }
  } catch (error) {
    return failureFromError(error)
  }
}

/** 0x07: a G1 point times a 256-bit scalar (any value: G1 has prime order, so it is taken mod n). */
export const bn254MulPrecompile: Precompile = (input, gasLimit) => {
  if (BN254_MUL_GAS > gasLimit) return OUT_OF_GAS
  try {
    const point = decodeG1(input, 0)
    const scalar = readBigEndian(input, G1_LENGTH, 32) % GROUP_ORDER
    return { ok: true, gasUsed: BN254_MUL_GAS, output: encodeG1(point.multiplyUnsafe(scalar)) }
  } catch (error) {
    return failureFromError(error)
  }
}

/**
 * 0x08: whether the product of the pairings e(P_i, Q_i) of the (G1, G2) pairs is 1, as a 32-byte
 * 0 or 1. Every point is validated (G2 points for the subgroup too) before any pairing; pairs with
 * the point at infinity contribute 1. No pairs at all is a product of 1.
 */
export const bn254PairingPrecompile: Precompile = (input, gasLimit) => {
  const gasUsed = bn254PairingPrice(input.length)
  if (gasUsed > gasLimit) return OUT_OF_GAS
  if (input.length % PAIR_LENGTH !== 0) return INVALID_PAIRING_LENGTH
  try {
    const millerInputs: Parameters<typeof bn254.millerLoopBatch>[0] = []
    for (let offset = 0; offset < input.length; offset += PAIR_LENGTH) {
      const g1 = decodeG1(input, offset)
      const g2 = decodeG2(input, offset + G1_LENGTH)
      if (g1.is0() || g2.is0()) continue
      const { x, y } = g1.toAffine()
      millerInputs.push([bn254.utils.calcPairingPrecomputes(g2), x, y])
    }
    const isOne =
      millerInputs.length === 0 ||
      Fp12.eql(Fp12.finalExponentiate(bn254.millerLoopBatch(millerInputs)), Fp12.ONE)
    const output = new Uint8Array(32)
    output[31] = isOne ? 1 : 0
    return { ok: true, gasUsed, output }
  } catch (error) {
    return failureFromError(error)
  }
}

/** What 0x08 charges: the base and a price per whole 192-byte pair (a partial one makes the call fail). */
export function bn254PairingPrice(inputLength: number): number {
  return BN254_PAIRING_BASE_GAS + BN254_PAIRING_PAIR_GAS * Math.floor(inputLength / PAIR_LENGTH)
}

function decodeG1(input: Uint8Array, offset: number): G1Point {
  const x = readBigEndian(input, offset, 32)
  const y = readBigEndian(input, offset + 32, 32)
  if (x >= FIELD_MODULUS || y >= FIELD_MODULUS)
    throw new InvalidPrecompileInputError('bn254 G1 coordinate is not below the field modulus')
  if (x === 0n && y === 0n) return G1.ZERO
  // y^2 = x^3 + 3
  if (!Fp.eql(Fp.sqr(y), Fp.add(Fp.mul(Fp.sqr(x), x), G1_B)))
    throw new InvalidPrecompileInputError('bn254 G1 point is not on the curve')
  return G1.fromAffine({ x, y })
}

function decodeG2(input: Uint8Array, offset: number): G2Point {
  const xImaginary = readBigEndian(input, offset, 32)
  const xReal = readBigEndian(input, offset + 32, 32)
  const yImaginary = readBigEndian(input, offset + 64, 32)
  const yReal = readBigEndian(input, offset + 96, 32)
  if (
    xImaginary >= FIELD_MODULUS ||
    xReal >= FIELD_MODULUS ||
    yImaginary >= FIELD_MODULUS ||
    yReal >= FIELD_MODULUS
  )
    throw new InvalidPrecompileInputError('bn254 G2 coordinate is not below the field modulus')
  if (isZeroRange(input, offset, G2_LENGTH)) return G2.ZERO
  const x = Fp2.fromBigTuple([xReal, xImaginary])
  const y = Fp2.fromBigTuple([yReal, yImaginary])
  // y^2 = x^3 + 3 / (9 + i), the twist
  if (!Fp2.eql(Fp2.sqr(y), Fp2.add(Fp2.mul(Fp2.sqr(x), x), G2_B)))
    throw new InvalidPrecompileInputError('bn254 G2 point is not on the curve')
  const point = G2.fromAffine({ x, y })
  if (!point.isTorsionFree()) throw new InvalidPrecompileInputError('bn254 G2 point is not in the subgroup')
  return point
}

function encodeG1(point: G1Point): Uint8Array {
  const output = new Uint8Array(G1_LENGTH)
  const { x, y } = point.toAffine()
  writeBigEndian(output, 0, 32, x)
  writeBigEndian(output, 32, 32, y)
  return output
}
