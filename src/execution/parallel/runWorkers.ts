/**
 * Block-STM's worker loop (the paper's Algorithm 1), for N logical workers stepped cooperatively in
 * this one thread. A worker's task runs in two steps, as on a real core where other workers move
 * between them:
 *
 *   claim (Scheduler.nextTask) ──▶ execute the incarnation ──▶ publish: record reads and writes in
 *                                  (reads see MVMemory now)    MVMemory, Scheduler.finishExecution
 *                              ──▶ validate the read set   ──▶ abort it (ESTIMATEs) or not,
 *                                                              Scheduler.finishValidation
 *
 * Which worker steps next is drawn from a seeded generator, so one seed replays one interleaving:
 * what the property tests vary. With one worker this is Block-STM's sequential baseline.
 */

import { seededRandom } from '../../primitives/seededRandom.ts'
import type { Location, MultiVersionMemory, ReadDescriptor } from './multiVersionMemory.ts'
import type { Scheduler, Task } from './scheduler.ts'

/** What running one incarnation produced. */
export type IncarnationResult<Value> =
  /** A read hit an ESTIMATE of (or a value not yet produced by) a lower transaction. */
  | { kind: 'blocked'; blockingTxIndex: number }
  | { kind: 'ran'; reads: readonly ReadDescriptor[]; writes: ReadonlyMap<Location, Value> }

export type RunWorkersOptions<Value> = {
  scheduler: Scheduler
  memory: MultiVersionMemory<Value>
  /** Runs an incarnation against `memory`; it must not write there itself. */
  execute: (txIndex: number, incarnation: number) => IncarnationResult<Value>
  workers: number
  seed: number
}

export type WorkerStats = { steps: number; executions: number; validations: number; aborts: number }

type Worker<Value> = {
  task: Task | undefined
  /** An executed incarnation, or a validation verdict, waiting for the worker's next step. */
  pending: IncarnationResult<Value> | boolean | undefined
}

export function runWorkers<Value>(options: RunWorkersOptions<Value>): WorkerStats {
  const { scheduler, memory, execute } = options
  const workers: Worker<Value>[] = Array.from({ length: Math.max(1, options.workers) }, () => ({
    task: undefined,
    pending: undefined,
  }))
  const random = seededRandom(options.seed)
  const stats: WorkerStats = { steps: 0, executions: 0, validations: 0, aborts: 0 }
  // Block-STM terminates; this bound only turns a scheduler bug into an error instead of a hang.
  const maxSteps = 64 * (scheduler.transactionCount + 1) ** 2 * workers.length + 1_000

  while (!scheduler.done()) {
    if (++stats.steps > maxSteps) throw new Error(`Block-STM made no progress after ${maxSteps} steps`)
    const worker = workers[Math.floor(random() * workers.length)]!
    const task = worker.task
    if (!task) {
      worker.task = scheduler.nextTask()
      continue
    }
    if (worker.pending === undefined) {
      if (task.kind === 'execute') {
        stats.executions++
        worker.pending = execute(task.txIndex, task.incarnation)
      } else {
        stats.validations++
        worker.pending = memory.validateReadSet(task.txIndex)
      }
      continue
    }
    const pending = worker.pending
    worker.pending = undefined
    if (typeof pending === 'boolean') {
      const aborted = !pending && scheduler.tryValidationAbort(task.txIndex, task.incarnation)
      if (aborted) {
        stats.aborts++
        memory.convertWritesToEstimates(task.txIndex)
      }
      worker.task = scheduler.finishValidation(task.txIndex, aborted)
    } else if (pending.kind === 'blocked') {
      // The blocker finished meanwhile: run the same incarnation again.
      if (!scheduler.addDependency(task.txIndex, pending.blockingTxIndex)) continue
      worker.task = undefined
    } else {
      const wroteNewLocation = memory.record(task.txIndex, task.incarnation, pending.reads, pending.writes)
      worker.task = scheduler.finishExecution(task.txIndex, task.incarnation, wroteNewLocation)
    }
  }
  return stats
}
