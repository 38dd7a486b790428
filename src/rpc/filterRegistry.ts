/**
 * Polling filters (eth_newFilter, eth_newBlockFilter, eth_newPendingTransactionFilter and their
 * eth_getFilterChanges), as geth keeps them: in memory, each remembering how far its last poll
 * reached, removed after five minutes without a poll. A restart forgets them ("filter not
 * found"), as it does in geth. Bounded: at most MAX_FILTERS at once, and a pending-transaction
 * filter keeps at most MAX_PENDING_HASHES unpolled transactions (the oldest are dropped). A
 * transaction entering the pool visits only the pending-transaction filters, not every filter.
 */
import type { Hash } from 'viem'
import type { RpcObject } from './backend.ts'
import { ServerError } from './errors.ts'
import type { LogFilter } from './logFilter.ts'

/** geth's filter timeout: a filter not polled for this long is removed. */
export const FILTER_TIMEOUT_MS = 5 * 60 * 1000
export const MAX_FILTERS = 10_000
export const MAX_PENDING_HASHES = 10_000

/** A log filter's criteria: addresses and topics, and the block range it is limited to, if any. */
export type LogCriteria = Pick<LogFilter, 'addresses' | 'topics'> & { fromBlock?: bigint; toBlock?: bigint }

/** What eth_newFilter, eth_newBlockFilter and eth_newPendingTransactionFilter ask to install. */
export type FilterRequest =
  | { kind: 'blocks' }
  | { kind: 'logs'; criteria: LogCriteria }
  /** `fullTransactions`: geth's fullTx, each transaction as eth_getTransactionByHash gives it, not its hash. */
  | { kind: 'pendingTransactions'; fullTransactions: boolean }

type PendingTransactionsFilter = {
  kind: 'pendingTransactions'
  lastPolledMs: number
  fullTransactions: boolean
  transactions: (Hash | RpcObject)[]
}
type Filter =
  | { kind: 'blocks'; lastPolledMs: number; seenThrough: bigint }
  | { kind: 'logs'; lastPolledMs: number; seenThrough: bigint; criteria: LogCriteria }
  | PendingTransactionsFilter

/** What the chain answers a poll with: sealed blocks' hashes, and logs of sealed blocks. */
export type FilterSources = {
  head: bigint
  blockHashes(from: bigint, to: bigint): Hash[]
  logs(from: bigint, to: bigint, criteria: LogCriteria): RpcObject[]
}

export class FilterRegistry {
  private readonly filters = new Map<string, Filter>()
  private readonly pendingTransactionFilters = new Set<PendingTransactionsFilter>()

  /** Installs a filter; new blocks and logs are those after `head`. Answers its id. */
  install(request: FilterRequest, head: bigint, nowMs: number): string {
    this.expire(nowMs)
    if (this.filters.size >= MAX_FILTERS) throw new ServerError(`too many filters: at most ${MAX_FILTERS}`)
    let filter: Filter
    if (request.kind === 'pendingTransactions') {
      filter = { ...request, lastPolledMs: nowMs, transactions: [] }
      this.pendingTransactionFilters.add(filter)
    } else filter = { ...request, lastPolledMs: nowMs, seenThrough: head }
    const id = randomId()
    this.filters.set(id, filter)
    return id
  }

  /**
   * A transaction became pending: every pending-transaction filter will report it, its hash or
   * (made at most once) its full object.
   */
  notePending(hash: Hash, fullTransaction: () => RpcObject): void {
    let full: RpcObject | undefined
    for (const filter of this.pendingTransactionFilters) {
      if (filter.transactions.length >= MAX_PENDING_HASHES) filter.transactions.shift()
      filter.transactions.push(filter.fullTransactions ? (full ??= fullTransaction()) : hash)
    }
  }

  /** eth_getFilterChanges: what happened since the filter's last poll. */
  changes(id: string, sources: FilterSources, nowMs: number): (Hash | RpcObject)[] {
    const filter = this.find(id, nowMs)
    filter.lastPolledMs = nowMs
    if (filter.kind === 'pendingTransactions') {
      const transactions = filter.transactions
      filter.transactions = []
      return transactions
    }
    const from = filter.seenThrough + 1n
    const to = sources.head
    if (to < from) return []
    filter.seenThrough = to
    if (filter.kind === 'blocks') return sources.blockHashes(from, to)
    const { fromBlock, toBlock } = filter.criteria
    const start = fromBlock !== undefined && fromBlock > from ? fromBlock : from
    const end = toBlock !== undefined && toBlock < to ? toBlock : to
    return start > end ? [] : sources.logs(start, end, filter.criteria)
  }

  /** A log filter's criteria (eth_getFilterLogs); "filter not found" for any other filter. */
  criteria(id: string, nowMs: number): LogCriteria {
    const filter = this.find(id, nowMs)
    if (filter.kind !== 'logs') throw new ServerError('filter not found')
    filter.lastPolledMs = nowMs
    return filter.criteria
  }

  uninstall(id: string, nowMs: number): boolean {
    this.expire(nowMs)
    const filter = this.filters.get(id)
    if (!filter) return false
    this.remove(id, filter)
    return true
  }

  private find(id: string, nowMs: number): Filter {
    this.expire(nowMs)
    const filter = this.filters.get(id)
    if (!filter) throw new ServerError('filter not found')
    return filter
  }

  private expire(nowMs: number): void {
    for (const [id, filter] of this.filters)
      if (nowMs - filter.lastPolledMs > FILTER_TIMEOUT_MS) this.remove(id, filter)
  }

  private remove(id: string, filter: Filter): void {
    this.filters.delete(id)
    if (filter.kind === 'pendingTransactions') this.pendingTransactionFilters.delete(filter)
  }
}

/** geth's filter ids: 16 random bytes, 0x-hex. */
function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  return `0x${Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')}`
}
