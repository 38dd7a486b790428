import type { Address, Hash, TransactionSerializable } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { EvmState } from '../../evm/evmState.ts'
import { hexToBytes } from '../../primitives/hex.ts'
import { recoverSender } from '../../primitives/recoverSender.ts'
import { decodeTransaction } from '../../primitives/transaction.ts'
import { BEACON_ROOTS_ADDRESS, BEACON_ROOTS_CODE } from '../applySystemCalls.ts'
import type { ExecutableBlock, RecoveredTransaction } from '../executeBlock.ts'
import type { CallFrameJson } from './callTracer.ts'
import type { FlatCallFrameJson } from './flatCallTracer.ts'
import { parseTraceConfig } from './parseTraceConfig.ts'
import type { StructLoggerResult } from './structLogger.ts'
import { traceBlock } from './traceBlock.ts'
import { BLOCK, chain, OPTIONS } from './tracingFixture.ts'

const account = privateKeyToAccount(`0x${'22'.repeat(32)}`)
const sender = account.address.toLowerCase() as Address
const CONTRACT: Address = '0x00000000000000000000000000000000000000c0'

async function signed(nonce: number): Promise<RecoveredTransaction> {
  const raw = await account.signTransaction({
    chainId: Number(BLOCK.chainId),
    type: 'eip1559',
    nonce,
    to: CONTRACT,
    gas: 100_000n,
    maxFeePerGas: 100n,
    maxPriorityFeePerGas: 2n,
  } as TransactionSerializable)
  const tx = decodeTransaction(hexToBytes(raw))
  return { ...tx, sender: recoverSender(tx) }
}

const BLOCK_HASH: Hash = `0x${'b1'.repeat(32)}`

describe('traceBlock', () => {
  it("traces each transaction in order on the state the earlier ones left, as geth's txTraceResult", async () => {
    const transactions = [await signed(0), await signed(1)]
    const reader = chain({
      // LOG0, then count calls in slot 0.
      [CONTRACT]: { code: 'PUSH1 0 PUSH1 0 LOG0 PUSH1 0 SLOAD PUSH1 1 ADD PUSH1 0 SSTORE STOP' },
    })
    reader.setAccount(sender, { balance: 10n ** 18n })
    reader.setAccount(BEACON_ROOTS_ADDRESS, { nonce: 1n, code: hexToBytes(BEACON_ROOTS_CODE) })
    const block: ExecutableBlock = {
      number: BLOCK.number,
      parentHash: `0x${'ab'.repeat(32)}`,
      timestamp: BLOCK.timestamp,
      coinbase: BLOCK.coinbase,
      gasLimit: BLOCK.gasLimit,
      baseFeePerGas: BLOCK.baseFeePerGas,
      prevRandao: `0x${'00'.repeat(32)}`,
      blobBaseFee: 1n,
      parentBeaconBlockRoot: `0x${'be'.repeat(32)}`,
      transactions,
      withdrawals: [],
    }
    const options = {
      fork: OPTIONS.fork,
      chainId: BLOCK.chainId,
      precompiles: OPTIONS.precompiles,
      blockHash: () => 0n,
    }
    const config = parseTraceConfig({ tracer: 'callTracer', tracerConfig: { withLog: true } })
    const entries = traceBlock(new EvmState(reader), block, BLOCK_HASH, options, config)
    expect(entries.map((entry) => entry.txHash)).toEqual(transactions.map((tx) => tx.hash))
    const logIndexes = entries.map((entry) => (entry.result as CallFrameJson).logs?.map((log) => log.index))
    expect(logIndexes).toEqual([['0x0'], ['0x1']])

    // The second transaction sees the first one's write: a reset (2,900), not a fresh slot (20,000).
    const structLogs = traceBlock(new EvmState(reader), block, BLOCK_HASH, options, parseTraceConfig({}))
    const sstores = structLogs.map(
      (entry) => (entry.result as StructLoggerResult).structLogs.find((log) => log.op === 'SSTORE')!.gasCost,
    )
    expect(sstores).toEqual([20_000, 2_900])

    // flatCallTracer's frames say where each transaction is, as geth's tracer context.
    const flat = traceBlock(
      new EvmState(reader),
      block,
      BLOCK_HASH,
      options,
      parseTraceConfig({ tracer: 'flatCallTracer' }),
    )
    expect(
      flat.map((entry) =>
        (entry.result as FlatCallFrameJson[]).map((frame) => [
          frame.blockHash,
          frame.blockNumber,
          frame.transactionHash,
          frame.transactionPosition,
        ]),
      ),
    ).toEqual(transactions.map((tx, index) => [[BLOCK_HASH, Number(BLOCK.number), tx.hash, index]]))
  })
})
