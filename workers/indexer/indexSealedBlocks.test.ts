import { describe, expect, it } from 'vitest'
import { indexSealedBlocks, indexSealedBlocksWhenUnlocked } from './indexSealedBlocks.ts'
import { sealedBlockRows } from './sealedBlockRows.ts'

/**
 * A D1 that records each batch's statements (SQL, and the values bound) and answers success; its
 * first batches fail with `failures`' messages, one each, and are not recorded.
 */
function recordingD1(failures: string[] = []) {
  const batches: string[][] = []
  const bound: { sql: string; values: unknown[] }[] = []
  let calls = 0
  const statement = (sql: string) => ({ sql, bind: (...values: unknown[]) => ({ sql, values }) })
  const database = {
    prepare: (sql: string) => statement(sql),
    batch: async (statements: { sql: string; values: unknown[] }[]) => {
      const failure = failures[calls++]
      if (failure !== undefined) throw new Error(failure)
      batches.push(statements.map((s) => s.sql))
      bound.push(...statements)
      return statements.map(() => ({ results: [], success: true, meta: {} }))
    },
  } as unknown as D1Database
  return { database, batches, bound, calls: () => calls }
}

describe('indexSealedBlocks', () => {
  it('writes a large block in small batches, yielding between them, its own row last', async () => {
    const { database, batches } = recordingD1()
    const sealed = await sealedBlockRows(200)
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

  it('binds each value to its column', async () => {
    const { database, bound } = recordingD1()
    const sealed = await sealedBlockRows(2)
    await indexSealedBlocks(database, [sealed])
    const columnsOf = (sql: string) =>
      /\(([^)]*)\) values/
        .exec(sql)![1]!
        .split(', ')
        .map((name) => name.slice(1, -1))
    const firstRow = (table: string) => {
      const statement = bound.find(({ sql }) => sql.startsWith(`insert into "${table}"`))!
      const columns = columnsOf(statement.sql)
      return Object.fromEntries(columns.map((column, i) => [column, statement.values[i]]))
    }
    const transaction = firstRow('transactions')
    expect(transaction).toMatchObject({
      hash: sealed.transactions[0]!.hash,
      block_number: 5,
      transaction_index: 0,
    })
    expect(JSON.parse(transaction.receipt as string)).toMatchObject({
      transactionHash: sealed.transactions[0]!.hash,
      blockHash: sealed.block.hash,
      cumulativeGasUsed: '0x5208',
    })
    expect(JSON.parse(transaction.transaction as string)).toMatchObject({
      blockHash: sealed.block.hash,
      transactionIndex: '0x0',
    })
    expect(transaction.sender).toBe(transaction.recipient)
    expect(firstRow('logs')).toEqual({
      block_number: 5,
      log_index: 0,
      transaction_hash: sealed.transactions[0]!.hash,
      address: transaction.sender,
      topic0: `0x${'7'.padStart(64, '0')}`,
      topic1: null,
      topic2: null,
      topic3: null,
      data: '0x',
    })
    expect(firstRow('blocks')).toEqual({
      number: 5,
      hash: sealed.block.hash,
      timestamp: 1,
      base_fee_per_gas: '0x1',
      gas_used: 42_000,
      gas_limit: 30_000_000,
      tip_distribution: '[]',
      header: '{}',
    })
  })

  it('indexes a block without transactions in one batch', async () => {
    const { database, batches } = recordingD1()
    await indexSealedBlocks(database, [await sealedBlockRows(0)])
    expect(batches.length).toBe(1)
    expect(batches[0]!.map((sql) => sql.split(' ')[0])).toEqual(['delete', 'insert'])
  })

  it('writes the blocks again while D1 answers that its file is locked, and gives up on anything else', async () => {
    const sealed = await sealedBlockRows(100)
    const locked = recordingD1([
      'D1_ERROR: database is locked: SQLITE_BUSY (extended: SQLITE_BUSY_SNAPSHOT)',
      'D1_ERROR: database is locked: SQLITE_BUSY',
    ])
    await indexSealedBlocksWhenUnlocked(locked.database, [sealed])
    // Two attempts failed at their first batch; the third wrote everything, the block's row last.
    expect(locked.calls()).toBe(2 + locked.batches.length)
    expect(locked.batches[0]![0]).toMatch(/^delete from "logs"/)
    expect(locked.batches.at(-1)!.at(-1)).toMatch(/^insert into "blocks"/)

    const broken = recordingD1(['D1_ERROR: no such table: logs'])
    await expect(indexSealedBlocksWhenUnlocked(broken.database, [sealed])).rejects.toThrow('no such table')
    expect(broken.calls()).toBe(1)
  })
})
