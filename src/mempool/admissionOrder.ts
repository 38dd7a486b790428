import type { Address } from 'viem'

/**
 * The order in which to admit transactions that arrived together (one call to the sequencer): each
 * sender's transactions by nonce, in the places that sender's transactions held; every other
 * transaction where it came. Returned as indices into `items`.
 *
 * Requests that travel apart may arrive in one call out of their sender's order: a wallet sending
 * nonces 7 and 8 at once over two connections, or a backlogged edge. Admitted as they came, 8 is
 * behind a gap when it is looked at, and a synchronous send (EIP-7966) refuses a gap: 8 fails
 * though 7 arrives with it, and so does every later nonce of that sender that arrives before 8 is
 * sent again. Admitting 7 first refuses nothing that admitting as they came would have admitted.
 * Transactions with the same sender and nonce (replacements) keep their order.
 */
export function admissionOrder(items: readonly { sender: Address; nonce: bigint }[]): number[] {
  const order = items.map((_, index) => index)
  if (items.length < 2) return order
  const placesBySender = new Map<Address, number[]>()
  for (const [index, item] of items.entries()) {
    const places = placesBySender.get(item.sender)
    if (places) places.push(index)
    else placesBySender.set(item.sender, [index])
  }
  if (placesBySender.size === items.length) return order
  for (const places of placesBySender.values()) {
    if (places.length < 2) continue
    const byNonce = [...places].sort((a, b) => {
      const nonceA = items[a]!.nonce
      const nonceB = items[b]!.nonce
      return nonceA < nonceB ? -1 : nonceA > nonceB ? 1 : a - b
    })
    for (const [k, place] of places.entries()) order[place] = byNonce[k]!
  }
  return order
}
