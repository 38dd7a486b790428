/**
 * geth's two other views of the pool, made from txpool_content's answer (pending and queued, per
 * checksummed sender, per decimal nonce): txpool_inspect's one-line summaries, and
 * txpool_contentFrom's transactions of one sender.
 */
import { type Address, getAddress } from 'viem'
import type { RpcObject } from './backend.ts'

type PoolContent = Record<'pending' | 'queued', Record<string, Record<string, RpcObject>>>

/** txpool_inspect: "to: value wei + gas gas × fee cap wei", or "contract creation: ..." (geth's words). */
export function inspectPool(content: RpcObject): RpcObject {
  const pool = content as PoolContent
  const summarize = (bySender: Record<string, Record<string, RpcObject>>) => {
    const out: Record<string, Record<string, string>> = {}
    for (const [sender, byNonce] of Object.entries(bySender)) {
      const lines: Record<string, string> = {}
      for (const [nonce, tx] of Object.entries(byNonce)) lines[nonce] = summaryOf(tx)
      out[sender] = lines
    }
    return out
  }
  return { pending: summarize(pool.pending), queued: summarize(pool.queued) }
}

/** txpool_contentFrom: one sender's pending and queued transactions, by decimal nonce. */
export function poolContentFrom(content: RpcObject, sender: Address): RpcObject {
  const pool = content as PoolContent
  const key = getAddress(sender)
  return { pending: pool.pending[key] ?? {}, queued: pool.queued[key] ?? {} }
}

/** geth prints tx.GasPrice(): the fee cap of a dynamic-fee transaction, in decimal like the rest. */
function summaryOf(tx: RpcObject): string {
  const price = BigInt((tx.maxFeePerGas ?? tx.gasPrice) as string)
  const cost = `${BigInt(tx.value as string)} wei + ${BigInt(tx.gas as string)} gas × ${price} wei`
  return tx.to ? `${getAddress(tx.to as string)}: ${cost}` : `contract creation: ${cost}`
}
