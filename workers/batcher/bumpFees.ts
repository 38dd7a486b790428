/**
 * The fees of an L1 transaction that replaces one already sent with the same nonce, as geth's
 * transaction pool requires and as the OP Stack's transaction manager (op-service/txmgr) bumps
 * them: at least the current market fees, and at least `PRICE_BUMP_PERCENT` above every fee the
 * previous version offered, or geth refuses it ("replacement transaction underpriced"). A blob
 * transaction needs `BLOB_PRICE_BUMP_PERCENT` on all three caps. Above the caps, nothing is signed.
 */

/** What an EIP-1559 (or EIP-4844) transaction offers; `maxFeePerBlobGas` is null for calldata. */
export type L1Fees = {
  maxFeePerGas: bigint
  maxPriorityFeePerGas: bigint
  maxFeePerBlobGas: bigint | null
}

/** The most the batcher will offer: past these it stops and raises an alert rather than overspend. */
export type FeeCaps = { maxFeePerGas: bigint; maxFeePerBlobGas: bigint }

/** geth core/txpool/legacypool/legacypool.go DefaultConfig.PriceBump: 10 (percent). */
export const PRICE_BUMP_PERCENT = 10n
/**
 * geth core/txpool/blobpool/config.go DefaultConfig.PriceBump: 100 ("either have patience or be
 * aggressive, no mushy ground"), on the tip, the fee cap and the blob fee cap alike.
 */
export const BLOB_PRICE_BUMP_PERCENT = 100n

export type BumpedFees = { ok: true; fees: L1Fees } | { ok: false; needed: L1Fees; exceeds: string }

/**
 * `previous` is what the last version of the transaction offered (null for a nonce never used);
 * `market` what a new transaction would offer now.
 */
export function bumpFees(previous: L1Fees | null, market: L1Fees, caps: FeeCaps): BumpedFees {
  const blob = market.maxFeePerBlobGas !== null
  const percent = blob ? BLOB_PRICE_BUMP_PERCENT : PRICE_BUMP_PERCENT
  const atLeast = (old: bigint | null | undefined, now: bigint): bigint => {
    if (old === null || old === undefined) return now
    // geth's threshold, old · (100 + bump) / 100 rounded down; +1 keeps a fee of a few wei moving.
    const threshold = (old * (100n + percent)) / 100n
    const bumped = threshold > old ? threshold : old + 1n
    return bumped > now ? bumped : now
  }
  const maxPriorityFeePerGas = atLeast(previous?.maxPriorityFeePerGas, market.maxPriorityFeePerGas)
  let maxFeePerGas = atLeast(previous?.maxFeePerGas, market.maxFeePerGas)
  // EIP-1559: the fee cap is never below the tip.
  if (maxFeePerGas < maxPriorityFeePerGas) maxFeePerGas = maxPriorityFeePerGas
  const maxFeePerBlobGas =
    market.maxFeePerBlobGas === null ? null : atLeast(previous?.maxFeePerBlobGas, market.maxFeePerBlobGas)
  const fees: L1Fees = { maxFeePerGas, maxPriorityFeePerGas, maxFeePerBlobGas }
  if (maxFeePerGas > caps.maxFeePerGas)
    return { ok: false, needed: fees, exceeds: `maxFeePerGas ${maxFeePerGas} > cap ${caps.maxFeePerGas}` }
  if (maxFeePerBlobGas !== null && maxFeePerBlobGas > caps.maxFeePerBlobGas)
    return {
      ok: false,
      needed: fees,
      exceeds: `maxFeePerBlobGas ${maxFeePerBlobGas} > cap ${caps.maxFeePerBlobGas}`,
    }
  return { ok: true, fees }
}
