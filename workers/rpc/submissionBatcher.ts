import type { TransactionSubmission } from '../../src/rpc/backend.ts'
import type { SubmitOutcome } from '../sequencer/sequencer.ts'

/** Transactions per sequencer call at most. */
const MAX_TRANSACTIONS_PER_CALL = 512
/**
 * How often a request whose transaction rides in another request's call looks for its outcome, in
 * the RPC worker. Polling stays there because waking it does not work: code resumed by another
 * request's resolve runs in that request's context, so its next I/O (carrying the next call, or the
 * next call of a JSON-RPC batch) fails with "Cannot perform I/O on behalf of a different request"
 * (tried under bench:realtime, with a keep-alive timer so workerd did not cancel the waiting request
 * as hung). Only its own timer brings a request back in its own context. Its cost, measured at
 * saturation, is ~4% of the RPC worker's CPU; an idle isolate polls nothing. The sequencer's own
 * WebSocket requests are woken instead (see the constructor).
 */
const POLL_INTERVAL_MS = 1
/**
 * Wake-ups per millisecond the waiting requests make at most, all together: with more of them
 * waiting, each polls less often. At a poll a millisecond each, a backlog fed itself: run at 1,000
 * ERC-20 transfers a second on a slower machine, a few hundred requests waiting took the RPC
 * worker's whole core to poll, the calls that would answer them waited behind the polls, and the
 * latencies reached 35 s (4 ms of CPU a transaction). Up to this many waiting, each still polls
 * every POLL_INTERVAL_MS (64 closed-loop senders wait every 2 ms).
 */
const MAX_WAKEUPS_PER_MS = 32

type Entry = {
  item: TransactionSubmission
  taken: boolean
  settled: { outcome: SubmitOutcome } | { error: unknown } | undefined
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
 * Workers ties I/O and promises to the request that made them, and cancels a request that waits on
 * another request's promise as hung. So a call is always made by one of the requests it carries,
 * and the others wait on their own timer and read their outcome from shared memory.
 */
export class SubmissionBatcher {
  private readonly queue: Entry[] = []
  private inFlight = false
  /** Requests asleep between two polls. */
  private sleeping = 0
  /** In the sequencer's isolate: what the requests waiting for the call in flight to end await. */
  private callEnded: { promise: Promise<void>; resolve: () => void } | undefined

  /**
   * `inSequencer`: the sequencer's own WebSocket requests, whose call runs in the same isolate to
   * its end without yielding. Two things follow.
   * - A call first lets the events already waiting on this thread run, so that they join it:
   *   otherwise nothing could, and each message executed a mini-block of its own (at 1,000
   *   transfers a second over WebSockets here: p99 200–480 ms, against 79–113 ms gathered). Not in
   *   the RPC worker, whose call to another isolate leaves arrivals time to queue anyway: there
   *   the extra turn cost ~1 ms of p50.
   * - Waiting requests are woken when the call in flight ends, instead of polling: a Durable
   *   Object's requests share one I/O context, so a request resumed by another's resolve may send
   *   on its WebSocket and make the next call. Polling cost the sequencer's thread a timer per
   *   waiting request and millisecond, and held the next call back until a poll came round (every
   *   few milliseconds with a hundred waiting).
   */
  constructor(
    private readonly syncTimeoutMs: number | null,
    private readonly inSequencer = false,
    private readonly sleep: (ms: number) => Promise<void> = (ms) =>
      new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  async submit(item: TransactionSubmission, send: SubmitToSequencer): Promise<SubmitOutcome> {
    const entry: Entry = { item, taken: false, settled: undefined }
    this.queue.push(entry)
    for (;;) {
      if (entry.settled) {
        if ('error' in entry.settled) throw entry.settled.error
        return entry.settled.outcome
      }
      if (!entry.taken && !this.inFlight) await this.flush(send)
      else if (this.inSequencer) await this.untilCallEnds()
      else await this.pollAgainLater()
    }
  }

  /** Resolves when the call in flight ends (settled or failed): its requests have their outcomes. */
  private untilCallEnds(): Promise<void> {
    if (!this.callEnded) {
      let resolve!: () => void
      const promise = new Promise<void>((done) => {
        resolve = done
      })
      this.callEnded = { promise, resolve }
    }
    return this.callEnded.promise
  }

  /** Sleeps until the next poll: longer the more requests sleep, MAX_WAKEUPS_PER_MS in all. */
  private async pollAgainLater(): Promise<void> {
    this.sleeping++
    try {
      await this.sleep(Math.max(POLL_INTERVAL_MS, Math.ceil(this.sleeping / MAX_WAKEUPS_PER_MS)))
    } finally {
      this.sleeping--
    }
  }

  private async flush(send: SubmitToSequencer): Promise<void> {
    this.inFlight = true
    if (this.inSequencer) await this.sleep(0)
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
      const ended = this.callEnded
      this.callEnded = undefined
      ended?.resolve()
    }
  }
}
