import type { BlockContext } from './evm.ts'

/** A plain block for tests that run messages outside a chain: block 1, no base fee, chain id 1. */
export const TEST_BLOCK: BlockContext = {
  number: 1n,
  timestamp: 1n,
  coinbase: '0x0000000000000000000000000000000000000000',
  gasLimit: 30_000_000n,
  baseFeePerGas: 0n,
  prevRandao: 0n,
  blobBaseFee: 1n,
  chainId: 1n,
  blockHash: () => 0n,
}
