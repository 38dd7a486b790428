import { getTableColumns, getTableName } from 'drizzle-orm'
import type { SQLiteTable } from 'drizzle-orm/sqlite-core'
import { withRetries } from '../../src/primitives/withRetries.ts'
import { blocks, logs, transactions } from '../index-db/schema.ts'
import type { StoredBlock, StoredTransaction } from '../sequencer/chainStore.ts'
import { formatRpcObjects, parseExecuted } from '../sequencer/records.ts'

/**
 * Waits before writing blocks again when D1 found its file locked: ~0.35 s in all, after which the
 * sequencer sends them again after its next seal. Locally the RPC worker's reads run in another
 * process over the same SQLite file, and the index's write failed with SQLITE_BUSY a few times in
 * an end-to-end run of a thousand transactions.
 */
const LOCKED_RETRY_DELAYS_MS = [10, 40, 100, 200]

/** D1 binds at most 100 parameters per statement. */
const D1_MAX_BOUND_PARAMETERS = 100

/** Transactions whose rows (and logs) go to D1 in one batch: a few milliseconds of work. */
const TRANSACTIONS_PER_BATCH = 48

/** A sealed block as the sequencer stores it, with its transactions: what one block's index rows come from. */
export type SealedBlockRows = { block: StoredBlock; transactions: StoredTransaction[] }

/**
 * Writes sealed blocks, their transactions, receipts and logs into the D1 index, a batch of
 * TRANSACTIONS_PER_BATCH transactions at a time with `between` awaited after each: under
 * `wrangler dev` the indexer, D1 and the sequencer share one thread, and one batch for a block of a
 * thousand transactions would hold it (and every transaction waiting for a receipt) for tens of
 * milliseconds. The blocks' own rows go last, so a block found in D1 has all its transactions
 * there; logs are read from D1 only up to the sequencer's `indexed_through`, which moves once this
 * returns. Idempotent: re-indexing a block after a failed attempt clears its logs first and
 * replaces its rows.
 */
export async function indexSealedBlocks(
  database: D1Database,
  sealed: SealedBlockRows[],
  between: () => Promise<void> = async () => {},
): Promise<void> {
  const blockNumbers = sealed.map(({ block }) => Number(block.number))
  // Logs have no natural key: clear the blocks' logs first so that a retried attempt cannot duplicate them.
  const pending: D1PreparedStatement[] = [
    database.prepare(`${LOG_DELETE_HEAD}(${blockNumbers.map(() => '?').join(', ')})`).bind(...blockNumbers),
  ]
  const flush = async () => {
    if (pending.length > 0) await database.batch(pending.splice(0))
  }
  for (const { block, transactions: rows } of sealed)
    for (let start = 0; start < rows.length; start += TRANSACTIONS_PER_BATCH) {
      const { transactionRows, logRows } = rowsOf(block, rows.slice(start, start + TRANSACTIONS_PER_BATCH))
      pending.push(...insertRows(database, TRANSACTION_INSERT, transactionRows))
      pending.push(...insertRows(database, LOG_INSERT, logRows))
      await flush()
      await between()
    }
  const blockRows = sealed.map(({ block }) => [
    Number(block.number),
    block.hash,
    Number(block.timestamp),
    `0x${block.baseFeePerGas.toString(16)}`,
    Number(block.gasUsed),
    Number(block.gasLimit),
    block.tipDistribution,
    block.rpcBlock,
  ])
  pending.push(...insertRows(database, BLOCK_INSERT, blockRows))
  await flush()
}

/** indexSealedBlocks, written again (it is idempotent) while D1 answers that its file is locked. */
export function indexSealedBlocksWhenUnlocked(
  database: D1Database,
  sealed: SealedBlockRows[],
  between: () => Promise<void> = async () => {},
): Promise<void> {
  return withRetries(() => indexSealedBlocks(database, sealed, between), LOCKED_RETRY_DELAYS_MS, isLocked)
}

const isLocked = (error: unknown): boolean => /SQLITE_BUSY|database is locked/.test(String(error))

/**
 * A multi-row INSERT into one of the index's tables: its columns in the order rows give values,
 * named as the schema names them. The statements are D1's own, prepared from SQL text kept per row
 * count: in a profile of the sequencer's thread at 1,000 transfers a second, building and sending
 * them with drizzle's query builder was half of the indexing's samples; D1's own, a fifth.
 */
type InsertInto = {
  /** `insert into "table" ("column", …) values ` */
  head: string
  /** `(?, ?, …)`: one row's placeholders. */
  row: string
  columnCount: number
  /** ` on conflict do nothing`, or nothing. */
  tail: string
  /** The SQL text for each row count asked for so far. */
  sql: Map<number, string>
}

function insertInto<Table extends SQLiteTable>(
  table: Table,
  keys: (keyof Table['$inferInsert'] & string)[],
  ignoreConflicts: boolean,
): InsertInto {
  const columns = getTableColumns(table)
  for (const key of Object.keys(columns))
    if (!keys.includes(key as never)) throw new Error(`the ${getTableName(table)} insert leaves ${key} out`)
  const names = keys.map((key) => `"${columns[key]!.name}"`).join(', ')
  return {
    head: `insert into "${getTableName(table)}" (${names}) values `,
    row: `(${keys.map(() => '?').join(', ')})`,
    columnCount: keys.length,
    tail: ignoreConflicts ? ' on conflict do nothing' : '',
    sql: new Map(),
  }
}

const TRANSACTION_INSERT = insertInto(
  transactions,
  ['hash', 'blockNumber', 'transactionIndex', 'sender', 'recipient', 'transaction', 'receipt'],
  true,
)
const LOG_INSERT = insertInto(
  logs,
  ['blockNumber', 'logIndex', 'transactionHash', 'address', 'topic0', 'topic1', 'topic2', 'topic3', 'data'],
  false,
)
/** `delete from "logs" where "block_number" in `, named as the schema names them. */
const LOG_DELETE_HEAD = `delete from "${getTableName(logs)}" where "${logs.blockNumber.name}" in `
const BLOCK_INSERT = insertInto(
  blocks,
  ['number', 'hash', 'timestamp', 'baseFeePerGas', 'gasUsed', 'gasLimit', 'tipDistribution', 'header'],
  true,
)

/** `rows` (values in `insert`'s key order) as statements of at most D1_MAX_BOUND_PARAMETERS values. */
function insertRows(database: D1Database, insert: InsertInto, rows: unknown[][]): D1PreparedStatement[] {
  const perStatement = Math.max(1, Math.floor(D1_MAX_BOUND_PARAMETERS / insert.columnCount))
  const statements: D1PreparedStatement[] = []
  for (let start = 0; start < rows.length; start += perStatement) {
    const part = rows.slice(start, start + perStatement)
    let sql = insert.sql.get(part.length)
    if (sql === undefined) {
      sql = `${insert.head}${Array(part.length).fill(insert.row).join(', ')}${insert.tail}`
      insert.sql.set(part.length, sql)
    }
    statements.push(database.prepare(sql).bind(...part.flat()))
  }
  return statements
}

/** The D1 rows of some of a block's transactions (each with its receipt) and of their logs, as values. */
function rowsOf(
  block: StoredBlock,
  rows: StoredTransaction[],
): { transactionRows: unknown[][]; logRows: unknown[][] } {
  const transactionRows: unknown[][] = []
  const logRows: unknown[][] = []
  const blockNumber = Number(block.number)
  for (const row of rows) {
    const parsed = parseExecuted(row.hash, row.executed)
    const objects = formatRpcObjects(row, parsed, block)
    const { executed, firstLogIndex } = parsed
    transactionRows.push([
      row.hash,
      blockNumber,
      row.index,
      executed.sender,
      executed.to,
      JSON.stringify(objects.transaction),
      JSON.stringify(objects.receipt),
    ])
    for (const [i, log] of executed.logs.entries())
      logRows.push([
        blockNumber,
        firstLogIndex + i,
        row.hash,
        log.address,
        log.topics[0] ?? null,
        log.topics[1] ?? null,
        log.topics[2] ?? null,
        log.topics[3] ?? null,
        log.data,
      ])
  }
  return { transactionRows, logRows }
}
