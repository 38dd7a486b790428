import type { Hex } from 'viem'
import { bytesToHex } from '../primitives/hex.ts'
import { encodeRlp } from '../primitives/rlp.ts'
import { orderedTrieRoot } from '../state/trie/orderedTrieRoot.ts'
import type { DecodedBlock } from './blockCodec.ts'
import { encodeWithdrawal } from './blockCodec.ts'
import type { BlockExecution } from './executeBlock.ts'
import { encodeReceipt, receiptBloom } from './receipt.ts'

export type HeaderMismatch = { field: string; got: Hex | bigint; want: Hex | bigint }

/**
 * The header fields a block's body and its execution determine, besides the state root, that do
 * not match what execution gave: roots of transactions, receipts and withdrawals, the logs bloom,
 * gas and blob gas used. Empty when the header is what the execution says.
 */
export function blockExecutionMismatches(block: DecodedBlock, execution: BlockExecution): HeaderMismatch[] {
  const { header } = block
  const bloom = new Uint8Array(256)
  for (const executed of execution.executed) {
    if (executed.logs.length === 0) continue
    const own = receiptBloom(executed.logs)
    for (let i = 0; i < bloom.length; i++) bloom[i]! |= own[i]!
  }
  const computed: [field: string, got: Hex | bigint, want: Hex | bigint][] = [
    ['transactionsRoot', bytesToHex(orderedTrieRoot(block.transactions)), header.transactionsRoot],
    [
      'receiptsRoot',
      bytesToHex(orderedTrieRoot(execution.executed.map((receipt) => encodeReceipt(receipt)))),
      header.receiptsRoot,
    ],
    [
      'withdrawalsRoot',
      bytesToHex(orderedTrieRoot(block.withdrawals.map((w) => encodeRlp(encodeWithdrawal(w))))),
      header.withdrawalsRoot,
    ],
    ['logsBloom', bytesToHex(bloom), header.logsBloom],
    ['gasUsed', execution.gasUsed, header.gasUsed],
    ['blobGasUsed', execution.blobGasUsed, header.blobGasUsed],
  ]
  return computed.filter(([, got, want]) => got !== want).map(([field, got, want]) => ({ field, got, want }))
}
