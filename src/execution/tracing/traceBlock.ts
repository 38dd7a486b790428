/**
 * debug_traceBlockByNumber / debug_traceBlockByHash's engine: a block's body executed as
 * executeBlock does (system calls, then each transaction), each transaction traced with a fresh
 * tracer of the config's kind. As geth, the system calls are not traced, and a transaction that
 * cannot be traced fails the whole call. `state` is the parent block's post-state; the block's
 * changes are left in it (withdrawals excepted: they follow the last transaction and change no
 * trace).
 */
import type { Hash } from 'viem'
import type { EvmState } from '../../evm/evmState.ts'
import {
  beginBlock,
  type ExecutableBlock,
  type ExecuteBlockOptions,
  evmTransactionOf,
} from '../executeBlock.ts'
import type { TraceConfig } from './parseTraceConfig.ts'
import { type TraceResult, traceTransaction } from './traceTransaction.ts'

/** geth's txTraceResult. */
export type BlockTraceEntry = { txHash: Hash; result: TraceResult }

/** `blockHash`: the block's, which its transactions' flatCallTracer frames carry. */
export function traceBlock(
  state: EvmState,
  block: ExecutableBlock,
  blockHash: Hash,
  options: ExecuteBlockOptions,
  config: TraceConfig,
): BlockTraceEntry[] {
  const { fork, precompiles } = options
  const context = beginBlock(state, block, options)
  const entries: BlockTraceEntry[] = []
  let gasUsed = 0n
  let logIndex = 0
  for (const [index, tx] of block.transactions.entries()) {
    const { result, receipt } = traceTransaction(
      state,
      evmTransactionOf(tx),
      {
        fork,
        block: context,
        precompiles,
        blockGasAvailable: block.gasLimit - gasUsed,
        firstLogIndex: logIndex,
        position: { blockHash, blockNumber: block.number, transactionHash: tx.hash, transactionIndex: index },
      },
      config,
    )
    gasUsed += receipt.gasUsed
    logIndex += receipt.logs.length
    entries.push({ txHash: tx.hash, result })
  }
  return entries
}
