/**
 * The L2 chain from L1 data alone, checked against the committed roots:
 *
 *   genesis block and state ──▶ for each batch (readL1Batches, in inbox order): it must continue the
 *   derived chain (first block = head + 1, parent hash = head's hash) ──▶ deriveBlock for each of its
 *   blocks ──▶ a StateCommitted for that block must name the derived block hash and state root.
 *
 * Re-execution starts at genesis, with the whole state in memory; or, given `witnesses`, at a
 * trusted block (one StateCommitments committed, or genesis) with no state at all: each block then
 * executes on its execution witness, whose trie nodes must hang off the parent's state root (that
 * of the trusted block, then the derived ones), so a witness source can withhold or garble nodes
 * but never make a wrong block pass. `from` only says where checking and counting start, `to` where
 * derivation stops. The first failure throws: ChainDiscontinuityError, InvalidDerivedBlockError,
 * WitnessUnusableError, CommitmentMismatchError, or the L1DataError / BatchError of the read.
 */
import type { Address, Hash } from 'viem'
import type { StateChanges } from '../evm/evmState.ts'
import type { BlockHeader } from '../execution/blockHeader.ts'
import type { MemoryState } from '../state/memoryState.ts'
import { StateTrie } from '../state/stateTrie.ts'
import type { AccountData } from '../state/stateView.ts'
import { MemoryNodeStore } from '../state/trie/memoryNodeStore.ts'
import { MissingTrieNodeError } from '../state/trie/merklePatriciaTrie.ts'
import type { ExecutionWitness } from '../state/witness.ts'
import { BlockValidationError, openWitnessState } from '../validator/validateBlock.ts'
import type { DecodedBlock } from './batchFormat.ts'
import type { GenesisBlock } from './buildGenesisBlock.ts'
import {
  ChainDiscontinuityError,
  type CommitmentDifference,
  CommitmentMismatchError,
  DerivationError,
  WitnessUnusableError,
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
  /**
   * Derive without state from `start` on (blocks up to it are taken as they are), each block on
   * the witness `witnessOf` gives (an L2 node's debug_executionWitness, served from R2).
   */
  witnesses?: {
    start: { number: bigint; hash: Hash }
    witnessOf: (number: bigint) => Promise<ExecutionWitness>
  }
  onBlock?: (block: DerivedBlock, summary: DerivationSummary) => void
}

export async function deriveChain(options: DeriveChainOptions): Promise<DerivationSummary> {
  const { genesis, rules, commitments, witnesses } = options
  const from = options.from ?? 1n
  const start = witnesses?.start ?? { number: 0n, hash: genesis.hash }
  const summary: DerivationSummary = {
    from,
    head: start.number,
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

  // The next block's execution: on the whole state from genesis, or on its witness.
  let deriveNext: (
    parent: { header: BlockHeader | undefined; hash: Hash },
    block: DecodedBlock,
  ) => Promise<DerivedBlock>
  if (witnesses)
    deriveNext = (parent, block) => deriveOnWitness(parent.hash, block, rules, witnesses.witnessOf)
  else {
    const { state, trie } = genesisState(genesis)
    checkCommitment(0n, genesis.hash, genesis.header.stateRoot)
    const hashes = new Map<bigint, Hash>([[0n, genesis.hash]])
    const blockHash = (number: bigint) => BigInt(hashes.get(number) ?? 0n)
    const commitState = (changes: StateChanges) => {
      state.apply(changes)
      trie.apply(changes)
      return trie.commit()
    }
    deriveNext = async (parent, block) => {
      const derived = deriveBlock({ header: parent.header!, hash: parent.hash }, block, {
        preState: state,
        commitState,
        rules,
        blockHash,
      })
      hashes.set(derived.number, derived.hash)
      hashes.delete(derived.number - BLOCKHASH_WINDOW - 1n)
      return derived
    }
  }

  // Before the first block is derived from a witness, the parent's header is the witness's.
  let parent: { header: BlockHeader | undefined; hash: Hash; number: bigint } = {
    header: witnesses ? undefined : genesis.header,
    hash: start.hash,
    number: start.number,
  }
  derive: for await (const record of options.batches) {
    if (options.to !== undefined && record.firstBlock > options.to) break
    const lastBlock = record.firstBlock + BigInt(record.batch.blocks.length) - 1n
    const beforeStart = summary.batches === 0 && record.firstBlock <= start.number
    // Batches up to the trusted start are not derived; one across it is, from the block after it.
    if (beforeStart && lastBlock <= start.number) continue
    if (!beforeStart) {
      const expected = { number: parent.number + 1n, parentHash: parent.hash }
      if (record.firstBlock !== expected.number || record.batch.parentHash !== parent.hash)
        throw new ChainDiscontinuityError(expected, {
          firstBlock: record.firstBlock,
          parentHash: record.batch.parentHash,
        })
    }
    summary.batches++
    for (const block of record.batch.blocks) {
      if (block.number <= parent.number) continue
      if (options.to !== undefined && block.number > options.to) break derive
      const derived = await deriveNext(parent, block)
      checkCommitment(derived.number, derived.hash, derived.stateRoot)
      parent = { header: derived.header, hash: derived.hash, number: derived.number }
      summary.head = derived.number
      if (derived.number >= from) summary.checkedBlocks++
      options.onBlock?.(derived, summary)
    }
  }
  summary.commitmentsAhead = commitments.length - next
  return summary
}

/** The genesis allocation as a memory state and its trie, checked against the genesis header. */
function genesisState(genesis: GenesisBlock): { state: MemoryState; trie: StateTrie } {
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
  return { state, trie }
}

/**
 * One block on its witness: the witness must hold the parent's header (by the hash derivation
 * trusts) and prove, under that header's state root, all the block reads and writes.
 */
async function deriveOnWitness(
  parentHash: Hash,
  block: DecodedBlock,
  rules: DerivationRules,
  witnessOf: (number: bigint) => Promise<ExecutionWitness>,
): Promise<DerivedBlock> {
  let witness: ExecutionWitness
  try {
    witness = await witnessOf(block.number)
  } catch (error) {
    throw new WitnessUnusableError(
      block.number,
      `it could not be fetched: ${(error as Error).message}`,
      error,
    )
  }
  try {
    const opened = openWitnessState({ number: block.number, parentHash }, witness)
    return deriveBlock(opened.parent, block, {
      preState: opened.reader,
      commitState: (changes) => {
        opened.trie.apply(changes)
        return opened.trie.root()
      },
      rules,
      blockHash: opened.blockHash,
    })
  } catch (error) {
    if (error instanceof BlockValidationError)
      throw new WitnessUnusableError(block.number, `${error.kind}: ${error.details ?? error.message}`, error)
    if (error instanceof MissingTrieNodeError)
      throw new WitnessUnusableError(block.number, `missing-node: ${error.message}`, error)
    throw error
  }
}
