/**
 * Inputs for the precompiles 0x01..0x11 as the generator calls them: mostly well-formed (valid
 * signatures, points on the curves, the zero polynomial's KZG proof) so the precompile does its
 * work, and sometimes malformed (wrong length, off-curve or off-subgroup points, out-of-range field
 * elements, bad flags) so it fails and the caller loses the gas it gave.
 */
import { bn254 } from '@noble/curves/bn254.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes } from '@noble/hashes/utils.js'
import {
  BLS_FIELD_MODULUS,
  BLS_GROUP_ORDER,
  encodeFp,
  encodeG1,
  encodeG2,
  encodeScalar,
  G1,
  G2,
  offCurveG1,
  offCurveG2,
  offSubgroupG1,
  offSubgroupG2,
} from './blsEncoding.ts'
import type { Random } from './createRandom.ts'

const word = encodeScalar

/** A valid ecrecover input: hash ‖ v ‖ r ‖ s of a signature by a fixed key. */
const ECRECOVER_VALID = (() => {
  const hash = sha256(new TextEncoder().encode('velox differential'))
  const signature = secp256k1.sign(hash, new Uint8Array(32).fill(7), { prehash: false, format: 'recovered' })
  return concatBytes(
    hash,
    word(27n + BigInt(signature[0]!)),
    signature.subarray(1, 33),
    signature.subarray(33),
  )
})()

const BN_G1 = bn254.G1.Point
const BN_G2 = bn254.G2.Point
function bnG1(point: typeof BN_G1.BASE): Uint8Array {
  if (point.is0()) return new Uint8Array(64)
  const { x, y } = point.toAffine()
  return concatBytes(word(x), word(y))
}
/** EIP-197 orders an Fp2 coordinate imaginary part first. */
function bnG2(point: typeof BN_G2.BASE): Uint8Array {
  if (point.is0()) return new Uint8Array(128)
  const { x, y } = point.toAffine()
  return concatBytes(word(x.c1), word(x.c0), word(y.c1), word(y.c0))
}
const BN_POINTS = [
  bnG1(BN_G1.BASE),
  bnG1(BN_G1.BASE.multiply(2n)),
  bnG1(BN_G1.ZERO),
  bnG1(BN_G1.BASE.negate()),
]
const BN_OFF_CURVE = concatBytes(word(1n), word(3n))

/**
 * EIP-4844: the zero polynomial's commitment and proof are the point at infinity (0xc0, then
 * zeros), and it evaluates to 0 anywhere: a valid point evaluation for every z.
 */
const KZG_INFINITY = (() => {
  const point = new Uint8Array(48)
  point[0] = 0xc0
  return point
})()
const KZG_VERSIONED_HASH = (() => {
  const hash = sha256(KZG_INFINITY)
  hash[0] = 0x01
  return hash
})()
const KZG_FIELD_MODULUS = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001n

const BLS_G1_POINTS = [encodeG1(G1.BASE), encodeG1(G1.BASE.multiply(3n)), encodeG1(G1.ZERO)]
const BLS_G2_POINTS = [encodeG2(G2.BASE), encodeG2(G2.BASE.multiply(5n)), encodeG2(G2.ZERO)]
const BLS_BAD_G1 = [offCurveG1(G1.BASE.multiply(2n)), offSubgroupG1(7n)]
const BLS_BAD_G2 = [offCurveG2(G2.BASE.multiply(2n)), offSubgroupG2(3n)]

export function precompileInput(random: Random, index: number): Uint8Array {
  const malformed = random.chance(0.25)
  switch (index) {
    case 0x01: {
      if (!malformed) return ECRECOVER_VALID
      const input = ECRECOVER_VALID.slice()
      return random.pick([
        () => input.subarray(0, random.int(128)),
        () => {
          input[63] = 29
          return input
        },
        () => random.bytes(128),
      ])()
    }
    case 0x02:
    case 0x03:
    case 0x04:
      return random.bytes(random.pick([0, 1, 32, 33, random.int(200)]))
    case 0x05:
      return modexpInput(random, malformed)
    case 0x06:
      if (malformed)
        return random.pick([concatBytes(BN_OFF_CURVE, BN_POINTS[0]!), random.bytes(random.int(64))])
      return concatBytes(random.pick(BN_POINTS), random.pick(BN_POINTS))
    case 0x07:
      if (malformed) return concatBytes(BN_OFF_CURVE, word(2n))
      return concatBytes(
        random.pick(BN_POINTS),
        word(random.pick([0n, 1n, 2n, random.word(), bn254.G1.Point.Fn.ORDER])),
      ).subarray(0, random.chance(0.1) ? 80 : 96)
    case 0x08: {
      const pair = (g1: Uint8Array) => concatBytes(g1, bnG2(BN_G2.BASE))
      if (malformed) return random.pick([pair(BN_POINTS[0]!).subarray(0, 191), pair(BN_OFF_CURVE)])
      return random.pick([
        new Uint8Array(0),
        pair(BN_POINTS[0]!),
        concatBytes(pair(BN_POINTS[0]!), pair(BN_POINTS[3]!)),
      ])
    }
    case 0x09: {
      const rounds = new Uint8Array(4)
      rounds[3] = random.int(24)
      const flag = Uint8Array.of(malformed ? 2 : random.int(2))
      const input = concatBytes(rounds, random.bytes(64 + 128 + 16), flag)
      return malformed && random.chance(0.5) ? input.subarray(0, 212) : input
    }
    case 0x0a: {
      const z = random.word() % KZG_FIELD_MODULUS
      const y = malformed ? 1n : 0n
      const input = concatBytes(KZG_VERSIONED_HASH, word(z), word(y), KZG_INFINITY, KZG_INFINITY)
      return malformed && random.chance(0.5) ? input.subarray(0, 191) : input
    }
    case 0x0b:
      return concatBytes(
        malformed ? random.pick(BLS_BAD_G1) : random.pick(BLS_G1_POINTS),
        random.pick(BLS_G1_POINTS),
      )
    case 0x0c:
      return msmInput(random, malformed, BLS_G1_POINTS, BLS_BAD_G1)
    case 0x0d:
      return concatBytes(
        malformed ? random.pick(BLS_BAD_G2) : random.pick(BLS_G2_POINTS),
        random.pick(BLS_G2_POINTS),
      )
    case 0x0e:
      return msmInput(random, malformed, BLS_G2_POINTS, BLS_BAD_G2)
    case 0x0f: {
      if (malformed) return concatBytes(random.pick(BLS_BAD_G1), BLS_G2_POINTS[0]!)
      const pair = () => concatBytes(random.pick(BLS_G1_POINTS), random.pick(BLS_G2_POINTS))
      return random.chance(0.5)
        ? pair()
        : concatBytes(encodeG1(G1.BASE), encodeG2(G2.BASE), encodeG1(G1.BASE.negate()), encodeG2(G2.BASE))
    }
    case 0x10:
      return malformed ? encodeFp(BLS_FIELD_MODULUS + BigInt(random.int(3))) : encodeFp(randomFp(random))
    case 0x11:
      return concatBytes(
        encodeFp(randomFp(random)),
        encodeFp(malformed ? BLS_FIELD_MODULUS : randomFp(random)),
      )
    default:
      return random.bytes(random.int(64))
  }
}

function randomFp(random: Random): bigint {
  return (random.word() << 128n) % BLS_FIELD_MODULUS
}

function msmInput(random: Random, malformed: boolean, points: Uint8Array[], bad: Uint8Array[]): Uint8Array {
  const pairs: Uint8Array[] = []
  const count = 1 + random.int(3)
  for (let i = 0; i < count; i++) {
    const scalar = random.pick([0n, 1n, 2n, BLS_GROUP_ORDER, random.word()])
    pairs.push(concatBytes(random.pick(points), encodeScalar(scalar)))
  }
  if (malformed) pairs[0] = concatBytes(random.pick(bad), encodeScalar(3n))
  return concatBytes(...pairs)
}

/** EIP-198: bLen ‖ eLen ‖ mLen ‖ base ‖ exponent ‖ modulus. */
function modexpInput(random: Random, malformed: boolean): Uint8Array {
  if (malformed)
    return random.pick([
      // A 2^32-byte exponent: priced far beyond any gas.
      () => concatBytes(word(1n), word(1n << 32n), word(1n), Uint8Array.of(3, 0xff, 7)),
      // Lengths that claim more than the input holds: the rest reads as zeros.
      () => concatBytes(word(40n), word(3n), word(40n), random.bytes(10)),
      () => random.bytes(random.int(100)),
    ])()
  const baseLength = random.pick([0, 1, 32, random.int(40)])
  const exponentLength = random.pick([0, 1, 2, 32, 33, random.int(40)])
  const modulusLength = random.pick([0, 1, 32, random.int(40)])
  const modulus = random.bytes(modulusLength)
  if (random.chance(0.2)) modulus.fill(0)
  return concatBytes(
    word(BigInt(baseLength)),
    word(BigInt(exponentLength)),
    word(BigInt(modulusLength)),
    random.bytes(baseLength),
    random.bytes(exponentLength),
    modulus,
  )
}
