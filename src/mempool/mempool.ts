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
  /** geth's AccountQueue: transactions per sender waiting behind a nonce gap. */
  queuedPerSender: number
  /** geth's GlobalSlots + GlobalQueue. */
  total: number
  /** geth's PriceBump: a replacement must raise both fee fields by this many percent. */
  priceBumpPercent: bigint
}

export const DEFAULT_MEMPOOL_LIMITS: MempoolLimits = {
  queuedPerSender: 64,
  total: 4096 + 1024,
  priceBumpPercent: 10n,
}

export type AdmitResult =
  | { ok: true; replaced: PooledTransaction | undefined }
  | { ok: false; rejection: Rejection }

type SenderQueue = {
  byNonce: Map<bigint, PooledTransaction>
  /** Next nonce to enter the ready queue: everything below it is ready or executed. */
  nextReady: bigint
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
   * inserts it. `requireReady` refuses a transaction behind a nonce gap (EIP-7966's sync send).
   */
  admit(tx: PooledTransaction, state: SenderState, options: { requireReady?: boolean } = {}): AdmitResult {
    if (this.byHash.has(tx.hash)) return { ok: false, rejection: rejection.alreadyKnown() }
    if (tx.nonce < state.nonce) return { ok: false, rejection: rejection.nonceTooLow(state.nonce, tx.nonce) }

    const queue = this.senders.get(tx.sender) ?? { byNonce: new Map(), nextReady: state.nonce }
    if (queue.nextReady < state.nonce) queue.nextReady = state.nonce
    const existing = queue.byNonce.get(tx.nonce)
    if (existing) {
      const bump = 100n + this.limits.priceBumpPercent
      if (
        tx.maxFeePerGas * 100n < existing.maxFeePerGas * bump ||
        tx.maxPriorityFeePerGas * 100n < existing.maxPriorityFeePerGas * bump
      )
        return { ok: false, rejection: rejection.replacementUnderpriced() }
    } else {
      if (tx.nonce > queue.nextReady) {
        if (options.requireReady) return { ok: false, rejection: rejection.nonceGap(queue.nextReady) }
        let queued = 0
        for (const nonce of queue.byNonce.keys()) if (nonce >= queue.nextReady) queued++
        if (queued >= this.limits.queuedPerSender)
          return { ok: false, rejection: rejection.accountLimitExceeded() }
      }
      if (this.byHash.size >= this.limits.total) return { ok: false, rejection: rejection.poolFull() }
    }

    // The balance must cover this transaction and every earlier one of the sender still pooled, so
    // that nothing admitted can later fail for lack of funds.
    let want = tx.gasLimit * tx.maxFeePerGas + tx.value
    for (const [nonce, pooled] of queue.byNonce)
      if (nonce < tx.nonce) want += pooled.gasLimit * pooled.maxFeePerGas + pooled.value
    if (state.balance < want)
      return { ok: false, rejection: rejection.insufficientFunds(tx.sender, state.balance, want) }

    if (existing) this.byHash.delete(existing.hash)
    queue.byNonce.set(tx.nonce, tx)
    this.byHash.set(tx.hash, tx)
    this.senders.set(tx.sender, queue)
    if (!existing) this.promote(tx.sender, queue)
    return { ok: true, replaced: existing }
  }

  /** Takes up to `max` ready transactions, oldest first, whose gas fits in `gasBudget`. */
  takeReady(max: number, gasBudget: bigint): PooledTransaction[] {
    const taken: PooledTransaction[] = []
    let gasLeft = gasBudget
    while (this.readyHead < this.ready.length && taken.length < max) {
      const entry = this.ready[this.readyHead]!
      const tx = this.senders.get(entry.sender)?.byNonce.get(entry.nonce)
      if (!tx) {
        this.readyHead++
        continue
      }
      if (tx.gasLimit > gasLeft) break
      gasLeft -= tx.gasLimit
      taken.push(tx)
      this.readyHead++
    }
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

  /** Removes a transaction that was executed or dropped. */
  remove(tx: PooledTransaction): void {
    this.byHash.delete(tx.hash)
    const queue = this.senders.get(tx.sender)
    if (!queue) return
    queue.byNonce.delete(tx.nonce)
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

  private promote(sender: Address, queue: SenderQueue): void {
    while (queue.byNonce.has(queue.nextReady)) {
      this.ready.push({ sender, nonce: queue.nextReady })
      queue.nextReady++
    }
  }
}
