/**
 * Batch data ⇄ frames, one frame per L1 transaction (its calldata argument, or the bytes its blobs
 * carry). A batch that fits one transaction is one frame; a larger one is cut into several, which
 * the inbox takes in order:
 *
 *   frame = version (u8) ‖ frame index (u16) ‖ frame count (u16) ‖ batch data length (u32) ‖ chunk
 *
 * joinFrames checks every header against the others and the chunks against the announced length,
 * so a missing, repeated, reordered or cut frame is an error rather than a shorter batch.
 */
import { BATCH_VERSION, MAX_BATCH_PAYLOAD_BYTES } from './batchFormat.ts'
import { MAX_BLOB_PAYLOAD_BYTES } from './blobs.ts'
import {
  BatchEncodingError,
  BatchLimitError,
  CorruptBatchError,
  TruncatedBatchError,
  UnknownBatchVersionError,
} from './errors.ts'

export const FRAME_HEADER_BYTES = 9
/** The inbox numbers frames with uint16. */
export const MAX_FRAMES_PER_BATCH = 0xffff
/**
 * Batch data is the compressed payload and its checksum; brotli grows incompressible input by a few
 * bytes per 16 MiB meta-block at most.
 */
export const MAX_BATCH_DATA_BYTES = MAX_BATCH_PAYLOAD_BYTES + 1024

/**
 * op-batcher's default maximum L1 transaction size (MaxL1TxSize, 120,000 bytes), well below geth's
 * txpool limit of 128 KiB (txMaxSize) for the whole signed transaction.
 */
export const MAX_CALLDATA_TRANSACTION_BYTES = 120_000
/**
 * What the rest of the transaction takes: its RLP fields and signature (~120 bytes), the call's
 * selector, four arguments, offset and length (196 bytes), and the padding of the frame to 32 bytes.
 */
const CALLDATA_TRANSACTION_OVERHEAD_BYTES = 512
/** The largest frame posted in calldata. */
export const CALLDATA_FRAME_CAPACITY = MAX_CALLDATA_TRANSACTION_BYTES - CALLDATA_TRANSACTION_OVERHEAD_BYTES
/** The largest frame posted in one transaction's blobs (6 blobs). */
export const BLOB_FRAME_CAPACITY = MAX_BLOB_PAYLOAD_BYTES

/** Batch data cut into frames of at most `capacity` bytes each, header included. */
export function splitFrames(data: Uint8Array, capacity: number): Uint8Array[] {
  if (data.length === 0) throw new BatchEncodingError('empty batch data')
  if (data.length > MAX_BATCH_DATA_BYTES)
    throw new BatchLimitError(`batch data of ${data.length} bytes exceeds ${MAX_BATCH_DATA_BYTES}`)
  const chunkSize = capacity - FRAME_HEADER_BYTES
  if (!Number.isInteger(chunkSize) || chunkSize < 1)
    throw new BatchEncodingError(`frame capacity ${capacity} leaves no room after the header`)
  const count = Math.ceil(data.length / chunkSize)
  if (count > MAX_FRAMES_PER_BATCH)
    throw new BatchLimitError(
      `${count} frames of ${capacity} bytes, more than the ${MAX_FRAMES_PER_BATCH} of a batch`,
    )
  const frames: Uint8Array[] = []
  for (let index = 0; index < count; index++) {
    const chunk = data.subarray(index * chunkSize, (index + 1) * chunkSize)
    const frame = new Uint8Array(FRAME_HEADER_BYTES + chunk.length)
    const header = new DataView(frame.buffer)
    header.setUint8(0, BATCH_VERSION)
    header.setUint16(1, index)
    header.setUint16(3, count)
    header.setUint32(5, data.length)
    frame.set(chunk, FRAME_HEADER_BYTES)
    frames.push(frame)
  }
  return frames
}

export type FrameHeader = { version: number; index: number; count: number; batchLength: number }

/** A frame's header, checked for what a single frame can tell. */
export function readFrameHeader(frame: Uint8Array): FrameHeader {
  if (frame.length === 0) throw new TruncatedBatchError('empty frame')
  if (frame[0] !== BATCH_VERSION) throw new UnknownBatchVersionError(frame[0]!)
  if (frame.length <= FRAME_HEADER_BYTES)
    throw new TruncatedBatchError(
      `frame of ${frame.length} bytes ends inside its ${FRAME_HEADER_BYTES}-byte header`,
    )
  const view = new DataView(frame.buffer, frame.byteOffset, FRAME_HEADER_BYTES)
  const header = {
    version: frame[0]!,
    index: view.getUint16(1),
    count: view.getUint16(3),
    batchLength: view.getUint32(5),
  }
  if (header.count === 0 || header.index >= header.count)
    throw new CorruptBatchError(`frame ${header.index} of ${header.count}: impossible position`)
  if (header.batchLength > MAX_BATCH_DATA_BYTES)
    throw new BatchLimitError(
      `frame announces a batch of ${header.batchLength} bytes, over ${MAX_BATCH_DATA_BYTES}`,
    )
  return header
}

/** The inverse of splitFrames: all of a batch's frames, in order, back to its data. */
export function joinFrames(frames: readonly Uint8Array[]): Uint8Array {
  const first = frames[0]
  if (!first) throw new TruncatedBatchError('no frames')
  const { count, batchLength } = readFrameHeader(first)
  if (frames.length > count) throw new CorruptBatchError(`${frames.length} frames for a batch of ${count}`)
  // Headers and lengths first, so nothing is allocated for a batch the frames do not hold.
  let length = 0
  for (const [position, frame] of frames.entries()) {
    const header = readFrameHeader(frame)
    if (header.index !== position || header.count !== count || header.batchLength !== batchLength)
      throw new CorruptBatchError(
        `frame ${position} is frame ${header.index} of ${header.count} (${header.batchLength} bytes)`,
        { details: `expected frame ${position} of ${count} (${batchLength} bytes)` },
      )
    length += frame.length - FRAME_HEADER_BYTES
  }
  if (length > batchLength)
    throw new CorruptBatchError(
      `frames carry ${length} bytes, more than the ${batchLength} their batch announces`,
    )
  if (frames.length < count) throw new TruncatedBatchError(`${frames.length} of ${count} frames`)
  if (length < batchLength) throw new TruncatedBatchError(`frames carry ${length} of ${batchLength} bytes`)
  const data = new Uint8Array(batchLength)
  let offset = 0
  for (const frame of frames) {
    data.set(frame.subarray(FRAME_HEADER_BYTES), offset)
    offset += frame.length - FRAME_HEADER_BYTES
  }
  return data
}
