import type { Hex } from 'viem'
import type { ChainConfig } from '../execution/chainConfig.ts'
import { hexToBytes } from '../primitives/hex.ts'
import { floorDataGas, intrinsicGas } from '../primitives/intrinsicGas.ts'
import { recoverSender } from '../primitives/recoverSender.ts'
import { decodeTransaction } from '../primitives/transaction.ts'
import { MAX_INITCODE_SIZE, MAX_TRANSACTION_SIZE } from '../primitives/transactionLimits.ts'
import type { TransactionSubmission } from './backend.ts'
import { ServerError } from './errors.ts'

/**
 * Parse bound for a raw transaction parameter. Above the transaction size limit on purpose, so that
 * a transaction a little too large gets geth's "oversized data" rather than a parse error.
 */
export const MAX_RAW_TRANSACTION_HEX_BYTES = 4 * MAX_TRANSACTION_SIZE

/**
 * Every check that needs no state, done at the edge where it scales: size, envelope, chain id,
 * gas limit, intrinsic gas, fee fields, signature. What needs state (nonce, balance, base fee) is the
 * sequencer's. Messages are geth's.
 */
export function checkRawTransaction(raw: Hex, config: ChainConfig): TransactionSubmission {
  const bytes = hexToBytes(raw)
  if (bytes.length > MAX_TRANSACTION_SIZE) throw new ServerError('oversized data')
  let tx: ReturnType<typeof decodeTransaction>
  try {
    tx = decodeTransaction(bytes)
  } catch (error) {
    throw new ServerError((error as Error).message)
  }
  // Blob transactions need a blob sidecar and a data-availability path an L2 does not have.
  if (tx.type === 3) throw new ServerError('transaction type not supported')
  if (tx.chainId === undefined)
    throw new ServerError('only replay-protected (EIP-155) transactions allowed over RPC')
  if (tx.chainId !== config.chainId)
    throw new ServerError(`invalid chain id for signer: have ${tx.chainId} want ${config.chainId}`)
  if (tx.gasLimit > config.blockGasLimit) throw new ServerError('exceeds block gas limit')
  if (tx.to === null && tx.data.length > MAX_INITCODE_SIZE)
    throw new ServerError(
      `max initcode size exceeded: code size ${tx.data.length} limit ${MAX_INITCODE_SIZE}`,
    )
  if (tx.type === 4 && tx.authorizationList.length === 0)
    throw new ServerError('EIP-7702 transaction with empty auth list')

  const intrinsic = intrinsicGas(tx, { fork: config.fork })
  if (tx.gasLimit < intrinsic)
    throw new ServerError(`intrinsic gas too low: gas ${tx.gasLimit}, minimum needed ${intrinsic}`)
  let transferGas = intrinsic
  if (config.fork === 'prague') {
    const floor = floorDataGas(tx)
    if (tx.gasLimit < floor)
      throw new ServerError(
        `insufficient gas for floor data gas cost: gas ${tx.gasLimit}, minimum needed ${floor}`,
      )
    if (floor > transferGas) transferGas = floor
  }

  const maxFeePerGas = tx.type === 0 || tx.type === 1 ? tx.gasPrice : tx.maxFeePerGas
  const maxPriorityFeePerGas = tx.type === 0 || tx.type === 1 ? tx.gasPrice : tx.maxPriorityFeePerGas

  let sender: ReturnType<typeof recoverSender>
  try {
    sender = recoverSender(tx)
  } catch (error) {
    throw new ServerError('invalid sender', { cause: error })
  }
  if (maxPriorityFeePerGas > maxFeePerGas)
    throw new ServerError(
      `max priority fee per gas higher than max fee per gas: address ${sender}, maxPriorityFeePerGas: ${maxPriorityFeePerGas}, maxFeePerGas: ${maxFeePerGas}`,
    )
  return {
    raw: bytes,
    hash: tx.hash,
    type: tx.type,
    sender,
    nonce: tx.nonce,
    gasLimit: tx.gasLimit,
    to: tx.to,
    value: tx.value,
    maxFeePerGas,
    maxPriorityFeePerGas,
    transferGas,
  }
}
