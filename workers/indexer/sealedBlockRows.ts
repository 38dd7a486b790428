/**
 * Test material: a sealed block as the sequencer stores it, with `transactionCount` transfers that
 * each emit one log, for the indexer's tests (in Node and in workerd). Not used by the worker.
 */
import type { Hash } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { hexToBytes } from '../../src/primitives/hex.ts'
import type { StoredBlock } from '../sequencer/chainStore.ts'
import { serializeExecuted } from '../sequencer/records.ts'
import type { SealedBlockRows } from './indexSealedBlocks.ts'

const word = (value: bigint) => `0x${value.toString(16).padStart(64, '0')}` as Hash

/** Hashes are unique per block number (and transaction index); every log's one topic is word 7. */
export async function sealedBlockRows(transactionCount: number, blockNumber = 5n): Promise<SealedBlockRows> {
  const sender = privateKeyToAccount('0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a')
  const raw = await sender.signTransaction({
    chainId: 7077,
    type: 'eip1559',
    to: sender.address,
    value: 1n,
    nonce: 0,
    gas: 21_000n,
    maxFeePerGas: 3n,
    maxPriorityFeePerGas: 1n,
  })
  const transactionHash = (index: number) => word((blockNumber << 32n) + BigInt(index + 1))
  const transactions = Array.from({ length: transactionCount }, (_, index) => ({
    blockNumber,
    index,
    hash: transactionHash(index),
    raw: hexToBytes(raw),
    executed: serializeExecuted(
      {
        hash: transactionHash(index),
        type: 2,
        sender: sender.address,
        to: sender.address,
        contractAddress: null,
        status: 1,
        gasUsed: 21_000n,
        cumulativeGasUsed: 21_000n * BigInt(index + 1),
        effectiveGasPrice: 2n,
        logs: [{ address: sender.address, topics: [word(7n)], data: '0x' }],
      },
      index,
    ),
  }))
  const block: StoredBlock = {
    number: blockNumber,
    hash: word((0xb10cn << 64n) + blockNumber),
    rpcBlock: '{}',
    timestamp: 1n,
    baseFeePerGas: 1n,
    gasUsed: 21_000n * BigInt(transactionCount),
    gasLimit: 30_000_000n,
    tipDistribution: '[]',
  }
  return { block, transactions }
}
