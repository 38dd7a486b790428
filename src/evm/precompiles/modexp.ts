import { readBigEndian, writeBigEndian } from './bigEndian.ts'
import { OUT_OF_GAS } from './result.ts'
import type { Precompile } from './types.ts'

/** EIP-2565's floor on the price of a call. */
export const MODEXP_MIN_GAS = 200n
/** EIP-2565's divisor of complexity × iterations (GQUADDIVISOR). */
const MODEXP_GAS_DIVISOR = 3n
/** EIP-198: each exponent byte past the first 32 counts as 8 iterations. */
const ITERATIONS_PER_EXPONENT_BYTE = 8n
/** The three 32-byte lengths (base, exponent, modulus) before the operands. */
const HEADER_LENGTH = 96

const NO_OUTPUT = new Uint8Array(0)

/**
 * 0x05: base ** exponent % modulus over unsigned big-endian integers of any declared length (EIP-198,
 * priced by EIP-2565). Operands past the input's end read as zeros. The declared lengths can be
 * up to 2^256 - 1, so the price is computed in bigint and checked before anything is read or
 * allocated: once it is paid for, every length is small enough to be a safe integer.
 */
export const modexpPrecompile: Precompile = (input, gasLimit) => {
  const baseLength = readBigEndian(input, 0, 32)
  const exponentLength = readBigEndian(input, 32, 32)
  const modulusLength = readBigEndian(input, 64, 32)
  const price = modexpPrice(input, baseLength, exponentLength, modulusLength)
  if (price > BigInt(gasLimit)) return OUT_OF_GAS
  const gasUsed = Number(price)
  if (baseLength === 0n && modulusLength === 0n) return { ok: true, gasUsed, output: NO_OUTPUT }

  const baseStart = HEADER_LENGTH + Number(baseLength)
  const exponentEnd = baseStart + Number(exponentLength)
  const modulusBytes = Number(modulusLength)
  const output = new Uint8Array(modulusBytes)
  const modulus = readBigEndian(input, exponentEnd, modulusBytes)
  // Modulus 0 is undefined: the answer is modulusLength zero bytes.
  if (modulus === 0n) return { ok: true, gasUsed, output }
  const base = readBigEndian(input, HEADER_LENGTH, Number(baseLength)) % modulus
  const result = powerModulo(base, input, baseStart, exponentEnd, modulus)
  writeBigEndian(output, 0, modulusBytes, result)
  return { ok: true, gasUsed, output }
}

/**
 * EIP-2565: max(200, ceil(max(baseLength, modulusLength) / 8)^2 * iterations / 3), where iterations
 * come from the exponent's length and its first 32 bytes (EIP-198's adjusted exponent length), at
 * least 1. Exact in bigint where geth saturates at 2^64 - 1; both exceed any gas limit we are given.
 */
export function modexpPrice(
  input: Uint8Array,
  baseLength: bigint,
  exponentLength: bigint,
  modulusLength: bigint,
): bigint {
  const maxLength = baseLength > modulusLength ? baseLength : modulusLength
  const words = (maxLength + 7n) / 8n
  const multiplicationComplexity = words * words
  const price =
    (multiplicationComplexity * modexpIterations(input, baseLength, exponentLength)) / MODEXP_GAS_DIVISOR
  return price > MODEXP_MIN_GAS ? price : MODEXP_MIN_GAS
}

/**
 * EIP-198's iteration count (its adjusted exponent length): 8 per exponent byte past the first 32,
 * plus the index of the highest bit set in the first 32, at least 1.
 */
export function modexpIterations(input: Uint8Array, baseLength: bigint, exponentLength: bigint): bigint {
  // The exponent's head is read only when the exponent starts inside the input (as geth does).
  let exponentHead = 0n
  if (BigInt(input.length - HEADER_LENGTH) > baseLength) {
    const headLength = exponentLength > 32n ? 32 : Number(exponentLength)
    exponentHead = readBigEndian(input, HEADER_LENGTH + Number(baseLength), headLength)
  }
  let iterations = exponentLength > 32n ? ITERATIONS_PER_EXPONENT_BYTE * (exponentLength - 32n) : 0n
  if (exponentHead > 0n) iterations += BigInt(exponentHead.toString(2).length - 1)
  return iterations < 1n ? 1n : iterations
}

/**
 * Left-to-right square-and-multiply over the exponent bytes `input[start, end)`; `base` is already
 * reduced. The exponent lies wholly inside the input: were it cut short, the modulus after it
 * would read as 0 and the caller would have answered zeros already.
 */
function powerModulo(base: bigint, input: Uint8Array, start: number, end: number, modulus: bigint): bigint {
  let result = 1n % modulus
  let seenOne = false
  for (let i = start; i < end; i++) {
    const byte = input[i]!
    for (let bit = 7; bit >= 0; bit--) {
      if (seenOne) result = (result * result) % modulus
      if ((byte >> bit) & 1) {
        result = seenOne ? (result * base) % modulus : base
        seenOne = true
      }
    }
  }
  return result
}
