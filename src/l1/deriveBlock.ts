/**
 * One L2 block from its batch entry, on top of its parent, as the sequencer seals it:
 *
 *   parent header ──▶ open block: number + 1, parent hash, the batch's timestamp, coinbase, gas
 *   limit and extraData, PREVRANDAO (the batch's or derivePrevRandao), base fee calcNextBaseFee
 *   ──▶ senders recovered ──▶ executeBlock (system calls, then every transaction in mini-block
 *   order) ──▶ writes committed (the state root) ──▶ assembleBlock: header and hash.
 *
 * The parent state is whatever the caller gives: the whole state (derivation from genesis) or a
 * block's execution witness (derivation from a committed root). Committing advances it in place; a
 * block that fails leaves it unusable (derivation stops).
 */
import type { Hash } from 'viem'
import { EvmState, type StateChanges } from '../evm/evmState.ts'
import { precompilesFor } from '../evm/precompiles/index.ts'
import { assembleBlock, type OpenBlock } from '../execution/assembleBlock.ts'
import { blobBaseFee } from '../execution/blobBaseFee.ts'
import { type BlockHeader, headerFieldsForFork, ZERO_HASH } from '../execution/blockHeader.ts'
import { calcNextBaseFee } from '../execution/calcNextBaseFee.ts'
import type { Fork } from '../execution/chainConfig.ts'
import { executeBlock, InvalidBlockError, type RecoveredTransaction } from '../execution/executeBlock.ts'
import { recoverSender } from '../primitives/recoverSender.ts'
import { decodeTransaction } from '../primitives/transaction.ts'
import type { ContractStateReader } from '../state/stateView.ts'
import type { DecodedBlock } from './batchFormat.ts'
import { InvalidDerivedBlockError } from './derivationErrors.ts'
import { derivePrevRandao } from './derivePrevRandao.ts'

export type DerivationRules = { chainId: bigint; fork: Fork; minBaseFee: bigint }

export type DerivedBlock = {
  number: bigint
  hash: Hash
  stateRoot: Hash
  header: BlockHeader
  transactions: number
}

export function deriveBlock(
  parent: { header: BlockHeader; hash: Hash },
  block: DecodedBlock,
  context: {
    /** The parent's post-state. */
    preState: ContractStateReader
    /** Folds the block's writes into the state and answers the new state root. */
    commitState: (changes: StateChanges) => Hash
    rules: DerivationRules
    /** BLOCKHASH of an ancestor (the EVM keeps to the last 256). */
    blockHash: (number: bigint) => bigint
  },
): DerivedBlock {
  const { rules } = context
  const number = parent.header.number + 1n
  if (block.number !== number)
    throw new InvalidDerivedBlockError(block.number, `it follows block ${parent.header.number}`)
  // The sequencer's header timestamps increase strictly (openNextBlock).
  if (block.timestamp <= parent.header.timestamp)
    throw new InvalidDerivedBlockError(
      number,
      `timestamp ${block.timestamp} is not after its parent's ${parent.header.timestamp}`,
    )
  const open: OpenBlock = {
    number,
    parentHash: parent.hash,
    timestamp: block.timestamp,
    baseFeePerGas: calcNextBaseFee({
      baseFeePerGas: parent.header.baseFeePerGas,
      gasUsed: parent.header.gasUsed,
      gasLimit: parent.header.gasLimit,
      minBaseFee: rules.minBaseFee,
    }),
    gasLimit: block.gasLimit,
    coinbase: block.coinbase,
    prevRandao: block.prevRandao ?? derivePrevRandao(parent.hash),
    extraData: block.extraData,
    ...headerFieldsForFork(rules.fork),
  }
  const raws = block.miniBlocks.flat()
  const transactions: RecoveredTransaction[] = raws.map((raw, index) => {
    try {
      const tx = decodeTransaction(raw)
      return { ...tx, sender: recoverSender(tx) }
    } catch (error) {
      throw new InvalidDerivedBlockError(number, `transaction ${index} has no valid signature`, error)
    }
  })
  const evmState = new EvmState(context.preState)
  let execution: ReturnType<typeof executeBlock>
  try {
    execution = executeBlock(
      evmState,
      {
        ...open,
        // Velox admits no blobs: excessBlobGas stays 0 (src/l1/README.md).
        blobBaseFee: blobBaseFee(0n, rules.fork),
        parentBeaconBlockRoot: ZERO_HASH,
        transactions,
        withdrawals: [],
      },
      {
        fork: rules.fork,
        chainId: rules.chainId,
        precompiles: precompilesFor(rules.fork),
        blockHash: context.blockHash,
      },
    )
  } catch (error) {
    if (error instanceof InvalidBlockError) throw new InvalidDerivedBlockError(number, error.message, error)
    throw error
  }
  const stateRoot = context.commitState(evmState.changes())
  const sealed = assembleBlock(
    open,
    raws.map((raw, index) => ({ raw, executed: execution.executed[index]! })),
    stateRoot,
  )
  return { number, hash: sealed.hash, stateRoot, header: sealed.header, transactions: raws.length }
}
