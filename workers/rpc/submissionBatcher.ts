import type { TransactionSubmission } from '../../src/rpc/backend.ts'
import type { SubmitOutcome } from '../sequencer/sequencer.ts'

/** Transactions per sequencer call at most. */
const MAX_TRANSACTIONS_PER_CALL = 512
/**
 * How long a request whose transaction rides in another request's call sleeps at most before it
 * looks for its outcome again. It is woken as soon as there is one; the timer only keeps the request
 * alive meanwhile: workerd cancels a request that waits on nothing of its own as hung.
 */
const KEEP_ALIVE_MS = 1_000

type Entry = {
  item: TransactionSubmission
  taken: boolean
  settled: { outcome: SubmitOutcome } | { error: unknown } | undefined
  /** Ends the entry's current sleep: its outcome is in, or the call it waited to make is free. */
  wake: (() => void) | undefined
}

export type SubmitToSequencer = (
  items: TransactionSubmission[],
  syncTimeoutMs: number | null,
) => Promise<SubmitOutcome[]>

/**
 * Coalesces the transactions this isolate has in flight into one sequencer call (a Durable Object
 * serves ~1,000 calls/s; transactions must not each cost one). No timer when idle: with no call in
 * flight a transaction goes at once; while one is, arrivals queue and the next call takes them all.
 *
 * Workers ties I/O to the request that made it, so a call is always made by one of the requests it
 * carries. The others sleep until that request wakes them with their outcome (or, for the first
 * one still queued, with the end of the call in flight, so that it carries the next call).
 */
export class SubmissionBatcher {
  private readonly queue: Entry[] = []
  private inFlight = false

  constructor(private readonly syncTimeoutMs: number | null) {}

  async submit(item: TransactionSubmission, send: SubmitToSequencer): Promise<SubmitOutcome> {
    const entry: Entry = { item, taken: false, settled: undefined, wake: undefined }
    this.queue.push(entry)
    for (;;) {
      if (entry.settled) {
        if ('error' in entry.settled) throw entry.settled.error
        return entry.settled.outcome
      }
      if (!entry.taken && !this.inFlight) await this.flush(send)
      else await sleep(entry)
    }
  }

  private async flush(send: SubmitToSequencer): Promise<void> {
    this.inFlight = true
    const batch = this.queue.splice(0, MAX_TRANSACTIONS_PER_CALL)
    for (const entry of batch) entry.taken = true
    try {
      const outcomes = await send(
        batch.map((entry) => entry.item),
        this.syncTimeoutMs,
      )
      for (const [i, entry] of batch.entries()) entry.settled = { outcome: outcomes[i]! }
    } catch (error) {
      for (const entry of batch) entry.settled = { error }
    } finally {
      this.inFlight = false
      for (const entry of batch) entry.wake?.()
      this.queue[0]?.wake?.()
    }
  }
}

/** Until the entry is woken, or KEEP_ALIVE_MS pass. */
function sleep(entry: Entry): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      entry.wake = undefined
      resolve()
    }, KEEP_ALIVE_MS)
    entry.wake = () => {
      entry.wake = undefined
      clearTimeout(timer)
      resolve()
    }
  })
}
