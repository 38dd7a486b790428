/**
 * How the sequencer executes a mini-block in parallel: the configuration (wrangler vars), and the
 * counters `velox_executionStats` reports so an operator can see what parallel execution does.
 */
import {
  DEFAULT_MIN_GAS_PER_TRANSACTION,
  type PartitionStats,
} from '../../src/execution/parallel/executePartitioned.ts'
import { parseIntegerSetting } from '../../src/primitives/integerSetting.ts'

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
  return {
    executors: parseIntegerSetting('PARALLEL_EXECUTORS', vars.PARALLEL_EXECUTORS ?? '1', {
      min: 1,
      max: MAX_EXECUTORS,
    }),
    minTransactions: parseIntegerSetting(
      'PARALLEL_MIN_TRANSACTIONS',
      vars.PARALLEL_MIN_TRANSACTIONS ?? '256',
      {
        min: 2,
      },
    ),
    minGasPerTransaction: parseIntegerSetting(
      'PARALLEL_MIN_GAS_PER_TRANSACTION',
      vars.PARALLEL_MIN_GAS_PER_TRANSACTION ?? String(DEFAULT_MIN_GAS_PER_TRANSACTION),
      { min: 0 },
    ),
  }
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
