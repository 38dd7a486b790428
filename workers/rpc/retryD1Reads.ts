/**
 * D1 retries a read-only query up to twice more when it fails with a retryable error (Cloudflare,
 * September 2025); Miniflare's D1 does not. Locally the RPC worker and the indexer run in
 * separate workerd processes over the same SQLite file (scripts/localChain.ts), and a read that
 * meets the indexer's commit fails at once with SQLITE_BUSY ("internal error" to the caller).
 * This gives the RPC worker's reads retries too: five, backing off from 5 to 200 ms, because a
 * lock held through a large index batch outlasted Cloudflare's two (the subscriptions e2e test
 * failed about one run in four with 5 and 25 ms). A read retried costs nothing but its wait. Only
 * reads: statements the wrapper retries are `all`, `raw` and `first`; `run` and `batch` pass through.
 */
import { withRetries } from '../../src/primitives/withRetries.ts'

/** Messages of D1 failures worth another attempt (Cloudflare's list, and SQLite's busy lock). */
const RETRYABLE = [
  'SQLITE_BUSY',
  'database is locked',
  'internal error',
  'Network connection lost',
  'storage caused object to be reset',
  'reset because its code was updated',
]
/** Waits before each further attempt: about 0.4 s in all. */
const RETRY_DELAYS_MS = [5, 25, 50, 100, 200]

export function retryD1Reads(database: D1Database): D1Database {
  const wrap = (statement: D1PreparedStatement): D1PreparedStatement =>
    new Proxy(statement, {
      get(target, property) {
        if (property === 'bind') return (...values: unknown[]) => wrap(target.bind(...values))
        if (property === 'all' || property === 'raw' || property === 'first') {
          const read = target[property] as (...args: unknown[]) => Promise<unknown>
          return (...args: unknown[]) =>
            withRetries(() => read.apply(target, args), RETRY_DELAYS_MS, isRetryable)
        }
        const value = Reflect.get(target, property, target)
        return typeof value === 'function' ? value.bind(target) : value
      },
    })
  return new Proxy(database, {
    get(target, property) {
      if (property === 'prepare') return (query: string) => wrap(target.prepare(query))
      const value = Reflect.get(target, property, target)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}

function isRetryable(error: unknown): boolean {
  const message = String(error instanceof Error && error.cause ? `${error} ${error.cause}` : error)
  return RETRYABLE.some((fragment) => message.includes(fragment))
}
