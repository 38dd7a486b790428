import type { Address, Hex } from 'viem'
import { VeloxError } from '../errors/base.ts'
import type { StateOverlay } from '../state/stateOverlay.ts'
import { EMPTY_CODE_HASH, isEmptyAccount } from '../state/stateView.ts'

/** The fields of a signed transaction that execution needs, fee fields normalised (legacy: both are gasPrice). */
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

export type BlockEnv = {
  number: bigint
  timestamp: bigint
  baseFeePerGas: bigint
  gasLimit: bigint
  coinbase: Address
}

export type TransferOutcome = {
  gasUsed: bigint
  effectiveGasPrice: bigint
  /** Paid to the fee recipient: gasUsed * (effectiveGasPrice - baseFee). The base fee part is burnt. */
  priorityFee: bigint
}

/** Raised when a transaction cannot be included at all (it then never reaches a block). */
export class InvalidTransactionError extends VeloxError {
  override name = 'InvalidTransactionError'
}

/**
 * Executes a transaction that runs no code: a value transfer between accounts, with exact gas and
 * fee accounting. Code execution arrives with the EVM; until then a call to an account with code
 * is refused here rather than executed wrongly.
 *
 * The fee recipient's payment is returned, not written, so that concurrent transactions do not all
 * write the same account (see ARCHITECTURE.md, parallel execution); the block applies it.
 */
export function applyTransfer(
  state: StateOverlay,
  tx: ExecutableTransaction,
  env: BlockEnv,
): TransferOutcome {
  if (tx.to === null) throw new InvalidTransactionError('contract creation is not supported by this build')
  if (tx.maxFeePerGas < env.baseFeePerGas)
    throw new InvalidTransactionError('max fee per gas less than block base fee', {
      details: `address ${tx.sender}, maxFeePerGas: ${tx.maxFeePerGas}, baseFee: ${env.baseFeePerGas}`,
    })
  const sender = state.getAccount(tx.sender) ?? { nonce: 0n, balance: 0n, codeHash: EMPTY_CODE_HASH }
  if (sender.nonce !== tx.nonce)
    throw new InvalidTransactionError(tx.nonce < sender.nonce ? 'nonce too low' : 'nonce too high', {
      details: `address ${tx.sender}, tx: ${tx.nonce} state: ${sender.nonce}`,
    })
  // EIP-3607: only externally owned accounts send transactions.
  if (sender.codeHash !== EMPTY_CODE_HASH)
    throw new InvalidTransactionError('sender not an eoa', { details: `address ${tx.sender}` })
  // geth's buyGas: the balance must cover the full gas limit at the fee cap, plus the value.
  const maxCost = tx.gasLimit * tx.maxFeePerGas + tx.value
  if (sender.balance < maxCost)
    throw new InvalidTransactionError('insufficient funds for gas * price + value', {
      details: `address ${tx.sender} have ${sender.balance} want ${maxCost}`,
    })
  if (tx.gasLimit < tx.transferGas)
    throw new InvalidTransactionError('intrinsic gas too low', {
      details: `gas ${tx.gasLimit}, minimum needed ${tx.transferGas}`,
    })
  const recipient = state.getAccount(tx.to)
  if (recipient && recipient.codeHash !== EMPTY_CODE_HASH)
    throw new InvalidTransactionError('calls to contracts are not supported by this build', {
      details: `address ${tx.to}`,
    })

  const tip = tx.maxFeePerGas - env.baseFeePerGas
  const effectiveGasPrice =
    env.baseFeePerGas + (tip < tx.maxPriorityFeePerGas ? tip : tx.maxPriorityFeePerGas)
  const gasUsed = tx.transferGas
  const debited = {
    nonce: sender.nonce + 1n,
    balance: sender.balance - gasUsed * effectiveGasPrice - tx.value,
    codeHash: sender.codeHash,
  }
  state.setAccount(tx.sender, debited)

  if (tx.to === tx.sender) {
    state.setAccount(tx.sender, { ...debited, balance: debited.balance + tx.value })
  } else {
    const credited = recipient
      ? { ...recipient, balance: recipient.balance + tx.value }
      : { nonce: 0n, balance: tx.value, codeHash: EMPTY_CODE_HASH }
    // EIP-161: a touched account that ends up empty is deleted, and a missing one is not created.
    if (!isEmptyAccount(credited)) state.setAccount(tx.to, credited)
    else if (recipient) state.setAccount(tx.to, null)
  }
  return { gasUsed, effectiveGasPrice, priorityFee: gasUsed * (effectiveGasPrice - env.baseFeePerGas) }
}
