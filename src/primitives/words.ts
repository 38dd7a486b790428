import type { Hex } from 'viem'

/**
 * 256-bit words in and out of bytes, big-endian, as the EVM's memory, calldata and hashes hold them
 * (and signatures' scalars, for libsecp256k1's input buffer).
 * A word is four 64-bit DataView reads (one 53-bit read when it is small, as offsets and lengths
 * are): about seven times faster than going through a hex string,
 * which matters because MLOAD, MSTORE, CALLDATALOAD and KECCAK256 all cross this boundary.
 */

const LOW_64 = 64n
const MID_128 = 128n
const HIGH_192 = 192n

/** A 32-byte scratch word for sources that are not already behind a DataView. */
const scratch = new Uint8Array(32)
const scratchView = new DataView(scratch.buffer)

/** Words up to 2^53 - 1 (offsets, lengths, counters, flags) take a path with one allocation. */
const MAX_SMALL_WORD = BigInt(Number.MAX_SAFE_INTEGER)
const TWO_32 = 2 ** 32

export function readWord(view: DataView, offset: number): bigint {
  const high = view.getUint32(offset + 24)
  if (
    high < 0x200000 &&
    view.getUint32(offset + 20) === 0 &&
    view.getUint32(offset + 16) === 0 &&
    view.getUint32(offset + 12) === 0 &&
    view.getUint32(offset + 8) === 0 &&
    view.getUint32(offset + 4) === 0 &&
    view.getUint32(offset) === 0
  )
    return BigInt(high * TWO_32 + view.getUint32(offset + 28))
  return (
    (view.getBigUint64(offset) << HIGH_192) |
    (view.getBigUint64(offset + 8) << MID_128) |
    (view.getBigUint64(offset + 16) << LOW_64) |
    view.getBigUint64(offset + 24)
  )
}

/** Writes `value` (already reduced to 256 bits) at `offset`. */
export function writeWord(view: DataView, offset: number, value: bigint): void {
  if (value <= MAX_SMALL_WORD) {
    const small = Number(value)
    view.setUint32(offset, 0)
    view.setUint32(offset + 4, 0)
    view.setUint32(offset + 8, 0)
    view.setUint32(offset + 12, 0)
    view.setUint32(offset + 16, 0)
    view.setUint32(offset + 20, 0)
    view.setUint32(offset + 24, Math.floor(small / TWO_32))
    view.setUint32(offset + 28, small >>> 0)
    return
  }
  view.setBigUint64(offset + 24, BigInt.asUintN(64, value))
  view.setBigUint64(offset + 16, BigInt.asUintN(64, value >> LOW_64))
  view.setBigUint64(offset + 8, BigInt.asUintN(64, value >> MID_128))
  view.setBigUint64(offset, value >> HIGH_192)
}

/** The word at `offset` of `source`, zero past its end (CALLDATALOAD). */
export function readWordPadded(source: Uint8Array, offset: bigint): bigint {
  const length = source.length
  if (offset + 32n <= BigInt(length)) {
    const start = Number(offset)
    scratch.set(source.subarray(start, start + 32))
  } else {
    scratch.fill(0)
    if (offset < BigInt(length)) scratch.set(source.subarray(Number(offset)))
  }
  return readWord(scratchView, 0)
}

/** A 32-byte array (a hash) as a word. */
export function bytes32ToWord(bytes: Uint8Array): bigint {
  scratch.set(bytes)
  return readWord(scratchView, 0)
}

/** `value` as 32 big-endian bytes at `offset` of `target`. */
export function writeWordTo(target: Uint8Array, offset: number, value: bigint): void {
  writeWord(scratchView, 0, value)
  target.set(scratch, offset)
}

/** A word as 0x and 64 hex digits: how JSON-RPC and geth's tracers print 32-byte keys and values. */
export function wordHex(value: bigint): Hex {
  return `0x${value.toString(16).padStart(64, '0')}`
}
