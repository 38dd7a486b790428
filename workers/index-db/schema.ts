/**
 * The D1 index: sealed blocks, their transactions, receipts and logs, written by the sequencer
 * after each sealed block and read by the RPC worker. The sequencer's SQLite stays the source of
 * truth; this is a query-friendly copy that can always be rebuilt from it.
 *
 * Wire objects are stored as the JSON the RPC methods return, so a read is one row, no assembly.
 * Hashes and addresses are lowercase 0x-hex text.
 */
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'

export const blocks = sqliteTable(
  'blocks',
  {
    number: integer('number').primaryKey(),
    hash: text('hash').notNull().unique(),
    timestamp: integer('timestamp').notNull(),
    baseFeePerGas: text('base_fee_per_gas').notNull(),
    gasUsed: integer('gas_used').notNull(),
    gasLimit: integer('gas_limit').notNull(),
    /** (effective tip, gas used) pairs merged by tip, ascending: eth_feeHistory's rewards for any percentile. */
    tipDistribution: text('tip_distribution').notNull(),
    /** The block as eth_getBlockByNumber returns it, with transaction hashes only. */
    header: text('header').notNull(),
  },
  (table) => [index('blocks_timestamp').on(table.timestamp)],
)

export const transactions = sqliteTable(
  'transactions',
  {
    hash: text('hash').primaryKey(),
    blockNumber: integer('block_number').notNull(),
    transactionIndex: integer('transaction_index').notNull(),
    sender: text('sender').notNull(),
    recipient: text('recipient'),
    /** eth_getTransactionByHash's object. */
    transaction: text('transaction').notNull(),
    /** eth_getTransactionReceipt's object. */
    receipt: text('receipt').notNull(),
  },
  (table) => [
    index('transactions_block').on(table.blockNumber, table.transactionIndex),
    index('transactions_sender').on(table.sender),
    index('transactions_recipient').on(table.recipient),
  ],
)

export const logs = sqliteTable(
  'logs',
  {
    blockNumber: integer('block_number').notNull(),
    logIndex: integer('log_index').notNull(),
    transactionHash: text('transaction_hash').notNull(),
    address: text('address').notNull(),
    topic0: text('topic0'),
    topic1: text('topic1'),
    topic2: text('topic2'),
    topic3: text('topic3'),
    data: text('data').notNull(),
  },
  (table) => [
    index('logs_block').on(table.blockNumber, table.logIndex),
    index('logs_address').on(table.address, table.blockNumber),
    index('logs_topic0').on(table.topic0, table.blockNumber),
  ],
)
