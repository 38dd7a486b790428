import { pippenger } from '@noble/curves/abstract/curve.js'
import { bls12_381 } from '@noble/curves/bls12-381.js'
import { isZeroRange, readBigEndian, writeBigEndian } from './bigEndian.ts'
import { failure, failureFromError, InvalidPrecompileInputError, OUT_OF_GAS } from './result.ts'
import type { Precompile } from './types.ts'

/**
 * The BLS12-381 precompiles of EIP-2537 (Prague), with its final encodings and prices (those of
 * geth's params/protocol_params.go). A field element is 64 bytes big-endian whose top 16 bytes
 * must be zero and whose value must be below p; an Fp2 element is c0 ‖ c1; a point is x ‖ y, and all
 * zeros is the point at infinity. Every input must be on its curve; only MSM and pairing inputs
 * must also be in the prime-order subgroup. Inputs of the wrong length fail.
 */

/** EIP-2537 gas schedule (geth params.Bls12381*Gas). */
export const BLS12_G1ADD_GAS = 375
export const BLS12_G2ADD_GAS = 600
export const BLS12_G1MUL_GAS = 12_000
export const BLS12_G2MUL_GAS = 22_500
export const BLS12_PAIRING_BASE_GAS = 37_700
export const BLS12_PAIRING_PAIR_GAS = 32_600
export const BLS12_MAP_FP_TO_G1_GAS = 5_500
export const BLS12_MAP_FP2_TO_G2_GAS = 23_800
/** EIP-2537: MSM price = k * multiplication cost * discount(k) / 1000. */
const MSM_DISCOUNT_MULTIPLIER = 1000

/** EIP-2537's G1 MSM discounts for k = 1..128 (geth params.Bls12381G1MultiExpDiscountTable); k > 128 uses the last. */
// biome-ignore format: a table
const G1_MSM_DISCOUNTS = [
  1000, 949, 848, 797, 764, 750, 738, 728, 719, 712, 705, 698, 692, 687, 682, 677,
  673, 669, 665, 661, 658, 654, 651, 648, 645, 642, 640, 637, 635, 632, 630, 627,
  625, 623, 621, 619, 617, 615, 613, 611, 609, 608, 606, 604, 603, 601, 599, 598,
  596, 595, 593, 592, 591, 589, 588, 586, 585, 584, 582, 581, 580, 579, 577, 576,
  575, 574, 573, 572, 570, 569, 568, 567, 566, 565, 564, 563, 562, 561, 560, 559,
  558, 557, 556, 555, 554, 553, 552, 551, 550, 549, 548, 547, 547, 546, 545, 544,
  543, 542, 541, 540, 540, 539, 538, 537, 536, 536, 535, 534, 533, 532, 532, 531,
  530, 529, 528, 528, 527, 526, 525, 525, 524, 523, 522, 522, 521, 520, 520, 519,
]

/** EIP-2537's G2 MSM discounts for k = 1..128 (geth params.Bls12381G2MultiExpDiscountTable); k > 128 uses the last. */
// biome-ignore format: a table
const G2_MSM_DISCOUNTS = [
  1000, 1000, 923, 884, 855, 832, 812, 796, 782, 770, 759, 749, 740, 732, 724, 717,
  711, 704, 699, 693, 688, 683, 679, 674, 670, 666, 663, 659, 655, 652, 649, 646,
  643, 640, 637, 634, 632, 629, 627, 624, 622, 620, 618, 615, 613, 611, 609, 607,
  606, 604, 602, 600, 598, 597, 595, 593, 592, 590, 589, 587, 586, 584, 583, 582,
  580, 579, 578, 576, 575, 574, 573, 571, 570, 569, 568, 567, 566, 565, 563, 562,
  561, 560, 559, 558, 557, 556, 555, 554, 553, 552, 552, 551, 550, 549, 548, 547,
  546, 545, 545, 544, 543, 542, 541, 541, 540, 539, 538, 537, 537, 536, 535, 535,
  534, 533, 532, 532, 531, 530, 530, 529, 528, 528, 527, 526, 526, 525, 524, 524,
]

const FIELD_ELEMENT_LENGTH = 64
/** The zero bytes that pad a 48-byte field element to 64. */
const FIELD_ELEMENT_PADDING = 16
const G1_LENGTH = 2 * FIELD_ELEMENT_LENGTH
const G2_LENGTH = 4 * FIELD_ELEMENT_LENGTH
const SCALAR_LENGTH = 32
const G1_MSM_PAIR_LENGTH = G1_LENGTH + SCALAR_LENGTH
const G2_MSM_PAIR_LENGTH = G2_LENGTH + SCALAR_LENGTH
const PAIRING_PAIR_LENGTH = G1_LENGTH + G2_LENGTH

const { Fp, Fp2, Fp12 } = bls12_381.fields
const G1 = bls12_381.G1.Point
const G2 = bls12_381.G2.Point
type G1Point = typeof G1.BASE
type G2Point = typeof G2.BASE
const FIELD_MODULUS = Fp.ORDER
const GROUP_ORDER = G1.Fn.ORDER
const G1_B = G1.CURVE().b
const G2_B = G2.CURVE().b

/**
 * noble's hashers run RFC 9380's map_to_curve and clear_cofactor (no hashing) in `mapToCurve`, and
 * return the point; their type declares only the bare map (scalars to affine coordinates, always
 * an array). These are the signatures the code has: one bigint for G1 (m = 1), a pair for G2.
 */
const g1Hasher = bls12_381.G1 as unknown as { mapToCurve(u: bigint): G1Point }
const g2Hasher = bls12_381.G2 as unknown as { mapToCurve(u: [bigint, bigint]): G2Point }

const INVALID_G1ADD_LENGTH = failure('BLS12 G1ADD input must be 256 bytes')
const INVALID_G2ADD_LENGTH = failure('BLS12 G2ADD input must be 512 bytes')
const INVALID_G1MSM_LENGTH = failure('BLS12 G1MSM input must be a positive multiple of 160 bytes')
const INVALID_G2MSM_LENGTH = failure('BLS12 G2MSM input must be a positive multiple of 288 bytes')
const INVALID_PAIRING_LENGTH = failure('BLS12 PAIRING_CHECK input must be a positive multiple of 384 bytes')
const INVALID_MAP_FP_LENGTH = failure('BLS12 MAP_FP_TO_G1 input must be 64 bytes')
const INVALID_MAP_FP2_LENGTH = failure('BLS12 MAP_FP2_TO_G2 input must be 128 bytes')

/** 0x0b: the sum of two G1 points (on the curve, not necessarily in the subgroup). */
export const bls12G1AddPrecompile: Precompile = (input, gasLimit) => {
  if (BLS12_G1ADD_GAS > gasLimit) return OUT_OF_GAS
  if (input.length !== 2 * G1_LENGTH) return INVALID_G1ADD_LENGTH
  try {
    const sum = decodeG1(input, 0, false).add(decodeG1(input, G1_LENGTH, false))
    return { ok: true, gasUsed: BLS12_G1ADD_GAS, output: encodeG1(sum) }
  } catch (error) {
    return failureFromError(error)
  }
}

/** 0x0d: the sum of two G2 points (on the curve, not necessarily in the subgroup). */
export const bls12G2AddPrecompile: Precompile = (input, gasLimit) => {
  if (BLS12_G2ADD_GAS > gasLimit) return OUT_OF_GAS
  if (input.length !== 2 * G2_LENGTH) return INVALID_G2ADD_LENGTH
  try {
    const sum = decodeG2(input, 0, false).add(decodeG2(input, G2_LENGTH, false))
    return { ok: true, gasUsed: BLS12_G2ADD_GAS, output: encodeG2(sum) }
  } catch (error) {
    return failureFromError(error)
  }
}

/** 0x0c: sum of s_i * P_i over k (G1 point, 32-byte scalar) pairs; scalars may exceed the group order. */
export const bls12G1MsmPrecompile: Precompile = (input, gasLimit) => {
  const gasUsed = bls12G1MsmPrice(input.length)
  if (gasUsed > gasLimit) return OUT_OF_GAS
  if (input.length === 0 || input.length % G1_MSM_PAIR_LENGTH !== 0) return INVALID_G1MSM_LENGTH
  try {
    const points: G1Point[] = []
    const scalars: bigint[] = []
    for (let offset = 0; offset < input.length; offset += G1_MSM_PAIR_LENGTH) {
      const point = decodeG1(input, offset, true)
      const scalar = readBigEndian(input, offset + G1_LENGTH, SCALAR_LENGTH) % GROUP_ORDER
      if (point.is0() || scalar === 0n) continue
      points.push(point)
      scalars.push(scalar)
    }
    return { ok: true, gasUsed, output: encodeG1(multiScalarMultiplyG1(points, scalars)) }
  } catch (error) {
    return failureFromError(error)
  }
}

/** 0x0e: sum of s_i * Q_i over k (G2 point, 32-byte scalar) pairs; scalars may exceed the group order. */
export const bls12G2MsmPrecompile: Precompile = (input, gasLimit) => {
  const gasUsed = bls12G2MsmPrice(input.length)
  if (gasUsed > gasLimit) return OUT_OF_GAS
  if (input.length === 0 || input.length % G2_MSM_PAIR_LENGTH !== 0) return INVALID_G2MSM_LENGTH
  try {
    const points: G2Point[] = []
    const scalars: bigint[] = []
    for (let offset = 0; offset < input.length; offset += G2_MSM_PAIR_LENGTH) {
      const point = decodeG2(input, offset, true)
      const scalar = readBigEndian(input, offset + G2_LENGTH, SCALAR_LENGTH) % GROUP_ORDER
      if (point.is0() || scalar === 0n) continue
      points.push(point)
      scalars.push(scalar)
    }
    return { ok: true, gasUsed, output: encodeG2(multiScalarMultiplyG2(points, scalars)) }
  } catch (error) {
    return failureFromError(error)
  }
}

/**
 * 0x0f: whether the product of e(P_i, Q_i) over k (G1, G2) pairs is 1, as a 32-byte 0 or 1. All
 * points must be in their subgroups; pairs holding the point at infinity contribute 1.
 */
export const bls12PairingCheckPrecompile: Precompile = (input, gasLimit) => {
  const gasUsed = bls12PairingPrice(input.length)
  if (gasUsed > gasLimit) return OUT_OF_GAS
  if (input.length === 0 || input.length % PAIRING_PAIR_LENGTH !== 0) return INVALID_PAIRING_LENGTH
  try {
    const millerInputs: Parameters<typeof bls12_381.millerLoopBatch>[0] = []
    for (let offset = 0; offset < input.length; offset += PAIRING_PAIR_LENGTH) {
      const g1 = decodeG1(input, offset, true)
      const g2 = decodeG2(input, offset + G1_LENGTH, true)
      if (g1.is0() || g2.is0()) continue
      const { x, y } = g1.toAffine()
      millerInputs.push([bls12_381.utils.calcPairingPrecomputes(g2), x, y])
    }
    const isOne =
      millerInputs.length === 0 ||
      Fp12.eql(Fp12.finalExponentiate(bls12_381.millerLoopBatch(millerInputs)), Fp12.ONE)
    const output = new Uint8Array(32)
    output[31] = isOne ? 1 : 0
    return { ok: true, gasUsed, output }
  } catch (error) {
    return failureFromError(error)
  }
}

/** 0x10: RFC 9380's map_to_curve (simplified SWU, 11-isogeny) of an Fp element, cofactor cleared into G1. */
export const bls12MapFpToG1Precompile: Precompile = (input, gasLimit) => {
  if (BLS12_MAP_FP_TO_G1_GAS > gasLimit) return OUT_OF_GAS
  if (input.length !== FIELD_ELEMENT_LENGTH) return INVALID_MAP_FP_LENGTH
  try {
    const point = g1Hasher.mapToCurve(readFieldElement(input, 0))
    return { ok: true, gasUsed: BLS12_MAP_FP_TO_G1_GAS, output: encodeG1(point) }
  } catch (error) {
    return failureFromError(error)
  }
}

/** 0x11: RFC 9380's map_to_curve (simplified SWU, 3-isogeny) of an Fp2 element, cofactor cleared into G2. */
export const bls12MapFp2ToG2Precompile: Precompile = (input, gasLimit) => {
  if (BLS12_MAP_FP2_TO_G2_GAS > gasLimit) return OUT_OF_GAS
  if (input.length !== 2 * FIELD_ELEMENT_LENGTH) return INVALID_MAP_FP2_LENGTH
  try {
    const c0 = readFieldElement(input, 0)
    const c1 = readFieldElement(input, FIELD_ELEMENT_LENGTH)
    const point = g2Hasher.mapToCurve([c0, c1])
    return { ok: true, gasUsed: BLS12_MAP_FP2_TO_G2_GAS, output: encodeG2(point) }
  } catch (error) {
    return failureFromError(error)
  }
}

/** What 0x0c charges for an input of `inputLength` bytes. */
export function bls12G1MsmPrice(inputLength: number): number {
  return msmPrice(inputLength, G1_MSM_PAIR_LENGTH, BLS12_G1MUL_GAS, G1_MSM_DISCOUNTS)
}

/** What 0x0e charges for an input of `inputLength` bytes. */
export function bls12G2MsmPrice(inputLength: number): number {
  return msmPrice(inputLength, G2_MSM_PAIR_LENGTH, BLS12_G2MUL_GAS, G2_MSM_DISCOUNTS)
}

/** What 0x0f charges: the base and a price per whole pair (a partial one makes the call fail). */
export function bls12PairingPrice(inputLength: number): number {
  return BLS12_PAIRING_BASE_GAS + BLS12_PAIRING_PAIR_GAS * Math.floor(inputLength / PAIRING_PAIR_LENGTH)
}

/** geth's MSM price: k = floor(length / pair length) pairs, 0 when there are none (the call then fails). */
function msmPrice(
  inputLength: number,
  pairLength: number,
  multiplicationGas: number,
  discounts: readonly number[],
): number {
  const pairCount = Math.floor(inputLength / pairLength)
  if (pairCount === 0) return 0
  const discount = discounts[Math.min(pairCount, discounts.length) - 1]!
  return Math.floor((pairCount * multiplicationGas * discount) / MSM_DISCOUNT_MULTIPLIER)
}

/** Σ scalars[i] * points[i], none of them zero or infinity; a lone pair is one plain multiplication. */
function multiScalarMultiplyG1(points: G1Point[], scalars: bigint[]): G1Point {
  if (points.length === 0) return G1.ZERO
  if (points.length === 1) return points[0]!.multiplyUnsafe(scalars[0]!)
  return pippenger(G1, points, scalars)
}

/** Σ scalars[i] * points[i], none of them zero or infinity; a lone pair is one plain multiplication. */
function multiScalarMultiplyG2(points: G2Point[], scalars: bigint[]): G2Point {
  if (points.length === 0) return G2.ZERO
  if (points.length === 1) return points[0]!.multiplyUnsafe(scalars[0]!)
  return pippenger(G2, points, scalars)
}

function readFieldElement(input: Uint8Array, offset: number): bigint {
  if (!isZeroRange(input, offset, FIELD_ELEMENT_PADDING))
    throw new InvalidPrecompileInputError('BLS12 field element has non-zero top 16 bytes')
  const value = readBigEndian(
    input,
    offset + FIELD_ELEMENT_PADDING,
    FIELD_ELEMENT_LENGTH - FIELD_ELEMENT_PADDING,
  )
  if (value >= FIELD_MODULUS)
    throw new InvalidPrecompileInputError('BLS12 field element is not below the field modulus')
  return value
}

function decodeG1(input: Uint8Array, offset: number, mustBeInSubgroup: boolean): G1Point {
  const x = readFieldElement(input, offset)
  const y = readFieldElement(input, offset + FIELD_ELEMENT_LENGTH)
  if (x === 0n && y === 0n) return G1.ZERO
  // y^2 = x^3 + 4
  if (!Fp.eql(Fp.sqr(y), Fp.add(Fp.mul(Fp.sqr(x), x), G1_B)))
    throw new InvalidPrecompileInputError('BLS12 G1 point is not on the curve')
  const point = G1.fromAffine({ x, y })
  if (mustBeInSubgroup && !point.isTorsionFree())
    throw new InvalidPrecompileInputError('BLS12 G1 point is not in the subgroup')
  return point
}

function decodeG2(input: Uint8Array, offset: number, mustBeInSubgroup: boolean): G2Point {
  const xReal = readFieldElement(input, offset)
  const xImaginary = readFieldElement(input, offset + FIELD_ELEMENT_LENGTH)
  const yReal = readFieldElement(input, offset + 2 * FIELD_ELEMENT_LENGTH)
  const yImaginary = readFieldElement(input, offset + 3 * FIELD_ELEMENT_LENGTH)
  if (xReal === 0n && xImaginary === 0n && yReal === 0n && yImaginary === 0n) return G2.ZERO
  const x = Fp2.fromBigTuple([xReal, xImaginary])
  const y = Fp2.fromBigTuple([yReal, yImaginary])
  // y^2 = x^3 + 4(1 + i)
  if (!Fp2.eql(Fp2.sqr(y), Fp2.add(Fp2.mul(Fp2.sqr(x), x), G2_B)))
    throw new InvalidPrecompileInputError('BLS12 G2 point is not on the curve')
  const point = G2.fromAffine({ x, y })
  if (mustBeInSubgroup && !point.isTorsionFree())
    throw new InvalidPrecompileInputError('BLS12 G2 point is not in the subgroup')
  return point
}

function encodeG1(point: G1Point): Uint8Array {
  const output = new Uint8Array(G1_LENGTH)
  const { x, y } = point.toAffine()
  writeBigEndian(output, FIELD_ELEMENT_PADDING, 48, x)
  writeBigEndian(output, FIELD_ELEMENT_LENGTH + FIELD_ELEMENT_PADDING, 48, y)
  return output
}

function encodeG2(point: G2Point): Uint8Array {
  const output = new Uint8Array(G2_LENGTH)
  const { x, y } = point.toAffine()
  writeBigEndian(output, FIELD_ELEMENT_PADDING, 48, x.c0)
  writeBigEndian(output, FIELD_ELEMENT_LENGTH + FIELD_ELEMENT_PADDING, 48, x.c1)
  writeBigEndian(output, 2 * FIELD_ELEMENT_LENGTH + FIELD_ELEMENT_PADDING, 48, y.c0)
  writeBigEndian(output, 3 * FIELD_ELEMENT_LENGTH + FIELD_ELEMENT_PADDING, 48, y.c1)
  return output
}
