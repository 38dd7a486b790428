/**
 * What one executor does with its share of a block: runs its transactions in the block's order over
 * the group's slice of the pre-state. Pure and synchronous: the same function runs in process, in a
 * worker thread and in an executor Durable Object. Two ways:
 *
 * - whole (`request.whole`): one EvmState for the group, as serial execution keeps one for a block;
 *   the result is each transaction's receipt and the group's reads and net writes, which the
 *   coordinator commits in one go when no other group wrote what this one read. Given up (and the
 *   group run the second way) as soon as a transaction fails, reads outside the slice, or reads the
 *   fee recipient, whose fees are deferred;
 * - transaction by transaction: each on a fresh EvmState over the slice and the group's earlier
 *   writes, returning every value it read and everything it wrote, which the coordinator validates
 *   and applies one transaction at a time.
 *
 *   GroupRequest ──▶ whole? one EvmState ──▶ GroupResult { whole: reads, writes; outcomes: receipts }
 *                    else (or given up) ──▶ per transaction: processTransaction (priority fee
 *                    deferred) ──▶ GroupResult { outcomes: receipt, reads, writes }
 *                    a read outside the slice ──▶ { kind: 'outsidePreState' } (not guessed)
 *                    invalid or failing        ──▶ { kind: 'failed' } (the coordinator decides)
 */
import type { Address } from 'viem'
import type { BlockContext } from '../../evm/evm.ts'
import { EvmState } from '../../evm/evmState.ts'
import { precompilesFor } from '../../evm/precompiles/index.ts'
import { EMPTY_CODE_HASH } from '../../state/stateView.ts'
import type { Fork } from '../chainConfig.ts'
import {
  type EvmTransaction,
  type ProcessTransactionOptions,
  precompileAddressSet,
  processTransaction,
  type TransactionReceiptData,
} from '../processTransaction.ts'
import {
  GroupStateReader,
  OutsidePreStateError,
  type PreStateSlice,
  sameAccountData,
  type TransactionReads,
  type TransactionWrites,
} from './preStateSlice.ts'

export type GroupRequest = {
  fork: Fork
  block: Omit<BlockContext, 'blockHash'>
  /** Indexes in the block, ascending, with the transactions. */
  indexes: number[]
  transactions: EvmTransaction[]
  preState: PreStateSlice
  /** Run the group whole on one EvmState first (see above). */
  whole: boolean
}

/** A group run whole: what it read of its slice, what it wrote, and which of its writes changed a value. */
export type WholeGroup = {
  /** Every value it read from the slice, as first seen. */
  reads: TransactionReads
  /** Its net writes, accounts it only touched (EIP-161) included, as serial execution reports them. */
  writes: TransactionWrites
  /** Accounts whose value differed from the one it read at the end of one of its transactions. */
  changedAccounts: Set<Address>
}

/** A mapping slot a transaction touched: keccak256(key . base), nested once for depth 2. */
export type SlotPattern = { contract: Address; base: bigint; depth: 1 | 2 }

export type GroupTransactionOutcome =
  | {
      kind: 'executed'
      receipt: TransactionReceiptData
      reads: TransactionReads
      writes: TransactionWrites
      /** The fee recipient's share, credited by the coordinator; undefined when paid in-transaction. */
      deferredFee: bigint | undefined
      /** Contracts whose accounts it read: what calling its recipient touches. */
      contractsRead: Address[]
    }
  | {
      /** Run as part of its whole group: its reads and writes are the group's (GroupResult.whole). */
      kind: 'executedInGroup'
      receipt: TransactionReceiptData
      /** Always deferred: a group that read the fee recipient is not run whole. */
      deferredFee: bigint
      contractsRead: Address[]
    }
  | { kind: 'outsidePreState'; read: string; contractsRead: Address[] }
  | { kind: 'failed' }

export type GroupResult = {
  outcomes: GroupTransactionOutcome[]
  /**
   * The group run whole (every outcome 'executedInGroup'): every value it read from the slice, as
   * first seen, and its net writes.
   */
  whole?: WholeGroup
  /** What the transactions taught about storage layouts, for the coordinator's next prediction. */
  slotPatterns: SlotPattern[]
  /** Contract storage slots read that are no mapping entry (a pair's reserves, a counter). */
  fixedSlots: { contract: Address; slot: bigint }[]
  executionMs: number[]
}

/** Enough to learn a contract's layout without holding every hash a transaction computed. */
const MAX_LEARNED_SLOTS_PER_TRANSACTION = 64

export function executeGroup(request: GroupRequest): GroupResult {
  return (request.whole && executeWholeGroup(request)) || executeTransactionByTransaction(request)
}

/**
 * The group on one EvmState, as serial execution runs a block: undefined when a transaction fails,
 * reads outside the slice or reads the fee recipient (whose fees this run defers), for the caller to
 * run the group transaction by transaction instead.
 */
function executeWholeGroup(request: GroupRequest): GroupResult | undefined {
  const reader = new GroupStateReader(request.preState)
  const block: BlockContext = { ...request.block, blockHash: (number) => reader.blockHash(number) }
  const precompiles = precompilesFor(request.fork)
  const precompileAddresses = precompileAddressSet(precompiles)
  const coinbase = request.block.coinbase
  const outcomes: GroupTransactionOutcome[] = []
  const executionMs: number[] = []
  const learned = new LearnedLayouts()
  const preimages = new Map<bigint, Uint8Array>()
  const state = new EvmState(reader)
  let deferredFee = 0n
  const deferPriorityFee = (amount: bigint): boolean => {
    deferredFee = amount
    return true
  }
  const options = executorOptions(request, block, precompiles, preimages, deferPriorityFee)
  // One read record for the whole group: what it read of the slice, each value as first seen.
  reader.beginTransaction()
  const reads = reader.transactionReads()
  // Accounts whose value differed from the one read at the end of some transaction: what another
  // group could have seen in the block's order. Calls touch their callees (EIP-161), so most
  // accounts a group writes back are unchanged; the coordinator only counts these as changed.
  const changed = new Set<Address>()
  const noteChange = (address: Address) => {
    if (changed.has(address)) return
    const now = state.loadedAccount(address)
    if (
      now !== undefined &&
      (!reads.accounts.has(address) || !sameAccountData(reads.accounts.get(address), now))
    )
      changed.add(address)
  }
  for (const tx of request.transactions) {
    const started = performance.now()
    preimages.clear()
    deferredFee = 0n
    let receipt: TransactionReceiptData
    try {
      receipt = processTransaction(state, tx, options)
    } catch {
      return undefined
    }
    // Its fees, deferred, are missing from the fee recipient's balance that the group read.
    if (reads.accounts.has(coinbase)) return undefined
    const accessed = state.accessedInTransaction()
    // An account a transaction changes is one it accessed (EIP-2929), or a precompile.
    const contractsRead: Address[] = []
    for (const address of accessed.addresses) {
      noteChange(address)
      if (state.isLoadedContract(address)) contractsRead.push(address)
    }
    for (const address of precompileAddresses) noteChange(address)
    outcomes.push({ kind: 'executedInGroup', receipt, deferredFee, contractsRead })
    learnSlots(accessed.slots, undefined, preimages, learned)
    executionMs.push(performance.now() - started)
  }
  return {
    outcomes,
    whole: { reads, writes: transactionWritesOf(state), changedAccounts: changed },
    slotPatterns: learned.slotPatterns,
    fixedSlots: learned.fixedSlots,
    executionMs,
  }
}

/** Each transaction on its own EvmState, its reads and writes recorded for the coordinator. */
function executeTransactionByTransaction(request: GroupRequest): GroupResult {
  const reader = new GroupStateReader(request.preState)
  const block: BlockContext = { ...request.block, blockHash: (number) => reader.blockHash(number) }
  const precompiles = precompilesFor(request.fork)
  const outcomes: GroupTransactionOutcome[] = []
  const executionMs: number[] = []
  const learned = new LearnedLayouts()
  const preimages = new Map<bigint, Uint8Array>()
  // One hook for the group, not a closure per transaction: the fee is deferred unless the
  // transaction read the fee recipient's account (then it is paid in the transaction, as serially).
  let deferredFee: bigint | undefined
  const deferPriorityFee = (amount: bigint): boolean => {
    if (reader.transactionReads().accounts.has(request.block.coinbase)) return false
    deferredFee = amount
    return true
  }
  const options = executorOptions(request, block, precompiles, preimages, deferPriorityFee)

  for (const tx of request.transactions) {
    const started = performance.now()
    reader.beginTransaction()
    preimages.clear()
    const state = new EvmState(reader)
    deferredFee = undefined
    try {
      const receipt = processTransaction(state, tx, options)
      const writes = transactionWritesOf(state)
      reader.applyWrites(writes)
      const reads = reader.transactionReads()
      outcomes.push({
        kind: 'executed',
        receipt,
        reads,
        writes,
        deferredFee,
        contractsRead: contractsIn(reads),
      })
    } catch (error) {
      outcomes.push(
        error instanceof OutsidePreStateError
          ? {
              kind: 'outsidePreState',
              read: error.message,
              // The account it missed may well be a contract: the next prediction should include it.
              contractsRead: [
                ...contractsIn(reader.transactionReads()),
                ...(reader.missedAccount ? [reader.missedAccount] : []),
              ],
            }
          : { kind: 'failed' },
      )
    }
    learnSlots(reader.transactionReads().storage, reader.missedSlot, preimages, learned)
    executionMs.push(performance.now() - started)
  }
  return { outcomes, slotPatterns: learned.slotPatterns, fixedSlots: learned.fixedSlots, executionMs }
}

/** What processTransaction is given for each of a group's transactions: one object for them all. */
function executorOptions(
  request: GroupRequest,
  block: BlockContext,
  precompiles: ProcessTransactionOptions['precompiles'],
  slotKeyPreimages: Map<bigint, Uint8Array>,
  deferPriorityFee: (amount: bigint) => boolean,
): ProcessTransactionOptions {
  return {
    fork: request.fork,
    block,
    precompiles,
    // The block's remaining gas is known only in order: the coordinator checks it.
    blockGasAvailable: request.block.gasLimit,
    slotKeyPreimages,
    deferPriorityFee,
  }
}

/** A transaction's write set: its changes, with accounts that vanished (EIP-161) wiping storage. */
export function transactionWritesOf(state: EvmState): TransactionWrites {
  const changes = state.changes()
  const writes: TransactionWrites = {
    accounts: changes.accounts,
    storage: changes.storage,
    storageResets: changes.storageResets,
    codes: changes.codes,
  }
  for (const address of state.vanishedAccounts()) {
    writes.accounts.set(address, null)
    writes.storageResets.add(address)
  }
  return writes
}

function contractsIn(reads: TransactionReads): Address[] {
  const contracts: Address[] = []
  for (const [address, account] of reads.accounts)
    if (account && account.codeHash !== EMPTY_CODE_HASH) contracts.push(address)
  return contracts
}

/** Explains each slot read by the preimages the transaction hashed: a mapping entry, or fixed. */
function learnSlots(
  slotsRead: ReadonlyMap<Address, { keys(): Iterable<bigint> }>,
  missedSlot: { address: Address; slot: bigint } | undefined,
  preimages: ReadonlyMap<bigint, Uint8Array>,
  learned: LearnedLayouts,
): void {
  let count = 0
  if (missedSlot) learnSlot(missedSlot.address, missedSlot.slot, preimages, learned)
  for (const [contract, slots] of slotsRead)
    for (const slot of slots.keys()) {
      if (++count > MAX_LEARNED_SLOTS_PER_TRANSACTION) return
      learnSlot(contract, slot, preimages, learned)
    }
}

/** One slot: a mapping entry (of depth 1 or 2) when the transaction hashed its key, else fixed. */
function learnSlot(
  contract: Address,
  slot: bigint,
  preimages: ReadonlyMap<bigint, Uint8Array>,
  learned: LearnedLayouts,
): void {
  const preimage = preimages.get(slot)
  if (!preimage) {
    learned.addFixedSlot(contract, slot)
    return
  }
  const base = wordAt(preimage, 32)
  const inner = preimages.get(base)
  if (inner) learned.addPattern(contract, wordAt(inner, 32), 2)
  else learned.addPattern(contract, base, 1)
}

/**
 * What a group's transactions taught, each lesson once: a thousand swaps through one pair teach its
 * layout a thousand times, and the coordinator keeps sets anyway.
 */
class LearnedLayouts {
  readonly slotPatterns: SlotPattern[] = []
  readonly fixedSlots: GroupResult['fixedSlots'] = []
  private readonly seen = new Map<Address, { fixed: Set<bigint>; bases: Set<bigint>; nested: Set<bigint> }>()

  addPattern(contract: Address, base: bigint, depth: 1 | 2): void {
    const seen = this.seenOf(contract)
    const bases = depth === 1 ? seen.bases : seen.nested
    if (bases.has(base)) return
    bases.add(base)
    this.slotPatterns.push({ contract, base, depth })
  }

  addFixedSlot(contract: Address, slot: bigint): void {
    const seen = this.seenOf(contract)
    if (seen.fixed.has(slot)) return
    seen.fixed.add(slot)
    this.fixedSlots.push({ contract, slot })
  }

  private seenOf(contract: Address) {
    let seen = this.seen.get(contract)
    if (!seen) this.seen.set(contract, (seen = { fixed: new Set(), bases: new Set(), nested: new Set() }))
    return seen
  }
}

function wordAt(bytes: Uint8Array, offset: number): bigint {
  let word = 0n
  for (let i = offset; i < offset + 32; i++) word = (word << 8n) | BigInt(bytes[i]!)
  return word
}
