/**
 * The results eth_subscription notifications carry, serialized once each: a mini-block's payload
 * goes to every miniBlocks subscriber as the same string. Shapes follow geth (newHeads, logs,
 * newPendingTransactions) and MegaETH's realtime API (miniBlocks, stateChanges).
 */
import type { Address } from 'viem'
import type { RpcObject } from '../../src/rpc/backend.ts'
import type { AccountData } from '../../src/state/stateView.ts'
import type { StoredMiniBlock } from './chainStore.ts'

const q = (n: bigint | number): string => `0x${n.toString(16)}`

/** newHeads: the sealed block's header fields (no body), plus how many mini-blocks built it. */
export function newHeadJson(rpcBlock: string, miniBlockCount: number): string {
  const {
    transactions: _t,
    uncles: _u,
    size: _s,
    withdrawals: _w,
    totalDifficulty: _d,
    ...header
  } = JSON.parse(rpcBlock) as RpcObject
  return JSON.stringify({ ...header, miniBlockCount: q(miniBlockCount) })
}

/** miniBlocks: MegaETH's schema, its transactions and receipts as eth_getTransactionByHash and eth_getTransactionReceipt give them. */
export function miniBlockJson(
  miniBlock: StoredMiniBlock,
  blockTimestamp: bigint,
  executed: readonly { transaction: RpcObject; receipt: RpcObject }[],
): string {
  return JSON.stringify({
    block_number: q(miniBlock.blockNumber),
    block_timestamp: q(blockTimestamp),
    index: q(miniBlock.blockIndex),
    mini_block_number: q(miniBlock.number),
    mini_block_timestamp: q(miniBlock.timestampUs),
    gas_used: q(miniBlock.gasUsed),
    transactions: executed.map((entry) => entry.transaction),
    receipts: executed.map((entry) => entry.receipt),
  })
}

/** stateChanges: an account's nonce and balance after the mini-block, and the slots it changed. */
export function stateChangeJson(
  address: Address,
  account: AccountData | null | undefined,
  slots: ReadonlyMap<bigint, bigint> | undefined,
): string {
  const storage: Record<string, string> = {}
  if (slots) for (const [slot, value] of slots) storage[`0x${slot.toString(16).padStart(64, '0')}`] = q(value)
  return JSON.stringify({
    address,
    nonce: Number(account?.nonce ?? 0n),
    balance: q(account?.balance ?? 0n),
    storage,
  })
}
