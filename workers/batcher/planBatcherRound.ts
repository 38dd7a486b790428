/**
 * The batcher's decisions, apart from all I/O: given the L1 transactions it is tracking and what
 * L1 says of each (receipt, mempool, nonce) and of the inbox, what to do this round. The Durable
 * Object (batcher.ts) gathers the observations, applies the plan and persists it.
 *
 *   tracked post ──observe──▶ included ─┬─ deep enough ───────────▶ retire (stop watching)
 *        │                              └─ else ──────────────────▶ mark included
 *        ├──────────────────▶ reverted ────────────────────────────▶ forget (L1 refused it)
 *        ├──────────────────▶ in mempool ─┬─ waited too long ──────▶ bump fees, resend
 *        │                                └─ else ─────────────────▶ keep (pending)
 *        └──────────────────▶ unknown ────┬─ nonce used by another ▶ forget
 *                                         └─ else ─────────────────▶ rebroadcast (crash, reorg)
 *   unmined posts above a nonce gap (L1 forgot what came before them) ─▶ forget
 *
 * A batch too large for one frame goes out as several frames at consecutive nonces. If some of
 * them never reach L1 (a crash before sending, a post L1 refused), the inbox holds the batch in
 * progress (`framesPosted` of `frameCount`), and the next round resumes it from the next frame:
 * the same blocks encode to the same frames.
 *
 * A post whose receipt disappears (an L1 reorg) is pending again: the same signed transaction is
 * sent again, or, if L1 has since refused it or used its nonce, it is forgotten and the blocks are
 * posted anew from the inbox's `nextBlock`, which is always L1's word on where batches continue.
 */

export type PostKind = 'frame' | 'commit'

/** An L1 transaction the batcher sent (any of its fee versions) and still watches. */
export type TrackedPost = {
  nonce: bigint
  kind: PostKind
  /** The L2 blocks of its batch; for a commitment, the committed block twice. */
  firstBlock: bigint
  lastBlock: bigint
  /** Its position among its batch's frames (0 for a commitment). */
  frameIndex: number
  /** L1 block its latest version was sent at. */
  sentAtL1Block: bigint
  /** L1 block that included it when last observed; null while pending. */
  includedAt: bigint | null
}

/** What L1 says of a tracked post now. */
export type PostObservation =
  | { status: 'included'; l1Block: bigint }
  | { status: 'reverted'; l1Block: bigint }
  | { status: 'in-mempool' }
  | { status: 'unknown' }

export type L1View = {
  head: bigint
  /** BatchInbox.nextBlock() at the head: where the next batch must start. */
  nextBlock: bigint
  /** The batcher's nonce at the head: every lower nonce is used by a mined transaction. */
  accountNonce: bigint
  /** StateCommitments' latest committed L2 block (0 when none). */
  lastCommittedBlock: bigint
  /** The last L2 block posted in batches `confirmations` deep: what the RPC calls `safe`. */
  safeBlock: bigint
  /** The sequencer's last sealed block. */
  l2Head: bigint
  /** A batch of several frames the inbox has some of (it takes only that batch's next frame). */
  batchInProgress: BatchInProgress | null
}

/** BatchInbox's pendingLastBlock, pendingFrameCount and framesPosted while framesPosted > 0. */
export type BatchInProgress = { lastBlock: bigint; frameCount: number; framesPosted: number }

/** Blocks to post: a new batch, or the rest of the inbox's batch in progress from `fromFrame`. */
export type PlannedBatch = {
  firstBlock: bigint
  lastBlock: bigint
  resume: { fromFrame: number; frameCount: number } | null
}

export type PlanOptions = {
  /** L1 blocks after which an unmined post gets higher fees. */
  resubmitAfterL1Blocks: bigint
  /** L1 blocks after which an included post is past reorgs and no longer watched. */
  reorgWatchL1Blocks: bigint
  /** L2 blocks per batch at most. */
  maxBlocksPerBatch: bigint
  /** No new transactions (the fees needed are above the caps): only observe. */
  halted: boolean
}

export type PostDecision =
  | { action: 'keep' }
  | { action: 'mark-included'; l1Block: bigint }
  | { action: 'mark-pending' }
  | { action: 'retire' }
  | { action: 'forget'; reason: string }
  | { action: 'rebroadcast'; reorged: boolean }
  | { action: 'bump' }

export type RoundPlan = {
  decisions: PostDecision[]
  /** The nonce of the next new transaction. */
  nextNonce: bigint
  /** The blocks to post, or null. */
  batch: PlannedBatch | null
  /** The L2 block to commit (its hash and state root) to StateCommitments, or null. */
  commit: bigint | null
}

export function planBatcherRound(
  posts: readonly { post: TrackedPost; observation: PostObservation }[],
  l1: L1View,
  options: PlanOptions,
): RoundPlan {
  // Unmined posts whose nonces start above the account's can never be mined: L1 forgot the
  // transactions before them (a restarted development L1, or another holder of the key).
  const unmined = posts.filter(
    ({ post, observation }) =>
      post.nonce >= l1.accountNonce &&
      (observation.status === 'in-mempool' || observation.status === 'unknown'),
  )
  const lowestUnmined = unmined.reduce<bigint | null>(
    (lowest, { post }) => (lowest === null || post.nonce < lowest ? post.nonce : lowest),
    null,
  )
  // Nonces below it that L1 mined after the account's nonce was read are no gap.
  const minedSince = new Set(
    posts
      .filter(({ observation }) => observation.status === 'included' || observation.status === 'reverted')
      .map(({ post }) => post.nonce),
  )
  let nonceGap = false
  if (lowestUnmined !== null)
    for (let nonce = l1.accountNonce; nonce < lowestUnmined && !nonceGap; nonce++)
      nonceGap = !minedSince.has(nonce)
  const decided = posts.map(({ post, observation }) => ({
    post,
    decision:
      nonceGap && unmined.some((entry) => entry.post === post)
        ? ({
            action: 'forget',
            reason: `nonce gap: L1 has the batcher at nonce ${l1.accountNonce}, its first unmined post at ${lowestUnmined}`,
          } as const)
        : decidePost(post, observation, l1, options),
  }))
  const live = decided.filter(({ decision }) => decision.action !== 'forget' && decision.action !== 'retire')
  // 'keep' is only ever an unmined post still in the mempool.
  const pending = live.filter(({ decision }) => decision.action !== 'mark-included')
  let nextNonce = l1.accountNonce
  for (const { post } of live) if (post.nonce + 1n > nextNonce) nextNonce = post.nonce + 1n

  // One batch in flight at a time: the inbox accepts batches only in order, so a new one waits
  // until the previous is mined (and `nextBlock` says where to go on).
  const framePending = pending.some(({ post }) => post.kind === 'frame')
  // An included post at or past nextBlock, other than a frame the inbox counts in its batch in
  // progress, means receipts and inbox were read across a reorg: wait.
  const progress = l1.batchInProgress
  const inconsistent = live.some(
    ({ post, decision }) =>
      post.kind === 'frame' &&
      decision.action === 'mark-included' &&
      post.lastBlock >= l1.nextBlock &&
      !(
        progress !== null &&
        post.firstBlock === l1.nextBlock &&
        post.lastBlock === progress.lastBlock &&
        post.frameIndex < progress.framesPosted
      ),
  )
  let batch: RoundPlan['batch'] = null
  if (!options.halted && !framePending && !inconsistent) {
    if (progress !== null)
      batch = {
        firstBlock: l1.nextBlock,
        lastBlock: progress.lastBlock,
        resume: { fromFrame: progress.framesPosted, frameCount: progress.frameCount },
      }
    else if (l1.nextBlock <= l1.l2Head) {
      const lastBlock = l1.nextBlock + options.maxBlocksPerBatch - 1n
      batch = {
        firstBlock: l1.nextBlock,
        lastBlock: lastBlock < l1.l2Head ? lastBlock : l1.l2Head,
        resume: null,
      }
    }
  }

  const commitPending = pending.some(({ post }) => post.kind === 'commit')
  const commit =
    !options.halted && !commitPending && l1.safeBlock > l1.lastCommittedBlock ? l1.safeBlock : null

  return { decisions: decided.map(({ decision }) => decision), nextNonce, batch, commit }
}

function decidePost(
  post: TrackedPost,
  observation: PostObservation,
  l1: L1View,
  options: PlanOptions,
): PostDecision {
  switch (observation.status) {
    case 'included':
      if (l1.head - observation.l1Block + 1n >= options.reorgWatchL1Blocks) return { action: 'retire' }
      return { action: 'mark-included', l1Block: observation.l1Block }
    case 'reverted':
      return {
        action: 'forget',
        reason: `L1 block ${observation.l1Block} reverted it (the ${post.kind === 'frame' ? 'inbox' : 'commitment contract'} refused it)`,
      }
    case 'in-mempool':
      if (post.includedAt !== null) return { action: 'mark-pending' }
      if (!options.halted && l1.head - post.sentAtL1Block >= options.resubmitAfterL1Blocks)
        return { action: 'bump' }
      return { action: 'keep' }
    case 'unknown':
      if (post.nonce < l1.accountNonce)
        return { action: 'forget', reason: `nonce ${post.nonce} was used by another transaction` }
      return { action: 'rebroadcast', reorged: post.includedAt !== null }
  }
}
