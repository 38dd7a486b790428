/**
 * Wire shapes of blocks, transactions and receipts, as geth returns them. Computed once when a
 * block is sealed (and stored in the index), or on demand for what is still in the open block.
 */
import type { Address, Hash, Hex } from 'viem'
import type { BlockHeader } from '../execution/blockHeader.ts'
import type { ExecutedTransaction, Log } from '../execution/receipt.ts'
import { receiptBloomHex } from '../execution/receipt.ts'
import { bytesToHex } from '../primitives/hex.ts'
import type { Authorization, TransactionFields } from '../primitives/transaction.ts'
import type { AccountData } from '../state/stateView.ts'
import type { RpcObject } from './backend.ts'

const q = (n: bigint | number): Hex => `0x${n.toString(16)}`

/**
 * Where a transaction is: its block (hash, number and timestamp, geth ≥ 1.16's `blockTimestamp`)
 * and index, all null while it waits in the pool.
 */
export type TransactionLocation = {
  blockHash: Hash | null
  blockNumber: bigint | null
  blockTimestamp: bigint | null
  transactionIndex: number | null
}

/** A pooled transaction's location: in no block yet. */
export const NOT_IN_A_BLOCK: TransactionLocation = {
  blockHash: null,
  blockNumber: null,
  blockTimestamp: null,
  transactionIndex: null,
}

const quantityOrNull = (n: bigint | number | null): Hex | null => (n === null ? null : q(n))

export function formatTransaction(
  tx: TransactionFields,
  sender: Address,
  location: TransactionLocation,
  effectiveGasPrice: bigint | undefined,
): RpcObject {
  const object: RpcObject = {
    blockHash: location.blockHash,
    blockNumber: quantityOrNull(location.blockNumber),
    blockTimestamp: quantityOrNull(location.blockTimestamp),
    transactionIndex: quantityOrNull(location.transactionIndex),
    hash: tx.hash,
    type: q(tx.type),
    from: sender,
    to: tx.to,
    nonce: q(tx.nonce),
    gas: q(tx.gasLimit),
    value: q(tx.value),
    input: bytesToHex(tx.data),
  }
  if (tx.type === 0 || tx.type === 1) object.gasPrice = q(tx.gasPrice)
  else {
    // geth: gasPrice is the effective price once mined, the fee cap while pending.
    object.gasPrice = q(effectiveGasPrice ?? tx.maxFeePerGas)
    object.maxFeePerGas = q(tx.maxFeePerGas)
    object.maxPriorityFeePerGas = q(tx.maxPriorityFeePerGas)
  }
  if (tx.type !== 0) {
    object.accessList = tx.accessList.map((entry) => ({
      address: entry.address,
      storageKeys: entry.storageKeys,
    }))
    object.chainId = q(tx.chainId)
    object.yParity = q(tx.yParity)
    object.v = q(tx.yParity)
  } else {
    if (tx.chainId !== undefined) object.chainId = q(tx.chainId)
    object.v = q(tx.v)
  }
  if (tx.type === 3) {
    object.maxFeePerBlobGas = q(tx.maxFeePerBlobGas)
    object.blobVersionedHashes = tx.blobVersionedHashes
  }
  if (tx.type === 4) object.authorizationList = tx.authorizationList.map(formatAuthorization)
  object.r = q(tx.r)
  object.s = q(tx.s)
  return object
}

/** An EIP-7702 authorization as geth's JSON gives it. */
export function formatAuthorization(authorization: Authorization): RpcObject {
  return {
    chainId: q(authorization.chainId),
    address: authorization.address,
    nonce: q(authorization.nonce),
    yParity: q(authorization.yParity),
    r: q(authorization.r),
    s: q(authorization.s),
  }
}

export function formatReceipt(
  executed: ExecutedTransaction,
  location: TransactionLocation & { firstLogIndex: number },
): RpcObject {
  return {
    transactionHash: executed.hash,
    transactionIndex: quantityOrNull(location.transactionIndex),
    blockHash: location.blockHash,
    blockNumber: quantityOrNull(location.blockNumber),
    from: executed.sender,
    to: executed.to,
    cumulativeGasUsed: q(executed.cumulativeGasUsed),
    gasUsed: q(executed.gasUsed),
    effectiveGasPrice: q(executed.effectiveGasPrice),
    contractAddress: executed.contractAddress,
    logs: executed.logs.map((log, i) =>
      formatLog(log, { ...location, transactionHash: executed.hash, logIndex: location.firstLogIndex + i }),
    ),
    logsBloom: receiptBloomHex(executed.logs),
    status: q(executed.status),
    type: q(executed.type),
  }
}

/** A log as receipts and eth_getLogs carry it. */
export function formatLog(
  log: Log,
  location: TransactionLocation & { transactionHash: Hash; logIndex: number },
): RpcObject {
  return {
    address: log.address,
    topics: log.topics,
    data: log.data,
    blockNumber: quantityOrNull(location.blockNumber),
    blockHash: location.blockHash,
    blockTimestamp: quantityOrNull(location.blockTimestamp),
    transactionHash: location.transactionHash,
    transactionIndex: quantityOrNull(location.transactionIndex),
    logIndex: q(location.logIndex),
    removed: false,
  }
}

/** A block with transaction hashes; `transactions` may be replaced by full objects when asked. */
export function formatBlock(
  header: BlockHeader,
  hash: Hash | null,
  size: number,
  transactionHashes: Hash[],
): RpcObject {
  const object: RpcObject = {
    hash,
    parentHash: header.parentHash,
    sha3Uncles: header.ommersHash,
    miner: header.coinbase,
    stateRoot: header.stateRoot,
    transactionsRoot: header.transactionsRoot,
    receiptsRoot: header.receiptsRoot,
    logsBloom: header.logsBloom,
    difficulty: q(header.difficulty),
    number: q(header.number),
    gasLimit: q(header.gasLimit),
    gasUsed: q(header.gasUsed),
    timestamp: q(header.timestamp),
    extraData: header.extraData,
    mixHash: header.mixHash,
    nonce: header.nonce,
    baseFeePerGas: q(header.baseFeePerGas),
    withdrawalsRoot: header.withdrawalsRoot,
    blobGasUsed: q(header.blobGasUsed),
    excessBlobGas: q(header.excessBlobGas),
    parentBeaconBlockRoot: header.parentBeaconBlockRoot,
    totalDifficulty: '0x0',
    size: q(size),
    uncles: [],
    transactions: transactionHashes,
    withdrawals: [],
  }
  if (header.requestsHash !== undefined) object.requestsHash = header.requestsHash
  return object
}

/**
 * eth_getProof's answer (EIP-1186) as geth gives it. An account that does not exist has zero
 * code and storage hashes; `storageProof` echoes each key as it was asked for.
 */
export function formatAccountProof(proof: {
  address: Address
  account: AccountData | undefined
  storageRoot: Hash
  accountProof: Hex[]
  storage: { key: Hex; value: bigint; proof: Hex[] }[]
}): RpcObject {
  const { account } = proof
  return {
    address: proof.address,
    accountProof: proof.accountProof,
    balance: q(account?.balance ?? 0n),
    codeHash: account?.codeHash ?? ZERO_WORD,
    nonce: q(account?.nonce ?? 0n),
    storageHash: account ? proof.storageRoot : ZERO_WORD,
    storageProof: proof.storage.map((slot) => ({ key: slot.key, value: q(slot.value), proof: slot.proof })),
  }
}

const ZERO_WORD: Hash = '0x0000000000000000000000000000000000000000000000000000000000000000'
