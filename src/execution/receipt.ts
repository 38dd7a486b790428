import type { Address, Hash, Hex } from 'viem'
import { bigintToBytes, bytesToHex, hexToBytes } from '../primitives/hex.ts'
import { encodeRlp } from '../primitives/rlp.ts'
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
  const logs = receipt.logs.map((log) => [
    hexToBytes(log.address),
    log.topics.map(hexToBytes),
    hexToBytes(log.data),
  ])
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
    bloom = logsBloom(
      logs.map((log) => ({ address: hexToBytes(log.address), topics: log.topics.map(hexToBytes) })),
    )
    bloomsOfLogs.set(logs, bloom)
  }
  return bloom
}

const EMPTY_BLOOM_HEX = bytesToHex(EMPTY_BLOOM)

export function receiptBloomHex(logs: Log[]): Hex {
  return logs.length === 0 ? EMPTY_BLOOM_HEX : bytesToHex(receiptBloom(logs))
}
