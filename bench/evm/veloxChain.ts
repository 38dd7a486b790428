/**
 * Velox's EVM behind the benchmark's BenchChain: processTransaction (intrinsic gas, fees, nonce,
 * refunds) over an EvmState, as the sequencer will run it: one EvmState per block of at most
 * BLOCK_GAS_LIMIT gas, whose write set is folded into the MemoryState when the block closes.
 */
import type { Address, Hex } from 'viem'
import type { BlockContext } from '../../src/evm/evm.ts'
import { Evm } from '../../src/evm/evm.ts'
import { EvmState } from '../../src/evm/evmState.ts'
import { precompilesFor } from '../../src/evm/precompiles/index.ts'
import { type EvmTransaction, processTransaction } from '../../src/execution/processTransaction.ts'
import { hexToBytes } from '../../src/primitives/hex.ts'
import { MemoryState } from '../../src/state/memoryState.ts'
import {
  BASE_FEE_PER_GAS,
  type BenchChain,
  type BenchTransaction,
  BLOCK_GAS_LIMIT,
  BLOCK_NUMBER,
  BLOCK_TIMESTAMP,
  CALL_GAS_LIMIT,
  CHAIN_ID,
  COINBASE,
  type ExecutedBlocks,
  FORK,
  MAX_FEE_PER_GAS,
  MAX_PRIORITY_FEE_PER_GAS,
  type TransactionOutcome,
} from './benchChain.ts'

const PRECOMPILES = precompilesFor(FORK)

function blockContext(gasLimit: bigint): BlockContext {
  return {
    number: BLOCK_NUMBER,
    timestamp: BLOCK_TIMESTAMP,
    coinbase: COINBASE,
    gasLimit,
    baseFeePerGas: BASE_FEE_PER_GAS,
    prevRandao: 0n,
    blobBaseFee: 1n,
    chainId: CHAIN_ID,
    blockHash: () => 0n,
  }
}

const BLOCK = blockContext(BLOCK_GAS_LIMIT)
const CALL_BLOCK = blockContext(CALL_GAS_LIMIT)

export class VeloxChain implements BenchChain<EvmTransaction> {
  readonly engine = 'Velox'
  private readonly state = new MemoryState()

  constructor(genesis: readonly { address: Address; balance: bigint }[]) {
    for (const { address, balance } of genesis) this.state.setAccount(address, { balance })
  }

  prepare(transactions: readonly BenchTransaction[]): EvmTransaction[] {
    return transactions.map((tx) => ({
      type: 2,
      sender: tx.sender.address.toLowerCase() as Address,
      to: tx.to === null ? null : (tx.to.toLowerCase() as Address),
      nonce: tx.nonce,
      gasLimit: tx.gasLimit,
      value: tx.value,
      data: hexToBytes(tx.data),
      maxFeePerGas: MAX_FEE_PER_GAS,
      maxPriorityFeePerGas: MAX_PRIORITY_FEE_PER_GAS,
      accessList: [],
      maxFeePerBlobGas: 0n,
      blobVersionedHashes: [],
      authorizationList: [],
    }))
  }

  execute(transactions: readonly EvmTransaction[]): ExecutedBlocks {
    const outcomes: TransactionOutcome[] = []
    let block = new EvmState(this.state)
    let blocks = 1
    let gasLeft = BLOCK_GAS_LIMIT
    for (const tx of transactions) {
      if (tx.gasLimit > gasLeft) {
        this.state.apply(block.changes())
        block = new EvmState(this.state)
        blocks++
        gasLeft = BLOCK_GAS_LIMIT
      }
      const receipt = processTransaction(block, tx, {
        fork: FORK,
        block: BLOCK,
        precompiles: PRECOMPILES,
        blockGasAvailable: gasLeft,
      })
      gasLeft -= receipt.gasUsed
      outcomes.push({
        status: receipt.status,
        gasUsed: receipt.gasUsed,
        output: receipt.output,
        contractAddress: receipt.contractAddress,
      })
    }
    this.state.apply(block.changes())
    return { outcomes, blocks }
  }

  simulate(tx: EvmTransaction): TransactionOutcome {
    const receipt = processTransaction(new EvmState(this.state), tx, {
      fork: FORK,
      block: CALL_BLOCK,
      precompiles: PRECOMPILES,
      blockGasAvailable: CALL_GAS_LIMIT,
    })
    return {
      status: receipt.status,
      gasUsed: receipt.gasUsed,
      output: receipt.output,
      contractAddress: receipt.contractAddress,
    }
  }

  read(to: Address, data: Hex): Uint8Array {
    const state = new EvmState(this.state)
    state.beginTransaction()
    const target = to.toLowerCase() as Address
    const result = new Evm(state, {
      fork: FORK,
      block: CALL_BLOCK,
      transaction: { origin: COINBASE, gasPrice: 0n, blobVersionedHashes: [] },
      precompiles: PRECOMPILES,
    }).execute({
      kind: 'call',
      caller: COINBASE,
      target,
      codeAddress: target,
      value: 0n,
      input: hexToBytes(data),
      gas: CALL_GAS_LIMIT,
      depth: 0,
      isStatic: true,
    })
    if (result.status !== 'success')
      throw new Error(`Velox: read of ${to} failed: ${result.error ?? 'revert'}`)
    return result.output
  }

  balance(address: Address): bigint {
    return this.state.getAccount(address.toLowerCase() as Address)?.balance ?? 0n
  }
}
