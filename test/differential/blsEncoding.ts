/**
 * EIP-2537's encodings of BLS12-381 values, built with @noble/curves: a field element is 64 bytes
 * (16 zero bytes, then 48 big-endian), an Fp2 element is c0 ‖ c1, a point is x ‖ y with all zeros
 * for infinity, a scalar is 32 bytes. Also points that are on the curve but outside the prime-order
 * subgroup, which MSM and pairing must reject and addition must accept.
 */
import { bls12_381 } from '@noble/curves/bls12-381.js'
import { concatBytes } from '@noble/hashes/utils.js'

const { Fp, Fp2 } = bls12_381.fields
export const G1 = bls12_381.G1.Point
export const G2 = bls12_381.G2.Point
export type G1Point = typeof G1.BASE
export type G2Point = typeof G2.BASE
/** The base field's modulus p. */
export const BLS_FIELD_MODULUS = Fp.ORDER
/** The order of G1 and G2. */
export const BLS_GROUP_ORDER = G1.Fn.ORDER

const FIELD_BYTES = 48
const FIELD_PADDING = 16

export function encodeFp(value: bigint): Uint8Array {
  const out = new Uint8Array(FIELD_PADDING + FIELD_BYTES)
  for (let i = out.length - 1, rest = value; i >= FIELD_PADDING; i--, rest >>= 8n)
    out[i] = Number(rest & 0xffn)
  return out
}

export function encodeScalar(value: bigint): Uint8Array {
  const out = new Uint8Array(32)
  for (let i = 31, rest = value; i >= 0; i--, rest >>= 8n) out[i] = Number(rest & 0xffn)
  return out
}

export function encodeG1(point: G1Point): Uint8Array {
  if (point.is0()) return new Uint8Array(128)
  const { x, y } = point.toAffine()
  return concatBytes(encodeFp(x), encodeFp(y))
}

export function encodeG2(point: G2Point): Uint8Array {
  if (point.is0()) return new Uint8Array(256)
  const { x, y } = point.toAffine()
  return concatBytes(encodeFp(x.c0), encodeFp(x.c1), encodeFp(y.c0), encodeFp(y.c1))
}

/** A G1 encoding of (x, y) with y + 1: not on the curve. */
export function offCurveG1(point: G1Point): Uint8Array {
  const { x, y } = point.toAffine()
  return concatBytes(encodeFp(x), encodeFp(Fp.add(y, 1n)))
}

export function offCurveG2(point: G2Point): Uint8Array {
  const { x, y } = point.toAffine()
  return concatBytes(encodeFp(x.c0), encodeFp(x.c1), encodeFp(Fp.add(y.c0, 1n)), encodeFp(y.c1))
}

/** On y² = x³ + 4 with the smallest x ≥ `from` that has a root; the cofactor keeps it out of G1. */
export function offSubgroupG1(from: bigint): Uint8Array {
  for (let x = from; ; x++) {
    const rhs = Fp.add(Fp.mul(Fp.sqr(x), x), 4n)
    let y: bigint
    try {
      y = Fp.sqrt(rhs)
    } catch {
      continue
    }
    return concatBytes(encodeFp(x), encodeFp(y))
  }
}

/** On y² = x³ + 4(1 + i) with x = (from + k, 1) for the smallest k that has a root. */
export function offSubgroupG2(from: bigint): Uint8Array {
  const b = Fp2.create({ c0: 4n, c1: 4n })
  for (let c0 = from; ; c0++) {
    const x = Fp2.create({ c0, c1: 1n })
    const rhs = Fp2.add(Fp2.mul(Fp2.sqr(x), x), b)
    let y: typeof x
    try {
      y = Fp2.sqrt(rhs)
    } catch {
      continue
    }
    return concatBytes(encodeFp(x.c0), encodeFp(x.c1), encodeFp(y.c0), encodeFp(y.c1))
  }
}
