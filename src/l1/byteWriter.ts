/**
 * A growable byte buffer the batch encoder writes its columns into: fixed-width fields, unsigned
 * LEB128 varints (numbers and bigints) and the decimal form of amounts (src/l1/README.md, "Field
 * encodings"). ByteReader reads what this writes.
 */
import { growBytes } from '../primitives/growBytes.ts'
import { BatchEncodingError } from './errors.ts'

/** 2^53: above it a number is not exact, so larger values travel as bigints. */
const MAX_SAFE = Number.MAX_SAFE_INTEGER

export class ByteWriter {
  private buffer: Uint8Array<ArrayBuffer>
  private used = 0

  constructor(initialCapacity = 256) {
    this.buffer = new Uint8Array(initialCapacity)
  }

  get length(): number {
    return this.used
  }

  private reserve(extra: number): void {
    this.buffer = growBytes(this.buffer, this.used, extra)
  }

  u8(value: number): void {
    this.reserve(1)
    this.buffer[this.used++] = value
  }

  u16(value: number): void {
    this.reserve(2)
    this.buffer[this.used++] = value >>> 8
    this.buffer[this.used++] = value & 0xff
  }

  bytes(value: Uint8Array): void {
    this.reserve(value.length)
    this.buffer.set(value, this.used)
    this.used += value.length
  }

  /** `value` as exactly `size` big-endian bytes. */
  fixed(value: bigint, size: number): void {
    this.reserve(size)
    let rest = value
    for (let i = this.used + size - 1; i >= this.used; i--) {
      this.buffer[i] = Number(rest & 0xffn)
      rest >>= 8n
    }
    if (rest !== 0n) throw new BatchEncodingError(`${value} does not fit in ${size} bytes`)
    this.used += size
  }

  /** Unsigned LEB128: 7 bits a byte, least significant first, high bit set on all but the last. */
  uvarint(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0)
      throw new BatchEncodingError(`not an unsigned integer: ${value}`)
    this.reserve(8)
    let rest = value
    while (rest >= 0x80) {
      this.buffer[this.used++] = (rest % 0x80) | 0x80
      rest = Math.floor(rest / 0x80)
    }
    this.buffer[this.used++] = rest
  }

  uvarintBig(value: bigint): void {
    if (value < 0n) throw new BatchEncodingError(`not an unsigned integer: ${value}`)
    if (value <= BigInt(MAX_SAFE)) {
      this.uvarint(Number(value))
      return
    }
    let rest = value
    while (rest >= 0x80n) {
      this.u8(Number(rest & 0x7fn) | 0x80)
      rest >>= 7n
    }
    this.u8(Number(rest))
  }

  /** A copy of what was written. */
  finish(): Uint8Array {
    return this.buffer.slice(0, this.used)
  }

  /** What was written, without copying: valid until the next write. */
  view(): Uint8Array {
    return this.buffer.subarray(0, this.used)
  }
}
