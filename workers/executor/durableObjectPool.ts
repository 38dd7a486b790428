/**
 * ExecutorPool over executor Durable Objects. As with worker threads, the caller's own thread is
 * one of the executors: it runs the first group while the others are out, instead of idling.
 *
 *   execute(groups) ──▶ groups 1… to executor-1… (DO RPC, concurrently) ──▶ group 0 run here
 *
 * Groups and results cross as groupWire.ts's buffers: RPC copies one byte array, where cloning the
 * objects would cost more than executing them.
 */
import {
  executeGroup,
  type GroupRequest,
  type GroupResult,
} from '../../src/execution/parallel/executeGroup.ts'
import type { ExecutorPool } from '../../src/execution/parallel/executorPool.ts'
import { decodeGroupResult, encodeGroupRequest } from '../../src/execution/parallel/groupWire.ts'
import type { Executor } from './executor.ts'

export class DurableObjectExecutorPool implements ExecutorPool {
  constructor(
    private readonly namespace: DurableObjectNamespace<Executor>,
    /** Executors: the Durable Objects used and the caller. */
    readonly size: number,
  ) {
    if (!Number.isInteger(size) || size < 2)
      throw new RangeError(`an executor pool needs 2 or more executors, got ${size}`)
  }

  async execute(groups: readonly GroupRequest[]): Promise<GroupResult[]> {
    const remote = groups.slice(1).map((request, index) => {
      const name = `executor-${1 + (index % (this.size - 1))}`
      const executor = this.namespace.get(this.namespace.idFromName(name))
      // RPC clones a view's whole buffer, which the encoder leaves with room to spare: send a copy
      // of exactly what was written.
      return (executor.executeGroup(encodeGroupRequest(request).slice()) as Promise<Uint8Array>).then(
        decodeGroupResult,
      )
    })
    const first = groups[0]
    if (!first) return []
    const here = executeGroup(first)
    return [here, ...(await Promise.all(remote))]
  }

  async close(): Promise<void> {}
}
