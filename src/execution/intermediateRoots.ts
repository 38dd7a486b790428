/**
 * debug_intermediateRoots' engine: the state root after each transaction of a block, as geth's
 * (the root its receipts carried before Byzantium). Each transaction runs on an EvmState of its own
 * over the state so far, as a parallel executor runs one (src/execution/parallel), so that its
 * write set alone is applied to the trie and hashed: the block's whole changes so far, applied
 * after every transaction, would make a block's roots cost the square of its size.
 */
import type { Hash } from 'viem'
import { EvmState } from '../evm/evmState.ts'
import type { StateTrie } from '../state/stateTrie.ts'
import {
  beginBlock,
  type ExecutableBlock,
  type ExecuteBlockOptions,
  executeTransactionAt,
} from './executeBlock.ts'

/**
 * `state`: the parent block's post-state; `trie`: the parent's state trie. The block's system calls
 * run first (their writes count in the first root); both are left at the block's post-state
 * (before withdrawals, which follow the last root).
 */
export function intermediateRoots(
  state: EvmState,
  trie: StateTrie,
  block: ExecutableBlock,
  options: ExecuteBlockOptions,
): Hash[] {
  const context = beginBlock(state, block, options)
  trie.apply(state.changes())
  const roots: Hash[] = []
  let gasUsed = 0n
  let blobGasUsed = 0n
  for (let index = 0; index < block.transactions.length; index++) {
    const alone = new EvmState(state.preStateReader())
    const receipt = executeTransactionAt(alone, block, context, index, gasUsed, blobGasUsed, options)
    gasUsed += receipt.gasUsed
    blobGasUsed += receipt.blobGasUsed
    const writes = alone.changes()
    state.applyTransactionWrites(writes)
    trie.apply(writes)
    roots.push(trie.root())
  }
  return roots
}
