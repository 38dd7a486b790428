/**
 * ExecutorPool on Node worker threads. Requests and results cross as groupWire.ts's buffers, moved
 * (not copied) between threads; encoding and decoding still cost about what executing a cheap
 * transaction does: so by default the calling thread, otherwise idle while it waits, runs the first
 * group itself, and only the others cross. With `callerExecutes: false` every group goes to a
 * thread and the caller only coordinates; bench:parallel measures both layouts.
 *
 *   execute(groups) ──▶ groups 1… (or all) posted to the threads (round robin) ──▶ group 0 run here
 *                   ──▶ all results, in the order of `groups`
 */
import { Worker } from 'node:worker_threads'
import { executeGroup, type GroupRequest, type GroupResult } from './executeGroup.ts'
import type { ExecutorPool } from './executorPool.ts'
import type { ExecutorThreadMessage, ExecutorThreadReply } from './executorThread.node.ts'
import { decodeGroupResult, encodeGroupRequest } from './groupWire.ts'

type Pending = { resolve: (result: Uint8Array) => void; reject: (error: Error) => void }

export class WorkerThreadPool implements ExecutorPool {
  private readonly threads: Worker[]
  private readonly pending = new Map<number, Pending>()
  private nextId = 0

  /** Executors: the worker threads, and the calling thread unless it only coordinates. */
  readonly size: number
  private readonly callerExecutes: boolean

  constructor(workerThreads: number, { callerExecutes = true }: { callerExecutes?: boolean } = {}) {
    if (!Number.isInteger(workerThreads) || workerThreads < 1)
      throw new RangeError(`worker thread count must be a positive integer, got ${workerThreads}`)
    this.callerExecutes = callerExecutes
    this.size = callerExecutes ? workerThreads + 1 : workerThreads
    // The thread's module is TypeScript: tsx (already what runs the CLI and benchmarks) loads it,
    // registered inside the thread (Node 20 does not pass `--import` hooks on to workers).
    const entry = new URL('./executorThread.node.ts', import.meta.url).href
    const bootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry)}) })`
    this.threads = Array.from({ length: workerThreads }, () => {
      const thread = new Worker(bootstrap, { eval: true })
      thread.on('message', (reply: ExecutorThreadReply) => this.settle(reply))
      thread.on('error', (error) => this.failAll(error))
      return thread
    })
  }

  execute(groups: readonly GroupRequest[]): Promise<GroupResult[]> {
    const posted = (this.callerExecutes ? groups.slice(1) : groups).map((request, index) =>
      new Promise<Uint8Array>((resolve, reject) => {
        const id = this.nextId++
        this.pending.set(id, { resolve, reject })
        const message: ExecutorThreadMessage = { id, request: encodeGroupRequest(request) }
        this.threads[index % this.threads.length]!.postMessage(message, [message.request.buffer])
      }).then(decodeGroupResult),
    )
    if (!this.callerExecutes) return Promise.all(posted)
    const first = groups[0]
    if (!first) return Promise.resolve([])
    const here = executeGroup(first)
    return Promise.all(posted).then((results) => [here, ...results])
  }

  async close(): Promise<void> {
    this.failAll(new Error('executor pool closed'))
    await Promise.all(this.threads.map((thread) => thread.terminate()))
  }

  private settle(reply: ExecutorThreadReply): void {
    const pending = this.pending.get(reply.id)
    if (!pending) return
    this.pending.delete(reply.id)
    if ('error' in reply) pending.reject(new Error(`executor thread failed: ${reply.error}`))
    else pending.resolve(reply.result)
  }

  private failAll(error: Error): void {
    for (const pending of this.pending.values()) pending.reject(error)
    this.pending.clear()
  }
}
