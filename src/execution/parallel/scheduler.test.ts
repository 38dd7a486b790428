import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MultiVersionMemory, PRE_STATE, type ReadDescriptor } from './multiVersionMemory.ts'
import { type IncarnationResult, runWorkers } from './runWorkers.ts'
import { Scheduler } from './scheduler.ts'

describe('Scheduler', () => {
  it('hands out executions, then validations, and is done when all are validated', () => {
    const scheduler = new Scheduler(2)
    expect(scheduler.nextTask()).toEqual({ kind: 'execute', txIndex: 0, incarnation: 0 })
    // Validation comes first while behind execution; tx 0 has not executed yet, so nothing.
    expect(scheduler.nextTask()).toBeUndefined()
    expect(scheduler.nextTask()).toEqual({ kind: 'execute', txIndex: 1, incarnation: 0 })
    expect(scheduler.finishExecution(0, 0, true)).toBeUndefined()
    expect(scheduler.finishExecution(1, 0, true)).toBeUndefined()
    expect(scheduler.nextTask()).toEqual({ kind: 'validate', txIndex: 0, incarnation: 0 })
    expect(scheduler.finishValidation(0, false)).toBeUndefined()
    expect(scheduler.nextTask()).toEqual({ kind: 'validate', txIndex: 1, incarnation: 0 })
    expect(scheduler.finishValidation(1, false)).toBeUndefined()
    expect(scheduler.done()).toBe(false)
    expect(scheduler.nextTask()).toBeUndefined()
    expect(scheduler.done()).toBe(true)
  })

  it('suspends a transaction on its blocker and resumes it with the next incarnation', () => {
    const scheduler = new Scheduler(2)
    scheduler.nextTask()
    scheduler.nextTask()
    expect(scheduler.nextTask()).toEqual({ kind: 'execute', txIndex: 1, incarnation: 0 })
    expect(scheduler.addDependency(1, 0)).toBe(true)
    expect(scheduler.statusOf(1)).toEqual({ status: 'aborting', incarnation: 0 })
    scheduler.finishExecution(0, 0, true)
    expect(scheduler.statusOf(1)).toEqual({ status: 'readyToExecute', incarnation: 1 })
    expect(scheduler.nextTask()).toEqual({ kind: 'validate', txIndex: 0, incarnation: 0 })
    expect(scheduler.nextTask()).toEqual({ kind: 'execute', txIndex: 1, incarnation: 1 })
    // A blocker that has executed is no reason to wait.
    expect(scheduler.addDependency(1, 0)).toBe(false)
  })

  it('re-executes an aborted transaction at once and re-validates everything above it', () => {
    const scheduler = new Scheduler(3)
    for (let index = 0; index < 3; index++) scheduler.nextTask()
    for (let index = 0; index < 3; index++) scheduler.finishExecution(index, 0, true)
    expect(scheduler.nextTask()).toEqual({ kind: 'validate', txIndex: 0, incarnation: 0 })
    expect(scheduler.finishValidation(0, false)).toBeUndefined()
    expect(scheduler.nextTask()).toEqual({ kind: 'validate', txIndex: 1, incarnation: 0 })
    expect(scheduler.tryValidationAbort(1, 0)).toBe(true)
    expect(scheduler.tryValidationAbort(1, 0)).toBe(false)
    expect(scheduler.finishValidation(1, true)).toEqual({ kind: 'execute', txIndex: 1, incarnation: 1 })
    // Unchanged locations: only the re-executed transaction itself is validated again.
    expect(scheduler.finishExecution(1, 1, false)).toEqual({ kind: 'validate', txIndex: 1, incarnation: 1 })
  })
})

/**
 * A toy VM over MVMemory: transaction i adds its delta to counter `i % counters` after reading it,
 * so the result of any schedule is checked against the serial sum.
 */
describe('runWorkers', () => {
  it('ends every schedule in the serial result', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 16 }),
        fc.integer(),
        (count, counters, workers, seed) => {
          const memory = new MultiVersionMemory<number>(count)
          const scheduler = new Scheduler(count)
          const seen: number[] = new Array(count).fill(0)
          const execute = (txIndex: number): IncarnationResult<number> => {
            const location = `c${txIndex % counters}`
            const entry = memory.read(location, txIndex)
            if (entry?.estimate) return { kind: 'blocked', blockingTxIndex: entry.txIndex }
            const reads: ReadDescriptor[] = [
              entry
                ? { location, txIndex: entry.txIndex, incarnation: entry.incarnation }
                : { location, txIndex: PRE_STATE, incarnation: 0 },
            ]
            seen[txIndex] = entry?.value ?? 0
            return { kind: 'ran', reads, writes: new Map([[location, (entry?.value ?? 0) + txIndex + 1]]) }
          }
          runWorkers({ scheduler, memory, execute, workers, seed })
          const totals = new Array<number>(counters).fill(0)
          for (let txIndex = 0; txIndex < count; txIndex++) {
            expect(seen[txIndex]).toBe(totals[txIndex % counters])
            totals[txIndex % counters]! += txIndex + 1
          }
        },
      ),
      { numRuns: 300 },
    )
  })
})
