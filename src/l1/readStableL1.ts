/**
 * One whole read of L1 (derivation, a verification) that can be believed: it runs against a view
 * pinned at L1's head, and afterwards checks that every L1 block it took data from is still
 * canonical (L1View). If L1 reorganised under it, whatever it concluded (a pass, or a mismatch
 * the reorganisation may have caused) is dropped and it runs again, up to MAX_L1_READ_ATTEMPTS.
 */
import type { BlockTag, PublicClient } from 'viem'
import { L1ReorganisedError } from './derivationErrors.ts'
import { L1View } from './l1View.ts'

/** Reads of L1 before giving up on one that a reorganisation did not cut through. */
export const MAX_L1_READ_ATTEMPTS = 3

export async function readStableL1<T>(
  client: PublicClient,
  read: (view: L1View) => Promise<T>,
  options: {
    /** Which L1 block the read goes up to: `latest` by default, `finalized` for what cannot change. */
    head?: Extract<BlockTag, 'latest' | 'safe' | 'finalized'>
    maxAttempts?: number
    onReorganised?: (change: string, attempt: number) => void
  } = {},
): Promise<T> {
  const maxAttempts = options.maxAttempts ?? MAX_L1_READ_ATTEMPTS
  for (let attempt = 1; ; attempt++) {
    const head = await client.getBlock({ blockTag: options.head ?? 'latest' })
    const view = new L1View({ number: head.number, hash: head.hash })
    let outcome: { value: T } | { error: unknown }
    try {
      outcome = { value: await read(view) }
    } catch (error) {
      outcome = { error }
    }
    const change = await view.changes(client)
    if (change === undefined) {
      if ('error' in outcome) throw outcome.error
      return outcome.value
    }
    if (attempt >= maxAttempts)
      throw new L1ReorganisedError(`L1 reorganised under each of ${maxAttempts} reads`, {
        details: `the last: ${change}`,
        cause: 'error' in outcome ? outcome.error : undefined,
      })
    options.onReorganised?.(change, attempt)
  }
}
