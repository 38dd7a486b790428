/**
 * Partitioned parallel execution: the coordinator splits a block's transactions into groups that
 * predictably share no state, runs each group on an executor of a pool against its slice of the
 * pre-state, and merges the results, re-executing in process whatever did not hold. The outcome is
 * serial execution's, by construction:
 *
 *   predict (AccessPredictor) ──▶ union transactions sharing a key ──▶ components packed into
 *   one group per executor, each with readPreStateSlice ──▶ pool.execute ──▶
 *     every group ran whole, and none read or wrote what another wrote? commit each group's writes
 *     and the deferred fees in one go (commitWholeGroups)
 *     else, in order, for each transaction: it ran alone and every value it read still holds in the
 *     merged state? apply its writes and its deferred fee : run it again right here (serial
 *     execution, serial's errors)
 *
 * A block that forms a single group is not dispatched at all: it runs in process.
 */
import type { Address } from 'viem'
import type { BlockContext } from '../../evm/evm.ts'
import type { EvmState } from '../../evm/evmState.ts'
import { type ContractStateReader, EMPTY_CODE_HASH } from '../../state/stateView.ts'
import type { Fork } from '../chainConfig.ts'
import {
  applyWithdrawals,
  type BlockExecution,
  beginBlock,
  blockLevelInvalidity,
  type ExecutableBlock,
  type ExecuteBlockOptions,
  evmTransactionOf,
  executedTransactionOf,
  executeTransactionAt,
  executeTransactions,
} from '../executeBlock.ts'
import {
  type EvmTransaction,
  precompileAddressSet,
  type TransactionReceiptData,
} from '../processTransaction.ts'
import type { ExecutedTransaction } from '../receipt.ts'
import type { AccessPredictor, TransactionPrediction } from './accessPredictor.ts'
import type { GroupRequest, GroupTransactionOutcome, WholeGroup } from './executeGroup.ts'
import type { ExecutorPool } from './executorPool.ts'
import {
  findStaleRead,
  type PredictedAccess,
  type PreStateSlice,
  readPreStateSlice,
  type StaleRead,
} from './preStateSlice.ts'

export type PartitionedOptions = {
  pool: ExecutorPool
  predictor: AccessPredictor
  /** Dispatch even a block that forms one group (to measure a pool's overhead). */
  alwaysDispatch?: boolean
  /**
   * Executors run their group whole first, for commitWholeGroups (true by default); false has them
   * run every transaction alone, each validated and applied in order (the tests cover both).
   */
  wholeGroups?: boolean
  /**
   * A block whose transactions average a lower gas limit runs in process without being predicted:
   * coordinating a cheap transaction costs more than executing it (DEFAULT_MIN_GAS_PER_TRANSACTION).
   */
  minGasPerTransaction?: number
  /** How a group's pre-state is cut: flat values from the reader, or (a validator's) witness nodes. */
  slicePreState?: (access: PredictedAccess) => PreStateSlice
}

/** What the benchmark and the sequencer's logs report of one partitioned run. */
export type PartitionStats = {
  /** Groups dispatched; 0 when the block ran in process as one group. */
  groups: number
  /** Transactions whose executor result was applied as it came. */
  accepted: number
  /** Re-executed by the coordinator: a value they read had changed (a missed dependency). */
  stale: number
  /** Re-executed by the coordinator: they read outside their slice (a missed prediction). */
  outsidePreState: number
  /** Re-executed by the coordinator: invalid or failing on the executor. */
  failed: number
  /** Groups run whole and committed whole. */
  committedGroups: number
  /** Blocks whose groups all ran whole but overlapped (one wrote what another read): 0 or 1. */
  groupOverlaps: number
  /**
   * Re-executed by the coordinator: run as part of a whole group that could not be committed (it
   * overlapped another group, another group was run transaction by transaction, or a block limit).
   */
  uncommitted: number
  /** Executor time per transaction (0 for those never dispatched). */
  executionMs: number[]
  /** Executor time per group: the slowest bounds what parallelism could save. */
  groupBusyMs: number[]
  /** Coordinator wall time: predicting, grouping and slicing; the pool's round trip; merging. */
  prepareMs: number
  dispatchMs: number
  mergeMs: number
}

export function emptyPartitionStats(transactionCount = 0): PartitionStats {
  return {
    groups: 0,
    accepted: 0,
    stale: 0,
    outsidePreState: 0,
    failed: 0,
    committedGroups: 0,
    groupOverlaps: 0,
    uncommitted: 0,
    executionMs: new Array<number>(transactionCount).fill(0),
    groupBusyMs: [],
    prepareMs: 0,
    dispatchMs: 0,
    mergeMs: 0,
  }
}

export type PartitionedBlockExecution = BlockExecution & { partition: PartitionStats }

export type DispatchedGroups = {
  /** Per transaction of the block, what its executor made of it; undefined when not dispatched. */
  outcomes: (GroupTransactionOutcome | undefined)[]
  /** Per dispatched group, its reads and writes when it ran whole. */
  wholeGroups: (WholeGroup | undefined)[]
  stats: PartitionStats
}

/** Splits `transactions` into groups and runs them on the pool; nothing is applied yet. */
export async function dispatchGroups(
  reader: ContractStateReader,
  transactions: readonly EvmTransaction[],
  block: Omit<BlockContext, 'blockHash'>,
  fork: Fork,
  precompileAddresses: readonly Address[],
  { pool, predictor, alwaysDispatch, slicePreState, minGasPerTransaction, wholeGroups }: PartitionedOptions,
): Promise<DispatchedGroups> {
  const started = performance.now()
  const stats = emptyPartitionStats(transactions.length)
  const outcomes = new Array<GroupTransactionOutcome | undefined>(transactions.length).fill(undefined)
  const notDispatched = { outcomes, wholeGroups: [], stats }
  const minimumGroups = alwaysDispatch ? 1 : 2
  if (pool.size < minimumGroups || transactions.length < minimumGroups) return notDispatched
  if (!alwaysDispatch && !averageGasLimitReaches(transactions, minGasPerTransaction ?? 0))
    return notDispatched

  const predictions: TransactionPrediction[] = []
  const components = new TransactionComponents()
  for (const tx of transactions) {
    const prediction = predictor.predict(tx, reader)
    components.add(prediction.keys)
    predictions.push(prediction)
    if (!alwaysDispatch && components.oneComponentSoFar()) {
      stats.prepareMs = performance.now() - started
      return notDispatched
    }
  }
  const groups = packComponents(components.components(), transactions, pool.size)
  if (groups.length < minimumGroups) {
    stats.prepareMs = performance.now() - started
    return notDispatched
  }

  const requests: GroupRequest[] = groups.map((indexes) => {
    const access: PredictedAccess = { accounts: new Set(precompileAddresses), storage: new Map() }
    for (const index of indexes) {
      const predicted = predictions[index]!.access
      for (const address of predicted.accounts) access.accounts.add(address)
      for (const [address, slots] of predicted.storage) {
        const merged = access.storage.get(address)
        if (!merged) access.storage.set(address, new Set(slots))
        else for (const slot of slots) merged.add(slot)
      }
    }
    return {
      fork,
      block,
      indexes,
      transactions: indexes.map((index) => transactions[index]!),
      preState: slicePreState ? slicePreState(access) : readPreStateSlice(reader, access),
      whole: wholeGroups ?? true,
    }
  })
  const dispatched = performance.now()
  stats.prepareMs = dispatched - started
  const results = await pool.execute(requests)
  stats.dispatchMs = performance.now() - dispatched
  stats.groups = groups.length
  for (const [groupIndex, result] of results.entries()) {
    const request = requests[groupIndex]!
    predictor.learnFromGroup(request.transactions, result)
    stats.groupBusyMs.push(result.executionMs.reduce((sum, ms) => sum + ms, 0))
    for (const [position, index] of request.indexes.entries()) {
      outcomes[index] = result.outcomes[position]
      stats.executionMs[index] = result.executionMs[position] ?? 0
    }
  }
  return { outcomes, wholeGroups: results.map((result) => result.whole), stats }
}

/**
 * Applies one executor outcome to `state` if every value it read still holds there, and returns its
 * receipt; undefined means the caller must execute the transaction itself.
 */
export function applyOutcome(
  state: EvmState,
  reader: ContractStateReader,
  outcome: GroupTransactionOutcome | undefined,
  fees: DeferredFees,
  { predictor }: Pick<PartitionedOptions, 'predictor'>,
  stats: PartitionStats,
): TransactionReceiptData | undefined {
  if (!outcome) return undefined
  if (outcome.kind === 'outsidePreState') {
    stats.outsidePreState++
    return undefined
  }
  if (outcome.kind === 'failed') {
    stats.failed++
    return undefined
  }
  if (outcome.kind === 'executedInGroup') {
    stats.uncommitted++
    return undefined
  }
  // A transaction that read the fee recipient must see every fee before it.
  if (outcome.reads.accounts.has(fees.coinbase)) fees.credit(state)
  const stale = findStaleRead(outcome.reads, reader)
  if (stale) {
    stats.stale++
    if (stale.kind === 'storage') predictor.learnSharedSlot(stale.address, stale.slot)
    else predictor.learnSharedAccount(stale.address)
    return undefined
  }
  state.recordPreStateReads({
    accounts: outcome.reads.accounts.keys(),
    storage: outcome.reads.storage,
    codes: outcome.reads.codes,
  })
  if (outcome.writes.accounts.has(fees.coinbase)) fees.credit(state)
  state.applyTransactionWrites(outcome.writes)
  if (outcome.deferredFee !== undefined) fees.defer(state, outcome.deferredFee)
  stats.accepted++
  return outcome.receipt
}

/**
 * Priority fees of applied transactions, credited to the fee recipient in one go whenever something
 * is about to look at its account (a transaction run here, one that read or wrote it, the block's
 * end). That is exact only while the account is not empty: then adding never empties it, and a
 * touch deletes nothing (EIP-161). An empty or missing fee recipient is credited fee by fee, as a
 * zero fee there deletes the account, which serial execution records.
 */
export class DeferredFees {
  private total = 0n
  private pending = false

  constructor(readonly coinbase: Address) {}

  defer(state: EvmState, amount: bigint): void {
    if (!this.pending && !this.holdsValue(state)) {
      this.creditNow(state, amount)
      return
    }
    this.total += amount
    this.pending = true
  }

  credit(state: EvmState): void {
    if (!this.pending) return
    this.creditNow(state, this.total)
    this.total = 0n
    this.pending = false
  }

  /** As processTransaction's credit: the fee recipient touched, and deleted if left empty. */
  private creditNow(state: EvmState, amount: bigint): void {
    state.beginTransaction()
    state.addBalance(this.coinbase, amount)
    state.finalizeTransaction()
  }

  private holdsValue(state: EvmState): boolean {
    const account = state.preStateReader().getAccount(this.coinbase)
    return (
      account !== undefined &&
      (account.balance > 0n || account.nonce > 0n || account.codeHash !== EMPTY_CODE_HASH)
    )
  }
}

/** executeBlock, with the transactions run by partitioned parallel execution on `pool`. */
export async function executeBlockPartitioned(
  state: EvmState,
  block: ExecutableBlock,
  options: ExecuteBlockOptions & PartitionedOptions,
): Promise<PartitionedBlockExecution> {
  const context = beginBlock(state, block, options)
  const transactions = block.transactions.map(evmTransactionOf)
  const reader = state.preStateReader()
  const { blockHash: _, ...blockFields } = context
  const dispatched = await dispatchGroups(
    reader,
    transactions,
    blockFields,
    options.fork,
    precompileAddressesOf(options.precompiles),
    options,
  )
  const { outcomes, stats } = dispatched

  const merging = performance.now()
  const execution =
    stats.groups === 0
      ? executeTransactions(state, block, context, options)
      : (commitWholeGroups(state, block, transactions, dispatched, options) ??
        mergeInOrder(state, block, context, transactions, outcomes, reader, stats, options))
  stats.mergeMs = performance.now() - merging
  applyWithdrawals(state, block.withdrawals)
  return { ...execution, partition: stats }
}

/**
 * The fast merge: when every group ran whole, no group read or wrote what another wrote, and every
 * transaction fits the block's limits, each group ran exactly as it would have serially (nothing it
 * read changed under it, and it changed nothing another read). Its reads are recorded and its net
 * writes applied in one go, then the deferred fees in order. Undefined, with `state` untouched, when
 * any of that does not hold: the caller then merges transaction by transaction.
 */
function commitWholeGroups(
  state: EvmState,
  block: ExecutableBlock,
  transactions: readonly EvmTransaction[],
  { outcomes, wholeGroups, stats }: DispatchedGroups,
  options: ExecuteBlockOptions & PartitionedOptions,
): BlockExecution | undefined {
  const groups: WholeGroup[] = []
  for (const group of wholeGroups) {
    if (!group) return undefined
    groups.push(group)
  }
  const overlaps = findGroupOverlaps(groups)
  if (overlaps.length > 0) {
    stats.groupOverlaps = 1
    // Every shared key at once: one per block would take as many blocks as there are to learn.
    for (const overlap of overlaps)
      if (overlap.kind === 'storage') options.predictor.learnSharedSlot(overlap.address, overlap.slot)
      else options.predictor.learnSharedAccount(overlap.address)
    return undefined
  }
  const executed: ExecutedTransaction[] = []
  let gasUsed = 0n
  let blobGasUsed = 0n
  for (let index = 0; index < block.transactions.length; index++) {
    const tx = block.transactions[index]!
    const outcome = outcomes[index]
    if (
      outcome?.kind !== 'executedInGroup' ||
      !fitsBlock(block, index, transactions[index]!, gasUsed, blobGasUsed, options)
    )
      return undefined
    gasUsed += outcome.receipt.gasUsed
    blobGasUsed += outcome.receipt.blobGasUsed
    executed.push(executedTransactionOf(tx, outcome.receipt, gasUsed))
  }
  // No group wrote what another read, so the order among groups is immaterial; reads go first, each
  // recorded against the pre-state as serial execution would have read it.
  for (const { reads } of groups)
    state.recordPreStateReads({ accounts: reads.accounts.keys(), storage: reads.storage, codes: reads.codes })
  for (const { writes } of groups) state.applyTransactionWrites(writes)
  // No group read the fee recipient (an executor gives up a group that does), nor so wrote it.
  const fees = new DeferredFees(block.coinbase)
  for (const outcome of outcomes)
    if (outcome?.kind === 'executedInGroup') fees.defer(state, outcome.deferredFee)
  fees.credit(state)
  stats.committedGroups = groups.length
  stats.accepted = block.transactions.length
  return { executed, gasUsed, blobGasUsed }
}

/**
 * The keys one group changed and another read (none: the groups can be committed whole). Every
 * write is also a read (EvmState loads an account or slot before it changes it; a slot of an account
 * the group created or wiped goes with that account's write), so comparing each group's writes with
 * the others' reads finds every overlap, writes against writes included. An account written back
 * unchanged at the end of every transaction (a callee touched, EIP-161) is no change; a slot
 * written counts even when it ends where it began, since a transaction between could see otherwise.
 */
export function findGroupOverlaps(groups: readonly WholeGroup[]): StaleRead[] {
  const overlaps: StaleRead[] = []
  const accountWriters = new Map<Address, number>()
  const slotWriters = new Map<Address, Map<bigint, number>>()
  for (const [group, { writes, changedAccounts }] of groups.entries()) {
    for (const address of writes.accounts.keys())
      if (changedAccounts.has(address) || writes.storageResets.has(address))
        accountWriters.set(address, group)
    for (const [address, slots] of writes.storage) {
      let writers = slotWriters.get(address)
      if (!writers) slotWriters.set(address, (writers = new Map()))
      for (const slot of slots.keys()) writers.set(slot, group)
    }
  }
  const byOther = (writer: number | undefined, group: number) => writer !== undefined && writer !== group
  for (const [group, { reads }] of groups.entries()) {
    for (const address of reads.accounts.keys())
      if (byOther(accountWriters.get(address), group)) overlaps.push({ kind: 'account', address })
    for (const [address, slots] of reads.storage) {
      const writers = slotWriters.get(address)
      if (writers)
        for (const slot of slots.keys())
          if (byOther(writers.get(slot), group)) overlaps.push({ kind: 'storage', address, slot })
    }
    // EIP-7610's question: whether the account has storage, which another group's slot writes change.
    for (const address of reads.storagePresence.keys()) {
      const writers = slotWriters.get(address)
      if (writers && [...writers.values()].some((writer) => writer !== group))
        overlaps.push({ kind: 'storagePresence', address })
    }
  }
  return overlaps
}

/**
 * The coordinator's pass over a dispatched block in order: each executor outcome applied if it
 * still holds, every other transaction run here.
 */
function mergeInOrder(
  state: EvmState,
  block: ExecutableBlock,
  context: BlockContext,
  transactions: readonly EvmTransaction[],
  outcomes: readonly (GroupTransactionOutcome | undefined)[],
  reader: ContractStateReader,
  stats: PartitionStats,
  options: ExecuteBlockOptions & PartitionedOptions,
): BlockExecution {
  const executed: ExecutedTransaction[] = []
  const fees = new DeferredFees(block.coinbase)
  let gasUsed = 0n
  let blobGasUsed = 0n
  for (let index = 0; index < block.transactions.length; index++) {
    const tx = block.transactions[index]!
    const fits = fitsBlock(block, index, transactions[index]!, gasUsed, blobGasUsed, options)
    let receipt = fits ? applyOutcome(state, reader, outcomes[index], fees, options, stats) : undefined
    if (!receipt) {
      fees.credit(state)
      receipt = executeTransactionAt(state, block, context, index, gasUsed, blobGasUsed, options)
    }
    gasUsed += receipt.gasUsed
    blobGasUsed += receipt.blobGasUsed
    executed.push(executedTransactionOf(tx, receipt, gasUsed))
  }
  fees.credit(state)
  return { executed, gasUsed, blobGasUsed }
}

/**
 * Whether transaction `index` fits what the block has left once the ones before it used `gasUsed`
 * and `blobGasUsed`: an executor cannot know, as it runs only its group. One that does not runs
 * serially, for serial's error.
 */
function fitsBlock(
  block: ExecutableBlock,
  index: number,
  transaction: EvmTransaction,
  gasUsed: bigint,
  blobGasUsed: bigint,
  options: ExecuteBlockOptions,
): boolean {
  return (
    transaction.gasLimit <= block.gasLimit - gasUsed &&
    blockLevelInvalidity(block.transactions[index]!, blobGasUsed, options) === undefined
  )
}

/** The fork's precompile addresses as a list: every slice carries their accounts. */
export function precompileAddressesOf(precompiles: ExecuteBlockOptions['precompiles']): Address[] {
  return [...precompileAddressSet(precompiles)]
}

/**
 * The sequencer's PARALLEL_MIN_GAS_PER_TRANSACTION by default: a block is worth dispatching once its
 * transactions take several times what coordinating them costs. bench:parallel (2026-11-27, groups
 * run whole, two 2-core machines) measured the coordinator at ~10-35 µs a transaction (predicting,
 * slicing, carrying, merging), and serial execution at 1.6-8 µs a transfer (21,000 gas limit),
 * 16-41 µs an ERC-20 transfer (100,000) and 126-250 µs a Uniswap V2 swap (300,000). Dispatched,
 * blocks of transfers ran at 0.34-0.54x serial (in process), of ERC-20 transfers at 0.55-0.73x on
 * 2 threads, of swaps at 1.03-1.26x. 150,000 lies between the limits that lost and those that won.
 */
export const DEFAULT_MIN_GAS_PER_TRANSACTION = 150_000

/** Whether the transactions' gas limits average `minimum` or more (always, for a minimum of 0). */
export function averageGasLimitReaches(
  transactions: readonly { gasLimit: bigint }[],
  minimum: number,
): boolean {
  if (minimum <= 0) return true
  let total = 0n
  for (const tx of transactions) total += tx.gasLimit
  return total >= BigInt(minimum) * BigInt(transactions.length)
}

/** Transactions predicted before the coordinator looks whether they already form one component. */
const COMPONENT_SAMPLE = 256
/** The share of the transactions so far one component must hold for the block to run in process. */
const ONE_COMPONENT_SHARE = 0.9

/**
 * Union-find over a block's transactions, added in block order: those sharing any key end in one
 * component. It also tells early when a block is as good as one component (a hot account, a single
 * pool), so the coordinator stops predicting a block it would not split anyway.
 */
class TransactionComponents {
  private readonly parent: number[] = []
  private readonly size: number[] = []
  private readonly owner = new Map<string, number>()
  private largest = 0

  add(keys: readonly string[]): void {
    const index = this.parent.length
    this.parent.push(index)
    this.size.push(1)
    if (this.largest === 0) this.largest = 1
    for (const key of keys) {
      const other = this.owner.get(key)
      if (other === undefined) this.owner.set(key, index)
      else this.union(index, other)
    }
  }

  /** After every COMPONENT_SAMPLE transactions: does one component hold nearly all of them? */
  oneComponentSoFar(): boolean {
    const count = this.parent.length
    return count % COMPONENT_SAMPLE === 0 && this.largest >= count * ONE_COMPONENT_SHARE
  }

  /** The components, each in block order. */
  components(): number[][] {
    const byRoot = new Map<number, number[]>()
    for (let index = 0; index < this.parent.length; index++) {
      const root = this.find(index)
      let component = byRoot.get(root)
      if (!component) byRoot.set(root, (component = []))
      component.push(index)
    }
    return [...byRoot.values()]
  }

  private union(a: number, b: number): void {
    const rootA = this.find(a)
    const rootB = this.find(b)
    if (rootA === rootB) return
    // The smaller tree goes under the larger one.
    const [root, child] = this.size[rootA]! < this.size[rootB]! ? [rootB, rootA] : [rootA, rootB]
    this.parent[child] = root
    this.size[root]! += this.size[child]!
    if (this.size[root]! > this.largest) this.largest = this.size[root]!
  }

  private find(index: number): number {
    let root = index
    while (this.parent[root] !== root) root = this.parent[root]!
    while (this.parent[index] !== root) {
      const next = this.parent[index]!
      this.parent[index] = root
      index = next
    }
    return root
  }
}

/** Largest components first, each to the least loaded executor (load: gas limits). */
function packComponents(
  components: number[][],
  transactions: readonly EvmTransaction[],
  executors: number,
): number[][] {
  const cost = (component: number[]) =>
    component.reduce((sum, index) => sum + transactions[index]!.gasLimit, 0n)
  const sorted = components.map((component) => ({ component, cost: cost(component) }))
  sorted.sort((a, b) => (a.cost === b.cost ? 0 : a.cost > b.cost ? -1 : 1))
  const bins = Array.from({ length: Math.min(executors, sorted.length) }, () => ({
    load: 0n,
    indexes: [] as number[],
  }))
  for (const { component, cost } of sorted) {
    let lightest = bins[0]!
    for (const bin of bins) if (bin.load < lightest.load) lightest = bin
    lightest.load += cost
    for (const index of component) lightest.indexes.push(index)
  }
  return bins.map((bin) => bin.indexes.sort((a, b) => a - b))
}
