import { inArray } from 'drizzle-orm'
import type { BatchItem } from 'drizzle-orm/batch'
import { drizzle } from 'drizzle-orm/d1'
import type { Hash } from 'viem'
import { blocks, logs, transactions } from '../index-db/schema.ts'
import type { StoredBlock, StoredTransaction } from './chainStore.ts'
import { formatRpcObjects, parseExecuted } from './records.ts'

/** D1 binds at most 100 parameters per statement. */
const D1_MAX_BOUND_PARAMETERS = 100

/** Transactions whose rows (and logs) go to D1 in one batch: a few milliseconds of work. */
const TRANSACTIONS_PER_BATCH = 48

/**
 * Writes sealed blocks, their transactions, receipts and logs into the D1 index, a batch of
 * TRANSACTIONS_PER_BATCH transactions at a time with `between` awaited after each: locally D1 runs
 * on the sequencer's thread, and one batch for a block of a thousand transactions would hold it
 * (and every transaction waiting for a receipt) for tens of milliseconds. The blocks' own rows go
 * last, so a block found in D1 has all its transactions there; logs are read from D1 only up to
 * the sequencer's `indexed_through`, which moves once this returns. Idempotent: re-indexing a
 * block after a failed attempt clears its logs first and replaces its rows.
 */
export async function indexSealedBlocks(
  database: D1Database,
  sealed: { block: StoredBlock; transactions: StoredTransaction[] }[],
  between: () => Promise<void> = async () => {},
): Promise<void> {
  const db = drizzle(database)
  const blockNumbers = sealed.map(({ block }) => Number(block.number))
  // Logs have no natural key: clear the blocks' logs first so that a retried attempt cannot duplicate them.
  const pending: BatchItem<'sqlite'>[] = [db.delete(logs).where(inArray(logs.blockNumber, blockNumbers))]
  const flush = async () => {
    const [first, ...rest] = pending.splice(0)
    if (first) await db.batch([first, ...rest])
  }
  for (const { block, transactions: rows } of sealed)
    for (let start = 0; start < rows.length; start += TRANSACTIONS_PER_BATCH) {
      const { transactionRows, logRows } = rowsOf(block, rows.slice(start, start + TRANSACTIONS_PER_BATCH))
      pending.push(
        ...chunk(transactionRows, 7).map((part) =>
          db.insert(transactions).values(part).onConflictDoNothing(),
        ),
        ...chunk(logRows, 9).map((part) => db.insert(logs).values(part)),
      )
      await flush()
      await between()
    }
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
  pending.push(...chunk(blockRows, 8).map((part) => db.insert(blocks).values(part).onConflictDoNothing()))
  await flush()
}

/** The D1 rows of some of a block's transactions: each with its receipt, and their logs. */
function rowsOf(
  block: StoredBlock,
  rows: StoredTransaction[],
): { transactionRows: (typeof transactions.$inferInsert)[]; logRows: (typeof logs.$inferInsert)[] } {
  const transactionRows: (typeof transactions.$inferInsert)[] = []
  const logRows: (typeof logs.$inferInsert)[] = []
  for (const row of rows) {
    const parsed = parseExecuted(row.hash, row.executed)
    const objects = formatRpcObjects(row, parsed, block.hash as Hash)
    const { executed, firstLogIndex } = parsed
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
  return { transactionRows, logRows }
}

function chunk<T>(rows: T[], columns: number): T[][] {
  const size = Math.max(1, Math.floor(D1_MAX_BOUND_PARAMETERS / columns))
  const chunks: T[][] = []
  for (let i = 0; i < rows.length; i += size) chunks.push(rows.slice(i, i + size))
  return chunks
}
