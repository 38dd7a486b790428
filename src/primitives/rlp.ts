/**
 * Recursive Length Prefix, Ethereum's serialisation. Byte strings and lists only: integers are
 * turned into minimal big-endian bytes by the caller (`bigintToBytes`). Decoding is strict: a
 * non-canonical encoding is an error, because two encodings of one value would give two hashes.
 */
import { VeloxError } from '../errors/base.ts'

export type RlpInput = Uint8Array | RlpInput[]
export type RlpItem = Uint8Array | RlpItem[]

export class RlpDecodingError extends VeloxError {
  override name = 'RlpDecodingError'
}

/** Lists nested deeper than this are refused: real Ethereum data nests a few levels at most. */
export const MAX_RLP_DEPTH = 64

export function encodeRlp(input: RlpInput): Uint8Array {
  const length = encodedLength(input)
  const out = new Uint8Array(length)
  const end = write(input, out, 0)
  if (end !== length) throw new Error('RLP length mismatch')
  return out
}

function payloadLength(input: RlpInput): number {
  if (input instanceof Uint8Array) return input.length
  let total = 0
  for (const item of input) total += encodedLength(item)
  return total
}

function encodedLength(input: RlpInput): number {
  if (input instanceof Uint8Array) {
    if (input.length === 1 && input[0]! < 0x80) return 1
    return headerLength(input.length) + input.length
  }
  const payload = payloadLength(input)
  return headerLength(payload) + payload
}

function headerLength(length: number): number {
  return length < 56 ? 1 : 1 + byteLength(length)
}

function byteLength(n: number): number {
  let bytes = 0
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes++
  return bytes
}

function writeHeader(out: Uint8Array, offset: number, length: number, shortBase: number): number {
  if (length < 56) {
    out[offset] = shortBase + length
    return offset + 1
  }
  const bytes = byteLength(length)
  out[offset] = shortBase + 55 + bytes
  for (let i = bytes, v = length; i > 0; i--, v = Math.floor(v / 256)) out[offset + i] = v & 0xff
  return offset + 1 + bytes
}

function write(input: RlpInput, out: Uint8Array, offset: number): number {
  if (input instanceof Uint8Array) {
    if (input.length === 1 && input[0]! < 0x80) {
      out[offset] = input[0]!
      return offset + 1
    }
    const start = writeHeader(out, offset, input.length, 0x80)
    out.set(input, start)
    return start + input.length
  }
  let position = writeHeader(out, offset, payloadLength(input), 0xc0)
  for (const item of input) position = write(item, out, position)
  return position
}

/** Decodes exactly one item that spans the whole input. */
export function decodeRlp(bytes: Uint8Array): RlpItem {
  const item = decodeAt(bytes, 0, bytes.length, 0)
  if (decodedEnd !== bytes.length) throw new RlpDecodingError('rlp: input contains more than one value')
  return item
}

/**
 * Where the item decodeAt just returned ends. A module variable rather than a returned pair: the
 * decoder runs for every node and transaction, and a pair per item is garbage. Decoding is
 * synchronous, so no other decode can run in between.
 */
let decodedEnd = 0

function decodeAt(bytes: Uint8Array, offset: number, limit: number, depth: number): RlpItem {
  if (offset >= limit) throw new RlpDecodingError('rlp: unexpected end of input')
  const prefix = bytes[offset]!
  if (prefix < 0x80) {
    decodedEnd = offset + 1
    return bytes.subarray(offset, offset + 1)
  }
  if (prefix < 0xb8) {
    const length = prefix - 0x80
    const start = offset + 1
    if (start + length > limit) throw new RlpDecodingError('rlp: value size exceeds available input length')
    if (length === 1 && bytes[start]! < 0x80)
      throw new RlpDecodingError('rlp: non-canonical size information')
    decodedEnd = start + length
    return bytes.subarray(start, start + length)
  }
  if (prefix < 0xc0) {
    const length = readLongLength(bytes, offset, prefix - 0xb7, limit)
    const start = offset + 1 + (prefix - 0xb7)
    decodedEnd = start + length
    return bytes.subarray(start, start + length)
  }
  if (depth >= MAX_RLP_DEPTH) throw new RlpDecodingError(`rlp: nesting deeper than ${MAX_RLP_DEPTH}`)
  let start: number
  let length: number
  if (prefix < 0xf8) {
    length = prefix - 0xc0
    start = offset + 1
    if (start + length > limit) throw new RlpDecodingError('rlp: value size exceeds available input length')
  } else {
    length = readLongLength(bytes, offset, prefix - 0xf7, limit)
    start = offset + 1 + (prefix - 0xf7)
  }
  const end = start + length
  const items: RlpItem[] = []
  let position = start
  while (position < end) {
    items.push(decodeAt(bytes, position, end, depth + 1))
    position = decodedEnd
  }
  decodedEnd = end
  return items
}

/** The length a long string or list header announces (its payload starts after the header). */
function readLongLength(bytes: Uint8Array, offset: number, lengthOfLength: number, limit: number): number {
  const start = offset + 1 + lengthOfLength
  if (start > limit) throw new RlpDecodingError('rlp: unexpected end of input')
  if (bytes[offset + 1] === 0) throw new RlpDecodingError('rlp: non-canonical size information')
  if (lengthOfLength > 6) throw new RlpDecodingError('rlp: value size exceeds available input length')
  let length = 0
  for (let i = offset + 1; i < start; i++) length = length * 256 + bytes[i]!
  if (length < 56) throw new RlpDecodingError('rlp: non-canonical size information')
  if (start + length > limit) throw new RlpDecodingError('rlp: value size exceeds available input length')
  return length
}
