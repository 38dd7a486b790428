import type { Hex } from 'viem'
import { bytesToHex } from '../primitives/hex.ts'
import { encodeRlp } from '../primitives/rlp.ts'
import { orderedTrieRoot } from '../state/trie/orderedTrieRoot.ts'
import { BlockBody } from './assembleBlock.ts'
import type { DecodedBlock } from './blockCodec.ts'
import { encodeWithdrawal } from './blockCodec.ts'
import type { BlockExecution } from './executeBlock.ts'

export type HeaderMismatch = { field: string; got: Hex | bigint; want: Hex | bigint }

/**
 * The header fields a block's body and its execution determine, besides the state root, that do
 * not match what execution gave: roots of transactions, receipts and withdrawals, the logs bloom,
 * gas and blob gas used. Empty when the header is what the execution says.
 */
export function blockExecutionMismatches(block: DecodedBlock, execution: BlockExecution): HeaderMismatch[] {
  const { header } = block
  // Execution gives one receipt per transaction, or throws: each transaction with its own.
  const body = new BlockBody()
  for (const [index, executed] of execution.executed.entries()) body.add(block.transactions[index]!, executed)
  const { transactionsRoot, receiptsRoot, logsBloom } = body.commitments()
  const computed: [field: string, got: Hex | bigint, want: Hex | bigint][] = [
    ['transactionsRoot', transactionsRoot, header.transactionsRoot],
    ['receiptsRoot', receiptsRoot, header.receiptsRoot],
    [
      'withdrawalsRoot',
      bytesToHex(orderedTrieRoot(block.withdrawals.map((w) => encodeRlp(encodeWithdrawal(w))))),
      header.withdrawalsRoot,
    ],
    ['logsBloom', logsBloom, header.logsBloom],
    ['gasUsed', execution.gasUsed, header.gasUsed],
    ['blobGasUsed', execution.blobGasUsed, header.blobGasUsed],
  ]
  return computed.filter(([, got, want]) => got !== want).map(([field, got, want]) => ({ field, got, want }))
}
