/**
 * What both engines are handed: the same transactions, the same block environment, and the same
 * interface to run them through, so every workload is written once and run on each engine.
 */
import type { Address, Hex } from 'viem'
import { INITIAL_BASE_FEE } from '../../src/execution/chainConfig.ts'

/** A transaction of a workload; the sender's key is there for engines that must sign. */
export type BenchTransaction = {
  sender: BenchAccount
  nonce: bigint
  to: Address | null
  value: bigint
  data: Hex
  gasLimit: bigint
}

export type BenchAccount = { address: Address; privateKey: Hex }

export type TransactionOutcome = {
  status: 0 | 1
  /** Gas charged to the sender, after the refund (and, under Prague, at least the calldata floor). */
  gasUsed: bigint
  output: Uint8Array
  contractAddress: Address | null
}

/** What `execute` did: an outcome per transaction, and how many blocks they filled. */
export type ExecutedBlocks = { outcomes: TransactionOutcome[]; blocks: number }

/**
 * An engine holding a chain's state. `prepare` is never timed (ethereumjs signs there); `execute`
 * runs transactions as blocks do, one after the other, each block closed by folding its writes into
 * the state; `simulate` runs one transaction and throws its changes away, as eth_call does.
 */
export interface BenchChain<Prepared> {
  readonly engine: string
  prepare(transactions: readonly BenchTransaction[]): Prepared[]
  execute(transactions: readonly Prepared[]): ExecutedBlocks | Promise<ExecutedBlocks>
  simulate(transaction: Prepared): TransactionOutcome | Promise<TransactionOutcome>
  /** A read-only call's output (balanceOf, getReserves), outside any transaction. */
  read(to: Address, data: Hex): Uint8Array | Promise<Uint8Array>
  balance(address: Address): bigint | Promise<bigint>
}

/** Prague on both engines: Velox's chain default, and @ethereumjs 10's latest mainnet fork. */
export const FORK = 'prague'
export const CHAIN_ID = 1n
/** Velox's block gas limit (config/genesis.dev.json): how many transactions one EvmState executes. */
export const BLOCK_GAS_LIMIT = 200_000_000n
/** Gas of a simulated single call (the loops), on every engine, anvil included. */
export const CALL_GAS_LIMIT = 1_000_000_000n
export const BLOCK_NUMBER = 1n
export const BLOCK_TIMESTAMP = 1_750_000_000n
export const COINBASE: Address = '0x000000000000000000000000000000000000c0fe'
export const BASE_FEE_PER_GAS = INITIAL_BASE_FEE
export const MAX_FEE_PER_GAS = 2n * INITIAL_BASE_FEE
/** A non-zero tip, so the coinbase is paid in every transaction. */
export const MAX_PRIORITY_FEE_PER_GAS = 1_000_000n
