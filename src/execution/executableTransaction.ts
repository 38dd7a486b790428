import type { Address, Hex } from 'viem'
import { VeloxError } from '../errors/base.ts'

/**
 * What admission and the mempool keep of a signed transaction: its identity, ordering and fee
 * fields, normalised (legacy: both fee fields are gasPrice). Execution decodes the rest from `raw`.
 */
export type ExecutableTransaction = {
  hash: Hex
  type: number
  sender: Address
  nonce: bigint
  gasLimit: bigint
  to: Address | null
  value: bigint
  maxFeePerGas: bigint
  maxPriorityFeePerGas: bigint
  /** Gas a transaction uses when no code runs: max(intrinsic gas, EIP-7623 floor). Computed at admission. */
  transferGas: bigint
}

/** Raised when a transaction cannot be included at all (it then never reaches a block). */
export class InvalidTransactionError extends VeloxError {
  override name = 'InvalidTransactionError'
}
