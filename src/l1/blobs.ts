/**
 * Bytes ⇄ EIP-4844 blobs. A blob is 4096 field elements of 32 bytes, each below the BLS12-381
 * modulus; keeping every element's first byte zero makes any 31 bytes after it valid, so a blob
 * carries 4096 × 31 = 126,976 bytes (1/32 of its space given up for byte alignment):
 *
 *   stream = length (u32, big-endian) ‖ bytes ‖ zeros to the end of the last blob
 *   blob i, element j = 0x00 ‖ stream[(4096·i + j)·31 …+31]
 *
 * Reading checks the zero bytes and the zero padding: a blob not written by bytesToBlobs is refused.
 */
import { BatchEncodingError, CorruptBatchError, TruncatedBatchError } from './errors.ts'

/** EIP-4844 FIELD_ELEMENTS_PER_BLOB and BYTES_PER_FIELD_ELEMENT. */
export const FIELD_ELEMENTS_PER_BLOB = 4096
export const BYTES_PER_FIELD_ELEMENT = 32
export const BYTES_PER_BLOB = FIELD_ELEMENTS_PER_BLOB * BYTES_PER_FIELD_ELEMENT
/** What a field element carries here: all but its first byte. */
const DATA_BYTES_PER_FIELD_ELEMENT = 31
export const BLOB_DATA_BYTES = FIELD_ELEMENTS_PER_BLOB * DATA_BYTES_PER_FIELD_ELEMENT
/**
 * At most 6 blobs in one transaction: Cancun's per-block maximum (EIP-4844), which geth's blob pool
 * also keeps per transaction under Prague, and EIP-7594's MAX_BLOBS_PER_TX from Osaka on.
 */
export const MAX_BLOBS_PER_TRANSACTION = 6
const LENGTH_PREFIX_BYTES = 4
/** The most bytes one blob transaction's blobs carry. */
export const MAX_BLOB_PAYLOAD_BYTES = MAX_BLOBS_PER_TRANSACTION * BLOB_DATA_BYTES - LENGTH_PREFIX_BYTES

/** How many blobs `size` bytes take. */
export function blobCountFor(size: number): number {
  return Math.max(1, Math.ceil((size + LENGTH_PREFIX_BYTES) / BLOB_DATA_BYTES))
}

export function bytesToBlobs(data: Uint8Array): Uint8Array[] {
  if (data.length > MAX_BLOB_PAYLOAD_BYTES)
    throw new BatchEncodingError(
      `${data.length} bytes exceed the ${MAX_BLOB_PAYLOAD_BYTES} of one blob transaction`,
    )
  const stream = new Uint8Array(LENGTH_PREFIX_BYTES + data.length)
  new DataView(stream.buffer).setUint32(0, data.length)
  stream.set(data, LENGTH_PREFIX_BYTES)
  const blobs: Uint8Array[] = []
  for (let i = 0; i < blobCountFor(data.length); i++) {
    const blob = new Uint8Array(BYTES_PER_BLOB)
    const start = i * BLOB_DATA_BYTES
    for (let j = 0; j < FIELD_ELEMENTS_PER_BLOB; j++) {
      const from = start + j * DATA_BYTES_PER_FIELD_ELEMENT
      if (from >= stream.length) break
      blob.set(stream.subarray(from, from + DATA_BYTES_PER_FIELD_ELEMENT), j * BYTES_PER_FIELD_ELEMENT + 1)
    }
    blobs.push(blob)
  }
  return blobs
}

/** The inverse of bytesToBlobs: the bytes the blobs carry, in order. */
export function blobsToBytes(blobs: readonly Uint8Array[]): Uint8Array {
  if (blobs.length === 0) throw new TruncatedBatchError('no blobs')
  if (blobs.length > MAX_BLOBS_PER_TRANSACTION)
    throw new CorruptBatchError(
      `${blobs.length} blobs, more than the ${MAX_BLOBS_PER_TRANSACTION} of a transaction`,
    )
  const stream = new Uint8Array(blobs.length * BLOB_DATA_BYTES)
  for (const [i, blob] of blobs.entries()) {
    if (blob.length !== BYTES_PER_BLOB)
      throw new CorruptBatchError(`blob ${i} is ${blob.length} bytes, not ${BYTES_PER_BLOB}`)
    for (let j = 0; j < FIELD_ELEMENTS_PER_BLOB; j++) {
      const offset = j * BYTES_PER_FIELD_ELEMENT
      if (blob[offset] !== 0)
        throw new CorruptBatchError(`blob ${i}, field element ${j}: first byte is not zero`, {
          details: 'not a Velox blob (its elements carry 31 bytes each)',
        })
      stream.set(
        blob.subarray(offset + 1, offset + BYTES_PER_FIELD_ELEMENT),
        (i * FIELD_ELEMENTS_PER_BLOB + j) * DATA_BYTES_PER_FIELD_ELEMENT,
      )
    }
  }
  const length = new DataView(stream.buffer).getUint32(0)
  const end = LENGTH_PREFIX_BYTES + length
  if (end > stream.length)
    throw new TruncatedBatchError(
      `blobs announce ${length} bytes but carry ${stream.length - LENGTH_PREFIX_BYTES}`,
    )
  if (blobCountFor(length) !== blobs.length)
    throw new CorruptBatchError(
      `${blobs.length} blobs for ${length} bytes, which take ${blobCountFor(length)}`,
    )
  for (let k = end; k < stream.length; k++)
    if (stream[k] !== 0)
      throw new CorruptBatchError(`blob data continues after its announced ${length} bytes`)
  return stream.slice(LENGTH_PREFIX_BYTES, end)
}
