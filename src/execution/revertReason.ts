import { bytesToBigInt } from '../primitives/hex.ts'

/** Solidity's panic codes, with geth's words for them. */
const PANIC_REASONS: Record<number, string> = {
  0: 'generic panic',
  1: 'assert(false)',
  17: 'arithmetic underflow or overflow',
  18: 'division or modulo by zero',
  33: 'enum overflow',
  34: 'invalid encoded storage byte array accessed',
  49: 'out-of-bounds array access; popping on an empty array',
  50: 'out-of-bounds access of an array or bytesN',
  65: 'out of memory',
  81: 'uninitialized function',
}

/** Error(string) and Panic(uint256) selectors. */
const ERROR_SELECTOR = 0x08c379a0
const PANIC_SELECTOR = 0x4e487b71

/**
 * The reason a revert gives, as geth unpacks it (abi.UnpackRevert): Error(string)'s message, or
 * Panic(uint256)'s meaning; undefined for anything else (custom errors, no data).
 */
export function revertReason(output: Uint8Array): string | undefined {
  if (output.length < 4) return undefined
  const selector = new DataView(output.buffer, output.byteOffset, 4).getUint32(0)
  if (selector === PANIC_SELECTOR && output.length === 36) {
    const code = bytesToBigInt(output.subarray(4))
    return code <= 0xffn && PANIC_REASONS[Number(code)] !== undefined
      ? PANIC_REASONS[Number(code)]
      : `unknown panic code: 0x${code.toString(16)}`
  }
  if (selector !== ERROR_SELECTOR || output.length < 4 + 64) return undefined
  const offset = bytesToBigInt(output.subarray(4, 36))
  if (offset + 32n > BigInt(output.length - 4)) return undefined
  const start = 4 + Number(offset)
  const length = bytesToBigInt(output.subarray(start, start + 32))
  if (BigInt(start + 32) + length > BigInt(output.length)) return undefined
  const text = output.subarray(start + 32, start + 32 + Number(length))
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(text)
  } catch {
    return undefined
  }
}
