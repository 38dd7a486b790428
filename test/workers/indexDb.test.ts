/**
 * The D1 index inside workerd: migrations applied, and sealed blocks with their transactions and
 * receipts land in it, matching what the sequencer serves.
 */
import { env, SELF } from 'cloudflare:test'
import { parseGwei } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'

const sender = privateKeyToAccount('0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a')

async function call(method: string, params: unknown[] = []) {
  const response = await SELF.fetch('http://velox/', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  })
  return (await response.json()) as { result?: any; error?: { code: number; message: string } }
}

describe('D1 index', () => {
  it('has the migrated tables', async () => {
    const { results } = await env.INDEX_DB.prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
    ).all<{
      name: string
    }>()
    expect(results.map((row) => row.name)).toEqual(expect.arrayContaining(['blocks', 'logs', 'transactions']))
  })

  it('receives each sealed block with its transactions and receipts', async () => {
    const { receipt, row } = await sendAndAwaitIndexed()
    const blockNumber = Number(receipt.blockNumber)
    expect(row?.block_number).toBe(blockNumber)
    const indexed = JSON.parse(row!.receipt)
    const block = await env.INDEX_DB.prepare('SELECT hash, header FROM blocks WHERE number = ?')
      .bind(blockNumber)
      .first<{
        hash: string
        header: string
      }>()
    expect(indexed.blockHash).toBe(block!.hash)
    expect(JSON.parse(block!.header).transactions).toContain(receipt.transactionHash)
    expect((await call('eth_getTransactionReceipt', [receipt.transactionHash])).result).toEqual(indexed)
  })

  it("answers an indexed block's receipts and transactions by index as the sequencer's records do", async () => {
    const { receipt } = await sendAndAwaitIndexed()
    const number = receipt.blockNumber as string
    const { results } = await env.INDEX_DB.prepare(
      'SELECT transaction_index, "transaction", receipt FROM transactions WHERE block_number = ? ORDER BY transaction_index',
    )
      .bind(Number(number))
      .all<{ transaction_index: number; transaction: string; receipt: string }>()
    expect(results.length).toBeGreaterThan(0)
    const receipts = (await call('eth_getBlockReceipts', [number])).result
    expect(receipts).toEqual(results.map((row) => JSON.parse(row.receipt)))
    const sequencer = env.SEQUENCER.get(env.SEQUENCER.idFromName('chain'))
    expect(await sequencer.blockReceipts({ number: BigInt(number) })).toEqual(receipts)
    const { timestamp } = (await call('eth_getBlockByNumber', [number, false])).result
    for (const row of results) {
      const index = `0x${row.transaction_index.toString(16)}`
      const tx = (await call('eth_getTransactionByBlockNumberAndIndex', [number, index])).result
      expect(tx).toEqual(JSON.parse(row.transaction))
      expect(tx.blockTimestamp).toBe(timestamp)
      expect(await sequencer.blockTransaction({ number: BigInt(number) }, row.transaction_index)).toEqual(tx)
    }
    const past = `0x${results.length.toString(16)}`
    expect((await call('eth_getTransactionByBlockNumberAndIndex', [number, past])).result).toBeNull()
    expect(await sequencer.blockTransaction({ number: BigInt(number) }, results.length)).toBeNull()
  })
})

describe('D1 migration 0001_block_timestamp', () => {
  it("gives rows indexed before blockTimestamp their block's, on the transaction and each log", async () => {
    const { queries } = (
      env as unknown as { TEST_MIGRATIONS: { name: string; queries: string[] }[] }
    ).TEST_MIGRATIONS.find((migration) => migration.name === '0001_block_timestamp.sql')!
    expect(queries.length).toBeGreaterThan(0)
    // A block far past any the tests seal, and rows shaped as Velox wrote them before the field.
    const number = 90_000_000
    const hash = (n: number) => `0x${n.toString(16).padStart(64, '0')}`
    const log = (logIndex: number) => ({
      address: sender.address,
      topics: [],
      data: '0x',
      logIndex: `0x${logIndex}`,
    })
    const rows = [
      { hash: hash(1), index: 0, logs: [log(0), log(1), log(2)] },
      { hash: hash(2), index: 1, logs: [] },
    ]
    await env.INDEX_DB.batch([
      env.INDEX_DB.prepare("INSERT INTO blocks VALUES (?, ?, ?, '0x1', 0, 0, '[]', '{}')").bind(
        number,
        hash(number),
        1_700_000_123,
      ),
      ...rows.map((row) =>
        env.INDEX_DB.prepare('INSERT INTO transactions VALUES (?, ?, ?, ?, NULL, ?, ?)').bind(
          row.hash,
          number,
          row.index,
          sender.address,
          JSON.stringify({ hash: row.hash, blockNumber: `0x${number.toString(16)}` }),
          JSON.stringify({ transactionHash: row.hash, logs: row.logs }),
        ),
      ),
    ])
    try {
      // Twice: a second run changes nothing.
      for (let run = 0; run < 2; run++) for (const query of queries) await env.INDEX_DB.prepare(query).run()
      const { results } = await env.INDEX_DB.prepare(
        'SELECT "transaction", receipt FROM transactions WHERE block_number = ? ORDER BY transaction_index',
      )
        .bind(number)
        .all<{ transaction: string; receipt: string }>()
      expect(results.map((row) => JSON.parse(row.transaction))).toEqual(
        rows.map((row) => ({ hash: row.hash, blockNumber: '0x55d4a80', blockTimestamp: '0x6553f17b' })),
      )
      expect(results.map((row) => JSON.parse(row.receipt))).toEqual(
        rows.map((row) => ({
          transactionHash: row.hash,
          logs: row.logs.map((entry) => ({ ...entry, blockTimestamp: '0x6553f17b' })),
        })),
      )
    } finally {
      await env.INDEX_DB.batch([
        env.INDEX_DB.prepare('DELETE FROM transactions WHERE block_number = ?').bind(number),
        env.INDEX_DB.prepare('DELETE FROM blocks WHERE number = ?').bind(number),
      ])
    }
  })
})

/** Sends a transfer synchronously and waits until D1 has its row (its block sealed and indexed). */
async function sendAndAwaitIndexed() {
  const nonce = Number((await call('eth_getTransactionCount', [sender.address, 'pending'])).result)
  const raw = await sender.signTransaction({
    chainId: 7077,
    type: 'eip1559',
    to: sender.address,
    value: 1n,
    nonce,
    gas: 21_000n,
    maxFeePerGas: parseGwei('3'),
    maxPriorityFeePerGas: 1n,
  })
  const receipt = (await call('eth_sendRawTransactionSync', [raw])).result
  expect(receipt.status).toBe('0x1')
  let row: { receipt: string; block_number: number } | null = null
  for (let i = 0; i < 100 && !row; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50))
    row = await env.INDEX_DB.prepare('SELECT receipt, block_number FROM transactions WHERE hash = ?')
      .bind(receipt.transactionHash)
      .first()
  }
  return { receipt, row }
}
