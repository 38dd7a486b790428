/**
 * Block-STM's collaborative scheduler (Gelashvili et al., "Block-STM", 2022, Algorithms 4 and 5):
 * decides which transaction incarnation to execute or validate next, for any number of workers.
 *
 *   nextTask ──▶ validate (validationIndex < executionIndex) or execute the lowest pending index
 *   execute  ──▶ a read hit an ESTIMATE ──▶ addDependency: suspended until the blocker re-executes
 *            ──▶ finishExecution ──▶ dependents resumed; validation of it (or of all above it when
 *                                     it wrote a new location)
 *   validate ──▶ tryValidationAbort + finishValidation ──▶ next incarnation; all above re-validated
 *
 * `done()` holds once both indices passed the block and no task is in flight. Every method is a
 * short critical section over plain counters and arrays: in this single-threaded process they run
 * as they are; a worker_threads pool would put the same state in a SharedArrayBuffer and the
 * sections behind Atomics (the paper's fetch-and-increment and per-transaction locks).
 */

export type TransactionStatus = 'readyToExecute' | 'executing' | 'executed' | 'aborting'

/** Work for one worker: run incarnation `incarnation` of `txIndex`, or validate it. */
export type Task = { kind: 'execute' | 'validate'; txIndex: number; incarnation: number }

export class Scheduler {
  private executionIndex = 0
  private validationIndex = 0
  /** Bumped by every decrease of either index, so `done` is not concluded from a stale view. */
  private decreaseCount = 0
  private activeTasks = 0
  private doneMarker = false
  private readonly incarnations: number[]
  private readonly statuses: TransactionStatus[]
  private readonly dependents: number[][]

  constructor(readonly transactionCount: number) {
    this.incarnations = new Array(transactionCount).fill(0)
    this.statuses = new Array(transactionCount).fill('readyToExecute')
    this.dependents = Array.from({ length: transactionCount }, () => [])
    if (transactionCount === 0) this.doneMarker = true
  }

  done(): boolean {
    return this.doneMarker
  }

  statusOf(txIndex: number): { status: TransactionStatus; incarnation: number } {
    return { status: this.statuses[txIndex]!, incarnation: this.incarnations[txIndex]! }
  }

  nextTask(): Task | undefined {
    if (this.validationIndex < this.executionIndex) {
      const txIndex = this.nextToValidate()
      if (txIndex !== undefined)
        return { kind: 'validate', txIndex, incarnation: this.incarnations[txIndex]! }
    } else {
      const txIndex = this.nextToExecute()
      if (txIndex !== undefined) return { kind: 'execute', txIndex, incarnation: this.incarnations[txIndex]! }
    }
    return undefined
  }

  /**
   * An execution of `txIndex` read an ESTIMATE written by `blockingTxIndex` (or needs a value it
   * has not produced yet). False when the blocker has executed meanwhile: read again.
   */
  addDependency(txIndex: number, blockingTxIndex: number): boolean {
    if (this.statuses[blockingTxIndex] === 'executed') return false
    this.statuses[txIndex] = 'aborting'
    this.dependents[blockingTxIndex]!.push(txIndex)
    this.activeTasks--
    return true
  }

  /** The incarnation's reads and writes are recorded; returns its validation when that is due now. */
  finishExecution(txIndex: number, incarnation: number, wroteNewLocation: boolean): Task | undefined {
    this.statuses[txIndex] = 'executed'
    const dependents = this.dependents[txIndex]!
    this.dependents[txIndex] = []
    this.resumeDependents(dependents)
    if (this.validationIndex > txIndex) {
      if (wroteNewLocation) this.decreaseValidationIndex(txIndex)
      else return { kind: 'validate', txIndex, incarnation }
    }
    this.activeTasks--
    return undefined
  }

  /** A validation failed; true for the one validation that gets to abort this incarnation. */
  tryValidationAbort(txIndex: number, incarnation: number): boolean {
    if (this.incarnations[txIndex] !== incarnation || this.statuses[txIndex] !== 'executed') return false
    this.statuses[txIndex] = 'aborting'
    return true
  }

  /** Returns the aborted transaction's next incarnation to run at once, when it is due. */
  finishValidation(txIndex: number, aborted: boolean): Task | undefined {
    if (aborted) {
      this.setReady(txIndex)
      this.decreaseValidationIndex(txIndex + 1)
      if (this.executionIndex > txIndex) {
        const incarnation = this.tryIncarnate(txIndex)
        if (incarnation !== undefined) return { kind: 'execute', txIndex, incarnation }
        return undefined
      }
    }
    this.activeTasks--
    return undefined
  }

  private nextToExecute(): number | undefined {
    if (this.executionIndex >= this.transactionCount) {
      this.checkDone()
      return undefined
    }
    this.activeTasks++
    const txIndex = this.executionIndex++
    return this.tryIncarnate(txIndex) === undefined ? undefined : txIndex
  }

  private nextToValidate(): number | undefined {
    if (this.validationIndex >= this.transactionCount) {
      this.checkDone()
      return undefined
    }
    this.activeTasks++
    const txIndex = this.validationIndex++
    if (txIndex < this.transactionCount && this.statuses[txIndex] === 'executed') return txIndex
    this.activeTasks--
    return undefined
  }

  /** Claims the transaction's pending incarnation; on failure the claimed task slot is given back. */
  private tryIncarnate(txIndex: number): number | undefined {
    if (txIndex < this.transactionCount && this.statuses[txIndex] === 'readyToExecute') {
      this.statuses[txIndex] = 'executing'
      return this.incarnations[txIndex]
    }
    this.activeTasks--
    return undefined
  }

  private setReady(txIndex: number): void {
    this.incarnations[txIndex]!++
    this.statuses[txIndex] = 'readyToExecute'
  }

  private resumeDependents(dependents: readonly number[]): void {
    if (dependents.length === 0) return
    for (const txIndex of dependents) this.setReady(txIndex)
    this.decreaseExecutionIndex(Math.min(...dependents))
  }

  private decreaseExecutionIndex(target: number): void {
    if (target < this.executionIndex) this.executionIndex = target
    this.decreaseCount++
  }

  private decreaseValidationIndex(target: number): void {
    if (target < this.validationIndex) this.validationIndex = target
    this.decreaseCount++
  }

  private checkDone(): void {
    const observed = this.decreaseCount
    if (
      Math.min(this.executionIndex, this.validationIndex) >= this.transactionCount &&
      this.activeTasks === 0 &&
      observed === this.decreaseCount
    )
      this.doneMarker = true
  }
}
