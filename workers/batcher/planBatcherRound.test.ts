import { describe, expect, it } from 'vitest'
import {
  type L1View,
  type PlanOptions,
  type PostObservation,
  planBatcherRound,
  type TrackedPost,
} from './planBatcherRound.ts'

const options: PlanOptions = {
  resubmitAfterL1Blocks: 3n,
  reorgWatchL1Blocks: 64n,
  maxBlocksPerBatch: 100n,
  halted: false,
}
const l1 = (view: Partial<L1View> = {}): L1View => ({
  head: 100n,
  nextBlock: 11n,
  accountNonce: 5n,
  lastCommittedBlock: 0n,
  safeBlock: 0n,
  l2Head: 20n,
  batchInProgress: null,
  ...view,
})
const frame = (
  nonce: bigint,
  firstBlock: bigint,
  lastBlock: bigint,
  post: Partial<TrackedPost> = {},
): TrackedPost => ({
  nonce,
  kind: 'frame',
  firstBlock,
  lastBlock,
  frameIndex: 0,
  sentAtL1Block: 99n,
  includedAt: null,
  ...post,
})
const seen = (post: TrackedPost, observation: PostObservation) => ({ post, observation })

describe('planBatcherRound', () => {
  it('posts from the inbox nextBlock to the L2 head with the account nonce when nothing is in flight', () => {
    expect(planBatcherRound([], l1(), options)).toEqual({
      decisions: [],
      nextNonce: 5n,
      batch: { firstBlock: 11n, lastBlock: 20n, resume: null },
      commit: null,
    })
  })

  it('bounds a batch by maxBlocksPerBatch and posts nothing when L1 has every block', () => {
    expect(planBatcherRound([], l1({ l2Head: 500n }), options).batch).toEqual({
      firstBlock: 11n,
      lastBlock: 110n,
      resume: null,
    })
    expect(planBatcherRound([], l1({ nextBlock: 21n }), options).batch).toBeNull()
  })

  it('waits while a frame is unmined, and bumps it after resubmitAfterL1Blocks', () => {
    const post = frame(5n, 11n, 20n, { sentAtL1Block: 98n })
    const fresh = planBatcherRound([seen(post, { status: 'in-mempool' })], l1({ l2Head: 30n }), options)
    expect(fresh.decisions).toEqual([{ action: 'keep' }])
    expect(fresh.batch).toBeNull()
    expect(fresh.nextNonce).toBe(6n)
    const stale = planBatcherRound(
      [seen({ ...post, sentAtL1Block: 97n }, { status: 'in-mempool' })],
      l1(),
      options,
    )
    expect(stale.decisions).toEqual([{ action: 'bump' }])
    expect(
      planBatcherRound([seen({ ...post, sentAtL1Block: 97n }, { status: 'in-mempool' })], l1(), {
        ...options,
        halted: true,
      }).decisions,
    ).toEqual([{ action: 'keep' }])
  })

  it('sends a stored post again that L1 never saw (a crash between storing and sending)', () => {
    const plan = planBatcherRound([seen(frame(5n, 11n, 20n), { status: 'unknown' })], l1(), options)
    expect(plan.decisions).toEqual([{ action: 'rebroadcast', reorged: false }])
    expect(plan.batch).toBeNull()
    expect(plan.nextNonce).toBe(6n)
  })

  it('after an L1 reorg drops an included post, sends it again and posts nothing new meanwhile', () => {
    const post = frame(5n, 11n, 20n, { includedAt: 95n })
    const plan = planBatcherRound(
      [seen(post, { status: 'unknown' })],
      l1({ head: 96n, l2Head: 30n }),
      options,
    )
    expect(plan.decisions).toEqual([{ action: 'rebroadcast', reorged: true }])
    expect(plan.batch).toBeNull()
  })

  it('a reorged post back in the mempool is pending again', () => {
    const post = frame(5n, 11n, 20n, { includedAt: 95n })
    expect(planBatcherRound([seen(post, { status: 'in-mempool' })], l1(), options).decisions).toEqual([
      { action: 'mark-pending' },
    ])
  })

  it('forgets a post L1 reverted, or whose nonce another transaction used, and posts again from nextBlock', () => {
    const reverted = planBatcherRound(
      [seen(frame(4n, 11n, 20n), { status: 'reverted', l1Block: 99n })],
      l1({ l2Head: 25n }),
      options,
    )
    expect(reverted.decisions[0]!.action).toBe('forget')
    expect(reverted.batch).toEqual({ firstBlock: 11n, lastBlock: 25n, resume: null })
    expect(reverted.nextNonce).toBe(5n)
    const replaced = planBatcherRound([seen(frame(3n, 11n, 20n), { status: 'unknown' })], l1(), options)
    expect(replaced.decisions).toEqual([
      { action: 'forget', reason: 'nonce 3 was used by another transaction' },
    ])
    expect(replaced.batch).toEqual({ firstBlock: 11n, lastBlock: 20n, resume: null })
  })

  it('forgets unmined posts above a nonce gap (a fresh L1) and posts from nextBlock at the account nonce', () => {
    const plan = planBatcherRound(
      [
        seen(frame(40n, 30n, 31n), { status: 'unknown' }),
        seen(frame(41n, 32n, 33n), { status: 'in-mempool' }),
      ],
      l1({ accountNonce: 2n, nextBlock: 1n, l2Head: 50n }),
      options,
    )
    expect(plan.decisions.map((decision) => decision.action)).toEqual(['forget', 'forget'])
    expect(plan.nextNonce).toBe(2n)
    expect(plan.batch).toEqual({ firstBlock: 1n, lastBlock: 50n, resume: null })
  })

  it('sees no gap where the posts below were mined after the nonce was read', () => {
    const plan = planBatcherRound(
      [
        seen(frame(5n, 11n, 12n), { status: 'included', l1Block: 101n }),
        seen(frame(6n, 13n, 14n), { status: 'in-mempool' }),
      ],
      l1({ accountNonce: 5n, nextBlock: 13n }),
      options,
    )
    expect(plan.decisions).toEqual([{ action: 'mark-included', l1Block: 101n }, { action: 'keep' }])
    expect(plan.batch).toBeNull()
  })

  it('marks included posts, retires deep ones, and continues after them', () => {
    const plan = planBatcherRound(
      [
        seen(frame(3n, 1n, 5n), { status: 'included', l1Block: 30n }),
        seen(frame(4n, 6n, 10n), { status: 'included', l1Block: 99n }),
      ],
      l1(),
      options,
    )
    expect(plan.decisions).toEqual([{ action: 'retire' }, { action: 'mark-included', l1Block: 99n }])
    expect(plan.batch).toEqual({ firstBlock: 11n, lastBlock: 20n, resume: null })
  })

  it('waits when a receipt says posted but the inbox does not (read across a reorg)', () => {
    const plan = planBatcherRound(
      [seen(frame(4n, 11n, 20n), { status: 'included', l1Block: 99n })],
      l1(),
      options,
    )
    expect(plan.batch).toBeNull()
  })

  it('waits for every frame of a batch in flight, and goes on after the last is mined', () => {
    const frames = [0, 1, 2].map((index) => frame(5n + BigInt(index), 11n, 12n, { frameIndex: index }))
    const inProgress = l1({ batchInProgress: { lastBlock: 12n, frameCount: 3, framesPosted: 1 } })
    const partly = planBatcherRound(
      [
        seen(frames[0]!, { status: 'included', l1Block: 99n }),
        seen(frames[1]!, { status: 'in-mempool' }),
        seen(frames[2]!, { status: 'in-mempool' }),
      ],
      inProgress,
      options,
    )
    expect(partly.decisions.map((d) => d.action)).toEqual(['mark-included', 'keep', 'keep'])
    expect(partly.nextNonce).toBe(8n)
    expect(partly.batch).toBeNull()
    const done = planBatcherRound(
      frames.map((post) => seen(post, { status: 'included', l1Block: 100n })),
      l1({ nextBlock: 13n, accountNonce: 8n }),
      options,
    )
    expect(done.batch).toEqual({ firstBlock: 13n, lastBlock: 20n, resume: null })
  })

  it("resumes the inbox's batch in progress from its next frame when the rest never reached L1", () => {
    // Frame 0 mined; frame 1 was refused (reverted) and frame 2 then too: both forgotten.
    const plan = planBatcherRound(
      [
        seen(frame(5n, 11n, 12n, { frameIndex: 0 }), { status: 'included', l1Block: 98n }),
        seen(frame(6n, 11n, 12n, { frameIndex: 1 }), { status: 'reverted', l1Block: 99n }),
        seen(frame(7n, 11n, 12n, { frameIndex: 2 }), { status: 'reverted', l1Block: 99n }),
      ],
      l1({ accountNonce: 8n, batchInProgress: { lastBlock: 12n, frameCount: 3, framesPosted: 1 } }),
      options,
    )
    expect(plan.decisions.map((d) => d.action)).toEqual(['mark-included', 'forget', 'forget'])
    expect(plan.batch).toEqual({ firstBlock: 11n, lastBlock: 12n, resume: { fromFrame: 1, frameCount: 3 } })
    expect(plan.nextNonce).toBe(8n)
    // With no post tracked at all (a batcher that lost its store), L1 alone says where to resume.
    expect(
      planBatcherRound(
        [],
        l1({ batchInProgress: { lastBlock: 12n, frameCount: 3, framesPosted: 2 } }),
        options,
      ).batch,
    ).toEqual({ firstBlock: 11n, lastBlock: 12n, resume: { fromFrame: 2, frameCount: 3 } })
  })

  it('waits when a mined frame is not among those the inbox counts (read across a reorg)', () => {
    const plan = planBatcherRound(
      [seen(frame(5n, 11n, 12n, { frameIndex: 1 }), { status: 'included', l1Block: 99n })],
      l1({ batchInProgress: { lastBlock: 12n, frameCount: 3, framesPosted: 1 } }),
      options,
    )
    expect(plan.batch).toBeNull()
  })

  it('commits the safe block once it is past the last commitment, one commitment in flight', () => {
    expect(planBatcherRound([], l1({ safeBlock: 10n, lastCommittedBlock: 4n }), options).commit).toBe(10n)
    expect(planBatcherRound([], l1({ safeBlock: 4n, lastCommittedBlock: 4n }), options).commit).toBeNull()
    const inFlight = { ...frame(5n, 10n, 10n), kind: 'commit' as const }
    expect(
      planBatcherRound([seen(inFlight, { status: 'in-mempool' })], l1({ safeBlock: 10n }), options).commit,
    ).toBeNull()
  })

  it('sends nothing new while halted by a fee alert', () => {
    const plan = planBatcherRound([], l1({ safeBlock: 10n }), { ...options, halted: true })
    expect(plan.batch).toBeNull()
    expect(plan.commit).toBeNull()
  })
})
