/**
 * The validator's JSON-RPC client (`velox validate`, validateChainOverRpc): bounded responses, and
 * retries of calls that failed before the node could answer them.
 */
import { readResponseText } from '../primitives/readBounded.ts'
import { withRetries } from '../primitives/withRetries.ts'

/** A JSON-RPC response body larger than this is refused (a witness of a full block fits well within). */
const MAX_RESPONSE_BYTES = 512 * 1024 * 1024
/** How long to wait before each retry of a call whose connection failed or was refused for now. */
const RETRY_DELAYS_MS = [200, 1_000, 3_000]
const RETRIED_STATUSES = new Set([429, 502, 503, 504])

/**
 * A JSON-RPC client for `url`. A call whose connection fails, or that the node answers with 429,
 * 502, 503 or 504 (restarting, overloaded), is tried again after RETRY_DELAYS_MS, so a dropped
 * connection does not fail a block; an answer, even a JSON-RPC error, is final.
 */
export function rpcCaller(url: string, retryDelaysMs: readonly number[] = RETRY_DELAYS_MS) {
  let id = 0
  const attempt = async <T>(method: string, params: unknown[]): Promise<T> => {
    let response: Response
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }),
      })
    } catch (error) {
      throw new TransientCallError(`${method}: ${(error as Error).message}`)
    }
    if (RETRIED_STATUSES.has(response.status)) {
      await response.body?.cancel()
      throw new TransientCallError(`${method}: HTTP ${response.status}`)
    }
    const text = await readResponseText(
      response,
      MAX_RESPONSE_BYTES,
      () => new Error(`${method}: response over the limit of ${MAX_RESPONSE_BYTES} bytes`),
    )
    let body: { result?: T; error?: { code: number; message: string } }
    try {
      body = JSON.parse(text)
    } catch {
      throw new Error(`${method}: HTTP ${response.status}, not JSON: ${text.slice(0, 200)}`)
    }
    if (body.error) throw new Error(`${method}: ${body.error.message} (code ${body.error.code})`)
    if (body.result === undefined) throw new Error(`${method}: no result`)
    return body.result
  }
  return <T>(method: string, params: unknown[]): Promise<T> =>
    withRetries(
      () => attempt<T>(method, params),
      retryDelaysMs,
      (error) => error instanceof TransientCallError,
    )
}

/** A call that failed before the node answered it, or that the node asked to be made again. */
class TransientCallError extends Error {}
