/**
 * How the sequencer's rows become wire objects: executed transactions are stored as compact JSON
 * and turned into geth-shaped transactions and receipts when served or indexed.
 */
import type { Address, Hash, Hex } from 'viem'
import type { ExecutedTransaction, Log } from '../../src/execution/receipt.ts'
import { decodeTransactionFields } from '../../src/primitives/transaction.ts'
import type { RpcObject } from '../../src/rpc/backend.ts'
import { formatReceipt, formatTransaction, type TransactionLocation } from '../../src/rpc/format.ts'

type ExecutedJson = {
  type: number
  sender: Address
  to: Address | null
  /** Creations only. */
  contractAddress?: Address
  status: 0 | 1
  gasUsed: Hex
  cumulativeGasUsed: Hex
  effectiveGasPrice: Hex
  logs: Log[]
  /** Index of the transaction's first log in its block. */
  firstLogIndex: number
}

export function serializeExecuted(executed: ExecutedTransaction, firstLogIndex: number): string {
  const json: ExecutedJson = {
    type: executed.type,
    sender: executed.sender,
    to: executed.to,
    ...(executed.contractAddress ? { contractAddress: executed.contractAddress } : {}),
    status: executed.status,
    gasUsed: `0x${executed.gasUsed.toString(16)}`,
    cumulativeGasUsed: `0x${executed.cumulativeGasUsed.toString(16)}`,
    effectiveGasPrice: `0x${executed.effectiveGasPrice.toString(16)}`,
    logs: executed.logs,
    firstLogIndex,
  }
  return JSON.stringify(json)
}

export function parseExecuted(
  hash: Hash,
  text: string,
): { executed: ExecutedTransaction; firstLogIndex: number } {
  const json = JSON.parse(text) as ExecutedJson
  return {
    executed: {
      hash,
      type: json.type,
      sender: json.sender,
      to: json.to,
      contractAddress: json.contractAddress ?? null,
      status: json.status,
      gasUsed: BigInt(json.gasUsed),
      cumulativeGasUsed: BigInt(json.cumulativeGasUsed),
      effectiveGasPrice: BigInt(json.effectiveGasPrice),
      logs: json.logs,
    },
    firstLogIndex: json.firstLogIndex,
  }
}

/** The zero hash stands for "block not sealed yet" in a preconfirmed receipt (see README, real-time reads). */
export const UNSEALED_BLOCK_HASH: Hash = '0x0000000000000000000000000000000000000000000000000000000000000000'

/**
 * The block a row is in, as its wire objects name it: its hash (the unsealed zero hash while the
 * block is open) and its timestamp.
 */
export type IncludingBlock = { hash: Hash; timestamp: bigint }

export function rpcObjectsOf(
  row: { hash: Hash; raw: Uint8Array; executed: string; index: number; blockNumber: bigint },
  block: IncludingBlock,
): { transaction: RpcObject; receipt: RpcObject } {
  return formatRpcObjects(row, parseExecuted(row.hash, row.executed), block)
}

/** rpcObjectsOf, for a caller that has parsed the row's executed record already. */
export function formatRpcObjects(
  row: { raw: Uint8Array; index: number; blockNumber: bigint },
  { executed, firstLogIndex }: ReturnType<typeof parseExecuted>,
  block: IncludingBlock,
): { transaction: RpcObject; receipt: RpcObject } {
  const location = rowLocation(row, block)
  return {
    transaction: formatTransaction(
      decodeTransactionFields(row.raw, executed.hash),
      executed.sender,
      location,
      executed.effectiveGasPrice,
    ),
    receipt: formatReceipt(executed, { ...location, firstLogIndex }),
  }
}

/** A row's receipt alone (eth_getBlockReceipts): rpcObjectsOf's, without decoding the transaction. */
export function rpcReceiptOf(
  row: { hash: Hash; executed: string; index: number; blockNumber: bigint },
  block: IncludingBlock,
): RpcObject {
  const { executed, firstLogIndex } = parseExecuted(row.hash, row.executed)
  return formatReceipt(executed, { ...rowLocation(row, block), firstLogIndex })
}

export function rowLocation(
  row: { index: number; blockNumber: bigint },
  block: IncludingBlock,
): TransactionLocation {
  return {
    blockHash: block.hash,
    blockNumber: row.blockNumber,
    blockTimestamp: block.timestamp,
    transactionIndex: row.index,
  }
}
