import type { Address, Hex } from 'viem'
import type { ExecutableTransaction } from '../execution/executableTransaction.ts'
import { type Rejection, rejection } from './errors.ts'

export type PooledTransaction = ExecutableTransaction & {
  raw: Uint8Array
  /** Admission order, the pool's ordering across senders; survives restarts. */
  arrival: number
}

export type SenderState = { nonce: bigint; balance: bigint }

export type MempoolLimits = {
  /** geth's AccountSlots: executable transactions per sender that a full pool never evicts. */
  executablePerSender: number
  /** geth's GlobalSlots: executable transactions in the pool. */
  executable: number
  /** geth's AccountQueue: transactions per sender waiting behind a nonce gap. */
  queuedPerSender: number
  /** geth's GlobalQueue: transactions waiting behind nonce gaps, all senders together. */
  queued: number
  /** geth's PriceBump: a replacement must raise both fee fields by this many percent. */
  priceBumpPercent: bigint
  /** geth's Lifetime: a sender's queued transactions go once it has been idle this long. */
  lifetimeMs: number
}

export const DEFAULT_MEMPOOL_LIMITS: MempoolLimits = {
  executablePerSender: 16,
  executable: 4096,
  queuedPerSender: 64,
  queued: 1024,
  priceBumpPercent: 10n,
  lifetimeMs: 3 * 60 * 60 * 1000,
}

export type AdmitResult =
  /**
   * `evicted`: transactions of other senders dropped to make room (geth's guaranteed slots).
   * `announced`: what geth's pool announces (newPendingTransactions) for this admission: the
   * transactions it made executable (this one, and queued ones of the sender whose gap it filled),
   * or this one when it replaced an executable one; none while it waits behind a nonce gap.
   */
  | {
      ok: true
      replaced: PooledTransaction | undefined
      evicted: PooledTransaction[]
      announced: PooledTransaction[]
    }
  | { ok: false; rejection: Rejection }

type SenderQueue = {
  byNonce: Map<bigint, PooledTransaction>
  /** Next nonce to enter the ready queue: everything below it is ready or executed. */
  nextReady: bigint
  /** How many of `byNonce` are executable (below `nextReady`); the rest are queued. */
  executable: number
  /** When the sender last added a transaction or had one promoted or taken: its queue's lifetime. */
  lastActiveMs: number
}

/**
 * Transactions waiting for a mini-block. See README.md. All bounds are explicit: a sender's gap
 * queue, the pool's total size.
 */
export class Mempool {
  private readonly senders = new Map<Address, SenderQueue>()
  private readonly byHash = new Map<Hex, PooledTransaction>()
  /** Ready transactions in arrival order, as (sender, nonce) so a replacement keeps its place. */
  private ready: { sender: Address; nonce: bigint }[] = []
  private readyHead = 0
  private executableCount = 0
  private queuedCount = 0
  /**
   * Set when an eviction leaves a ready-list entry behind: should the sender send that nonce again,
   * the list names it twice, so takeReady must not take it twice. Cleared once the list drains.
   */
  private readyMayRepeat = false

  constructor(private readonly limits: MempoolLimits = DEFAULT_MEMPOOL_LIMITS) {}

  get size(): number {
    return this.byHash.size
  }

  get(hash: Hex): PooledTransaction | undefined {
    return this.byHash.get(hash)
  }

  /** The nonce a sender's next new transaction should carry: past everything ready or executed. */
  pendingNonce(sender: Address, stateNonce: bigint): bigint {
    const queue = this.senders.get(sender)
    return queue && queue.nextReady > stateNonce ? queue.nextReady : stateNonce
  }

  /**
   * Checks a transaction against the sender's state and pooled transactions and, unless refused,
   * inserts it: ready to execute, or queued behind a nonce gap until the gap fills.
   */
  admit(tx: PooledTransaction, state: SenderState, options: { nowMs?: number } = {}): AdmitResult {
    if (this.byHash.has(tx.hash)) return { ok: false, rejection: rejection.alreadyKnown() }
    if (tx.nonce < state.nonce) return { ok: false, rejection: rejection.nonceTooLow(state.nonce, tx.nonce) }

    const queue = this.senders.get(tx.sender) ?? {
      byNonce: new Map(),
      nextReady: state.nonce,
      executable: 0,
      lastActiveMs: 0,
    }
    if (queue.nextReady < state.nonce) queue.nextReady = state.nonce
    const existing = queue.byNonce.get(tx.nonce)
    let makeRoom: PooledTransaction | undefined
    if (existing) {
      const bump = 100n + this.limits.priceBumpPercent
      if (
        tx.maxFeePerGas * 100n < existing.maxFeePerGas * bump ||
        tx.maxPriorityFeePerGas * 100n < existing.maxPriorityFeePerGas * bump
      )
        return { ok: false, rejection: rejection.replacementUnderpriced() }
    } else if (tx.nonce > queue.nextReady) {
      if (queue.byNonce.size - queue.executable >= this.limits.queuedPerSender)
        return { ok: false, rejection: rejection.accountLimitExceeded() }
      if (this.queuedCount >= this.limits.queued) return { ok: false, rejection: rejection.poolFull() }
    } else if (this.executableCount >= this.limits.executable) {
      // Full: a sender within its guaranteed slots takes one from the sender furthest beyond them.
      if (queue.executable >= this.limits.executablePerSender)
        return { ok: false, rejection: rejection.poolFull() }
      makeRoom = this.newestOfLargestSender()
      if (!makeRoom) return { ok: false, rejection: rejection.poolFull() }
    }

    // The balance must cover this transaction and every earlier one of the sender still pooled, so
    // that nothing admitted can later fail for lack of funds.
    let want = tx.gasLimit * tx.maxFeePerGas + tx.value
    for (const [nonce, pooled] of queue.byNonce)
      if (nonce < tx.nonce) want += pooled.gasLimit * pooled.maxFeePerGas + pooled.value
    if (state.balance < want)
      return { ok: false, rejection: rejection.insufficientFunds(tx.sender, state.balance, want) }

    const evicted: PooledTransaction[] = []
    if (makeRoom) {
      this.evictNewestExecutable(makeRoom)
      evicted.push(makeRoom)
    }
    if (existing) this.byHash.delete(existing.hash)
    queue.byNonce.set(tx.nonce, tx)
    this.byHash.set(tx.hash, tx)
    this.senders.set(tx.sender, queue)
    queue.lastActiveMs = options.nowMs ?? queue.lastActiveMs
    let announced: PooledTransaction[] = []
    if (!existing) {
      this.queuedCount++
      announced = this.promote(tx.sender, queue)
    } else if (tx.nonce < queue.nextReady) announced = [tx]
    return { ok: true, replaced: existing, evicted, announced }
  }

  /**
   * geth's lifetime rule: the queued transactions (behind a nonce gap) of every sender idle for
   * longer than the lifetime are dropped. Returns them, for the caller to forget too.
   */
  evictStale(nowMs: number): PooledTransaction[] {
    const evicted: PooledTransaction[] = []
    for (const queue of this.senders.values()) {
      if (nowMs - queue.lastActiveMs <= this.limits.lifetimeMs || queue.byNonce.size === queue.executable)
        continue
      for (const [nonce, tx] of queue.byNonce) if (nonce >= queue.nextReady) evicted.push(tx)
    }
    for (const tx of evicted) this.remove(tx)
    return evicted
  }

  /**
   * The newest executable transaction of the sender holding the most executable slots beyond its
   * guaranteed ones: what a full pool gives up for a sender within its guarantee (geth's truncatePending).
   */
  private newestOfLargestSender(): PooledTransaction | undefined {
    let largest: SenderQueue | undefined
    for (const queue of this.senders.values())
      if (queue.executable > this.limits.executablePerSender && queue.executable > (largest?.executable ?? 0))
        largest = queue
    return largest?.byNonce.get(largest.nextReady - 1n)
  }

  /** Drops a sender's newest executable transaction: its ready nonces end below it again. */
  private evictNewestExecutable(tx: PooledTransaction): void {
    const queue = this.senders.get(tx.sender)!
    this.byHash.delete(tx.hash)
    queue.byNonce.delete(tx.nonce)
    queue.nextReady = tx.nonce
    queue.executable--
    this.executableCount--
    this.readyMayRepeat = true
  }

  /** Takes up to `max` ready transactions, oldest first, whose gas fits in `gasBudget`. */
  takeReady(max: number, gasBudget: bigint): PooledTransaction[] {
    const taken: PooledTransaction[] = []
    let gasLeft = gasBudget
    while (this.readyHead < this.ready.length && taken.length < max) {
      const entry = this.ready[this.readyHead]!
      const queue = this.senders.get(entry.sender)
      const tx = queue?.byNonce.get(entry.nonce)
      // Gone (executed, dropped, evicted), or listed twice after an eviction and a resubmission.
      if (!tx || entry.nonce >= queue!.nextReady || (this.readyMayRepeat && taken.includes(tx))) {
        this.readyHead++
        continue
      }
      if (tx.gasLimit > gasLeft) break
      gasLeft -= tx.gasLimit
      taken.push(tx)
      this.readyHead++
    }
    if (this.readyHead === this.ready.length) this.readyMayRepeat = false
    if (this.readyHead > 1024 && this.readyHead * 2 > this.ready.length) {
      this.ready = this.ready.slice(this.readyHead)
      this.readyHead = 0
    }
    return taken
  }

  /** Puts transactions taken but not executed back at the front of the ready queue, in order. */
  untake(txs: PooledTransaction[]): void {
    const entries = txs.map((tx) => ({ sender: tx.sender, nonce: tx.nonce }))
    this.ready = [...entries, ...this.ready.slice(this.readyHead)]
    this.readyHead = 0
  }

  /** Whether a pooled transaction waits behind a nonce gap (false for one not pooled). */
  isQueued(hash: Hex): boolean {
    const tx = this.byHash.get(hash)
    return tx !== undefined && tx.nonce >= this.senders.get(tx.sender)!.nextReady
  }

  /** Removes a transaction that was executed or dropped (a sender's oldest), or a queued one. */
  remove(tx: PooledTransaction): void {
    if (!this.byHash.delete(tx.hash)) return
    const queue = this.senders.get(tx.sender)
    if (!queue) return
    queue.byNonce.delete(tx.nonce)
    if (tx.nonce < queue.nextReady) {
      queue.executable--
      this.executableCount--
    } else this.queuedCount--
    if (queue.byNonce.size === 0) this.senders.delete(tx.sender)
  }

  /**
   * txpool_content's split: per sender, `pending` is what can execute (no nonce gap before it),
   * `queued` what waits behind a gap. Sorted by sender, then nonce.
   */
  contents(): { pending: PooledTransaction[]; queued: PooledTransaction[] } {
    const pending: PooledTransaction[] = []
    const queued: PooledTransaction[] = []
    for (const [, queue] of [...this.senders].sort(([a], [b]) => (a < b ? -1 : 1)))
      for (const [nonce, tx] of [...queue.byNonce].sort(([a], [b]) => (a < b ? -1 : 1)))
        (nonce < queue.nextReady ? pending : queued).push(tx)
    return { pending, queued }
  }

  get readyCount(): number {
    return this.ready.length - this.readyHead
  }

  /** Moves the sender's transactions from its next nonce on, while there is no gap, to ready; returns them. */
  private promote(sender: Address, queue: SenderQueue): PooledTransaction[] {
    const promoted: PooledTransaction[] = []
    for (let tx = queue.byNonce.get(queue.nextReady); tx; tx = queue.byNonce.get(queue.nextReady)) {
      promoted.push(tx)
      this.ready.push({ sender, nonce: queue.nextReady })
      queue.nextReady++
      queue.executable++
      this.executableCount++
      this.queuedCount--
    }
    return promoted
  }
}
