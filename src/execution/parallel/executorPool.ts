/**
 * Where the coordinator's groups run. One interface, three homes: this process (small blocks,
 * tests), Node worker threads (workerThreadPool.ts: benchmarks, CLI, validation) and executor
 * Durable Objects (workers/executor: Cloudflare, where service bindings would run on the caller's
 * thread). Each runs the same executeGroup, so the place never changes a result.
 */
import { executeGroup, type GroupRequest, type GroupResult } from './executeGroup.ts'

export interface ExecutorPool {
  /** Executors that can run at the same time. */
  readonly size: number
  /** Runs every group, each on one executor; results in the order of `groups`. */
  execute(groups: readonly GroupRequest[]): Promise<GroupResult[]>
  close(): Promise<void>
}

/** Runs the groups one after another in this thread: no speedup, the same results. */
export class InProcessExecutorPool implements ExecutorPool {
  constructor(readonly size = 1) {}

  async execute(groups: readonly GroupRequest[]): Promise<GroupResult[]> {
    return groups.map(executeGroup)
  }

  async close(): Promise<void> {}
}
