/**
 * Why a batch cannot be built or read. Decoding reads untrusted L1 data: every way it can fail is
 * one of these, named for what the reader should conclude, and a batch is either read whole or not
 * at all.
 */
import { VeloxError } from '../errors/base.ts'

/** The base of every batch error: catch this to treat a batch as unreadable. */
export class BatchError extends VeloxError {
  override name = 'BatchError'
}

/** The encoder was handed something the format cannot carry (or that no L2 block may hold). */
export class BatchEncodingError extends BatchError {
  override name = 'BatchEncodingError'
}

/** The data starts with a version byte this code does not know. */
export class UnknownBatchVersionError extends BatchError {
  override name = 'UnknownBatchVersionError'
  readonly version: number

  constructor(version: number) {
    super(`unknown batch version ${version}`, {
      details: 'this build reads version 1; a newer batcher wrote it, or the data is not a Velox frame',
    })
    this.version = version
  }
}

/** The data ends before what it announces: a frame, blob stream, column or field is cut short. */
export class TruncatedBatchError extends BatchError {
  override name = 'TruncatedBatchError'
}

/** The data is malformed: a checksum, a decompression, a non-canonical or out-of-range field. */
export class CorruptBatchError extends BatchError {
  override name = 'CorruptBatchError'
}

/** The data announces more than a batch may hold (items, bytes, frames): refused before allocating. */
export class BatchLimitError extends BatchError {
  override name = 'BatchLimitError'
}
