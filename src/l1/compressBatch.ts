/**
 * Batch payload ⇄ batch data: brotli (chosen by measurement over deflate and zstd, see
 * src/l1/README.md), behind a keccak256 checksum of the compressed bytes, so that any change to
 * them (a flipped bit, a cut, bytes appended, which brotli itself would ignore) is caught before
 * decompressing:
 *
 *   batch data = keccak256(compressed) ‖ compressed
 *
 * `node:zlib` runs in Node and in workerd (with the `nodejs_compat` flag); both bound the output.
 */
import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib'
import { equalBytes } from '../primitives/hex.ts'
import { keccak256 } from '../primitives/keccak256.ts'
import { MAX_BATCH_PAYLOAD_BYTES } from './batchFormat.ts'
import { BatchLimitError, CorruptBatchError, TruncatedBatchError } from './errors.ts'

const CHECKSUM_BYTES = 32
/**
 * Quality 10, as OP Stack's batcher (brotli-10): on Velox payloads it is smaller than 11 (by 0.4%)
 * and 3 to 4 times faster (bench:batch). The largest window (16 MiB) for the largest batches.
 */
const BROTLI_QUALITY = 10
const BROTLI_WINDOW_BITS = constants.BROTLI_MAX_WINDOW_BITS

export function compressBatch(payload: Uint8Array): Uint8Array {
  const compressed = brotliCompressSync(payload, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
      [constants.BROTLI_PARAM_LGWIN]: BROTLI_WINDOW_BITS,
      [constants.BROTLI_PARAM_SIZE_HINT]: payload.length,
    },
  })
  const data = new Uint8Array(CHECKSUM_BYTES + compressed.length)
  data.set(keccak256(compressed))
  data.set(compressed, CHECKSUM_BYTES)
  return data
}

/** The inverse of compressBatch: the payload, never more than MAX_BATCH_PAYLOAD_BYTES of it. */
export function decompressBatch(data: Uint8Array): Uint8Array {
  if (data.length <= CHECKSUM_BYTES)
    throw new TruncatedBatchError(`batch data of ${data.length} bytes is shorter than its checksum`)
  const compressed = data.subarray(CHECKSUM_BYTES)
  if (!equalBytes(keccak256(compressed), data.subarray(0, CHECKSUM_BYTES)))
    throw new CorruptBatchError('batch data does not match its checksum', {
      details: 'the compressed bytes were changed, cut or extended after the batcher wrote them',
    })
  let payload: Uint8Array
  try {
    payload = brotliDecompressSync(compressed, { maxOutputLength: MAX_BATCH_PAYLOAD_BYTES })
  } catch (error) {
    // Node and workerd word these differently (and only Node sets `code`): go by kind and message.
    if (error instanceof RangeError)
      throw new BatchLimitError(`batch payload decompresses to more than ${MAX_BATCH_PAYLOAD_BYTES} bytes`, {
        cause: error,
      })
    if (error instanceof Error && /unexpected end of file/i.test(error.message))
      throw new TruncatedBatchError('compressed batch ends before its brotli stream', { cause: error })
    throw new CorruptBatchError('compressed batch is not a valid brotli stream', {
      details: error instanceof Error ? error.message : String(error),
      cause: error,
    })
  }
  return new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength)
}
