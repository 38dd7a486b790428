import type { Address, Hash, Hex } from 'viem'
import { bigintToBytes, bytesToHex } from '../primitives/hex.ts'
import { encodeRlp } from '../primitives/rlp.ts'
import { MerklePatriciaTrie } from '../state/trie/merklePatriciaTrie.ts'
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
  /** EIP-4788's root the header commits to: zero for Velox's blocks, eth_simulateV1's `beaconRoot` override. */
  parentBeaconBlockRoot?: Hash | undefined
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
  const body = new BlockBody()
  for (const { raw, executed } of transactions) body.add(raw, executed)
  return body.assemble(open, stateRoot)
}

/**
 * Transactions folded into a BlockBody's tries between two hashings of them: a hashing rehashes the
 * tries' top branches, which every new key changes.
 */
const HASH_EVERY_TRANSACTIONS = 128

/**
 * A block's transactions and receipts as they are executed, folded into what its header commits to
 * (the two ordered tries, the logs bloom, gas used, the block's size, the fee distribution) a few at
 * a time: the sequencer adds each mini-block's transactions, prepares between mini-blocks and
 * assembles at the seal, which is left to hash only what changed since the tries last were.
 * `assembleBlock` is the same work in one go.
 *
 *   add (queued) ──▶ prepare: each into the tries, the bloom, the tips; the tries hashed now and then
 *   assemble ──▶ the rest prepared, the roots, the header
 */
export class BlockBody {
  private readonly transactionsTrie = new MerklePatriciaTrie()
  private readonly receiptsTrie = new MerklePatriciaTrie()
  private readonly bloom = new Uint8Array(256)
  private readonly gasByTip = new Map<bigint, bigint>()
  private readonly queued: { raw: Uint8Array; executed: ExecutedTransaction }[] = []
  /** The block's transactions' hashes, in order. */
  readonly transactionHashes: Hash[] = []
  private count = 0
  /** Transactions put into the tries since they were last hashed. */
  private unhashed = 0
  private gasUsed = 0n
  /** RLP length of the block's transaction list's payload. */
  private transactionsPayload = 0

  /** The block's next transaction (in order) and what it executed to, to prepare later. */
  add(raw: Uint8Array, executed: ExecutedTransaction): void {
    this.queued.push({ raw, executed })
    this.transactionHashes.push(executed.hash)
  }

  /** Transactions added and not yet prepared. */
  get queuedCount(): number {
    return this.queued.length
  }

  /**
   * Folds every queued transaction in, hashing both tries once HASH_EVERY_TRANSACTIONS have gone in
   * since they last were. Gas is summed by effective gas price, which `assemble` turns into tips
   * over the block's base fee.
   */
  prepare(): void {
    // What may throw comes before what must not be done twice: a transaction that failed to fold
    // stays queued, and folding it again puts the same keys and bloom bits.
    let folded = 0
    try {
      for (const { raw, executed } of this.queued) {
        const key = encodeRlp(bigintToBytes(BigInt(this.count)))
        this.transactionsTrie.put(key, raw)
        const bloom = receiptBloom(executed.logs)
        this.receiptsTrie.put(key, encodeReceipt(executed, bloom))
        if (executed.logs.length > 0) for (let i = 0; i < 256; i++) this.bloom[i]! |= bloom[i]!
        this.count++
        folded++
        this.gasUsed = executed.cumulativeGasUsed
        // Typed transactions are embedded as byte strings, legacy ones as the lists they are.
        this.transactionsPayload += raw[0]! >= 0xc0 ? raw.length : rlpStringLength(raw)
        this.gasByTip.set(
          executed.effectiveGasPrice,
          (this.gasByTip.get(executed.effectiveGasPrice) ?? 0n) + executed.gasUsed,
        )
      }
    } finally {
      this.queued.splice(0, folded)
      this.unhashed += folded
    }
    if (this.unhashed >= HASH_EVERY_TRANSACTIONS) {
      this.transactionsTrie.root()
      this.receiptsTrie.root()
      this.unhashed = 0
    }
  }

  /** What a header commits to of the body: its transactions and receipts roots and its logs bloom. */
  commitments(): { transactionsRoot: Hash; receiptsRoot: Hash; logsBloom: Hex } {
    this.prepare()
    const empty = this.count === 0
    return {
      transactionsRoot: empty ? EMPTY_TRIE_ROOT : bytesToHex(this.transactionsTrie.root()),
      receiptsRoot: empty ? EMPTY_TRIE_ROOT : bytesToHex(this.receiptsTrie.root()),
      logsBloom: bytesToHex(this.bloom),
    }
  }

  /** The sealed block: its header over `stateRoot`, its hash and size. */
  assemble(open: OpenBlock, stateRoot: Hash): SealedBlock {
    const { transactionsRoot, receiptsRoot, logsBloom } = this.commitments()
    const header: BlockHeader = {
      parentHash: open.parentHash,
      ommersHash: EMPTY_OMMERS_HASH,
      coinbase: open.coinbase,
      stateRoot,
      transactionsRoot,
      receiptsRoot,
      logsBloom,
      difficulty: 0n,
      number: open.number,
      gasLimit: open.gasLimit,
      gasUsed: this.gasUsed,
      timestamp: open.timestamp,
      extraData: open.extraData,
      mixHash: open.prevRandao,
      nonce: '0x0000000000000000',
      baseFeePerGas: open.baseFeePerGas,
      withdrawalsRoot: EMPTY_TRIE_ROOT,
      blobGasUsed: 0n,
      excessBlobGas: 0n,
      parentBeaconBlockRoot: open.parentBeaconBlockRoot ?? ZERO_HASH,
      requestsHash: open.requestsHash,
    }
    // A block is rlp([header, transactions, ommers, withdrawals]).
    const payload =
      encodeBlockHeader(header).length + rlpListLength(this.transactionsPayload) + 2 * rlpListLength(0)
    const tipDistribution: [bigint, bigint][] = []
    for (const [price, gas] of this.gasByTip) tipDistribution.push([price - open.baseFeePerGas, gas])
    tipDistribution.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    return { header, hash: hashBlockHeader(header), size: rlpListLength(payload), tipDistribution }
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
