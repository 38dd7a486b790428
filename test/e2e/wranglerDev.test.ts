/**
 * `npm run dev` serves the chain through `wrangler dev` rather than Miniflare: the same worker, a
 * different host. One round trip of real work proves that path end to end.
 */
import { createPublicClient, createWalletClient, http, parseGwei } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  devAccounts,
  expectEveryBlockValidates,
  startTestChain,
  type TestChain,
  veloxChain,
} from './harness.ts'

let chain: TestChain

beforeAll(async () => {
  chain = await startTestChain({ runtime: 'wrangler-dev' })
})

afterAll(async () => {
  await chain?.dispose()
})

describe('the chain under wrangler dev', () => {
  it('takes a transfer and answers its receipt, block and balances', async () => {
    const client = createPublicClient({ chain: veloxChain(chain.l2Url), transport: http(chain.l2Url) })
    const wallet = createWalletClient({
      account: devAccounts[4]!,
      chain: veloxChain(chain.l2Url),
      transport: http(chain.l2Url),
    })
    const recipient = devAccounts[5]!.address
    const before = await client.getBalance({ address: recipient })
    const request = await wallet.prepareTransactionRequest({
      to: recipient,
      value: 12_345n,
      maxFeePerGas: parseGwei('5'),
      maxPriorityFeePerGas: parseGwei('1'),
    })
    const serialized = await wallet.signTransaction(request)
    const receipt = await client.sendRawTransactionSync({ serializedTransaction: serialized })
    expect(receipt.status).toBe('success')
    expect(receipt.gasUsed).toBe(21_000n)
    expect(await client.getBalance({ address: recipient })).toBe(before + 12_345n)
    expect(await client.getTransactionCount({ address: devAccounts[4]!.address })).toBe(1)
    const sealed = await client.waitForTransactionReceipt({
      hash: receipt.transactionHash,
      pollingInterval: 100,
    })
    await expect
      .poll(async () => (await client.getBlock({ blockNumber: sealed.blockNumber })).transactions, {
        timeout: 5000,
      })
      .toContain(receipt.transactionHash)
  })
})

describe('stateless validation', () => {
  it('validates every block this chain sealed from its witness alone', async () => {
    await expectEveryBlockValidates(chain.l2Url)
  })
})
