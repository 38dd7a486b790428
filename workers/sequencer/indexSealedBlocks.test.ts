import type { Hash } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { hexToBytes } from '../../src/primitives/hex.ts'
import type { StoredBlock, StoredTransaction } from './chainStore.ts'
import { indexSealedBlocks } from './indexSealedBlocks.ts'
import { serializeExecuted } from './records.ts'

/** A D1 that records each batch's statements (SQL, first word of each) and answers success. */
function recordingD1() {
  const batches: string[][] = []
  const statement = (sql: string) => ({ sql, bind: () => ({ sql }) })
  const database = {
    prepare: (sql: string) => statement(sql),
    batch: async (statements: { sql: string }[]) => {
      batches.push(statements.map((s) => s.sql))
      return statements.map(() => ({ results: [], success: true, meta: {} }))
    },
  } as unknown as D1Database
  return { database, batches }
}

async function sealedBlock(
  transactionCount: number,
): Promise<{ block: StoredBlock; transactions: StoredTransaction[] }> {
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
  const hash = (i: number) => `0x${i.toString(16).padStart(64, '0')}` as Hash
  const transactions = Array.from({ length: transactionCount }, (_, index) => ({
    blockNumber: 5n,
    index,
    hash: hash(index + 1),
    raw: hexToBytes(raw),
    executed: serializeExecuted(
      {
        hash: hash(index + 1),
        type: 2,
        sender: sender.address,
        to: sender.address,
        contractAddress: null,
        status: 1,
        gasUsed: 21_000n,
        cumulativeGasUsed: 21_000n * BigInt(index + 1),
        effectiveGasPrice: 2n,
        logs: [{ address: sender.address, topics: [hash(7)], data: '0x' }],
      },
      index,
    ),
  }))
  const block: StoredBlock = {
    number: 5n,
    hash: hash(0xb10c),
    rpcBlock: '{}',
    timestamp: 1n,
    baseFeePerGas: 1n,
    gasUsed: 21_000n * BigInt(transactionCount),
    gasLimit: 30_000_000n,
    tipDistribution: '[]',
  }
  return { block, transactions }
}

describe('indexSealedBlocks', () => {
  it('writes a large block in small batches, yielding between them, its own row last', async () => {
    const { database, batches } = recordingD1()
    const sealed = await sealedBlock(200)
    let yields = 0
    await indexSealedBlocks(database, [sealed], async () => {
      yields++
    })
    // 200 transactions at 48 a batch: 5 batches of transactions and logs, then the block's row.
    expect(batches.length).toBe(6)
    expect(yields).toBe(5)
    const tables = batches.map((batch) => batch.map((sql) => /(?:into|from) "(\w+)"/.exec(sql)?.[1]))
    expect(batches[0]![0]).toMatch(/^delete from "logs"/)
    expect(
      tables
        .slice(0, 5)
        .flat()
        .filter((table) => table === 'blocks'),
    ).toEqual([])
    expect(tables[5]).toEqual(['blocks'])
    const rowsWritten = (table: string) =>
      batches
        .flat()
        .filter((sql) => sql.startsWith(`insert into "${table}"`))
        .map((sql) => sql.split('), (').length)
    expect(rowsWritten('transactions').reduce((a, b) => a + b, 0)).toBe(200)
    expect(rowsWritten('logs').reduce((a, b) => a + b, 0)).toBe(200)
  })

  it('indexes a block without transactions in one batch', async () => {
    const { database, batches } = recordingD1()
    await indexSealedBlocks(database, [await sealedBlock(0)])
    expect(batches.length).toBe(1)
    expect(batches[0]!.map((sql) => sql.split(' ')[0])).toEqual(['delete', 'insert'])
  })
})
