import { describe, expect, it, vi } from 'vitest'
import type { TransactionSubmission } from '../../src/rpc/backend.ts'
import type { SubmitOutcome } from '../sequencer/sequencer.ts'
import { SubmissionBatcher, type SubmitToSequencer } from './submissionBatcher.ts'

const submission = (n: number) => ({ hash: `0x${n.toString(16).padStart(64, '0')}` }) as TransactionSubmission

/**
 * A sequencer in this isolate: its call runs to its end without yielding (as the sequencer's own
 * submit does), answering each transaction with an outcome naming it. Records each call's size.
 */
function localSequencer() {
  const calls: number[] = []
  const send: SubmitToSequencer = async (items) => {
    calls.push(items.length)
    return items.map((item) => ({ ok: true, receipt: { transactionHash: item.hash } }) as SubmitOutcome)
  }
  return { calls, send }
}

/** `count` requests arriving as separate events of one thread, as WebSocket messages do. */
function arriveTogether(batcher: SubmissionBatcher, send: SubmitToSequencer, count: number) {
  return Promise.all(
    Array.from(
      { length: count },
      (_, i) =>
        new Promise<SubmitOutcome>((resolve, reject) =>
          setTimeout(() => batcher.submit(submission(i), send).then(resolve, reject), 0),
        ),
    ),
  )
}

describe('SubmissionBatcher', () => {
  it('gathering arrivals, carries the requests waiting on the thread in one call to a local sequencer', async () => {
    const { calls, send } = localSequencer()
    const outcomes = await arriveTogether(new SubmissionBatcher(1_000, true), send, 5)
    expect(calls).toEqual([5])
    expect(outcomes.map((outcome) => outcome.ok && outcome.receipt?.transactionHash)).toEqual(
      [0, 1, 2, 3, 4].map((n) => submission(n).hash),
    )
  })

  it('not gathering, makes a call per request when each call ends before the next arrives', async () => {
    const { calls, send } = localSequencer()
    const outcomes = await arriveTogether(new SubmissionBatcher(1_000), send, 5)
    expect(calls).toEqual([1, 1, 1, 1, 1])
    expect(outcomes.map((outcome) => outcome.ok && outcome.receipt?.transactionHash)).toEqual(
      [0, 1, 2, 3, 4].map((n) => submission(n).hash),
    )
  })

  it('polls less often the more requests wait, about 32 wake-ups a millisecond in all', async () => {
    const slowSequencer: SubmitToSequencer = async (items) => {
      await new Promise((resolve) => setTimeout(resolve, 20))
      return items.map((item) => ({ ok: true, receipt: { transactionHash: item.hash } }) as SubmitOutcome)
    }
    const submitAll = async (count: number) => {
      const sleeps: number[] = []
      const batcher = new SubmissionBatcher(1_000, false, (ms) => {
        sleeps.push(ms)
        return new Promise((resolve) => setTimeout(resolve, ms))
      })
      const settling = Promise.all(
        Array.from({ length: count }, (_, i) => batcher.submit(submission(i), slowSequencer)),
      )
      // Until no timer is left: every request has its outcome and stopped polling.
      await vi.runAllTimersAsync()
      const outcomes = await settling
      expect(outcomes.map((outcome) => outcome.ok && outcome.receipt?.transactionHash)).toEqual(
        Array.from({ length: count }, (_, i) => submission(i).hash),
      )
      return sleeps
    }
    // On fake timers, so the count depends on the batcher alone, not on the machine's speed (on
    // real ones a loaded run once counted 3,247 wake-ups).
    vi.useFakeTimers()
    try {
      // A few waiting: each polls every millisecond, as before.
      expect(new Set(await submitAll(8))).toEqual(new Set([1]))
      // A thousand waiting through two 20 ms calls: polling every millisecond, each would wake some
      // forty times; sleeping ceil(waiting / 32) ms, each wakes about twice.
      const sleeps = await submitAll(1_000)
      expect(Math.max(...sleeps)).toBe(Math.ceil(999 / 32))
      expect(sleeps.length).toBeLessThan(3 * 1_000)
    } finally {
      vi.useRealTimers()
    }
  })

  it('in the sequencer, wakes waiting requests when the call ends instead of polling', async () => {
    const calls: number[] = []
    const slowSequencer: SubmitToSequencer = async (items) => {
      calls.push(items.length)
      await new Promise((resolve) => setTimeout(resolve, 20))
      return items.map((item) => ({ ok: true, receipt: { transactionHash: item.hash } }) as SubmitOutcome)
    }
    const sleeps: number[] = []
    const batcher = new SubmissionBatcher(1_000, true, (ms) => {
      sleeps.push(ms)
      return new Promise((resolve) => setTimeout(resolve, ms))
    })
    vi.useFakeTimers()
    try {
      const first = batcher.submit(submission(0), slowSequencer)
      // Two more arrive while the first call is in flight, and two after it was taken.
      await vi.advanceTimersByTimeAsync(5)
      const during = [1, 2].map((n) => batcher.submit(submission(n), slowSequencer))
      await vi.advanceTimersByTimeAsync(5)
      const later = [3, 4].map((n) => batcher.submit(submission(n), slowSequencer))
      // The first call ends at 20 ms: the four waiting go together in the next, at once.
      await vi.advanceTimersByTimeAsync(11)
      expect(calls).toEqual([1, 4])
      await vi.runAllTimersAsync()
      const outcomes = await Promise.all([first, ...during, ...later])
      expect(outcomes.map((outcome) => outcome.ok && outcome.receipt?.transactionHash)).toEqual(
        [0, 1, 2, 3, 4].map((n) => submission(n).hash),
      )
      // Only the turns each call gives arrivals before it takes the queue: no polls.
      expect(sleeps).toEqual([0, 0])
    } finally {
      vi.useRealTimers()
    }
  })

  it("gives every request of a failed call the call's error", async () => {
    const batcher = new SubmissionBatcher(1_000, true)
    const failing: SubmitToSequencer = async () => {
      throw new Error('sequencer unreachable')
    }
    const results = await Promise.allSettled([0, 1, 2].map((n) => batcher.submit(submission(n), failing)))
    expect(results.map((result) => result.status === 'rejected' && String(result.reason))).toEqual(
      Array(3).fill('Error: sequencer unreachable'),
    )
  })
})
