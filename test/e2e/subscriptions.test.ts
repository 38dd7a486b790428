/**
 * WebSockets and eth_subscribe against the real server. A subscriber on every kind watches a run of
 * 1,000 transactions (ERC-20 and ETH transfers from five senders) and must see every mini-block,
 * transaction, log, head and pending hash exactly once and in order; a second connection resumes
 * from a block number and receives the same stream again. viem, ethers and cast use the WebSocket
 * as they would geth's; limits and bad parameters get geth's codes and messages.
 */
import { Contract as EthersContract, WebSocketProvider } from 'ethers'
import {
  type Address,
  createPublicClient,
  encodeFunctionData,
  type Hex,
  keccak256,
  parseEther,
  parseGwei,
  webSocket,
} from 'viem'
import { getWebSocketRpcClient } from 'viem/utils'
import { beforeAll, describe, expect, it } from 'vitest'
import { compileContracts } from '../../bench/evm/contracts.ts'
import { CHAIN_ID, cast, chainForFile, devAccounts, expectEveryBlockValidates, rpc } from './harness.ts'

const TRANSFER_TOPIC = '0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef'

const chain = chainForFile()
let wsUrl: string
beforeAll(() => {
  wsUrl = chain.l2Url.replace(/^http/, 'ws')
})

type Client = Awaited<ReturnType<typeof getWebSocketRpcClient>>
type Message = {
  result?: unknown
  error?: { code: number; message: string } | undefined
  params?: { result: unknown } | undefined
}

/** A new connection (viem caches clients by URL, so each gets its own query string). */
let connections = 0
const connect = () => getWebSocketRpcClient(`${wsUrl}/ws?connection=${++connections}`, { reconnect: false })

/** eth_subscribe on `client`: resolves with the id once answered; `received` fills as notifications come. */
function subscribe(client: Client, params: unknown[]): Promise<{ id: string; received: unknown[] }> {
  const received: unknown[] = []
  return new Promise((resolve, reject) =>
    client.request({
      body: { method: 'eth_subscribe', params },
      onResponse: (response) => {
        const message = response as Message
        if (message.error) reject(new Error(`${message.error.code}: ${message.error.message}`))
        else if (message.params) received.push(message.params.result)
        else resolve({ id: message.result as string, received })
      },
      onError: (error) => reject(error),
    }),
  )
}

async function until(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

const { Token } = compileContracts()
const deployer = devAccounts[1]!
const ethSenders = devAccounts.slice(5, 10)
const recipient = '0x00000000000000000000000000000000000ba5e1' as Address
/** `count` ETH transfers of `value` to `recipient` from `sender`, signed in nonce order from its pending nonce. */
async function signTransfers(
  sender: (typeof devAccounts)[number],
  count: number,
  value: bigint,
): Promise<Hex[]> {
  const nonce = Number(
    (await rpc(chain.l2Url, 'eth_getTransactionCount', [sender.address, 'pending'])).result,
  )
  const raws: Hex[] = []
  for (let i = 0; i < count; i++)
    raws.push(
      await sender.signTransaction({
        chainId: CHAIN_ID,
        type: 'eip1559',
        nonce: nonce + i,
        to: recipient,
        value,
        gas: 21_000n,
        maxFeePerGas: parseGwei('3'),
        maxPriorityFeePerGas: 1n,
      }),
    )
  return raws
}

const TOKEN_TRANSFERS = 500
const ETH_TRANSFERS_PER_SENDER = 100
const BATCHES = 10

type MiniBlockNotification = {
  block_number: Hex
  block_timestamp: Hex
  index: Hex
  mini_block_number: Hex
  gas_used: Hex
  transactions: { hash: Hex; blockTimestamp: Hex }[]
  receipts: {
    transactionHash: Hex
    gasUsed: Hex
    logs: { transactionHash: Hex; logIndex: Hex; blockTimestamp: Hex }[]
  }[]
}
type LogNotification = {
  transactionHash: Hex
  logIndex: Hex
  blockNumber: Hex
  blockHash: Hex
  blockTimestamp: Hex
  topics: Hex[]
}

describe('subscriptions over a WebSocket', () => {
  let token: Address
  let client: Client
  const sent: Hex[] = []
  let streams: Record<string, { id: string; received: unknown[] }>

  it('answers ordinary JSON-RPC on the WebSocket, and eth_subscribe only there', async () => {
    client = await connect()
    const chainId = await client.requestAsync({ body: { method: 'eth_chainId' } })
    expect(chainId.result).toBe(`0x${CHAIN_ID.toString(16)}`)
    expect(await rpc(chain.l2Url, 'eth_subscribe', ['newHeads'])).toMatchObject({
      error: { code: -32601, message: 'notifications not supported' },
    })
    const unknown = await client.requestAsync({ body: { method: 'eth_subscribe', params: ['blocks'] } })
    expect(unknown.error).toEqual({ code: -32601, message: 'no "blocks" subscription in eth namespace' })
    const transactionHashes = Array.from({ length: 201 }, (_, i) => `0x${i.toString(16).padStart(64, '0')}`)
    const tooMany = await client.requestAsync({
      body: { method: 'eth_subscribe', params: ['transactionReceipts', { transactionHashes }] },
    })
    expect(tooMany.error).toEqual({
      code: -32000,
      message: 'exceed max number of transaction hashes allowed per transactionReceipts subscription',
    })
    // geth's syncing subscription on a node in sync: one false, after the id.
    const syncing = await subscribe(client, ['syncing'])
    await until(() => syncing.received.length > 0, 'the syncing status')
    expect(syncing.received).toEqual([false])
  })

  it('streams every mini-block, transaction, log, head and pending hash of 1,000 transactions exactly once, in order', async () => {
    // Deploy first, so the token's address can be watched.
    const deployNonce = BigInt(
      (await rpc(chain.l2Url, 'eth_getTransactionCount', [deployer.address, 'pending'])).result as string,
    )
    const deployRaw = await deployer.signTransaction({
      chainId: CHAIN_ID,
      type: 'eip1559',
      nonce: Number(deployNonce),
      gas: 3_000_000n,
      maxFeePerGas: parseGwei('3'),
      maxPriorityFeePerGas: 1n,
      data: Token.bytecode,
    })
    const deployed = await rpc(chain.l2Url, 'eth_sendRawTransactionSync', [deployRaw])
    token = (deployed.result as { contractAddress: Address }).contractAddress
    const startBlock = BigInt((await rpc(chain.l2Url, 'eth_blockNumber')).result as string) + 1n

    streams = {
      miniBlocks: await subscribe(client, ['miniBlocks']),
      newHeads: await subscribe(client, ['newHeads']),
      realtimeLogs: await subscribe(client, [
        'logs',
        { address: token, fromBlock: 'pending', toBlock: 'pending' },
      ]),
      sealedLogs: await subscribe(client, ['logs', { address: token, topics: [TRANSFER_TOPIC] }]),
      pending: await subscribe(client, ['newPendingTransactions']),
      stateChanges: await subscribe(client, ['stateChanges', [recipient, token]]),
      receipts: await subscribe(client, ['transactionReceipts']),
    }

    // Sign everything first, then send in nonce-ordered batches as fast as the server takes them.
    const batches: Hex[][] = []
    const tokenRaws: Hex[] = []
    for (let i = 0; i < TOKEN_TRANSFERS; i++)
      tokenRaws.push(
        await deployer.signTransaction({
          chainId: CHAIN_ID,
          type: 'eip1559',
          nonce: Number(deployNonce) + 1 + i,
          to: token,
          gas: 100_000n,
          maxFeePerGas: parseGwei('3'),
          maxPriorityFeePerGas: 1n,
          data: encodeFunctionData({
            abi: Token.abi,
            functionName: 'transfer',
            args: [recipient, BigInt(i + 1)],
          }),
        }),
      )
    const ethRaws: Hex[][] = []
    for (const sender of ethSenders)
      ethRaws.push(await signTransfers(sender, ETH_TRANSFERS_PER_SENDER, parseEther('0.001')))
    const tokenPerBatch = TOKEN_TRANSFERS / BATCHES
    const ethPerBatch = ETH_TRANSFERS_PER_SENDER / BATCHES
    for (let k = 0; k < BATCHES; k++)
      batches.push([
        ...tokenRaws.slice(k * tokenPerBatch, (k + 1) * tokenPerBatch),
        ...ethRaws.flatMap((raws) => raws.slice(k * ethPerBatch, (k + 1) * ethPerBatch)),
      ])
    // geth's transactionReceipts with a list: only these three, as their blocks are sealed.
    const watched = [tokenRaws[7]!, ethRaws[2]![50]!, tokenRaws[400]!].map((raw) => keccak256(raw))
    streams.someReceipts = await subscribe(client, ['transactionReceipts', { transactionHashes: watched }])
    for (const batch of batches) {
      const response = await fetch(chain.l2Url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(
          batch.map((raw, id) => ({ jsonrpc: '2.0', id, method: 'eth_sendRawTransaction', params: [raw] })),
        ),
      })
      const answers = (await response.json()) as { result?: Hex; error?: unknown }[]
      for (const answer of answers) {
        expect(answer.error).toBeUndefined()
        sent.push(answer.result!)
      }
    }
    expect(sent.length).toBe(1_000)
    expect(new Set(sent).size).toBe(1_000)

    const miniBlocks = streams.miniBlocks!.received as MiniBlockNotification[]
    const streamedHashes = () =>
      miniBlocks.flatMap((miniBlock) => miniBlock.transactions.map((tx) => tx.hash))
    await until(() => streamedHashes().length >= 1_000, 'every transaction on the miniBlocks stream')
    // Every transaction exactly once; mini-block numbers consecutive; indices restart with each block.
    expect(streamedHashes().sort()).toEqual([...sent].sort())
    for (const [i, miniBlock] of miniBlocks.entries()) {
      expect(miniBlock.transactions.length).toBe(miniBlock.receipts.length)
      expect(miniBlock.receipts.map((receipt) => receipt.transactionHash)).toEqual(
        miniBlock.transactions.map((tx) => tx.hash),
      )
      expect(BigInt(miniBlock.gas_used)).toBe(
        miniBlock.receipts.reduce((sum, receipt) => sum + BigInt(receipt.gasUsed), 0n),
      )
      // Preconfirmed objects carry their (open) block's timestamp, as sealed ones do.
      for (const tx of miniBlock.transactions) expect(tx.blockTimestamp).toBe(miniBlock.block_timestamp)
      for (const receipt of miniBlock.receipts)
        for (const log of receipt.logs) expect(log.blockTimestamp).toBe(miniBlock.block_timestamp)
      if (i === 0) continue
      const previous = miniBlocks[i - 1]!
      expect(BigInt(miniBlock.mini_block_number)).toBe(BigInt(previous.mini_block_number) + 1n)
      expect(BigInt(miniBlock.index)).toBe(
        miniBlock.block_number === previous.block_number ? BigInt(previous.index) + 1n : 0n,
      )
    }
    // Each sender's transactions stream in nonce order.
    const order = new Map(streamedHashes().map((hash, i) => [hash, i]))
    for (const raws of [tokenRaws, ...ethRaws]) {
      const positions = raws.map((raw) => order.get(keccak256(raw))!)
      for (let i = 1; i < positions.length; i++) expect(positions[i]).toBeGreaterThan(positions[i - 1]!)
    }

    // Real-time logs: exactly the token's logs the mini-blocks' receipts carry, in the same order.
    const receiptLogs = miniBlocks.flatMap((miniBlock) =>
      miniBlock.receipts.flatMap((receipt) =>
        receipt.logs.map((log) => `${log.transactionHash}:${log.logIndex}`),
      ),
    )
    const realtimeLogs = streams.realtimeLogs!.received as LogNotification[]
    await until(() => realtimeLogs.length >= TOKEN_TRANSFERS, 'real-time logs')
    expect(realtimeLogs.map((log) => `${log.transactionHash}:${log.logIndex}`)).toEqual(receiptLogs)
    const streamedTimestamps = new Map(
      miniBlocks.map((miniBlock) => [miniBlock.block_number, miniBlock.block_timestamp]),
    )
    for (const log of realtimeLogs) expect(log.blockTimestamp).toBe(streamedTimestamps.get(log.blockNumber))

    // Sealed logs and heads: once every block of the run is sealed, they equal eth_getLogs and the blocks.
    const lastBlock = BigInt(miniBlocks[miniBlocks.length - 1]!.block_number)
    const heads = streams.newHeads!.received as { number: Hex; hash: Hex; miniBlockCount: Hex }[]
    await until(
      () => heads.some((head) => BigInt(head.number) >= lastBlock),
      'the last block of the run sealed',
    )
    for (const [i, head] of heads.entries()) {
      if (i > 0) expect(BigInt(head.number)).toBe(BigInt(heads[i - 1]!.number) + 1n)
      const block = (await rpc(chain.l2Url, 'eth_getBlockByNumber', [head.number, false])).result as {
        hash: Hex
      }
      expect(head.hash).toBe(block.hash)
      // The stream began after the deployment's mini-blocks: up to the block of the first mini-block
      // it carried (under load that block can come after the deployment's), it saw only some of them.
      if (BigInt(head.number) > BigInt(miniBlocks[0]!.block_number))
        expect(BigInt(head.miniBlockCount)).toBe(
          BigInt(miniBlocks.filter((miniBlock) => miniBlock.block_number === head.number).length),
        )
    }
    const sealedLogs = streams.sealedLogs!.received as LogNotification[]
    const getLogs = (
      await rpc(chain.l2Url, 'eth_getLogs', [
        {
          address: token,
          topics: [TRANSFER_TOPIC],
          fromBlock: `0x${startBlock.toString(16)}`,
          toBlock: `0x${lastBlock.toString(16)}`,
        },
      ])
    ).result as LogNotification[]
    // The deployment's mint shares the first block with the run.
    expect(getLogs.filter((log) => sent.includes(log.transactionHash)).length).toBe(TOKEN_TRANSFERS)
    // A block's logs follow its head on the socket: the last head can be in before they are.
    await until(() => sealedLogs.length >= getLogs.length, "the last sealed block's logs")
    expect(sealedLogs).toEqual(getLogs)
    // A sealed block keeps the timestamp its mini-blocks announced.
    for (const log of getLogs)
      if (streamedTimestamps.has(log.blockNumber))
        expect(log.blockTimestamp).toBe(streamedTimestamps.get(log.blockNumber))

    // Receipts: each sealed block's in one notification, as eth_getBlockReceipts gives them; every
    // transaction of the run once. With a list, only the listed transactions'.
    type ReceiptNotification = { transactionHash: Hex; blockNumber: Hex }[]
    const receiptBatches = streams.receipts!.received as ReceiptNotification[]
    const streamedReceipts = () => receiptBatches.flat().map((receipt) => receipt.transactionHash)
    await until(() => sent.every((hash) => streamedReceipts().includes(hash)), 'every receipt sealed')
    expect(new Set(streamedReceipts()).size).toBe(streamedReceipts().length)
    for (const receipts of receiptBatches)
      expect(receipts).toEqual(
        (await rpc(chain.l2Url, 'eth_getBlockReceipts', [receipts[0]!.blockNumber])).result,
      )
    const someReceipts = () => (streams.someReceipts!.received as ReceiptNotification[]).flat()
    await until(() => someReceipts().length >= watched.length, 'the watched receipts')
    const watchedReceipts = await Promise.all(
      watched.map(async (hash) => (await rpc(chain.l2Url, 'eth_getTransactionReceipt', [hash])).result),
    )
    const inBlockOrder = (receipts: unknown[]) =>
      [...(receipts as { blockNumber: Hex; transactionIndex: Hex }[])].sort((a, b) =>
        Number(
          BigInt(a.blockNumber) - BigInt(b.blockNumber) ||
            BigInt(a.transactionIndex) - BigInt(b.transactionIndex),
        ),
      )
    expect(someReceipts()).toEqual(inBlockOrder(watchedReceipts))

    // Pending hashes: each admitted transaction once.
    await until(() => streams.pending!.received.length >= 1_000, 'pending transaction hashes')
    expect((streams.pending!.received as Hex[]).sort()).toEqual([...sent].sort())

    // State changes: the recipient's last notification is its balance now; the token's slots changed.
    const changes = streams.stateChanges!.received as {
      address: Address
      balance: Hex
      storage: Record<string, Hex>
    }[]
    const recipientChanges = changes.filter((change) => change.address === recipient)
    expect(recipientChanges.length).toBeGreaterThan(0)
    expect(recipientChanges[recipientChanges.length - 1]!.balance).toBe(
      (await rpc(chain.l2Url, 'eth_getBalance', [recipient, 'latest'])).result,
    )
    expect(changes.some((change) => change.address === token && Object.keys(change.storage).length > 0)).toBe(
      true,
    )
  })

  it('resumes from a block number: the replay and the live stream meet without a gap or a repeat', async () => {
    const live = streams.miniBlocks!.received as MiniBlockNotification[]
    const firstBlock = BigInt(live[0]!.block_number)
    const resumed = await connect()
    const again = await subscribe(resumed, ['miniBlocks', { fromBlock: `0x${firstBlock.toString(16)}` }])
    const heads = await subscribe(resumed, ['newHeads', { fromBlock: `0x${firstBlock.toString(16)}` }])
    const logs = await subscribe(resumed, [
      'logs',
      { address: token, fromBlock: `0x${firstBlock.toString(16)}` },
    ])
    const strip = (miniBlocks: unknown[]) =>
      (miniBlocks as MiniBlockNotification[]).map((miniBlock) => ({
        number: miniBlock.mini_block_number,
        hashes: miniBlock.transactions.map((tx) => tx.hash),
      }))
    // The replay starts with the whole first block, so with the deployment before the live stream began.
    await until(
      () => strip(again.received).some((miniBlock) => miniBlock.number === live[0]!.mini_block_number),
      'the replayed mini-blocks',
    )
    const offset = strip(again.received).findIndex(
      (miniBlock) => miniBlock.number === live[0]!.mini_block_number,
    )
    await until(() => again.received.length >= offset + live.length, 'the replayed mini-blocks')
    expect(strip(again.received).slice(offset, offset + live.length)).toEqual(strip(live))
    // A transaction now arrives live on the resumed stream right after the replay.
    const nonce = Number(
      (await rpc(chain.l2Url, 'eth_getTransactionCount', [ethSenders[0]!.address, 'pending'])).result,
    )
    const raw = await ethSenders[0]!.signTransaction({
      chainId: CHAIN_ID,
      type: 'eip1559',
      nonce,
      to: recipient,
      value: 1n,
      gas: 21_000n,
      maxFeePerGas: parseGwei('3'),
      maxPriorityFeePerGas: 1n,
    })
    const hash = (await rpc(chain.l2Url, 'eth_sendRawTransactionSync', [raw])).result as {
      transactionHash: Hex
    }
    await until(
      () => strip(again.received).some((miniBlock) => miniBlock.hashes.includes(hash.transactionHash)),
      'the live mini-block',
    )
    const numbers = strip(again.received).map((miniBlock) => BigInt(miniBlock.number))
    for (let i = 1; i < numbers.length; i++) expect(numbers[i]).toBe(numbers[i - 1]! + 1n)
    const headNumbers = (heads.received as { number: Hex }[]).map((head) => BigInt(head.number))
    expect(headNumbers[0]).toBe(firstBlock)
    for (let i = 1; i < headNumbers.length; i++) expect(headNumbers[i]).toBe(headNumbers[i - 1]! + 1n)
    expect((logs.received as LogNotification[]).length).toBeGreaterThanOrEqual(TOKEN_TRANSFERS)
    resumed.close()
  })

  it('answers limits and bad parameters with geth-style codes and messages', async () => {
    const ask = async (method: string, params: unknown[]) =>
      (await client.requestAsync({ body: { method, params } })) as Message
    expect((await ask('eth_subscribe', ['stateChanges', []])).error).toMatchObject({ code: -32602 })
    expect((await ask('eth_subscribe', ['stateChanges', ['0x12']])).error).toMatchObject({ code: -32602 })
    expect((await ask('eth_subscribe', ['logs', { topics: [[], [], [], [], []] }])).error).toEqual({
      code: -32000,
      message: 'exceed max topics',
    })
    expect((await ask('eth_subscribe', ['newHeads', { fromBlock: '0xffffff' }])).error?.message).toMatch(
      /^cannot resume from block 16777215: the chain is building block \d+$/,
    )
    expect((await ask('eth_unsubscribe', [streams.pending!.id])).result).toBe(true)
    expect((await ask('eth_unsubscribe', [streams.pending!.id])).error).toEqual({
      code: -32000,
      message: 'subscription not found',
    })
    // 100 subscriptions per connection: the 101st is refused.
    const crowded = await connect()
    for (let i = 0; i < 100; i++) await subscribe(crowded, ['newHeads'])
    await expect(subscribe(crowded, ['newHeads'])).rejects.toThrow(
      '-32000: too many subscriptions on this connection: at most 100',
    )
    crowded.close()
  })

  it('works with viem, ethers and cast over the WebSocket', async () => {
    const viemClient = createPublicClient({ transport: webSocket(`${wsUrl}/?client=viem`) })
    const blocks: bigint[] = []
    const unwatch = viemClient.watchBlockNumber({ onBlockNumber: (number) => blocks.push(number) })
    const transfers: bigint[] = []
    const unwatchEvents = viemClient.watchContractEvent({
      address: token,
      abi: Token.abi,
      eventName: 'Transfer',
      onLogs: (logs) => {
        for (const log of logs) transfers.push((log as unknown as { args: { value: bigint } }).args.value)
      },
    })

    const provider = new WebSocketProvider(`${wsUrl}/?client=ethers`)
    const ethersBlocks: number[] = []
    await provider.on('block', (number: number) => ethersBlocks.push(number))
    const ethersTransfers: bigint[] = []
    const contract = new EthersContract(token, Token.abi as never, provider)
    await contract.on('Transfer', (_from: string, _to: string, value: bigint) => ethersTransfers.push(value))
    await new Promise((resolve) => setTimeout(resolve, 300))

    const nonce = Number(
      (await rpc(chain.l2Url, 'eth_getTransactionCount', [deployer.address, 'pending'])).result,
    )
    const raw = await deployer.signTransaction({
      chainId: CHAIN_ID,
      type: 'eip1559',
      nonce,
      to: token,
      gas: 100_000n,
      maxFeePerGas: parseGwei('3'),
      maxPriorityFeePerGas: 1n,
      data: encodeFunctionData({ abi: Token.abi, functionName: 'transfer', args: [recipient, 424_242n] }),
    })
    await rpc(chain.l2Url, 'eth_sendRawTransactionSync', [raw])
    await until(
      () => transfers.includes(424_242n) && ethersTransfers.includes(424_242n),
      'viem and ethers Transfer events',
    )
    await until(() => blocks.length >= 2 && ethersBlocks.length >= 2, 'viem and ethers new blocks')
    unwatch()
    unwatchEvents()
    await provider.destroy()

    const { stdout } = await cast(['block-number', '--rpc-url', `${wsUrl}/ws`])
    const httpHead = BigInt((await rpc(chain.l2Url, 'eth_blockNumber')).result as string)
    expect(BigInt(stdout.trim())).toBeGreaterThanOrEqual(httpHead - 1n)
    client.close()
  })

  it('answers synchronous sends that arrive together on one WebSocket, each with its own receipt', async () => {
    // The sequencer carries the messages waiting on its thread in one call, and wakes the rest
    // when that call ends: every one of them must come back with its receipt.
    const raws: Hex[] = []
    for (const sender of devAccounts.slice(2, 5)) raws.push(...(await signTransfers(sender, 40, 1n)))
    const together = await connect()
    const answers = await Promise.all(
      raws.map((raw) =>
        together.requestAsync({ body: { method: 'eth_sendRawTransactionSync', params: [raw] } }),
      ),
    )
    together.close()
    for (const [i, answer] of answers.entries()) {
      expect(answer.error).toBeUndefined()
      expect(answer.result).toMatchObject({ transactionHash: keccak256(raws[i]!), status: '0x1' })
    }
  })

  it('seals only blocks that validate from their witnesses', async () => {
    await expectEveryBlockValidates(chain.l2Url)
  })
})
