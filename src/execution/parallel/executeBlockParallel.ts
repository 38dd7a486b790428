/**
 * executeBlock (src/execution/executeBlock.ts) with the transactions run optimistically in
 * parallel, Block-STM style; the caller's state ends exactly as serial execution leaves it.
 *
 *   system calls on `state` ──▶ state.preStateReader() ──▶ runWorkers: each incarnation runs
 *   (as executeBlock)                                      processTransaction on its own EvmState
 *                                                          over a TransactionStateView (MVMemory,
 *                                                          then the pre-state), fees deferred
 *        ┌─────────────────────────────────────────────────────────┘
 *        ▼
 *   in order, per transaction: the serial checks and gas accounting; its pre-state reads, its
 *   write set and its deferred fee folded into `state` ──▶ withdrawals (as executeBlock)
 *
 * A transaction whose validated outcome is not a receipt that fits the block's remaining gas
 * (invalid, a thrown error, a read left to serial) ends the parallel part: it and everything after
 * it run serially on `state`, so errors and messages are serial's by construction.
 */
import type { Address, Hex } from 'viem'
import { EvmState } from '../../evm/evmState.ts'
import type { AccountData } from '../../state/stateView.ts'
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
} from '../executeBlock.ts'
import { processTransaction, type TransactionReceiptData } from '../processTransaction.ts'
import type { ExecutedTransaction } from '../receipt.ts'
import {
  accountLocation,
  feeLocation,
  type Location,
  MultiVersionMemory,
  PRE_STATE,
  storageLocation,
  storageResetLocation,
  storageWrittenLocation,
} from './multiVersionMemory.ts'
import { sameAccountData } from './preStateSlice.ts'
import { type IncarnationResult, runWorkers, type WorkerStats } from './runWorkers.ts'
import { Scheduler } from './scheduler.ts'
import { type LocationValue, ReadBlockedError, TransactionStateView } from './transactionStateView.ts'

export type ExecuteBlockParallelOptions = ExecuteBlockOptions & {
  /** Logical workers stepped cooperatively in this thread; 1 is Block-STM's sequential baseline. */
  workers?: number
  /** Seeds the order in which the workers step (one seed, one interleaving). */
  seed?: number
}

/** What the speedup model needs of one transaction. */
export type ParallelTransactionStats = {
  /** Incarnations run (1 when it never re-executed), blocked ones included. */
  incarnations: number
  /** Lower transactions whose writes (or deferred fees) its final incarnation read. */
  dependencies: number[]
  reads: Location[]
  writes: Location[]
  gasUsed: bigint
  /** Wall time of all its incarnations. */
  executionMs: number
}

export type ParallelBlockExecution = BlockExecution & {
  parallel: WorkerStats & {
    transactions: ParallelTransactionStats[]
    /** The index from which the block ran serially, when it had to. */
    serialFrom: number | undefined
  }
}

type Outcome =
  | {
      kind: 'receipt'
      receipt: TransactionReceiptData
      writes: ReturnType<EvmState['changes']>
      deferredFee: bigint | undefined
      preStateReads: TransactionStateView['preStateReads']
    }
  | { kind: 'thrown' }

export function executeBlockParallel(
  state: EvmState,
  block: ExecutableBlock,
  options: ExecuteBlockParallelOptions,
): ParallelBlockExecution {
  const { fork, precompiles } = options
  const context = beginBlock(state, block, options)

  const count = block.transactions.length
  const preState = state.preStateReader()
  const memory = new MultiVersionMemory<LocationValue>(count)
  const scheduler = new Scheduler(count)
  const deployedCodes = new Map<Hex, Uint8Array>()
  const outcomes: (Outcome | undefined)[] = new Array(count).fill(undefined)
  const incarnations = new Array<number>(count).fill(0)
  const executionMs = new Array<number>(count).fill(0)
  const transactions = block.transactions.map(evmTransactionOf)

  const execute = (txIndex: number): IncarnationResult<LocationValue> => {
    const started = performance.now()
    incarnations[txIndex]!++
    const view = new TransactionStateView(memory, preState, deployedCodes, txIndex, block.coinbase)
    const txState = new EvmState(view)
    let deferredFee: bigint | undefined
    const writes = new Map<Location, LocationValue>()
    try {
      const receipt = processTransaction(txState, transactions[txIndex]!, {
        fork,
        block: context,
        precompiles,
        // The block's remaining gas is known only in order; the final pass checks it.
        blockGasAvailable: block.gasLimit,
        deferPriorityFee: (amount) => {
          if (view.readCoinbase()) return false
          deferredFee = amount
          return true
        },
      })
      const changes = txState.changes()
      for (const address of txState.vanishedAccounts()) {
        changes.accounts.set(address, null)
        changes.storageResets.add(address)
      }
      // An account only touched, left as it was read, is no write: no later reader depends on it.
      for (const [address, account] of changes.accounts)
        if (!sameAccount(view.accountsRead, address, account)) writes.set(accountLocation(address), account)
      for (const [address, slots] of changes.storage) {
        writes.set(storageWrittenLocation(address), true)
        for (const [slot, value] of slots) writes.set(storageLocation(address, slot), value)
      }
      for (const address of changes.storageResets) {
        writes.set(storageResetLocation(address), true)
        writes.set(storageWrittenLocation(address), true)
      }
      for (const [codeHash, code] of changes.codes) deployedCodes.set(codeHash, code)
      outcomes[txIndex] = {
        kind: 'receipt',
        receipt,
        writes: changes,
        deferredFee,
        preStateReads: view.preStateReads,
      }
    } catch (error) {
      if (error instanceof ReadBlockedError) {
        executionMs[txIndex]! += performance.now() - started
        return { kind: 'blocked', blockingTxIndex: error.blockingTxIndex }
      }
      // Invalid, or failed on what it read: serial execution decides once the reads are validated.
      outcomes[txIndex] = { kind: 'thrown' }
    }
    writes.set(feeLocation(txIndex), deferredFee ?? null)
    executionMs[txIndex]! += performance.now() - started
    return { kind: 'ran', reads: view.reads, writes }
  }

  const stats = runWorkers({
    scheduler,
    memory,
    execute,
    workers: options.workers ?? 1,
    seed: options.seed ?? 0,
  })

  const executed: ExecutedTransaction[] = []
  let gasUsed = 0n
  let blobGasUsed = 0n
  let serialFrom: number | undefined
  for (const [index, tx] of block.transactions.entries()) {
    const outcome = outcomes[index]
    const fits = outcome?.kind === 'receipt' && transactions[index]!.gasLimit <= block.gasLimit - gasUsed
    if (
      serialFrom === undefined &&
      !(fits && outcome.kind === 'receipt' && blockLevelInvalidity(tx, blobGasUsed, options) === undefined)
    )
      serialFrom = index
    let receipt: TransactionReceiptData
    if (serialFrom === undefined && outcome?.kind === 'receipt') {
      state.recordPreStateReads(outcome.preStateReads)
      state.applyTransactionWrites(outcome.writes)
      if (outcome.deferredFee !== undefined) {
        // As processTransaction's credit: the fee recipient touched, and deleted if left empty.
        state.beginTransaction()
        state.addBalance(block.coinbase, outcome.deferredFee)
        state.finalizeTransaction()
      }
      receipt = outcome.receipt
    } else receipt = executeTransactionAt(state, block, context, index, gasUsed, blobGasUsed, options)
    gasUsed += receipt.gasUsed
    blobGasUsed += receipt.blobGasUsed
    executed.push(executedTransactionOf(tx, receipt, gasUsed))
  }

  applyWithdrawals(state, block.withdrawals)
  return {
    executed,
    gasUsed,
    blobGasUsed,
    parallel: {
      ...stats,
      serialFrom,
      transactions: block.transactions.map((_, index) => {
        const reads = memory.readSetOf(index)
        const dependencies = new Set<number>()
        for (const read of reads) if (read.txIndex !== PRE_STATE) dependencies.add(read.txIndex)
        return {
          incarnations: incarnations[index]!,
          dependencies: [...dependencies].sort((a, b) => a - b),
          reads: reads.map((read) => read.location),
          writes: [...memory.writeSetOf(index)],
          gasUsed: executed[index]?.gasUsed ?? 0n,
          executionMs: executionMs[index]!,
        }
      }),
    },
  }
}

function sameAccount(
  accountsRead: ReadonlyMap<Address, AccountData | undefined>,
  address: Address,
  account: AccountData | null,
): boolean {
  return accountsRead.has(address) && sameAccountData(accountsRead.get(address), account)
}
