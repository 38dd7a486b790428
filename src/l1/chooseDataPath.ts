/**
 * Calldata or blobs: what posting `size` bytes of batch data to BatchInbox costs each way at the
 * given L1 fees, and which is cheaper. Under Prague:
 *
 *   calldata  per transaction (frame ≤ CALLDATA_FRAME_CAPACITY):
 *             gas = 21000 + max(4·tokens + execution, 10·tokens)        EIP-7623 (floor), EIP-2028
 *             tokens = zero bytes + 4 · non-zero bytes
 *   blobs     per transaction (≤ 6 blobs): gas as above for its small calldata, plus
 *             blob gas = 131072 per blob, paid at the blob base fee       EIP-4844
 *
 * Compressed data is counted as all non-zero bytes (one byte in 256 is zero: the estimate is high
 * by under 0.3%). Execution is BatchInbox's, measured on anvil (test/l1/inbox.test.ts checks these
 * figures against receipts).
 */
import { GAS_PER_BLOB } from '../execution/processTransaction.ts'
import { FLOOR_GAS_PER_TOKEN, TX_DATA_ZERO_GAS, TX_GAS } from '../primitives/intrinsicGas.ts'
import { blobCountFor, MAX_BLOB_PAYLOAD_BYTES, MAX_BLOBS_PER_TRANSACTION } from './blobs.ts'
import { CALLDATA_FRAME_CAPACITY, FRAME_HEADER_BYTES } from './frames.ts'

/** EIP-7623: a zero byte is one token, a non-zero byte four. */
const TOKENS_PER_NONZERO_BYTE = 4n
/** EIP-7623 STANDARD_TOKEN_COST: what a token costs outside the floor (= EIP-2028's zero-byte gas). */
const STANDARD_TOKEN_COST = TX_DATA_ZERO_GAS
/** Yellow paper: memory costs 3 gas a word plus words² / 512; copying and keccak256 3 and 6 a word. */
const MEMORY_WORD_GAS = 3n
const MEMORY_QUADRATIC_DIVISOR = 512n
const COPY_WORD_GAS = 3n
const KECCAK_WORD_GAS = 6n

/**
 * The calls' fixed parts: selector and ABI head (4 + 6 · 32 bytes for postCalldataFrame, 4 + 4 · 32
 * for postBlobFrame), as tokens: mostly zero bytes around small numbers.
 */
const CALLDATA_HEAD_TOKENS = 240n
const BLOB_CALL_TOKENS = 156n
/**
 * BatchInbox's execution besides hashing the frame, measured on anvil for a frame after the first:
 * the checks, one slot updated, the frame's two new slots and the array length, the event.
 */
const CALLDATA_POST_EXECUTION_GAS = 60_800n
const BLOB_POST_EXECUTION_GAS = 61_200n
/** Each blob more: one BLOBHASH, a word of memory, hashing and the event's data. */
const BLOB_POST_EXECUTION_GAS_PER_BLOB = 700n

export type DataPathCosts = {
  /** The cheaper path (calldata on a tie: no KZG work). */
  path: 'calldata' | 'blobs'
  calldata: { transactions: number; gas: bigint; fee: bigint }
  blobs: { transactions: number; blobs: number; gas: bigint; blobGas: bigint; fee: bigint }
}

export type ChooseDataPathOptions = {
  /** Batch data bytes (compressBatch's output). */
  size: number
  /** The L1 base fee, and the priority fee the batcher adds to it (wei per gas). */
  baseFeePerGas: bigint
  priorityFeePerGas?: bigint
  /** EIP-4844's blob base fee (wei per blob gas). */
  blobBaseFee: bigint
}

export function chooseDataPath(options: ChooseDataPathOptions): DataPathCosts {
  const gasPrice = options.baseFeePerGas + (options.priorityFeePerGas ?? 0n)

  let calldataGas = 0n
  const calldataFrames = frameSizes(options.size, CALLDATA_FRAME_CAPACITY)
  for (const frame of calldataFrames) calldataGas += calldataPostGas(frame)

  let blobGas = 0n
  let blobExecutionGas = 0n
  let blobs = 0
  const blobFrames = frameSizes(options.size, MAX_BLOB_PAYLOAD_BYTES)
  for (const frame of blobFrames) {
    const count = blobCountFor(frame)
    blobs += count
    blobGas += BigInt(count) * GAS_PER_BLOB
    blobExecutionGas += blobPostGas(count)
  }

  const calldataFee = calldataGas * gasPrice
  const blobFee = blobExecutionGas * gasPrice + blobGas * options.blobBaseFee
  return {
    path: blobFee < calldataFee ? 'blobs' : 'calldata',
    calldata: { transactions: calldataFrames.length, gas: calldataGas, fee: calldataFee },
    blobs: { transactions: blobFrames.length, blobs, gas: blobExecutionGas, blobGas, fee: blobFee },
  }
}

/** The sizes of the frames (header included) `size` bytes of batch data are cut into. */
function frameSizes(size: number, capacity: number): number[] {
  const chunk = capacity - FRAME_HEADER_BYTES
  const sizes: number[] = []
  for (let left = size; left > 0; left -= chunk) sizes.push(Math.min(left, chunk) + FRAME_HEADER_BYTES)
  return sizes
}

/** Gas of a postCalldataFrame transaction carrying `frame` bytes. */
export function calldataPostGas(frame: number): bigint {
  const words = BigInt(Math.ceil(frame / 32))
  // The ABI pads the frame to a whole word with zero bytes.
  const padding = words * 32n - BigInt(frame)
  const tokens = CALLDATA_HEAD_TOKENS + BigInt(frame) * TOKENS_PER_NONZERO_BYTE + padding
  // keccak256(frame) copies it to memory and hashes it.
  const execution =
    CALLDATA_POST_EXECUTION_GAS +
    words * (MEMORY_WORD_GAS + COPY_WORD_GAS + KECCAK_WORD_GAS) +
    (words * words) / MEMORY_QUADRATIC_DIVISOR
  return transactionGas(tokens, execution)
}

/** Gas of a postBlobFrame transaction carrying `blobs` blobs (blob gas apart). */
export function blobPostGas(blobs: number): bigint {
  if (blobs < 1 || blobs > MAX_BLOBS_PER_TRANSACTION)
    throw new RangeError(`${blobs} blobs in one transaction`)
  return transactionGas(
    BLOB_CALL_TOKENS,
    BLOB_POST_EXECUTION_GAS + BigInt(blobs - 1) * BLOB_POST_EXECUTION_GAS_PER_BLOB,
  )
}

/** EIP-7623: the larger of the standard charge and the calldata floor. */
function transactionGas(tokens: bigint, execution: bigint): bigint {
  const standard = STANDARD_TOKEN_COST * tokens + execution
  const floor = FLOOR_GAS_PER_TOKEN * tokens
  return TX_GAS + (standard > floor ? standard : floor)
}
