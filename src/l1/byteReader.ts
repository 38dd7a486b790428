/**
 * A cursor over untrusted batch bytes: every read is bounds-checked, varints must be canonical and
 * in range, and counts are checked against what the remaining bytes could hold before anything is
 * allocated for them. Failures name the part of the batch (`where`) and the field.
 */
import { bytesToBigInt } from '../primitives/hex.ts'
import { BatchLimitError, CorruptBatchError, TruncatedBatchError } from './errors.ts'

/** LEB128 bytes of a number up to 2^53 - 1. */
const MAX_NUMBER_VARINT_BYTES = 8
/** LEB128 bytes of a uint256: ceil(256 / 7). */
const MAX_U256_VARINT_BYTES = 37

export class ByteReader {
  private position = 0

  constructor(
    private readonly data: Uint8Array,
    private readonly where: string,
  ) {}

  get offset(): number {
    return this.position
  }

  get remaining(): number {
    return this.data.length - this.position
  }

  private need(size: number, field: string): void {
    if (size > this.data.length - this.position)
      throw new TruncatedBatchError(`${this.where} ends inside ${field}`, {
        details: `${size} bytes needed at offset ${this.position}, ${this.data.length - this.position} left`,
      })
  }

  u8(field: string): number {
    this.need(1, field)
    return this.data[this.position++]!
  }

  u16(field: string): number {
    this.need(2, field)
    const value = (this.data[this.position]! << 8) | this.data[this.position + 1]!
    this.position += 2
    return value
  }

  /** `size` bytes, as a view into the input (no copy). */
  bytes(size: number, field: string): Uint8Array {
    this.need(size, field)
    const value = this.data.subarray(this.position, this.position + size)
    this.position += size
    return value
  }

  /** `size` big-endian bytes as an integer. */
  fixed(size: number, field: string): bigint {
    this.need(size, field)
    const value = bytesToBigInt(this.data.subarray(this.position, this.position + size))
    this.position += size
    return value
  }

  /** A canonical LEB128 varint no larger than `max` (at most 2^53 - 1). */
  uvarint(field: string, max = Number.MAX_SAFE_INTEGER): number {
    let value = 0
    let scale = 1
    for (let i = 0; i < MAX_NUMBER_VARINT_BYTES; i++) {
      const byte = this.u8(field)
      value += (byte & 0x7f) * scale
      if (byte < 0x80) {
        if (byte === 0 && i > 0) throw this.corrupt(field, 'non-canonical varint (trailing zero byte)')
        if (value > max) throw this.corrupt(field, `${value} exceeds its limit ${max}`)
        return value
      }
      scale *= 0x80
    }
    throw this.corrupt(field, `varint longer than ${MAX_NUMBER_VARINT_BYTES} bytes`)
  }

  /** A canonical LEB128 varint as a bigint no larger than `max` (at most 2^256 - 1). */
  uvarintBig(field: string, max: bigint): bigint {
    const start = this.position
    let length = 0
    for (;;) {
      if (length === MAX_U256_VARINT_BYTES) throw this.corrupt(field, 'varint longer than a uint256')
      const byte = this.u8(field)
      length++
      if (byte < 0x80) {
        if (byte === 0 && length > 1) throw this.corrupt(field, 'non-canonical varint (trailing zero byte)')
        break
      }
    }
    let value: bigint
    if (length < MAX_NUMBER_VARINT_BYTES) {
      this.position = start
      value = BigInt(this.uvarint(field))
    } else {
      value = 0n
      for (let i = start + length - 1; i >= start; i--) value = (value << 7n) | BigInt(this.data[i]! & 0x7f)
    }
    if (value > max) throw this.corrupt(field, `${value} exceeds its limit ${max}`)
    return value
  }

  /**
   * A count of items that take at least `minBytesEach` bytes each of `source` (this reader unless
   * given): refused when larger than `limit`, or than what the source has left to hold them.
   */
  count(field: string, limit: number, minBytesEach: number, source: ByteReader = this): number {
    const count = this.uvarint(field)
    if (count > limit)
      throw new BatchLimitError(`${this.where}: ${field} ${count} exceeds the limit ${limit}`)
    if (count * minBytesEach > source.remaining)
      throw new TruncatedBatchError(`${this.where}: ${field} ${count} announces more than the batch holds`, {
        details: `${count * minBytesEach} bytes needed, ${source.remaining} left in ${source.where}`,
      })
    return count
  }

  /** Fails unless every byte was read: trailing bytes are corruption, not padding. */
  end(): void {
    if (this.position !== this.data.length)
      throw new CorruptBatchError(`${this.where} has ${this.data.length - this.position} unread bytes`)
  }

  corrupt(field: string, reason: string): CorruptBatchError {
    return new CorruptBatchError(`${this.where}: invalid ${field}`, {
      details: `${reason} (offset ${this.position})`,
    })
  }
}
