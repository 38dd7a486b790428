import { inArray } from 'drizzle-orm'
import type { BatchItem } from 'drizzle-orm/batch'
import { drizzle } from 'drizzle-orm/d1'
import type { Hash } from 'viem'
import { blocks, logs, transactions } from '../index-db/schema.ts'
import type { StoredBlock, StoredTransaction } from './chainStore.ts'
import { parseExecuted, rpcObjectsOf } from './records.ts'

/** D1 binds at most 100 parameters per statement. */
const D1_MAX_BOUND_PARAMETERS = 100

/**
 * Writes sealed blocks, their transactions, receipts and logs into the D1 index in one batch (one
 * D1 transaction). Idempotent: re-indexing a block after a failed attempt replaces its rows.
 */
export async function indexSealedBlocks(
  database: D1Database,
  sealed: { block: StoredBlock; transactions: StoredTransaction[] }[],
): Promise<void> {
  const db = drizzle(database)
  const blockRows = sealed.map(({ block }) => ({
    number: Number(block.number),
    hash: block.hash,
    timestamp: Number(block.timestamp),
    baseFeePerGas: `0x${block.baseFeePerGas.toString(16)}`,
    gasUsed: Number(block.gasUsed),
    gasLimit: Number(block.gasLimit),
    tipDistribution: block.tipDistribution,
    header: block.rpcBlock,
  }))
  const transactionRows: (typeof transactions.$inferInsert)[] = []
  const logRows: (typeof logs.$inferInsert)[] = []
  for (const { block, transactions: rows } of sealed) {
    for (const row of rows) {
      const objects = rpcObjectsOf(row, block.hash as Hash)
      const { executed, firstLogIndex } = parseExecuted(row.hash, row.executed)
      transactionRows.push({
        hash: row.hash,
        blockNumber: Number(block.number),
        transactionIndex: row.index,
        sender: executed.sender,
        recipient: executed.to,
        transaction: JSON.stringify(objects.transaction),
        receipt: JSON.stringify(objects.receipt),
      })
      for (const [i, log] of executed.logs.entries())
        logRows.push({
          blockNumber: Number(block.number),
          logIndex: firstLogIndex + i,
          transactionHash: row.hash,
          address: log.address,
          topic0: log.topics[0] ?? null,
          topic1: log.topics[1] ?? null,
          topic2: log.topics[2] ?? null,
          topic3: log.topics[3] ?? null,
          data: log.data,
        })
    }
  }
  const statements: [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]] = [
    // Logs have no natural key: clear the blocks' logs first so that a retried batch cannot duplicate them.
    db.delete(logs).where(
      inArray(
        logs.blockNumber,
        blockRows.map((row) => row.number),
      ),
    ),
    ...chunk(blockRows, 8).map((rows) => db.insert(blocks).values(rows).onConflictDoNothing()),
    ...chunk(transactionRows, 7).map((rows) => db.insert(transactions).values(rows).onConflictDoNothing()),
    ...chunk(logRows, 9).map((rows) => db.insert(logs).values(rows)),
  ]
  await db.batch(statements)
}

function chunk<T>(rows: T[], columns: number): T[][] {
  const size = Math.max(1, Math.floor(D1_MAX_BOUND_PARAMETERS / columns))
  const chunks: T[][] = []
  for (let i = 0; i < rows.length; i += size) chunks.push(rows.slice(i, i + size))
  return chunks
}
