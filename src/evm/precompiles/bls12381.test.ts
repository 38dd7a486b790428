import { bls12_381 } from '@noble/curves/bls12-381.js'
import { describe, expect, it } from 'vitest'
import { bytesToHex, hexToBytes } from '../../primitives/hex.ts'
import {
  bls12G1AddPrecompile,
  bls12G1MsmPrecompile,
  bls12G2AddPrecompile,
  bls12G2MsmPrecompile,
  bls12MapFp2ToG2Precompile,
  bls12MapFpToG1Precompile,
  bls12PairingCheckPrecompile,
} from './bls12381.ts'
import type { PrecompileResult } from './types.ts'

const G1 = bls12_381.G1.Point
const G2 = bls12_381.G2.Point
type G1Point = typeof G1.BASE
type G2Point = typeof G2.BASE
const { Fp, Fp2 } = bls12_381.fields
const P = Fp.ORDER
const Q = G1.Fn.ORDER
const MAX_GAS = 100_000_000

/** A 64-byte field element: 16 zero bytes, then 48 bytes big-endian. */
const fp = (value: bigint) => value.toString(16).padStart(128, '0')
const scalar = (value: bigint) => value.toString(16).padStart(64, '0')
function g1Hex(point: G1Point): string {
  const { x, y } = point.toAffine()
  return fp(x) + fp(y)
}
function g2Hex(point: G2Point): string {
  const { x, y } = point.toAffine()
  return fp(x.c0) + fp(x.c1) + fp(y.c0) + fp(y.c1)
}
const INFINITY_G1 = '0'.repeat(256)
const INFINITY_G2 = '0'.repeat(512)
const input = (hex: string) => hexToBytes(`0x${hex}`)
const TRUE = scalar(1n)
const FALSE = scalar(0n)

function output(result: PrecompileResult): string {
  if (!result.ok) throw new Error(`call failed: ${result.reason}`)
  return bytesToHex(result.output).slice(2)
}

/** A point on E(Fp), y^2 = x^3 + 4, outside G1: its cofactor is about 2^126, so nearly all are. */
function curvePointOutsideG1(): G1Point {
  for (let x = 1n; ; x++) {
    let y: bigint
    try {
      y = Fp.sqrt(Fp.add(Fp.mul(Fp.sqr(x), x), 4n))
    } catch {
      continue
    }
    const point = G1.fromAffine({ x, y })
    if (!point.isTorsionFree()) return point
  }
}

/** A point on E'(Fp2), y^2 = x^3 + 4(1 + i), outside G2. */
function twistPointOutsideG2(): G2Point {
  const b = G2.CURVE().b
  for (let k = 1n; ; k++) {
    const x = Fp2.fromBigTuple([k, 1n])
    let y: ReturnType<typeof Fp2.sqrt>
    try {
      y = Fp2.sqrt(Fp2.add(Fp2.mul(Fp2.sqr(x), x), b))
    } catch {
      continue
    }
    const point = G2.fromAffine({ x, y })
    if (!point.isTorsionFree()) return point
  }
}

const outsideG1 = curvePointOutsideG1()
const outsideG2 = twistPointOutsideG2()
const notOnG1Curve = fp(1n) + fp(1n)
const notOnG2Curve = fp(1n) + fp(1n) + fp(1n) + fp(1n)

describe('BLS12 G1ADD precompile (0x0b)', () => {
  it('adds 2G + 3G = 5G (5G by noble multiplication) for 375 gas', () => {
    const result = bls12G1AddPrecompile(input(g1Hex(G1.BASE.multiply(2n)) + g1Hex(G1.BASE.multiply(3n))), 375)
    expect(result.ok && result.gasUsed).toBe(375)
    expect(output(result)).toBe(g1Hex(G1.BASE.multiply(5n)))
  })

  it('answers infinity for P + (-P) and for infinity + infinity, P for P + infinity', () => {
    const point = G1.BASE.multiply(0xabcdefn)
    expect(output(bls12G1AddPrecompile(input(g1Hex(point) + g1Hex(point.negate())), 375))).toBe(INFINITY_G1)
    expect(output(bls12G1AddPrecompile(input(INFINITY_G1 + INFINITY_G1), 375))).toBe(INFINITY_G1)
    expect(output(bls12G1AddPrecompile(input(INFINITY_G1 + g1Hex(point)), 375))).toBe(g1Hex(point))
  })

  it('adds points on the curve outside the subgroup (EIP-2537: no subgroup check for ADD)', () => {
    const result = bls12G1AddPrecompile(input(g1Hex(outsideG1) + g1Hex(G1.BASE)), 375)
    expect(output(result)).toBe(g1Hex(outsideG1.add(G1.BASE)))
  })

  it('fails for a point off the curve', () => {
    expect(bls12G1AddPrecompile(input(notOnG1Curve + INFINITY_G1), 375)).toEqual({
      ok: false,
      reason: 'BLS12 G1 point is not on the curve',
    })
  })

  it('fails for a field element with non-zero top bytes, or not below p', () => {
    const topByte = `01${g1Hex(G1.BASE).slice(2)}`
    expect(bls12G1AddPrecompile(input(topByte + INFINITY_G1), 375)).toEqual({
      ok: false,
      reason: 'BLS12 field element has non-zero top 16 bytes',
    })
    const { x, y } = G1.BASE.toAffine()
    expect(bls12G1AddPrecompile(input(fp(x + P) + fp(y) + INFINITY_G1), 375)).toEqual({
      ok: false,
      reason: 'BLS12 field element is not below the field modulus',
    })
  })

  it('fails unless the input is exactly 256 bytes, and out of gas below 375', () => {
    expect(bls12G1AddPrecompile(input(INFINITY_G1 + INFINITY_G1.slice(2)), 375)).toMatchObject({ ok: false })
    expect(bls12G1AddPrecompile(input(`${INFINITY_G1 + INFINITY_G1}00`), 375)).toMatchObject({ ok: false })
    expect(bls12G1AddPrecompile(input(INFINITY_G1 + INFINITY_G1), 374)).toEqual({
      ok: false,
      reason: 'out of gas',
    })
  })
})

describe('BLS12 G2ADD precompile (0x0d)', () => {
  it('adds 2G + 3G = 5G for 600 gas', () => {
    const result = bls12G2AddPrecompile(input(g2Hex(G2.BASE.multiply(2n)) + g2Hex(G2.BASE.multiply(3n))), 600)
    expect(result.ok && result.gasUsed).toBe(600)
    expect(output(result)).toBe(g2Hex(G2.BASE.multiply(5n)))
  })

  it('answers infinity for Q + (-Q), and adds points outside the subgroup', () => {
    const point = G2.BASE.multiply(77n)
    expect(output(bls12G2AddPrecompile(input(g2Hex(point) + g2Hex(point.negate())), 600))).toBe(INFINITY_G2)
    expect(output(bls12G2AddPrecompile(input(g2Hex(outsideG2) + g2Hex(point)), 600))).toBe(
      g2Hex(outsideG2.add(point)),
    )
  })

  it('fails for a point off the curve, a bad encoding, a bad length, or too little gas', () => {
    expect(bls12G2AddPrecompile(input(notOnG2Curve + INFINITY_G2), 600)).toEqual({
      ok: false,
      reason: 'BLS12 G2 point is not on the curve',
    })
    const topByte = `${g2Hex(G2.BASE).slice(0, 128)}01${g2Hex(G2.BASE).slice(130)}`
    expect(bls12G2AddPrecompile(input(topByte + INFINITY_G2), 600)).toMatchObject({ ok: false })
    expect(bls12G2AddPrecompile(input(INFINITY_G2), 600)).toMatchObject({ ok: false })
    expect(bls12G2AddPrecompile(input(INFINITY_G2 + INFINITY_G2), 599)).toEqual({
      ok: false,
      reason: 'out of gas',
    })
  })
})

describe('BLS12 G1MSM precompile (0x0c)', () => {
  // k * 12000 * discount(k) / 1000 with EIP-2537's G1 table: 1000, 949, 848, ..., 519 from k = 128 on.
  it.each([
    [1, 12_000],
    [2, 22_776],
    [3, 30_528],
    [128, 797_184],
    [129, 803_412],
    [200, 1_245_600],
  ])('prices %i pairs at %i gas', (pairs, gas) => {
    const pairsOfInfinity = new Uint8Array(160 * pairs)
    expect(bls12G1MsmPrecompile(pairsOfInfinity, MAX_GAS)).toEqual({
      ok: true,
      gasUsed: gas,
      output: new Uint8Array(128),
    })
    expect(bls12G1MsmPrecompile(pairsOfInfinity, gas - 1)).toEqual({ ok: false, reason: 'out of gas' })
  })

  it('computes a sum of multiples, scalars at or above the group order included', () => {
    const a = G1.BASE.multiply(11n)
    const b = G1.BASE.multiply(13n)
    const msm = input(g1Hex(a) + scalar(2n) + g1Hex(b) + scalar(Q + 3n) + INFINITY_G1 + scalar(5n))
    expect(output(bls12G1MsmPrecompile(msm, MAX_GAS))).toBe(g1Hex(G1.BASE.multiply(22n + 39n)))
  })

  it('agrees with ADD: 2P by MSM is P + P', () => {
    const point = G1.BASE.multiply(0x5eedn)
    expect(output(bls12G1MsmPrecompile(input(g1Hex(point) + scalar(2n)), MAX_GAS))).toBe(
      output(bls12G1AddPrecompile(input(g1Hex(point) + g1Hex(point)), MAX_GAS)),
    )
  })

  it('answers infinity for a zero scalar or a scalar equal to the group order', () => {
    expect(output(bls12G1MsmPrecompile(input(g1Hex(G1.BASE) + scalar(0n)), MAX_GAS))).toBe(INFINITY_G1)
    expect(output(bls12G1MsmPrecompile(input(g1Hex(G1.BASE) + scalar(Q)), MAX_GAS))).toBe(INFINITY_G1)
  })

  it('fails for a point outside the subgroup (which ADD accepts), or off the curve', () => {
    expect(bls12G1MsmPrecompile(input(g1Hex(outsideG1) + scalar(1n)), MAX_GAS)).toEqual({
      ok: false,
      reason: 'BLS12 G1 point is not in the subgroup',
    })
    expect(bls12G1MsmPrecompile(input(notOnG1Curve + scalar(1n)), MAX_GAS)).toMatchObject({ ok: false })
    // Even with a zero scalar, the point must be valid.
    expect(bls12G1MsmPrecompile(input(g1Hex(outsideG1) + scalar(0n)), MAX_GAS)).toMatchObject({ ok: false })
  })

  it('fails for an empty input or one that is not a multiple of 160 bytes', () => {
    expect(bls12G1MsmPrecompile(new Uint8Array(0), MAX_GAS)).toEqual({
      ok: false,
      reason: 'BLS12 G1MSM input must be a positive multiple of 160 bytes',
    })
    expect(bls12G1MsmPrecompile(new Uint8Array(161), MAX_GAS)).toMatchObject({ ok: false })
    expect(bls12G1MsmPrecompile(new Uint8Array(159), MAX_GAS)).toMatchObject({ ok: false })
  })
})

describe('BLS12 G2MSM precompile (0x0e)', () => {
  // k * 22500 * discount(k) / 1000 with EIP-2537's G2 table: 1000, 1000, 923, ..., 524 from k = 128 on.
  it.each([
    [1, 22_500],
    [2, 45_000],
    [3, 62_302],
    [128, 1_509_120],
    [129, 1_520_910],
  ])('prices %i pairs at %i gas', (pairs, gas) => {
    const pairsOfInfinity = new Uint8Array(288 * pairs)
    expect(bls12G2MsmPrecompile(pairsOfInfinity, MAX_GAS)).toMatchObject({ ok: true, gasUsed: gas })
    expect(bls12G2MsmPrecompile(pairsOfInfinity, gas - 1)).toEqual({ ok: false, reason: 'out of gas' })
  })

  it('computes a sum of multiples, and agrees with ADD on 2Q = Q + Q', () => {
    const a = G2.BASE.multiply(17n)
    const msm = input(g2Hex(a) + scalar(Q - 1n) + g2Hex(G2.BASE) + scalar(20n))
    expect(output(bls12G2MsmPrecompile(msm, MAX_GAS))).toBe(g2Hex(G2.BASE.multiply(3n)))
    expect(output(bls12G2MsmPrecompile(input(g2Hex(a) + scalar(2n)), MAX_GAS))).toBe(
      output(bls12G2AddPrecompile(input(g2Hex(a) + g2Hex(a)), MAX_GAS)),
    )
  })

  it('fails for a point outside the subgroup, off the curve, or a bad length', () => {
    expect(bls12G2MsmPrecompile(input(g2Hex(outsideG2) + scalar(1n)), MAX_GAS)).toEqual({
      ok: false,
      reason: 'BLS12 G2 point is not in the subgroup',
    })
    expect(bls12G2MsmPrecompile(input(notOnG2Curve + scalar(1n)), MAX_GAS)).toMatchObject({ ok: false })
    expect(bls12G2MsmPrecompile(new Uint8Array(0), MAX_GAS)).toMatchObject({ ok: false })
    expect(bls12G2MsmPrecompile(new Uint8Array(289), MAX_GAS)).toMatchObject({ ok: false })
  })
})

describe('BLS12 PAIRING_CHECK precompile (0x0f)', () => {
  const p = G1.BASE.multiply(0x1234n)
  const q = G2.BASE.multiply(0x5678n)
  const check = (hex: string) => output(bls12PairingCheckPrecompile(input(hex), MAX_GAS))

  it('prices 37700 + 32600 per pair', () => {
    expect(bls12PairingCheckPrecompile(input(g1Hex(p) + g2Hex(q)), MAX_GAS)).toMatchObject({
      gasUsed: 70_300,
    })
    const two = input(g1Hex(p) + g2Hex(q) + g1Hex(p.negate()) + g2Hex(q))
    expect(bls12PairingCheckPrecompile(two, 102_900)).toMatchObject({ ok: true, gasUsed: 102_900 })
    expect(bls12PairingCheckPrecompile(two, 102_899)).toEqual({ ok: false, reason: 'out of gas' })
  })

  it('answers 1 for e(P, Q) * e(-P, Q) and e(2P, 3Q) * e(-6P, Q), 0 for e(P, Q) alone', () => {
    expect(check(g1Hex(p) + g2Hex(q) + g1Hex(p.negate()) + g2Hex(q))).toBe(TRUE)
    expect(
      check(g1Hex(p.multiply(2n)) + g2Hex(q.multiply(3n)) + g1Hex(p.multiply(6n).negate()) + g2Hex(q)),
    ).toBe(TRUE)
    expect(
      check(g1Hex(p.multiply(2n)) + g2Hex(q.multiply(3n)) + g1Hex(p.multiply(5n).negate()) + g2Hex(q)),
    ).toBe(FALSE)
    expect(check(g1Hex(p) + g2Hex(q))).toBe(FALSE)
  })

  it('lets pairs holding the point at infinity contribute 1', () => {
    expect(check(INFINITY_G1 + g2Hex(q))).toBe(TRUE)
    expect(check(g1Hex(p) + INFINITY_G2)).toBe(TRUE)
    expect(check(g1Hex(p) + INFINITY_G2 + g1Hex(p) + g2Hex(q))).toBe(FALSE)
  })

  it('fails for points outside their subgroups, even when paired with infinity', () => {
    expect(bls12PairingCheckPrecompile(input(g1Hex(outsideG1) + g2Hex(q)), MAX_GAS)).toEqual({
      ok: false,
      reason: 'BLS12 G1 point is not in the subgroup',
    })
    expect(bls12PairingCheckPrecompile(input(INFINITY_G1 + g2Hex(outsideG2)), MAX_GAS)).toEqual({
      ok: false,
      reason: 'BLS12 G2 point is not in the subgroup',
    })
  })

  it('fails for points off their curves', () => {
    expect(bls12PairingCheckPrecompile(input(notOnG1Curve + g2Hex(q)), MAX_GAS)).toMatchObject({ ok: false })
    expect(bls12PairingCheckPrecompile(input(g1Hex(p) + notOnG2Curve), MAX_GAS)).toMatchObject({ ok: false })
  })

  it('fails for an empty input or one that is not a multiple of 384 bytes', () => {
    expect(bls12PairingCheckPrecompile(new Uint8Array(0), MAX_GAS)).toEqual({
      ok: false,
      reason: 'BLS12 PAIRING_CHECK input must be a positive multiple of 384 bytes',
    })
    expect(bls12PairingCheckPrecompile(input(`${g1Hex(p) + g2Hex(q)}00`), MAX_GAS)).toMatchObject({
      ok: false,
    })
  })
})

describe('BLS12 MAP_FP_TO_G1 precompile (0x10)', () => {
  // geth's testdata (from the EIP-2537 reference vectors): matter_fp_to_g1_0.
  const u =
    fp(0x14406e5bfb9209256a3820879a29ac2f62d6aca82324bf3ae2aa7d3c54792043bd8c791fccdb080c1a52dc68b8b69350n)

  it('maps a field element to the expected point of G1 for 5500 gas', () => {
    const result = bls12MapFpToG1Precompile(input(u), 5500)
    expect(result.ok && result.gasUsed).toBe(5500)
    expect(output(result)).toBe(
      fp(
        0x0d7721bcdb7ce1047557776eb2659a444166dc6dd55c7ca6e240e21ae9aa18f529f04ac31d861b54faf3307692545db7n,
      ) +
        fp(
          0x108286acbdf4384f67659a8abe89e712a504cb3ce1cba07a716869025d60d499a00d1da8cdc92958918c222ea93d87f0n,
        ),
    )
  })

  it('answers points in the subgroup', () => {
    for (const value of [0n, 1n, P - 1n]) {
      const hex = output(bls12MapFpToG1Precompile(input(fp(value)), 5500))
      const point = G1.fromAffine({ x: BigInt(`0x${hex.slice(0, 128)}`), y: BigInt(`0x${hex.slice(128)}`) })
      expect(point.isTorsionFree() && !point.is0()).toBe(true)
    }
  })

  it('fails for an element not below p, non-zero top bytes, a bad length, or too little gas', () => {
    expect(bls12MapFpToG1Precompile(input(fp(P)), 5500)).toEqual({
      ok: false,
      reason: 'BLS12 field element is not below the field modulus',
    })
    expect(bls12MapFpToG1Precompile(input(`01${u.slice(2)}`), 5500)).toMatchObject({ ok: false })
    expect(bls12MapFpToG1Precompile(input(u.slice(2)), 5500)).toMatchObject({ ok: false })
    expect(bls12MapFpToG1Precompile(input(`${u}00`), 5500)).toMatchObject({ ok: false })
    expect(bls12MapFpToG1Precompile(input(u), 5499)).toEqual({ ok: false, reason: 'out of gas' })
  })
})

describe('BLS12 MAP_FP2_TO_G2 precompile (0x11)', () => {
  // geth's testdata (from the EIP-2537 reference vectors): matter_fp2_to_g2_0.
  const u =
    fp(0x14406e5bfb9209256a3820879a29ac2f62d6aca82324bf3ae2aa7d3c54792043bd8c791fccdb080c1a52dc68b8b69350n) +
    fp(0x0e885bb33996e12f07da69073e2c0cc880bc8eff26d2a724299eb12d54f4bcf26f4748bb020e80a7e3794a7b0e47a641n)

  it('maps an Fp2 element to the expected point of G2 for 23800 gas', () => {
    const result = bls12MapFp2ToG2Precompile(input(u), 23_800)
    expect(result.ok && result.gasUsed).toBe(23_800)
    expect(output(result)).toBe(
      fp(
        0x0d029393d3a13ff5b26fe52bd8953768946c5510f9441f1136f1e938957882db6adbd7504177ee49281ecccba596f2bfn,
      ) +
        fp(
          0x1993f668fb1ae603aefbb1323000033fcb3b65d8ed3bf09c84c61e27704b745f540299a1872cd697ae45a5afd780f1d6n,
        ) +
        fp(
          0x079cb41060ef7a128d286c9ef8638689a49ca19da8672ea5c47b6ba6dbde193ee835d3b87a76a689966037c07159c10dn,
        ) +
        fp(
          0x17c688ae9a8b59a7069c27f2d58dd2196cb414f4fb89da8510518a1142ab19d158badd1c3bad03408fafb1669903cd6cn,
        ),
    )
  })

  it('fails for a coefficient not below p, a bad length, or too little gas', () => {
    expect(bls12MapFp2ToG2Precompile(input(fp(1n) + fp(P)), 23_800)).toEqual({
      ok: false,
      reason: 'BLS12 field element is not below the field modulus',
    })
    expect(bls12MapFp2ToG2Precompile(input(u.slice(0, 128)), 23_800)).toMatchObject({ ok: false })
    expect(bls12MapFp2ToG2Precompile(input(u), 23_799)).toEqual({ ok: false, reason: 'out of gas' })
  })
})
