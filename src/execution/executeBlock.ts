/**
 * Executes a block's body on a state, in the order of geth's state processor:
 *
 *   system calls ──▶ transactions, one by one ──▶ withdrawals
 *   (EIP-4788;        (processTransaction, out of    (EIP-4895: Gwei credited
 *    EIP-2935 Prague)  the block's gas and blob gas)   outside any transaction)
 *
 * Post-merge there is no block reward; the fee recipient is paid by each transaction's tip. Every
 * change stays in the EvmState (`state.changes()`), for the caller to commit or drop. A transaction
 * that cannot be included makes the whole block invalid. Prague's EIP-7002/7251 request queues are
 * not processed: Velox has no consensus layer, and its headers commit to the empty requests hash.
 */
import type { Address, Hash } from 'viem'
import { VeloxError } from '../errors/base.ts'
import { type BlockContext, createAddress, type Fork } from '../evm/evm.ts'
import type { EvmState } from '../evm/evmState.ts'
import type { Precompile } from '../evm/precompiles/types.ts'
import type { DecodedTransaction, TransactionFields } from '../primitives/transaction.ts'
import { applySystemCalls } from './applySystemCalls.ts'
import { BLOB_SCHEDULE, blobBaseFee } from './blobBaseFee.ts'
import type { BlockHeader } from './blockHeader.ts'
import { InvalidTransactionError } from './executableTransaction.ts'
import {
  type EvmTransaction,
  GAS_PER_BLOB,
  processTransaction,
  type TransactionReceiptData,
} from './processTransaction.ts'
import { type ExecutedTransaction, receiptLogsOf } from './receipt.ts'

/** EIP-4844 (Cancun, 6 blobs) and EIP-7691 (Prague, 9 blobs): the blob gas a block may use. */
const MAX_BLOB_GAS_PER_BLOCK: Record<Fork, bigint> = {
  cancun: BigInt(BLOB_SCHEDULE.cancun.max) * GAS_PER_BLOB,
  prague: BigInt(BLOB_SCHEDULE.prague.max) * GAS_PER_BLOB,
}
/** EIP-4895: withdrawal amounts are in Gwei. */
const WEI_PER_GWEI = 1_000_000_000n

/** A decoded transaction and the address that signed it. */
export type RecoveredTransaction = DecodedTransaction & { sender: Address }

/** EIP-4895: a validator withdrawal, `amount` in Gwei. */
export type Withdrawal = { index: bigint; validatorIndex: bigint; address: Address; amount: bigint }

/** The header fields execution reads, and the body. */
export type ExecutableBlock = {
  number: bigint
  parentHash: Hash
  timestamp: bigint
  coinbase: Address
  gasLimit: bigint
  baseFeePerGas: bigint
  /** The header's mixHash, PREVRANDAO since the merge (EIP-4399). */
  prevRandao: Hash
  /** EIP-4844: the blob base fee the header's excessBlobGas sets. */
  blobBaseFee: bigint
  parentBeaconBlockRoot: Hash
  transactions: readonly RecoveredTransaction[]
  withdrawals: readonly Withdrawal[]
}

export type ExecuteBlockOptions = {
  fork: Fork
  chainId: bigint
  precompiles: ReadonlyMap<number, Precompile>
  /** BLOCKHASH: the hash of the ancestor numbered `number` on this block's own chain. */
  blockHash: (number: bigint) => bigint
}

export type BlockExecution = {
  executed: ExecutedTransaction[]
  gasUsed: bigint
  blobGasUsed: bigint
}

/** A block holds a transaction that could not be included: the block as a whole is invalid. */
export class InvalidBlockError extends VeloxError {
  override name = 'InvalidBlockError'
  readonly transactionIndex: number

  constructor(transactionIndex: number, transactionHash: Hash, reason: string, cause?: unknown) {
    super(`invalid block: transaction ${transactionIndex} (${transactionHash}) is invalid`, {
      details: reason,
      cause,
    })
    this.transactionIndex = transactionIndex
  }
}

export function executeBlock(
  state: EvmState,
  block: ExecutableBlock,
  options: ExecuteBlockOptions,
): BlockExecution {
  const context = beginBlock(state, block, options)
  const execution = executeTransactions(state, block, context, options)
  applyWithdrawals(state, block.withdrawals)
  return execution
}

/**
 * The block's transactions, one by one, on `state` after beginBlock: executeBlock's loop, which a
 * parallel executor that keeps a block in process runs too (the same function, so the same
 * optimized code).
 */
export function executeTransactions(
  state: EvmState,
  block: ExecutableBlock,
  context: BlockContext,
  options: ExecuteBlockOptions,
): BlockExecution {
  const executed: ExecutedTransaction[] = []
  let gasUsed = 0n
  let blobGasUsed = 0n
  for (let index = 0; index < block.transactions.length; index++) {
    const receipt = executeTransactionAt(state, block, context, index, gasUsed, blobGasUsed, options)
    gasUsed += receipt.gasUsed
    blobGasUsed += receipt.blobGasUsed
    executed.push(executedTransactionOf(block.transactions[index]!, receipt, gasUsed))
  }
  return { executed, gasUsed, blobGasUsed }
}

/**
 * Why `tx` cannot be in the block whatever the state, with geth's message, or undefined if it can:
 * signed for another chain (geth's signer finds no valid sender), or its blobs over the block's
 * blob gas after `blobGasUsed`. The parallel executors ask it before taking a speculative result.
 */
export function blockLevelInvalidity(
  tx: ExecutableBlock['transactions'][number],
  blobGasUsed: bigint,
  options: ExecuteBlockOptions,
): string | undefined {
  if (tx.chainId !== undefined && tx.chainId !== options.chainId)
    return `invalid chain id for signer: have ${tx.chainId} want ${options.chainId}`
  if (tx.type !== 3) return undefined
  const blobGas = BigInt(tx.blobVersionedHashes.length) * GAS_PER_BLOB
  const maxBlobGas = MAX_BLOB_GAS_PER_BLOCK[options.fork]
  if (blobGasUsed + blobGas > maxBlobGas)
    return `blob gas used ${blobGasUsed + blobGas} exceeds maximum allowance ${maxBlobGas}`
  return undefined
}

/**
 * The block's transaction at `index`, run on `state` after those before it used `gasUsed` and
 * `blobGasUsed`: executeBlock's step, which the parallel executors fall back on. A transaction that
 * cannot be included throws InvalidBlockError.
 */
export function executeTransactionAt(
  state: EvmState,
  block: ExecutableBlock,
  context: BlockContext,
  index: number,
  gasUsed: bigint,
  blobGasUsed: bigint,
  options: ExecuteBlockOptions,
): TransactionReceiptData {
  const tx = block.transactions[index]!
  const invalid = blockLevelInvalidity(tx, blobGasUsed, options)
  if (invalid !== undefined) throw new InvalidBlockError(index, tx.hash, invalid)
  try {
    return processTransaction(state, evmTransactionOf(tx), {
      fork: options.fork,
      block: context,
      precompiles: options.precompiles,
      blockGasAvailable: block.gasLimit - gasUsed,
    })
  } catch (error) {
    if (!(error instanceof InvalidTransactionError)) throw error
    throw new InvalidBlockError(index, tx.hash, error.message, error)
  }
}

/**
 * EIP-4895: each withdrawal credits its amount outside any transaction, with no gas. As the
 * execution specs, an account left empty is then removed, so a zero withdrawal to an absent account
 * creates nothing (EIP-161).
 */
export function applyWithdrawals(state: EvmState, withdrawals: readonly Withdrawal[]): void {
  if (withdrawals.length === 0) return
  state.beginTransaction()
  for (const withdrawal of withdrawals) state.addBalance(withdrawal.address, withdrawal.amount * WEI_PER_GWEI)
  state.finalizeTransaction()
}

/**
 * What every block does before its first transaction: the EIP-4788/2935 system calls. Returns the
 * block's context, which its transactions run in.
 */
export function beginBlock(
  state: EvmState,
  block: ExecutableBlock,
  options: ExecuteBlockOptions,
): BlockContext {
  const context = blockContextOf(block, options)
  applySystemCalls(state, {
    fork: options.fork,
    block: context,
    precompiles: options.precompiles,
    parentHash: block.parentHash,
    parentBeaconBlockRoot: block.parentBeaconBlockRoot,
  })
  return context
}

/** What the EVM sees of a block: its header fields, the chain id, and BLOCKHASH's lookup. */
export function blockContextOf(
  block: Omit<ExecutableBlock, 'transactions' | 'withdrawals'>,
  options: Pick<ExecuteBlockOptions, 'chainId' | 'blockHash'>,
): BlockContext {
  return {
    number: block.number,
    timestamp: block.timestamp,
    coinbase: block.coinbase,
    gasLimit: block.gasLimit,
    baseFeePerGas: block.baseFeePerGas,
    prevRandao: BigInt(block.prevRandao),
    blobBaseFee: block.blobBaseFee,
    chainId: options.chainId,
    blockHash: options.blockHash,
  }
}

/** What executeBlock takes, from a header and its body (senders already recovered). */
export function executableBlockOf(
  header: BlockHeader,
  transactions: readonly RecoveredTransaction[],
  withdrawals: readonly Withdrawal[],
  fork: Fork,
): ExecutableBlock {
  return {
    number: header.number,
    parentHash: header.parentHash,
    timestamp: header.timestamp,
    coinbase: header.coinbase,
    gasLimit: header.gasLimit,
    baseFeePerGas: header.baseFeePerGas,
    prevRandao: header.mixHash,
    blobBaseFee: blobBaseFee(header.excessBlobGas, fork),
    parentBeaconBlockRoot: header.parentBeaconBlockRoot,
    transactions,
    withdrawals,
  }
}

/** The transaction as processTransaction takes it: legacy and EIP-2930 gas prices fill both fee fields. */
export function evmTransactionOf(tx: TransactionFields & { sender: Address }): EvmTransaction {
  const fixedPrice = tx.type === 0 || tx.type === 1
  return {
    type: tx.type,
    sender: tx.sender,
    to: tx.to,
    nonce: tx.nonce,
    gasLimit: tx.gasLimit,
    value: tx.value,
    data: tx.data,
    maxFeePerGas: fixedPrice ? tx.gasPrice : tx.maxFeePerGas,
    maxPriorityFeePerGas: fixedPrice ? tx.gasPrice : tx.maxPriorityFeePerGas,
    accessList: tx.accessList,
    maxFeePerBlobGas: tx.type === 3 ? tx.maxFeePerBlobGas : 0n,
    blobVersionedHashes: tx.type === 3 ? tx.blobVersionedHashes : [],
    authorizationList: tx.type === 4 ? tx.authorizationList : [],
  }
}

/**
 * A processed transaction as receipts carry it, `cumulativeGasUsed` counting it in. As geth, a
 * creation's receipt names the address it creates at, whether or not the creation succeeded.
 */
export function executedTransactionOf(
  tx: Pick<ExecutedTransaction, 'hash' | 'type' | 'sender' | 'to'> & { nonce: bigint },
  receipt: TransactionReceiptData,
  cumulativeGasUsed: bigint,
): ExecutedTransaction {
  return {
    hash: tx.hash,
    type: tx.type,
    sender: tx.sender,
    to: tx.to,
    contractAddress: tx.to === null ? createAddress(tx.sender, tx.nonce) : null,
    status: receipt.status,
    gasUsed: receipt.gasUsed,
    cumulativeGasUsed,
    effectiveGasPrice: receipt.effectiveGasPrice,
    logs: receiptLogsOf(receipt.logs),
  }
}
