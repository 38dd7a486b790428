/**
 * Fixed-width big-endian integers in precompile inputs and outputs. Reads treat bytes past the end
 * of the input as zero, as geth's getData right-pads every operand it slices.
 */

const BYTE_TO_HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

/** The unsigned integer in `input[offset, offset + length)`, bytes past the input's end read as zero. */
export function readBigEndian(input: Uint8Array, offset: number, length: number): bigint {
  const end = offset + length
  const available = Math.max(0, Math.min(end, input.length) - offset)
  let hex = '0x0'
  for (let i = offset; i < offset + available; i++) hex += BYTE_TO_HEX[input[i]!]
  const value = BigInt(hex)
  const missing = length - available
  return missing > 0 && value !== 0n ? value << BigInt(8 * missing) : value
}

/** True when `input[offset, offset + length)` holds only zero bytes (bytes past the end count as zero). */
export function isZeroRange(input: Uint8Array, offset: number, length: number): boolean {
  const end = Math.min(offset + length, input.length)
  for (let i = offset; i < end; i++) if (input[i] !== 0) return false
  return true
}

/** Writes `value` (which must fit) as `length` big-endian bytes at `out[offset]`, zeros on the left. */
export function writeBigEndian(out: Uint8Array, offset: number, length: number, value: bigint): void {
  const hex = value.toString(16)
  // From the right: each hex pair is a byte; an odd leading digit makes the top byte alone.
  let digit = hex.length
  for (let i = offset + length - 1; i >= offset; i--) {
    if (digit <= 0) {
      out[i] = 0
      continue
    }
    const low = hexDigit(hex.charCodeAt(digit - 1))
    const high = digit >= 2 ? hexDigit(hex.charCodeAt(digit - 2)) : 0
    out[i] = (high << 4) | low
    digit -= 2
  }
}

/** The value of a lowercase hex digit, as bigint.toString(16) writes them. */
function hexDigit(code: number): number {
  return code <= 57 ? code - 48 : code - 87
}
