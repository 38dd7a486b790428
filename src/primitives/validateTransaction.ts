import { VeloxError } from '../errors/base.ts'
import type { Fork } from '../execution/chainConfig.ts'
import { floorDataGas, intrinsicGas } from './intrinsicGas.ts'
import type { DecodedTransaction } from './transaction.ts'
import { MAX_INITCODE_SIZE } from './transactionLimits.ts'

export class InvalidTransactionRulesError extends VeloxError {
  override name = 'InvalidTransactionRulesError'
}

/** EIP-2681: a nonce of 2^64-1 could never be followed; it is invalid. */
const MAX_NONCE = (1n << 64n) - 2n
const UINT256_LIMIT = 1n << 256n

/**
 * The validity rules that need no state, beyond decoding: fee relations, EIP-3860 initcode size,
 * EIP-2681 nonce cap, intrinsic gas and the EIP-7623 floor. Returns the intrinsic gas. Messages are geth's.
 */
export function validateTransaction(
  tx: DecodedTransaction,
  options: { fork: Fork; chainId?: bigint },
): bigint {
  if (options.chainId !== undefined && tx.chainId !== undefined && tx.chainId !== options.chainId)
    throw new InvalidTransactionRulesError(
      `invalid chain id for signer: have ${tx.chainId} want ${options.chainId}`,
    )
  if (tx.nonce > MAX_NONCE) throw new InvalidTransactionRulesError('nonce has max value')
  const maxFee = tx.type === 0 || tx.type === 1 ? tx.gasPrice : tx.maxFeePerGas
  if (tx.type >= 2 && 'maxPriorityFeePerGas' in tx && tx.maxPriorityFeePerGas > tx.maxFeePerGas)
    throw new InvalidTransactionRulesError('max priority fee per gas higher than max fee per gas')
  if (tx.gasLimit * maxFee >= UINT256_LIMIT)
    throw new InvalidTransactionRulesError('gas * gas price overflows 256 bits')
  if (tx.to === null && tx.data.length > MAX_INITCODE_SIZE)
    throw new InvalidTransactionRulesError(
      `max initcode size exceeded: code size ${tx.data.length} limit ${MAX_INITCODE_SIZE}`,
    )
  const intrinsic = intrinsicGas(tx, { fork: options.fork })
  if (tx.gasLimit < intrinsic)
    throw new InvalidTransactionRulesError(
      `intrinsic gas too low: gas ${tx.gasLimit}, minimum needed ${intrinsic}`,
    )
  if (options.fork === 'prague') {
    const floor = floorDataGas(tx)
    if (tx.gasLimit < floor)
      throw new InvalidTransactionRulesError(
        `insufficient gas for floor data gas cost: gas ${tx.gasLimit}, minimum needed ${floor}`,
      )
  }
  return intrinsic
}
