/**
 * The `timeout` of a trace: tracers call `check` on every step, and past the deadline the trace
 * stops with geth's "execution timeout". The clock is read once every STEPS_PER_CLOCK_READ steps.
 * Inside workerd the clock stands still while code runs (a Spectre mitigation), so there the same
 * timeout bounds the traced transaction as a work budget instead (src/evm/workBudget.ts: the EVM's
 * work, not the tracer's), and the struct logger's size cap bounds what it records.
 */
import { VeloxError } from '../../errors/base.ts'

const STEPS_PER_CLOCK_READ = 4096

/** The trace ran past its timeout; the state it ran on is left mid-transaction. */
export class TraceTimeoutError extends VeloxError {
  override name = 'TraceTimeoutError'
  constructor() {
    super('execution timeout')
  }
}

export class TraceDeadline {
  private steps = 0
  private readonly deadline: number

  constructor(
    timeoutMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.deadline = now() + timeoutMs
  }

  check(): void {
    if (++this.steps % STEPS_PER_CLOCK_READ !== 0) return
    if (this.now() > this.deadline) throw new TraceTimeoutError()
  }
}
