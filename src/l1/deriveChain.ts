/**
 * The L2 chain from L1 data alone, checked against the committed roots:
 *
 *   genesis block and state ──▶ for each batch (readL1Batches, in inbox order): it must continue the
 *   derived chain (first block = head + 1, parent hash = head's hash) ──▶ deriveBlock for each of its
 *   blocks ──▶ a StateCommitted for that block must name the derived block hash and state root.
 *
 * Re-execution always starts at genesis (the state is needed); `from` only says where checking and
 * counting start, `to` where derivation stops. The first failure throws: ChainDiscontinuityError,
 * InvalidDerivedBlockError, CommitmentMismatchError, or the L1DataError / BatchError of the read.
 */
import type { Address, Hash } from 'viem'
import { StateTrie } from '../state/stateTrie.ts'
import type { AccountData } from '../state/stateView.ts'
import { MemoryNodeStore } from '../state/trie/memoryNodeStore.ts'
import type { GenesisBlock } from './buildGenesisBlock.ts'
import {
  ChainDiscontinuityError,
  type CommitmentDifference,
  CommitmentMismatchError,
  DerivationError,
} from './derivationErrors.ts'
import { type DerivationRules, type DerivedBlock, deriveBlock } from './deriveBlock.ts'
import type { L1BatchRecord } from './readL1Batches.ts'
import type { StateCommitment } from './readStateCommitments.ts'

/** BLOCKHASH reaches the last 256 blocks (Yellow Paper; EIP-2935 keeps more in state, not here). */
const BLOCKHASH_WINDOW = 256n

export type DerivationSummary = {
  /** First block checked. */
  from: bigint
  /** Last block derived (the genesis block's 0 when L1 holds none). */
  head: bigint
  /** Blocks derived from `from` on. */
  checkedBlocks: number
  batches: number
  commitmentsChecked: number
  /** Commitments to blocks after `head`: the batches holding them are not (all) on L1 yet, or after `to`. */
  commitmentsAhead: number
}

export type DeriveChainOptions = {
  genesis: GenesisBlock
  rules: DerivationRules
  batches: AsyncIterable<L1BatchRecord> | Iterable<L1BatchRecord>
  /** In increasing block order (readStateCommitments). */
  commitments: readonly StateCommitment[]
  /** Default 1. */
  from?: bigint
  to?: bigint
  onBlock?: (block: DerivedBlock, summary: DerivationSummary) => void
}

export async function deriveChain(options: DeriveChainOptions): Promise<DerivationSummary> {
  const { genesis, rules, commitments } = options
  const from = options.from ?? 1n
  const state = genesis.state
  const trie = new StateTrie(new MemoryNodeStore())
  const accounts = new Map<Address, AccountData | null>()
  const storage = new Map<Address, Map<bigint, bigint>>()
  for (const [address, account] of state.entries()) {
    accounts.set(address, { nonce: account.nonce, balance: account.balance, codeHash: account.codeHash })
    storage.set(address, new Map(account.storage))
  }
  trie.apply({ accounts, storage, storageResets: new Set() })
  if (trie.commit() !== genesis.header.stateRoot)
    throw new DerivationError('the genesis state trie does not give the genesis header state root')

  const summary: DerivationSummary = {
    from,
    head: 0n,
    checkedBlocks: 0,
    batches: 0,
    commitmentsChecked: 0,
    commitmentsAhead: 0,
  }
  let next = 0
  const checkCommitment = (number: bigint, hash: Hash, stateRoot: Hash) => {
    for (; next < commitments.length && commitments[next]!.l2BlockNumber <= number; next++) {
      const commitment = commitments[next]!
      if (commitment.l2BlockNumber < number || number < from) continue
      const differences: CommitmentDifference[] = []
      if (commitment.blockHash !== hash)
        differences.push({ field: 'blockHash', committed: commitment.blockHash, derived: hash })
      if (commitment.stateRoot !== stateRoot)
        differences.push({ field: 'stateRoot', committed: commitment.stateRoot, derived: stateRoot })
      if (differences.length > 0) throw new CommitmentMismatchError(number, commitment.index, differences)
      summary.commitmentsChecked++
    }
  }
  checkCommitment(0n, genesis.hash, genesis.header.stateRoot)

  const hashes = new Map<bigint, Hash>([[0n, genesis.hash]])
  const blockHash = (number: bigint) => BigInt(hashes.get(number) ?? 0n)
  let parent = { header: genesis.header, hash: genesis.hash }
  derive: for await (const record of options.batches) {
    if (options.to !== undefined && record.firstBlock > options.to) break
    const expected = { number: parent.header.number + 1n, parentHash: parent.hash }
    if (record.firstBlock !== expected.number || record.batch.parentHash !== parent.hash)
      throw new ChainDiscontinuityError(expected, {
        firstBlock: record.firstBlock,
        parentHash: record.batch.parentHash,
      })
    summary.batches++
    for (const block of record.batch.blocks) {
      if (options.to !== undefined && block.number > options.to) break derive
      const derived = deriveBlock(parent, block, { state, trie, rules, blockHash })
      hashes.set(derived.number, derived.hash)
      hashes.delete(derived.number - BLOCKHASH_WINDOW - 1n)
      checkCommitment(derived.number, derived.hash, derived.stateRoot)
      parent = { header: derived.header, hash: derived.hash }
      summary.head = derived.number
      if (derived.number >= from) summary.checkedBlocks++
      options.onBlock?.(derived, summary)
    }
  }
  summary.commitmentsAhead = commitments.length - next
  return summary
}
