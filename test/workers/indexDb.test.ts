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
    for (const row of results) {
      const index = `0x${row.transaction_index.toString(16)}`
      const tx = (await call('eth_getTransactionByBlockNumberAndIndex', [number, index])).result
      expect(tx).toEqual(JSON.parse(row.transaction))
      expect(await sequencer.blockTransaction({ number: BigInt(number) }, row.transaction_index)).toEqual(tx)
    }
    const past = `0x${results.length.toString(16)}`
    expect((await call('eth_getTransactionByBlockNumberAndIndex', [number, past])).result).toBeNull()
    expect(await sequencer.blockTransaction({ number: BigInt(number) }, results.length)).toBeNull()
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
