import { bn254 } from '@noble/curves/bn254.js'
import { describe, expect, it } from 'vitest'
import { bytesToHex, hexToBytes } from '../../primitives/hex.ts'
import { bn254AddPrecompile, bn254MulPrecompile, bn254PairingPrecompile } from './bn254.ts'

const G1 = bn254.G1.Point
const G2 = bn254.G2.Point
const { Fp, Fp2 } = bn254.fields
const P = Fp.ORDER
const N = G1.Fn.ORDER
const word = (value: bigint) => value.toString(16).padStart(64, '0')

/** x ‖ y, 32 bytes each; infinity as (0, 0). */
function g1Hex(point: typeof G1.BASE): string {
  const { x, y } = point.toAffine()
  return word(x) + word(y)
}

/** x ‖ y, each Fp2 coordinate imaginary part first. */
function g2Hex(point: typeof G2.BASE): string {
  const { x, y } = point.toAffine()
  return word(x.c1) + word(x.c0) + word(y.c1) + word(y.c0)
}

const input = (hex: string) => hexToBytes(`0x${hex}`)
const ZERO_G1 = '0'.repeat(128)

function output(result: ReturnType<typeof bn254AddPrecompile>): string {
  if (!result.ok) throw new Error(`call failed: ${result.reason}`)
  return bytesToHex(result.output).slice(2)
}

/** A point on the twist y^2 = x^3 + b' that is not in G2 (the twist's cofactor is far from 1). */
function twistPointOutsideG2(): typeof G2.BASE {
  const b = G2.CURVE().b
  for (let k = 1n; ; k++) {
    const x = Fp2.fromBigTuple([k, 1n])
    const rhs = Fp2.add(Fp2.mul(Fp2.sqr(x), x), b)
    let y: ReturnType<typeof Fp2.sqrt>
    try {
      y = Fp2.sqrt(rhs)
    } catch {
      continue
    }
    const point = G2.fromAffine({ x, y })
    if (!point.isTorsionFree()) return point
  }
}

const pairingBit = (bit: 0 | 1) => word(BigInt(bit))

describe('bn254 add precompile (0x06)', () => {
  it("adds geth's chfast1 vector for 150 gas", () => {
    const result = bn254AddPrecompile(
      input(
        '18b18acfb4c2c30276db5411368e7185b311dd124691610c5d3b74034e093dc9063c909c4720840cb5134cb9f59fa749755796819658d32efc0d288198f37266' +
          '07c2b7f58a84bd6145f00c9c2bc0bb1a187f20ff2c92963a88019e7c6a014eed06614e20c147e940f2d70da3f74c9a17df361706a4485c742bd6788478fa17d7',
      ),
      150,
    )
    expect(result.ok && result.gasUsed).toBe(150)
    expect(output(result)).toBe(
      '2243525c5efd4b9c3d3c45ac0ca3fe4dd85e830a4ce6b65fa1eeaee202839703301d1d33be6da8e509df21cc35964723180eed7532537db9ae5e7d48f195c915',
    )
  })

  it('agrees with multiplication: aG + bG = (a + b)G', () => {
    const a = 0x1234567890abcdefn
    const b = 0xfedcba0987654321n
    const sum = bn254AddPrecompile(input(g1Hex(G1.BASE.multiply(a)) + g1Hex(G1.BASE.multiply(b))), 150)
    expect(output(sum)).toBe(g1Hex(G1.BASE.multiply(a + b)))
  })

  it('answers infinity for P + (-P), and P for P + infinity', () => {
    const point = G1.BASE.multiply(7n)
    expect(output(bn254AddPrecompile(input(g1Hex(point) + g1Hex(point.negate())), 150))).toBe(ZERO_G1)
    expect(output(bn254AddPrecompile(input(g1Hex(point) + ZERO_G1), 150))).toBe(g1Hex(point))
    expect(output(bn254AddPrecompile(input(ZERO_G1 + ZERO_G1), 150))).toBe(ZERO_G1)
  })

  it('zero-pads a short input and ignores bytes past 128', () => {
    const point = G1.BASE.multiply(9n)
    expect(output(bn254AddPrecompile(input(g1Hex(point)), 150))).toBe(g1Hex(point))
    expect(output(bn254AddPrecompile(new Uint8Array(0), 150))).toBe(ZERO_G1)
    expect(output(bn254AddPrecompile(input(g1Hex(point) + g1Hex(G1.BASE) + 'ff'.repeat(40)), 150))).toBe(
      g1Hex(point.add(G1.BASE)),
    )
  })

  it('fails for a point off the curve, or a coordinate not below p', () => {
    expect(bn254AddPrecompile(input(word(1n) + word(3n) + ZERO_G1), 150)).toEqual({
      ok: false,
      reason: 'bn254 G1 point is not on the curve',
    })
    // (p + 1, 2) would reduce to the generator: it must still be refused.
    expect(bn254AddPrecompile(input(word(P + 1n) + word(2n) + ZERO_G1), 150)).toEqual({
      ok: false,
      reason: 'bn254 G1 coordinate is not below the field modulus',
    })
    expect(bn254AddPrecompile(input(ZERO_G1 + word(1n) + word(P + 2n)), 150)).toMatchObject({ ok: false })
  })

  it('fails out of gas below 150', () => {
    expect(bn254AddPrecompile(input(ZERO_G1 + ZERO_G1), 149)).toEqual({ ok: false, reason: 'out of gas' })
  })
})

describe('bn254 mul precompile (0x07)', () => {
  it("multiplies geth's chfast1 vector for 6000 gas", () => {
    const result = bn254MulPrecompile(
      input(
        '2bd3e6d0f3b142924f5ca7b49ce5b9d54c4703d7ae5648e61d02268b1a0a9fb721611ce0a6af85915e2f1d70300909ce2e49dfad4a4619c8390cae66cefdb204' +
          '00000000000000000000000000000000000000000000000011138ce750fa15c2',
      ),
      6000,
    )
    expect(result.ok && result.gasUsed).toBe(6000)
    expect(output(result)).toBe(
      '070a8d6a982153cae4be29d434e8faef8a47b274a053f5a4ee2a6c9c13c31e5c031b8ce914eba3a9ffb989f9cdd5b0f01943074bf4f0f315690ec3cec6981afc',
    )
  })

  it('agrees with addition: 2P = P + P', () => {
    const point = G1.BASE.multiply(12345n)
    const doubled = output(bn254MulPrecompile(input(g1Hex(point) + word(2n)), 6000))
    expect(doubled).toBe(output(bn254AddPrecompile(input(g1Hex(point) + g1Hex(point)), 150)))
  })

  it('takes any 256-bit scalar mod the group order', () => {
    const point = G1.BASE.multiply(5n)
    expect(output(bn254MulPrecompile(input(g1Hex(point) + word(N)), 6000))).toBe(ZERO_G1)
    expect(output(bn254MulPrecompile(input(g1Hex(point) + word(N + 1n)), 6000))).toBe(g1Hex(point))
    expect(output(bn254MulPrecompile(input(g1Hex(point) + word(0n)), 6000))).toBe(ZERO_G1)
    const max = (1n << 256n) - 1n
    expect(output(bn254MulPrecompile(input(g1Hex(point) + word(max)), 6000))).toBe(
      g1Hex(point.multiply(max % N)),
    )
    expect(output(bn254MulPrecompile(input(ZERO_G1 + word(7n)), 6000))).toBe(ZERO_G1)
  })

  it('zero-pads a short input: a missing scalar is 0', () => {
    expect(output(bn254MulPrecompile(input(g1Hex(G1.BASE)), 6000))).toBe(ZERO_G1)
  })

  it('fails for a point off the curve, and out of gas below 6000', () => {
    expect(bn254MulPrecompile(input(word(1n) + word(3n) + word(2n)), 6000)).toMatchObject({ ok: false })
    expect(bn254MulPrecompile(input(g1Hex(G1.BASE) + word(2n)), 5999)).toEqual({
      ok: false,
      reason: 'out of gas',
    })
  })
})

describe('bn254 pairing precompile (0x08)', () => {
  const p = G1.BASE.multiply(0x1111n)
  const q = G2.BASE.multiply(0x2222n)

  function pair(pairs: string, gasLimit = 10_000_000): string {
    return output(bn254PairingPrecompile(input(pairs), gasLimit))
  }

  it('prices 45000 + 34000 per pair', () => {
    expect(bn254PairingPrecompile(new Uint8Array(0), 100_000)).toMatchObject({ ok: true, gasUsed: 45_000 })
    expect(bn254PairingPrecompile(input(g1Hex(p) + g2Hex(q)), 100_000)).toMatchObject({ gasUsed: 79_000 })
    const twoPairs = input(g1Hex(p) + g2Hex(q) + g1Hex(p.negate()) + g2Hex(q))
    expect(bn254PairingPrecompile(twoPairs, 113_000)).toMatchObject({ ok: true, gasUsed: 113_000 })
    expect(bn254PairingPrecompile(twoPairs, 112_999)).toEqual({ ok: false, reason: 'out of gas' })
  })

  it('answers 1 for no pairs at all', () => {
    expect(pair('')).toBe(pairingBit(1))
  })

  it('answers 1 for e(P, Q) * e(-P, Q) and for e(aP, bQ) * e(-abP, Q), 0 for e(P, Q) alone', () => {
    expect(pair(g1Hex(p) + g2Hex(q) + g1Hex(p.negate()) + g2Hex(q))).toBe(pairingBit(1))
    expect(
      pair(g1Hex(p.multiply(6n)) + g2Hex(q.multiply(7n)) + g1Hex(p.multiply(42n).negate()) + g2Hex(q)),
    ).toBe(pairingBit(1))
    expect(
      pair(g1Hex(p.multiply(6n)) + g2Hex(q.multiply(7n)) + g1Hex(p.multiply(41n).negate()) + g2Hex(q)),
    ).toBe(pairingBit(0))
    expect(pair(g1Hex(p) + g2Hex(q))).toBe(pairingBit(0))
  })

  it('lets pairs holding the point at infinity contribute 1', () => {
    expect(pair(ZERO_G1 + g2Hex(q))).toBe(pairingBit(1))
    expect(pair(g1Hex(p) + '0'.repeat(256))).toBe(pairingBit(1))
    expect(pair(g1Hex(p) + '0'.repeat(256) + g1Hex(p) + g2Hex(q))).toBe(pairingBit(0))
  })

  it("answers geth's jeff1 vector (1), and 0 with its second G1 point negated (jeff6)", () => {
    const firstPair =
      '1c76476f4def4bb94541d57ebba1193381ffa7aa76ada664dd31c16024c43f59' +
      '3034dd2920f673e204fee2811c678745fc819b55d3e9d294e45c9b03a76aef41' +
      '209dd15ebff5d46c4bd888e51a93cf99a7329636c63514396b4a452003a35bf7' +
      '04bf11ca01483bfa8b34b43561848d28905960114c8ac04049af4b6315a41678' +
      '2bb8324af6cfc93537a2ad1a445cfd0ca2a71acd7ac41fadbf933c2a51be344d' +
      '120a2a4cf30c1bf9845f20c6fe39e07ea2cce61f0c9bb048165fe5e4de877550'
    const secondX = '111e129f1cf1097710d41c4ac70fcdfa5ba2023c6ff1cbeac322de49d1b6df7c'
    const secondY = 0x2032c61a830e3c17286de9462bf242fca2883585b93870a73853face6a6bf411n
    const secondG2 =
      '198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c2' +
      '1800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed' +
      '090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975b' +
      '12c85ea5db8c6deb4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daa'
    expect(pair(firstPair + secondX + word(secondY) + secondG2)).toBe(pairingBit(1))
    expect(pair(firstPair + secondX + word(P - secondY) + secondG2)).toBe(pairingBit(0))
  })

  it('fails when the input is not a multiple of 192 bytes', () => {
    const valid = g1Hex(p) + g2Hex(q)
    expect(bn254PairingPrecompile(input(valid.slice(0, -2)), 1_000_000)).toEqual({
      ok: false,
      reason: 'bn254 pairing input must be a multiple of 192 bytes',
    })
    expect(bn254PairingPrecompile(input(`${valid}00`), 1_000_000)).toMatchObject({ ok: false })
  })

  it('fails for a G2 point in the twist but outside the subgroup', () => {
    const outside = twistPointOutsideG2()
    expect(bn254PairingPrecompile(input(g1Hex(p) + g2Hex(outside)), 1_000_000)).toEqual({
      ok: false,
      reason: 'bn254 G2 point is not in the subgroup',
    })
    // Even next to a pair with the point at infinity in G1: every point is checked.
    expect(bn254PairingPrecompile(input(ZERO_G1 + g2Hex(outside)), 1_000_000)).toMatchObject({ ok: false })
  })

  it('fails for points off their curves, and coordinates not below p', () => {
    const offTwist = word(1n) + word(1n) + word(1n) + word(1n)
    expect(bn254PairingPrecompile(input(g1Hex(p) + offTwist), 1_000_000)).toEqual({
      ok: false,
      reason: 'bn254 G2 point is not on the curve',
    })
    expect(bn254PairingPrecompile(input(word(1n) + word(3n) + g2Hex(q)), 1_000_000)).toMatchObject({
      ok: false,
    })
    const { x, y } = q.toAffine()
    const unreduced = word(x.c1 + P) + word(x.c0) + word(y.c1) + word(y.c0)
    expect(bn254PairingPrecompile(input(g1Hex(p) + unreduced), 1_000_000)).toEqual({
      ok: false,
      reason: 'bn254 G2 coordinate is not below the field modulus',
    })
  })
})
