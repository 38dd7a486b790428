import type { Address, Hash } from 'viem'
import type { RecoveredTransaction } from './executeBlock.ts'

/**
 * For tests and benchmarks that build blocks directly: an EIP-1559 transaction with its sender
 * given, its hash standing for its place in the block, and signature fields execution never reads.
 */
export function unsignedTransaction(fields: {
  index: number
  chainId: bigint
  sender: Address
  nonce: bigint
  maxPriorityFeePerGas: bigint
  maxFeePerGas: bigint
  to: Address
  value: bigint
  data: Uint8Array
  gasLimit: bigint
}): RecoveredTransaction {
  const { index, ...rest } = fields
  return {
    type: 2,
    hash: `0x${index.toString(16).padStart(64, '0')}` as Hash,
    signingHash: new Uint8Array(32),
    accessList: [],
    yParity: 0,
    r: 1n,
    s: 1n,
    ...rest,
  }
}
