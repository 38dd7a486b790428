/**
 * `npm run dev` serves the chain through `wrangler dev` rather than Miniflare: the same worker, a
 * different host. One round trip of real work, watched on a WebSocket, proves that path end to end.
 */
import { createPublicClient, createWalletClient, http, parseGwei } from 'viem'
import { getWebSocketRpcClient } from 'viem/utils'
import { describe, expect, it } from 'vitest'
import { chainForFile, devAccounts, expectEveryBlockValidates, veloxChain } from './harness.ts'

const chain = chainForFile({ runtime: 'wrangler-dev' })

describe('the chain under wrangler dev', () => {
  it('takes a transfer and answers its receipt, block and balances', async () => {
    const client = createPublicClient({ chain: veloxChain(chain.l2Url), transport: http(chain.l2Url) })
    // The same transfer seen on the WebSocket's miniBlocks stream.
    const socket = await getWebSocketRpcClient(`${chain.l2Url.replace(/^http/, 'ws')}/ws`, {
      reconnect: false,
    })
    const streamed: string[] = []
    await new Promise<void>((resolve, reject) =>
      socket.request({
        body: { method: 'eth_subscribe', params: ['miniBlocks'] },
        onResponse: (message) => {
          if (message.error) reject(new Error(message.error.message))
          else if ('params' in message)
            for (const tx of (message.params as { result: { transactions: { hash: string }[] } }).result
              .transactions)
              streamed.push(tx.hash)
          else resolve()
        },
      }),
    )
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
    await expect.poll(() => streamed, { timeout: 5000 }).toEqual([receipt.transactionHash])
    socket.close()
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
