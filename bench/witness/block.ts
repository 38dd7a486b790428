/**
 * The blocks of the witness benchmark and how they are executed: block 0 is the base state's
 * genesis, block 1 a workload's setup, block 2 the measured block. Each opens on the EVM
 * benchmark's environment (bench/evm/benchChain.ts) and runs through executeBlock, as the sequencer
 * executes it and the validator re-executes it.
 */
import type { Hash } from 'viem'
import type { EvmState } from '../../src/evm/evmState.ts'
import { precompilesFor } from '../../src/evm/precompiles/index.ts'
import type { OpenBlock } from '../../src/execution/assembleBlock.ts'
import { blobBaseFee } from '../../src/execution/blobBaseFee.ts'
import { headerFieldsForFork, ZERO_HASH } from '../../src/execution/blockHeader.ts'
import {
  type BlockExecution,
  executeBlock,
  type RecoveredTransaction,
} from '../../src/execution/executeBlock.ts'
import { recoverSender } from '../../src/primitives/recoverSender.ts'
import { decodeTransaction } from '../../src/primitives/transaction.ts'
import {
  BASE_FEE_PER_GAS,
  BLOCK_GAS_LIMIT,
  BLOCK_TIMESTAMP,
  CHAIN_ID,
  COINBASE,
  FORK,
} from '../evm/benchChain.ts'

/** What validateBlock checks a block against. */
export const RULES = { chainId: CHAIN_ID, fork: FORK } as const
const PRECOMPILES = precompilesFor(FORK)

export function openBlock(number: bigint, parentHash: Hash): OpenBlock {
  return {
    number,
    parentHash,
    timestamp: BLOCK_TIMESTAMP + number,
    baseFeePerGas: BASE_FEE_PER_GAS,
    gasLimit: BLOCK_GAS_LIMIT,
    coinbase: COINBASE,
    prevRandao: ZERO_HASH,
    extraData: '0x',
    ...headerFieldsForFork(FORK),
  }
}

/**
 * Runs `transactions` as the block `open` on `state`, with no blobs, withdrawals or beacon root (as
 * assembleBlock's header has them); `ancestors` are the hashes BLOCKHASH may see, by number.
 */
export function executeOpenBlock(
  state: EvmState,
  open: OpenBlock,
  transactions: readonly RecoveredTransaction[],
  ancestors: ReadonlyMap<bigint, Hash>,
): BlockExecution {
  return executeBlock(
    state,
    {
      ...open,
      blobBaseFee: blobBaseFee(0n, FORK),
      parentBeaconBlockRoot: ZERO_HASH,
      transactions,
      withdrawals: [],
    },
    {
      fork: FORK,
      chainId: CHAIN_ID,
      precompiles: PRECOMPILES,
      blockHash: (number) => BigInt(ancestors.get(number) ?? ZERO_HASH),
    },
  )
}

/** Decodes each signed transaction and recovers its sender, as validateBlock does. */
export function recoverTransactions(raws: readonly Uint8Array[]): RecoveredTransaction[] {
  return raws.map((raw) => {
    const tx = decodeTransaction(raw)
    return { ...tx, sender: recoverSender(tx) }
  })
}

/** Throws unless every transaction succeeded: a failed one would measure something else. */
export function expectAllSucceeded(what: string, execution: BlockExecution): void {
  const failed = execution.executed.filter((tx) => tx.status !== 1).length
  if (failed > 0) throw new Error(`${what}: ${failed} of ${execution.executed.length} transactions failed`)
}
