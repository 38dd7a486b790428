import { describe, expect, it } from 'vitest'
import { bytesToHex, hexToBytes } from '../../primitives/hex.ts'
import { modexpPrecompile } from './modexp.ts'

const MAX_GAS = Number.MAX_SAFE_INTEGER
const word = (value: bigint) => value.toString(16).padStart(64, '0')
const operand = (value: bigint, length: number) =>
  length === 0 ? '' : value.toString(16).padStart(2 * length, '0')

/** The header (three 32-byte lengths) and the operands, each written at its declared length. */
function modexpInput(
  base: bigint,
  exponent: bigint,
  modulus: bigint,
  lengths: { base: number; exponent: number; modulus: number },
): Uint8Array {
  return hexToBytes(
    `0x${word(BigInt(lengths.base))}${word(BigInt(lengths.exponent))}${word(BigInt(lengths.modulus))}` +
      `${operand(base, lengths.base)}${operand(exponent, lengths.exponent)}${operand(modulus, lengths.modulus)}`,
  )
}

/** Right-to-left binary exponentiation: a different walk than the precompile's. */
function referencePower(base: bigint, exponent: bigint, modulus: bigint): bigint {
  if (modulus === 0n) return 0n
  let result = 1n % modulus
  let square = base % modulus
  for (let rest = exponent; rest > 0n; rest >>= 1n) {
    if (rest & 1n) result = (result * square) % modulus
    square = (square * square) % modulus
  }
  return result
}

function randomBigInt(bytes: number): bigint {
  return BigInt(bytesToHex(crypto.getRandomValues(new Uint8Array(bytes))))
}

function run(input: Uint8Array, gasLimit = MAX_GAS) {
  const result = modexpPrecompile(input, gasLimit)
  if (!result.ok) throw new Error(`modexp failed: ${result.reason}`)
  return { gasUsed: result.gasUsed, output: bytesToHex(result.output) }
}

const SECP256K1_P = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn

describe('modexp precompile (0x05)', () => {
  it("answers EIP-198's first example, 3^(p-1) mod p = 1, for 1360 gas", () => {
    const input = modexpInput(3n, SECP256K1_P - 1n, SECP256K1_P, { base: 1, exponent: 32, modulus: 32 })
    expect(run(input)).toEqual({ gasUsed: 1360, output: `0x${word(1n)}` })
  })

  it("answers EIP-198's second example (an empty base reads as 0) for 1360 gas", () => {
    const input = modexpInput(0n, SECP256K1_P - 1n, SECP256K1_P, { base: 0, exponent: 32, modulus: 32 })
    expect(run(input)).toEqual({ gasUsed: 1360, output: `0x${word(0n)}` })
  })

  it.each([
    [8, 1],
    [32, 3],
    [64, 32],
    [128, 64],
    [256, 2],
  ])('agrees with a reference on random %i-byte operands with a %i-byte exponent', (size, exponentSize) => {
    for (let i = 0; i < 4; i++) {
      const base = randomBigInt(size)
      const exponent = randomBigInt(exponentSize)
      const modulus = randomBigInt(size) | 1n
      const input = modexpInput(base, exponent, modulus, {
        base: size,
        exponent: exponentSize,
        modulus: size,
      })
      expect(run(input).output).toBe(`0x${operand(referencePower(base, exponent, modulus), size)}`)
    }
  })

  // EIP-2565: max(200, ceil(max(Lb, Lm) / 8)^2 * max(1, iterations) / 3), where iterations =
  // 8 * (Le - 32) for an exponent longer than 32 bytes, plus the bit length - 1 of its first 32 bytes.
  it.each([
    [
      'a 1-byte everything (complexity 1, iterations 1)',
      1n,
      1n,
      7n,
      { base: 1, exponent: 1, modulus: 1 },
      200,
    ],
    ['64-byte operands, exponent 3 (64 * 1 / 3)', 5n, 3n, 7n, { base: 64, exponent: 1, modulus: 64 }, 200],
    [
      '64-byte operands, exponent 0x10001 (64 * 16 / 3)',
      5n,
      0x10001n,
      7n,
      { base: 64, exponent: 3, modulus: 64 },
      341,
    ],
    [
      'a 33-byte modulus takes 5 words (25 * 255 / 3)',
      2n,
      (1n << 255n) + 1n,
      7n,
      { base: 1, exponent: 32, modulus: 33 },
      2125,
    ],
    [
      'a 40-byte exponent whose head is 1 (16 * 8 * 8 / 3)',
      2n,
      1n << 64n,
      7n,
      { base: 32, exponent: 40, modulus: 32 },
      341,
    ],
    [
      'a 40-byte exponent with the top bit set (16 * (64 + 255) / 3)',
      2n,
      1n << 319n,
      7n,
      { base: 32, exponent: 40, modulus: 32 },
      1701,
    ],
    [
      'a 512-byte modulus, exponent 2^4095 (4096 * 4095 / 3)',
      2n,
      1n << 4095n,
      7n,
      { base: 1, exponent: 512, modulus: 512 },
      5_591_040,
    ],
  ])('prices %s at %i gas', (_, base, exponent, modulus, lengths, gas) => {
    const input = modexpInput(base, exponent, modulus, lengths)
    expect(run(input).gasUsed).toBe(gas)
    expect(modexpPrecompile(input, gas - 1)).toEqual({ ok: false, reason: 'out of gas' })
  })

  it('reads operands past the end of the input as zero bytes', () => {
    // Declared: 1-byte base 3, 2-byte exponent, 2-byte modulus. Present: the base and the exponent's
    // first byte 0x01, so the exponent is 0x0100 and the modulus 0x0000, which answers 2 zero bytes.
    expect(run(hexToBytes(`0x${word(1n)}${word(2n)}${word(2n)}0301`))).toEqual({
      gasUsed: 200,
      output: '0x0000',
    })
    // Here the modulus's first byte is present: 0x61 followed by a missing byte is 0x6100.
    const input = hexToBytes(`0x${word(1n)}${word(2n)}${word(2n)}03010061`)
    expect(run(input).output).toBe(`0x${operand(referencePower(3n, 0x0100n, 0x6100n), 2)}`)
    // An exponent cut short leaves the modulus after it wholly missing: 0, so one zero byte.
    const truncated = hexToBytes(`0x${word(1n)}${word(40n)}${word(1n)}05ff`)
    expect(run(truncated)).toEqual({ gasUsed: 200, output: '0x00' })
  })

  it('answers modulus-length zero bytes for modulus 0, and 0 for modulus 1', () => {
    expect(run(modexpInput(5n, 3n, 0n, { base: 1, exponent: 1, modulus: 4 })).output).toBe('0x00000000')
    expect(run(modexpInput(5n, 3n, 1n, { base: 1, exponent: 1, modulus: 2 })).output).toBe('0x0000')
  })

  it('answers 1 for exponent 0 (0^0 included), left-padded to the modulus length', () => {
    expect(run(modexpInput(5n, 0n, 7n, { base: 1, exponent: 1, modulus: 3 })).output).toBe('0x000001')
    expect(run(modexpInput(0n, 0n, 7n, { base: 1, exponent: 0, modulus: 2 })).output).toBe('0x0001')
  })

  it('answers nothing for 200 gas when base and modulus are both empty, whatever the exponent length', () => {
    expect(run(new Uint8Array(0))).toEqual({ gasUsed: 200, output: '0x' })
    const hugeExponent = hexToBytes(`0x${word(0n)}${word((1n << 255n) + 12345n)}${word(0n)}ffff`)
    expect(run(hugeExponent)).toEqual({ gasUsed: 200, output: '0x' })
  })

  it('prices astronomically large declared lengths out of any gas limit, allocating nothing', () => {
    const hugeBase = hexToBytes(`0x${word((1n << 256n) - 1n)}${word(1n)}${word(1n)}`)
    expect(modexpPrecompile(hugeBase, MAX_GAS)).toEqual({ ok: false, reason: 'out of gas' })
    const hugeModulus = hexToBytes(`0x${word(1n)}${word(1n)}${word(1n << 64n)}`)
    expect(modexpPrecompile(hugeModulus, MAX_GAS)).toEqual({ ok: false, reason: 'out of gas' })
    const hugeExponent = hexToBytes(`0x${word(1n)}${word(1n << 200n)}${word(1n)}`)
    expect(modexpPrecompile(hugeExponent, MAX_GAS)).toEqual({ ok: false, reason: 'out of gas' })
  })
})
