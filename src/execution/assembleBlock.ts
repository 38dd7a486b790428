import type { Address, Hash, Hex } from 'viem'
import { bytesToHex } from '../primitives/hex.ts'
import { orderedTrieRoot } from '../state/trie/orderedTrieRoot.ts'
import {
  type BlockHeader,
  EMPTY_OMMERS_HASH,
  EMPTY_TRIE_ROOT,
  encodeBlockHeader,
  hashBlockHeader,
  ZERO_HASH,
} from './blockHeader.ts'
import { type ExecutedTransaction, encodeReceipt, receiptBloom } from './receipt.ts'

/** The header fields fixed when a block is opened, before any transaction runs in it. */
export type OpenBlock = {
  number: bigint
  parentHash: Hash
  timestamp: bigint
  baseFeePerGas: bigint
  gasLimit: bigint
  coinbase: Address
  prevRandao: Hash
  extraData: Hex
  requestsHash: Hash | undefined
}

export type SealedBlock = {
  header: BlockHeader
  hash: Hash
  /** RLP size of the whole block, as eth_getBlockByNumber reports it. */
  size: number
  /** (tip, gas) pairs merged by tip, ascending: what eth_feeHistory's rewards are computed from. */
  tipDistribution: [tip: bigint, gas: bigint][]
}

/**
 * Seals an open block: roots of its transactions and receipts, the logs bloom, and the header
 * that commits to them and to the post-state root.
 */
export function assembleBlock(
  open: OpenBlock,
  transactions: { raw: Uint8Array; executed: ExecutedTransaction }[],
  stateRoot: Hash,
): SealedBlock {
  const raws = transactions.map((tx) => tx.raw)
  const receipts = transactions.map((tx) => encodeReceipt(tx.executed))
  const bloom = new Uint8Array(256)
  for (const { executed } of transactions) {
    if (executed.logs.length === 0) continue
    const own = receiptBloom(executed.logs)
    for (let i = 0; i < 256; i++) bloom[i]! |= own[i]!
  }
  const gasUsed =
    transactions.length === 0 ? 0n : transactions[transactions.length - 1]!.executed.cumulativeGasUsed
  const header: BlockHeader = {
    parentHash: open.parentHash,
    ommersHash: EMPTY_OMMERS_HASH,
    coinbase: open.coinbase,
    stateRoot,
    transactionsRoot: raws.length === 0 ? EMPTY_TRIE_ROOT : bytesToHex(orderedTrieRoot(raws)),
    receiptsRoot: receipts.length === 0 ? EMPTY_TRIE_ROOT : bytesToHex(orderedTrieRoot(receipts)),
    logsBloom: bytesToHex(bloom),
    difficulty: 0n,
    number: open.number,
    gasLimit: open.gasLimit,
    gasUsed,
    timestamp: open.timestamp,
    extraData: open.extraData,
    mixHash: open.prevRandao,
    nonce: '0x0000000000000000',
    baseFeePerGas: open.baseFeePerGas,
    withdrawalsRoot: EMPTY_TRIE_ROOT,
    blobGasUsed: 0n,
    excessBlobGas: 0n,
    parentBeaconBlockRoot: ZERO_HASH,
    requestsHash: open.requestsHash,
  }
  // A block is rlp([header, transactions, ommers, withdrawals]): typed transactions are embedded as
  // byte strings, legacy ones as the lists they are.
  let transactionsPayload = 0
  for (const raw of raws) transactionsPayload += raw[0]! >= 0xc0 ? raw.length : rlpStringLength(raw)
  const payload = encodeBlockHeader(header).length + rlpListLength(transactionsPayload) + 2 * rlpListLength(0)
  return {
    header,
    hash: hashBlockHeader(header),
    size: rlpListLength(payload),
    tipDistribution: tipDistribution(transactions, open.baseFeePerGas),
  }
}

function lengthOfLength(length: number): number {
  let bytes = 0
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes++
  return bytes
}

function rlpListLength(payload: number): number {
  return payload + 1 + (payload < 56 ? 0 : lengthOfLength(payload))
}

function rlpStringLength(bytes: Uint8Array): number {
  if (bytes.length === 1 && bytes[0]! < 0x80) return 1
  return bytes.length + 1 + (bytes.length < 56 ? 0 : lengthOfLength(bytes.length))
}

function tipDistribution(
  transactions: { executed: ExecutedTransaction }[],
  baseFee: bigint,
): [bigint, bigint][] {
  const byTip = new Map<bigint, bigint>()
  for (const { executed } of transactions) {
    const tip = executed.effectiveGasPrice - baseFee
    byTip.set(tip, (byTip.get(tip) ?? 0n) + executed.gasUsed)
  }
  return [...byTip.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
}
