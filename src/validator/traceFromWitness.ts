/**
 * debug_traceBlockBy*, debug_traceTransaction and debug_intermediateRoots without the chain's
 * state: a sealed block traced on the partial parent state its execution witness gives, as the
 * stateless validator re-executes it. The trace reads what the block's execution read, which is
 * what the witness holds, so it is the trace the sequencer's full state gives; it can run anywhere
 * the witness can be fetched (the RPC worker, off the sequencer's thread). Throws
 * BlockValidationError when the witness does not hold the block's execution.
 */
import type { Hash } from 'viem'
import { EvmState } from '../evm/evmState.ts'
import { precompilesFor } from '../evm/precompiles/index.ts'
import type { DecodedBlock } from '../execution/blockCodec.ts'
import {
  beginBlock,
  type ExecuteBlockOptions,
  evmTransactionOf,
  executableBlockOf,
  executeTransactions,
  type RecoveredTransaction,
} from '../execution/executeBlock.ts'
import { intermediateRoots } from '../execution/intermediateRoots.ts'
import type { TraceConfig } from '../execution/tracing/parseTraceConfig.ts'
import { type BlockTraceEntry, traceBlock } from '../execution/tracing/traceBlock.ts'
import { type TraceResult, traceTransaction } from '../execution/tracing/traceTransaction.ts'
import { StateTrie } from '../state/stateTrie.ts'
import type { ExecutionWitness } from '../state/witness.ts'
import { asValidationFailure, type ChainRules, openWitnessState } from './validateBlock.ts'

export function traceBlockFromWitness(
  block: DecodedBlock,
  transactions: RecoveredTransaction[],
  witness: ExecutionWitness,
  rules: ChainRules,
  config: TraceConfig,
): BlockTraceEntry[] {
  const { state, options } = openForTracing(block, witness, rules)
  const executable = executableBlockOf(block.header, transactions, block.withdrawals, rules.fork)
  try {
    return traceBlock(state, executable, block.hash, options, config)
  } catch (error) {
    throw asValidationFailure(error)
  }
}

/** The block's transaction `index` traced, after its system calls and the transactions before it. */
export function traceTransactionFromWitness(
  block: DecodedBlock,
  transactions: RecoveredTransaction[],
  index: number,
  witness: ExecutionWitness,
  rules: ChainRules,
  config: TraceConfig,
): TraceResult {
  const tx = transactions[index]
  if (!tx) throw new Error(`block ${block.header.number} has no transaction ${index}`)
  const { state, options } = openForTracing(block, witness, rules)
  const before = executableBlockOf(block.header, transactions.slice(0, index), [], rules.fork)
  try {
    const context = beginBlock(state, before, options)
    const execution = executeTransactions(state, before, context, options)
    return traceTransaction(
      state,
      evmTransactionOf(tx),
      {
        fork: rules.fork,
        block: context,
        precompiles: options.precompiles,
        blockGasAvailable: block.header.gasLimit - execution.gasUsed,
        firstLogIndex: execution.executed.reduce((logs, earlier) => logs + earlier.logs.length, 0),
        position: {
          blockHash: block.hash,
          blockNumber: block.header.number,
          transactionHash: tx.hash,
          transactionIndex: index,
        },
      },
      config,
    ).result
  } catch (error) {
    throw asValidationFailure(error)
  }
}

/**
 * debug_intermediateRoots on the witness: the state root after each transaction. Each root hashes
 * the parent's trie with the writes so far, which walks only the paths the block writes; a
 * transaction's writes that a later one undoes may need a node the block's own root did not (a
 * branch collapsing for a while), and then this throws as a missing node.
 */
export function intermediateRootsFromWitness(
  block: DecodedBlock,
  transactions: RecoveredTransaction[],
  witness: ExecutionWitness,
  rules: ChainRules,
): Hash[] {
  const { state, options, openParentTrie } = openForTracing(block, witness, rules)
  const executable = executableBlockOf(block.header, transactions, block.withdrawals, rules.fork)
  try {
    // A trie of its own to hash on: the reader's trie must keep answering the parent state.
    return intermediateRoots(state, openParentTrie(), executable, options)
  } catch (error) {
    throw asValidationFailure(error)
  }
}

function openForTracing(
  block: DecodedBlock,
  witness: ExecutionWitness,
  rules: ChainRules,
): { state: EvmState; options: ExecuteBlockOptions; openParentTrie: () => StateTrie } {
  const { reader, blockHash, nodes, parent } = openWitnessState(block.header, witness)
  return {
    state: new EvmState(reader),
    options: { fork: rules.fork, chainId: rules.chainId, precompiles: precompilesFor(rules.fork), blockHash },
    openParentTrie: () => new StateTrie(nodes, parent.header.stateRoot),
  }
}
