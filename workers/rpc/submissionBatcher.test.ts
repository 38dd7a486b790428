import type { Hash, Hex } from 'viem'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { TransactionSubmission } from '../../src/rpc/backend.ts'
import type { SubmitOutcome } from '../sequencer/sequencer.ts'
import { SubmissionBatcher, type SubmitToSequencer } from './submissionBatcher.ts'

const submission = (n: number) =>
  ({ hash: `0x${n.toString(16).padStart(64, '0')}` as Hash }) as TransactionSubmission

/** A sequencer whose calls each stay open until the test answers them. */
function heldSequencer() {
  const calls: {
    items: TransactionSubmission[]
    answer: (outcomes: SubmitOutcome[]) => void
    fail: (e: unknown) => void
  }[] = []
  const send: SubmitToSequencer = (items) =>
    new Promise((answer, fail) => {
      calls.push({ items, answer, fail })
    })
  return { calls, send }
}

const receiptFor = (item: TransactionSubmission): SubmitOutcome => ({
  ok: true,
  receipt: { transactionHash: item.hash as Hex },
})

describe('SubmissionBatcher', () => {
  // Fake timers: the keep-alive timer never fires unless a test advances time, so an outcome that
  // arrives on time arrived because its request was woken, not because a timer ran out (a batcher
  // that polled would hang here until the test's timeout).
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('sends at once when idle, and carries what arrives meanwhile in the next call, waking each with its own outcome', async () => {
    const batcher = new SubmissionBatcher(1_000)
    const { calls, send } = heldSequencer()
    const first = batcher.submit(submission(1), send)
    await vi.waitFor(() => expect(calls).toHaveLength(1))
    const queued = [2, 3, 4].map((n) => batcher.submit(submission(n), send))
    await Promise.resolve()
    expect(calls).toHaveLength(1)

    calls[0]!.answer(calls[0]!.items.map(receiptFor))
    expect(await first).toEqual(receiptFor(submission(1)))
    // The first queued request is woken to carry the three queued ones in one call.
    await vi.waitFor(() => expect(calls).toHaveLength(2))
    expect(calls[1]!.items.map((item) => item.hash)).toEqual([2, 3, 4].map((n) => submission(n).hash))
    calls[1]!.answer(calls[1]!.items.map(receiptFor))
    expect(await Promise.all(queued)).toEqual([2, 3, 4].map((n) => receiptFor(submission(n))))
    expect(vi.getTimerCount()).toBe(0)
  }, 5_000)

  it('gives every transaction of a failed call the error', async () => {
    const batcher = new SubmissionBatcher(null)
    const { calls, send } = heldSequencer()
    const carrier = batcher.submit(submission(1), send)
    await vi.waitFor(() => expect(calls).toHaveLength(1))
    const rider = batcher.submit(submission(2), send)
    calls[0]!.fail(new Error('sequencer restarted'))
    await expect(carrier).rejects.toThrow('sequencer restarted')
    await vi.waitFor(() => expect(calls).toHaveLength(2))
    calls[1]!.fail(new Error('still restarting'))
    await expect(rider).rejects.toThrow('still restarting')
  }, 5_000)
})
