/**
 * How the sequencer executes a mini-block in parallel: the configuration (wrangler vars), and the
 * counters `velox_executionStats` reports so an operator can see what parallel execution does.
 */
import {
  DEFAULT_MIN_GAS_PER_TRANSACTION,
  type PartitionStats,
} from '../../src/execution/parallel/executePartitioned.ts'

export type ParallelExecutionConfig = {
  /** Executors per parallel mini-block, the sequencer included; 1 turns parallel execution off. */
  executors: number
  /** Mini-blocks with fewer ready transactions run in process: dispatch would cost more than it saves. */
  minTransactions: number
  /** Mini-blocks whose transactions average a lower gas limit run in process, for the same reason. */
  minGasPerTransaction: number
}

/** Executor Durable Objects one mini-block may use at most. */
const MAX_EXECUTORS = 64

export function parseParallelExecutionConfig(vars: {
  PARALLEL_EXECUTORS?: string | undefined
  PARALLEL_MIN_TRANSACTIONS?: string | undefined
  PARALLEL_MIN_GAS_PER_TRANSACTION?: string | undefined
}): ParallelExecutionConfig {
  const executors = Number(vars.PARALLEL_EXECUTORS ?? '1')
  if (!Number.isInteger(executors) || executors < 1 || executors > MAX_EXECUTORS)
    throw new Error(
      `PARALLEL_EXECUTORS must be an integer in 1..${MAX_EXECUTORS}, got ${vars.PARALLEL_EXECUTORS}`,
    )
  const minTransactions = Number(vars.PARALLEL_MIN_TRANSACTIONS ?? '256')
  if (!Number.isInteger(minTransactions) || minTransactions < 2)
    throw new Error(
      `PARALLEL_MIN_TRANSACTIONS must be an integer of at least 2, got ${vars.PARALLEL_MIN_TRANSACTIONS}`,
    )
  const minGasText = vars.PARALLEL_MIN_GAS_PER_TRANSACTION ?? String(DEFAULT_MIN_GAS_PER_TRANSACTION)
  const minGasPerTransaction = Number(minGasText)
  if (!/^\d+$/.test(minGasText) || !Number.isSafeInteger(minGasPerTransaction))
    throw new Error(
      `PARALLEL_MIN_GAS_PER_TRANSACTION must be a non-negative integer, got ${JSON.stringify(minGasText)}`,
    )
  return { executors, minTransactions, minGasPerTransaction }
}

/** Since the object started: mini-blocks by how they ran, and what became of dispatched transactions. */
export type ExecutionStats = {
  miniBlocks: number
  parallelMiniBlocks: number
  /** Dispatches that failed (an executor unreachable): those mini-blocks ran in process. */
  dispatchFailures: number
  dispatchedTransactions: number
  accepted: number
  stale: number
  outsidePreState: number
  failed: number
}

export function emptyExecutionStats(): ExecutionStats {
  return {
    miniBlocks: 0,
    parallelMiniBlocks: 0,
    dispatchFailures: 0,
    dispatchedTransactions: 0,
    accepted: 0,
    stale: 0,
    outsidePreState: 0,
    failed: 0,
  }
}

export function addPartitionStats(stats: ExecutionStats, partition: PartitionStats): void {
  stats.accepted += partition.accepted
  stats.stale += partition.stale
  stats.outsidePreState += partition.outsidePreState
  stats.failed += partition.failed
}
