import type { Address, Hash, Hex } from 'viem'
import type { Log as EvmLog } from '../evm/evmState.ts'
import { bigintToBytes, bytesToHex, hexToBytes } from '../primitives/hex.ts'
import { encodeRlp } from '../primitives/rlp.ts'
import { writeWordTo } from '../primitives/words.ts'
import { logsBloom } from '../state/bloom/logsBloom.ts'

export type Log = { address: Address; topics: Hash[]; data: Hex }

/** What execution produces per transaction; block hash and indices are added when it is served. */
export type ExecutedTransaction = {
  hash: Hash
  type: number
  sender: Address
  to: Address | null
  /** The address a creation transaction creates at (null for calls). */
  contractAddress: Address | null
  status: 0 | 1
  gasUsed: bigint
  cumulativeGasUsed: bigint
  effectiveGasPrice: bigint
  logs: Log[]
}

/**
 * EIP-2718 receipt encoding: rlp([status, cumulativeGasUsed, logsBloom, logs]), prefixed by the type
 * when typed. `bloom`: the logs' bloom, where the caller has it already.
 */
export function encodeReceipt(
  receipt: Pick<ExecutedTransaction, 'type' | 'status' | 'cumulativeGasUsed' | 'logs'>,
  bloom: Uint8Array = receiptBloom(receipt.logs),
): Uint8Array {
  const logs = logBytes(receipt.logs).map((log) => [log.address, log.topics, log.data])
  const body = encodeRlp([
    receipt.status === 1 ? Uint8Array.of(1) : new Uint8Array(),
    bigintToBytes(receipt.cumulativeGasUsed),
    bloom,
    logs,
  ])
  if (receipt.type === 0) return body
  const typed = new Uint8Array(body.length + 1)
  typed[0] = receipt.type
  typed.set(body, 1)
  return typed
}

/**
 * Blooms already computed, by logs array: the sequencer formats a receipt's bloom for the mini-block
 * it publishes and then folds the same logs into the block's receipt trie and bloom.
 */
const bloomsOfLogs = new WeakMap<Log[], Uint8Array>()

/** A bloom with nothing in it: every receipt without logs carries it (shared: read it only). */
const EMPTY_BLOOM = new Uint8Array(256)

/** The logs' bloom. The array may be shared with other callers for the same logs: read it only. */
export function receiptBloom(logs: Log[]): Uint8Array {
  if (logs.length === 0) return EMPTY_BLOOM
  let bloom = bloomsOfLogs.get(logs)
  if (bloom === undefined) {
    bloom = logsBloom(logBytes(logs))
    bloomsOfLogs.set(logs, bloom)
  }
  return bloom
}

const EMPTY_BLOOM_HEX = bytesToHex(EMPTY_BLOOM)

/** A log's fields as bytes: what a receipt's RLP holds and its bloom hashes. */
type LogBytes = { address: Uint8Array; topics: Uint8Array[]; data: Uint8Array }

/**
 * The bytes of logs made from the EVM's (receiptLogsOf), by logs array: the receipt trie and the
 * bloom take bytes, and parsing the hex back was most of what encoding a receipt cost the sequencer.
 */
const bytesOfLogs = new WeakMap<Log[], LogBytes[]>()

/** Logs as receipts and RPC carry them (32-byte hex topics, hex data), from the EVM's. */
export function receiptLogsOf(evmLogs: readonly EvmLog[]): Log[] {
  if (evmLogs.length === 0) return []
  const logs: Log[] = []
  const bytes: LogBytes[] = []
  for (const log of evmLogs) {
    const topics = log.topics.map((topic) => {
      const word = new Uint8Array(32)
      writeWordTo(word, 0, topic)
      return word
    })
    logs.push({
      address: log.address,
      // From the bigint, not the bytes beside it: 0.2 µs a topic in Node here against 0.7 for bytesToHex.
      topics: log.topics.map((topic) => `0x${topic.toString(16).padStart(64, '0')}` as Hash),
      data: bytesToHex(log.data),
    })
    bytes.push({ address: hexToBytes(log.address), topics, data: log.data })
  }
  bytesOfLogs.set(logs, bytes)
  return logs
}

/** The logs' bytes: kept from the EVM's logs, or parsed from their hex (logs read back from storage). */
function logBytes(logs: Log[]): LogBytes[] {
  return (
    bytesOfLogs.get(logs) ??
    logs.map((log) => ({
      address: hexToBytes(log.address),
      topics: log.topics.map(hexToBytes),
      data: hexToBytes(log.data),
    }))
  )
}

export function receiptBloomHex(logs: Log[]): Hex {
  return logs.length === 0 ? EMPTY_BLOOM_HEX : bytesToHex(receiptBloom(logs))
}
