/**
 * eth_call and eth_estimateGas against the real server, through the clients users have: viem
 * deploys and writes without a gas limit (it estimates), reads with eth_call in real time and at a
 * sealed block; a revert answers code 3 with its data; cast calls and estimates.
 */
import {
  createPublicClient,
  createWalletClient,
  encodeAbiParameters,
  encodeFunctionData,
  getAddress,
  type Hex,
  http,
  keccak256,
  parseGwei,
} from 'viem'
import { describe, expect, it } from 'vitest'
import { compileContracts } from '../../bench/evm/contracts.ts'
import {
  CHAIN_ID,
  cast,
  chainForFile,
  devAccounts,
  expectEveryBlockValidates,
  rpc,
  veloxChain,
} from './harness.ts'

const chain = chainForFile()

const { Token } = compileContracts()
const deployer = devAccounts[2]!
const holder = devAccounts[3]!.address

describe('eth_call and eth_estimateGas', () => {
  let token: Hex
  let deployedIn: bigint

  it('viem deploys and writes with estimated gas, and reads back in real time', async () => {
    const client = createPublicClient({ chain: veloxChain(chain.l2Url), transport: http(chain.l2Url) })
    const wallet = createWalletClient({
      account: deployer,
      chain: veloxChain(chain.l2Url),
      transport: http(chain.l2Url),
    })
    const deployHash = await wallet.deployContract({
      abi: Token.abi,
      bytecode: Token.bytecode,
      maxFeePerGas: parseGwei('3'),
    })
    const deployed = await client.waitForTransactionReceipt({ hash: deployHash, pollingInterval: 20 })
    expect(deployed.status).toBe('success')
    token = deployed.contractAddress!
    deployedIn = deployed.blockNumber
    expect(
      await client.readContract({
        address: token,
        abi: Token.abi,
        functionName: 'balanceOf',
        args: [deployer.address],
      }),
    ).toBe(10n ** 30n)

    const transferHash = await wallet.writeContract({
      address: token,
      abi: Token.abi,
      functionName: 'transfer',
      args: [holder, 1_234n],
      maxFeePerGas: parseGwei('3'),
    })
    const transferred = await client.waitForTransactionReceipt({ hash: transferHash, pollingInterval: 20 })
    expect(transferred.status).toBe('success')
    // viem's limit is the estimate: enough, and not far above what the transfer used.
    const sent = await client.getTransaction({ hash: transferHash })
    expect(sent.gas).toBeGreaterThanOrEqual(transferred.gasUsed)
    expect(sent.gas).toBeLessThan((transferred.gasUsed * 3n) / 2n)
    expect(
      await client.readContract({
        address: token,
        abi: Token.abi,
        functionName: 'balanceOf',
        args: [holder],
      }),
    ).toBe(1_234n)
  })

  it('reads a sealed block’s state: before the deployment there is no code to call', async () => {
    const before = `0x${(deployedIn - 1n).toString(16)}`
    const data = encodeFunctionData({ abi: Token.abi, functionName: 'totalSupply' })
    expect((await rpc(chain.l2Url, 'eth_call', [{ to: token, data }, before])).result).toBe('0x')
    for (
      let i = 0;
      i < 100 &&
      (await rpc(chain.l2Url, 'eth_getBlockByNumber', [`0x${deployedIn.toString(16)}`, false])).result ===
        null;
      i++
    )
      await new Promise((resolve) => setTimeout(resolve, 50))
    const atDeployment = await rpc(chain.l2Url, 'eth_call', [
      { to: token, data },
      `0x${deployedIn.toString(16)}`,
    ])
    expect(BigInt(atDeployment.result as Hex)).toBe(10n ** 30n)
  })

  it('answers a revert with code 3 and its data; estimates a transfer at 21,000', async () => {
    // The holder has 1,234 tokens: sending more reverts with OpenZeppelin's ERC20InsufficientBalance.
    const data = encodeFunctionData({
      abi: Token.abi,
      functionName: 'transfer',
      args: [deployer.address, 10n ** 6n],
    })
    const call = await rpc(chain.l2Url, 'eth_call', [{ from: holder, to: token, data }, 'latest'])
    expect(call.error).toMatchObject({ code: 3, message: 'execution reverted' })
    expect(call.error?.data).toMatch(/^0xe450d38c/)
    const estimate = await rpc(chain.l2Url, 'eth_estimateGas', [{ from: holder, to: token, data }])
    expect(estimate.error).toMatchObject({ code: 3, message: 'execution reverted', data: call.error?.data })
    expect(
      (await rpc(chain.l2Url, 'eth_estimateGas', [{ from: holder, to: deployer.address, value: '0x1' }]))
        .result,
    ).toBe('0x5208')
    // State overrides: the holder given a balance it does not have, and the transfer goes through.
    const balanceSlot = keccak256(
      encodeAbiParameters([{ type: 'address' }, { type: 'uint256' }], [holder, 0n]),
    )
    const overridden = await rpc(chain.l2Url, 'eth_call', [
      { from: holder, to: token, data },
      'latest',
      { [token]: { stateDiff: { [balanceSlot]: `0x${(10n ** 6n).toString(16).padStart(64, '0')}` } } },
    ])
    expect(overridden.result).toBe(`0x${'00'.repeat(31)}01`)
    const both = await rpc(chain.l2Url, 'eth_call', [
      { to: token, data },
      'latest',
      { [token]: { state: {}, stateDiff: {} } },
    ])
    expect(both.error).toEqual({
      code: -32000,
      message: `account ${getAddress(token)} has both 'state' and 'stateDiff'`,
    })
    // Precompiles: moved (geth's movePrecompileToAddress), or given code; geth's checks and words.
    const identity = '0x0000000000000000000000000000000000000004'
    const elsewhere = '0x000000000000000000000000000000000000bEEF'
    const moved = { [identity]: { movePrecompileToAddress: elsewhere } }
    expect(
      (await rpc(chain.l2Url, 'eth_call', [{ to: elsewhere, data: '0xabcd' }, 'latest', moved])).result,
    ).toBe('0xabcd')
    expect(
      (await rpc(chain.l2Url, 'eth_call', [{ to: identity, data: '0xabcd' }, 'latest', moved])).result,
    ).toBe('0x')
    expect(
      (
        await rpc(chain.l2Url, 'eth_call', [
          { to: identity, data: '0xabcd' },
          'latest',
          { [identity]: { code: '0x602a60005260206000f3' } },
        ])
      ).result,
    ).toBe(`0x${'00'.repeat(31)}2a`)
    expect(
      (
        await rpc(chain.l2Url, 'eth_call', [
          { to: token, data },
          'latest',
          { [token]: { movePrecompileToAddress: elsewhere } },
        ])
      ).error,
    ).toEqual({ code: -32000, message: `account ${getAddress(token)} is not a precompile` })
    expect(
      (
        await rpc(chain.l2Url, 'eth_call', [
          { to: elsewhere, data: '0xabcd' },
          'latest',
          { ...moved, [elsewhere]: { balance: '0x1' } },
        ])
      ).error,
    ).toEqual({ code: -32000, message: `account ${getAddress(elsewhere)} is already overridden` })
    // Block overrides are taken (src/execution/callOverrides.test.ts checks NUMBER follows them).
    const block = await rpc(chain.l2Url, 'eth_call', [
      { to: token, data: '0x18160ddd' },
      'latest',
      null,
      { number: '0x1000' },
    ])
    expect(BigInt(block.result as Hex)).toBe(10n ** 30n)
    expect(
      (await rpc(chain.l2Url, 'eth_call', [{ to: token, gasPrice: '0x1', maxFeePerGas: '0x1' }])).error?.code,
    ).toBe(-32602)
  })

  it('eth_getLogs: by address, topic, block range and block hash; limits answered clearly', async () => {
    const client = createPublicClient({ chain: veloxChain(chain.l2Url), transport: http(chain.l2Url) })
    const head = BigInt((await rpc(chain.l2Url, 'eth_blockNumber')).result as Hex)
    for (let i = 0; i < 100 && BigInt((await rpc(chain.l2Url, 'eth_blockNumber')).result as Hex) <= head; i++)
      await new Promise((resolve) => setTimeout(resolve, 50))
    const events = await client.getContractEvents({
      address: token,
      abi: Token.abi,
      eventName: 'Transfer',
      fromBlock: deployedIn,
      toBlock: 'latest',
    })
    expect(events.map((event) => event.args)).toEqual([
      { from: '0x0000000000000000000000000000000000000000', to: deployer.address, value: 10n ** 30n },
      { from: deployer.address, to: holder, value: 1_234n },
    ])
    // Topic position 2 (the indexed `to`), and the same log by its block hash.
    const toHolder = `0x${holder.slice(2).toLowerCase().padStart(64, '0')}`
    const byTopic = (
      await rpc(chain.l2Url, 'eth_getLogs', [{ fromBlock: '0x0', topics: [null, null, toHolder] }])
    ).result as { blockHash: Hex; logIndex: Hex; transactionHash: Hex }[]
    expect(byTopic).toHaveLength(1)
    expect(byTopic[0]!.transactionHash).toBe(events[1]!.transactionHash)
    // geth 1.16's blockTimestamp: the block's, on the log, its receipt's logs and its transaction.
    const block = (await rpc(chain.l2Url, 'eth_getBlockByHash', [byTopic[0]!.blockHash, true])).result as {
      timestamp: Hex
      transactions: { hash: Hex; blockTimestamp: Hex }[]
    }
    expect(byTopic[0]).toMatchObject({ blockTimestamp: block.timestamp })
    const receipt = (await rpc(chain.l2Url, 'eth_getTransactionReceipt', [byTopic[0]!.transactionHash]))
      .result as { logs: unknown[] }
    expect(receipt.logs).toContainEqual(byTopic[0])
    for (const tx of block.transactions) expect(tx.blockTimestamp).toBe(block.timestamp)
    expect(
      (await rpc(chain.l2Url, 'eth_getTransactionByHash', [byTopic[0]!.transactionHash])).result,
    ).toMatchObject({ blockTimestamp: block.timestamp })
    const byHash = await rpc(chain.l2Url, 'eth_getLogs', [
      { blockHash: byTopic[0]!.blockHash, address: token, topics: [null, null, toHolder] },
    ])
    expect(byHash.result).toEqual(byTopic)
    const wholeBlock = await rpc(chain.l2Url, 'eth_getLogs', [{ blockHash: byTopic[0]!.blockHash }])
    expect((wholeBlock.result as unknown[]).length).toBeGreaterThanOrEqual(1)
    // More topic positions than the log has never match.
    const tooLong = await rpc(chain.l2Url, 'eth_getLogs', [
      { fromBlock: '0x0', address: token, topics: [null, null, null, null] },
    ])
    expect(tooLong.result).toEqual([])

    // eth_getLogsWithCursor: everything fits one page, so no cursor; resuming after the first log
    // (the cursor is "<block hex>.<log index hex>", opaque to clients) gives the rest.
    const all = (await rpc(chain.l2Url, 'eth_getLogs', [{ fromBlock: '0x0', address: token }])).result as {
      blockNumber: Hex
      logIndex: Hex
    }[]
    expect(
      (await rpc(chain.l2Url, 'eth_getLogsWithCursor', [{ fromBlock: '0x0', address: token }])).result,
    ).toEqual({
      logs: all,
    })
    const cursor = `${BigInt(all[0]!.blockNumber).toString(16)}.${BigInt(all[0]!.logIndex).toString(16)}`
    const resumed = await rpc(chain.l2Url, 'eth_getLogsWithCursor', [
      { fromBlock: '0x0', address: token, cursor },
    ])
    expect(resumed.result).toEqual({ logs: all.slice(1) })
    expect(
      (await rpc(chain.l2Url, 'eth_getLogsWithCursor', [{ fromBlock: '0x0', cursor: 'xyz' }])).error?.code,
    ).toBe(-32602)

    const error = async (filter: unknown) => (await rpc(chain.l2Url, 'eth_getLogs', [filter])).error
    expect(await error({ topics: [null, null, null, null, null] })).toEqual({
      code: -32000,
      message: 'exceed max topics',
    })
    expect(await error({ fromBlock: '0x2', toBlock: '0x1' })).toEqual({
      code: -32000,
      message: 'invalid block range params',
    })
    expect(await error({ blockHash: byTopic[0]!.blockHash, fromBlock: '0x1' })).toEqual({
      code: -32000,
      message: 'cannot specify both BlockHash and FromBlock/ToBlock, choose one or the other',
    })
    expect(await error({ address: Array.from({ length: 91 }, () => token) })).toMatchObject({ code: -32000 })
    expect(await error({ blockHash: `0x${'ab'.repeat(32)}` })).toEqual({
      code: -32000,
      message: 'unknown block',
    })
    expect((await error('nope'))?.code).toBe(-32602)
  })

  it('polling filters: blocks, logs and pending transactions, each reported once', async () => {
    const client = createPublicClient({ chain: veloxChain(chain.l2Url), transport: http(chain.l2Url) })
    const wallet = createWalletClient({
      account: deployer,
      chain: veloxChain(chain.l2Url),
      transport: http(chain.l2Url),
    })
    const blocks = await client.createBlockFilter()
    const events = await client.createContractEventFilter({
      address: token,
      abi: Token.abi,
      eventName: 'Transfer',
    })
    const pending = await client.createPendingTransactionFilter()
    const fullPending = (await rpc(chain.l2Url, 'eth_newPendingTransactionFilter', [true])).result as Hex
    const hash = await wallet.writeContract({
      address: token,
      abi: Token.abi,
      functionName: 'transfer',
      args: [holder, 7n],
      maxFeePerGas: parseGwei('3'),
    })
    expect(await client.getFilterChanges({ filter: pending })).toEqual([hash])
    expect(await client.getFilterChanges({ filter: pending })).toEqual([])
    // As geth's pool: a transaction behind a nonce gap is reported once the gap fills, not before.
    const next = await client.getTransactionCount({ address: deployer.address, blockTag: 'pending' })
    const send = async (nonce: number) =>
      client.sendRawTransaction({
        serializedTransaction: await wallet.signTransaction({
          to: holder,
          value: 1n,
          gas: 21_000n,
          nonce,
          maxFeePerGas: parseGwei('3'),
          maxPriorityFeePerGas: 1n,
        }),
      })
    const gapped = await send(next + 1)
    expect(await client.getFilterChanges({ filter: pending })).toEqual([])
    const filling = await send(next)
    expect(await client.getFilterChanges({ filter: pending })).toEqual([filling, gapped])
    // geth's fullTx: the transactions as eth_getTransactionByHash gave them while pooled.
    const full = (await rpc(chain.l2Url, 'eth_getFilterChanges', [fullPending])).result as {
      hash: Hex
      from: Hex
      blockHash: Hex | null
    }[]
    expect(full.map((tx) => [tx.hash, tx.from, tx.blockHash])).toEqual([
      [hash, deployer.address.toLowerCase(), null],
      [filling, deployer.address.toLowerCase(), null],
      [gapped, deployer.address.toLowerCase(), null],
    ])
    const receipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 20 })
    for (let i = 0; i < 100 && (await client.getBlockNumber({ cacheTime: 0 })) < receipt.blockNumber; i++)
      await new Promise((resolve) => setTimeout(resolve, 50))
    const sealed = await client.getBlock({ blockNumber: receipt.blockNumber })
    expect(await client.getFilterChanges({ filter: blocks })).toContain(sealed.hash)
    const logs = await client.getFilterChanges({ filter: events })
    expect(logs.map((log) => [log.transactionHash, log.args])).toEqual([
      [hash, { from: deployer.address, to: holder, value: 7n }],
    ])
    expect(await client.getFilterChanges({ filter: events })).toEqual([])
    expect(await client.uninstallFilter({ filter: blocks })).toBe(true)
    expect((await rpc(chain.l2Url, 'eth_getFilterChanges', [blocks.id])).error).toEqual({
      code: -32000,
      message: 'filter not found',
    })
    expect((await rpc(chain.l2Url, 'eth_getFilterChanges', ['nope'])).error?.code).toBe(-32602)
  })

  it('eth_callMany: bundles see earlier messages, and a sealed block can be entered mid-way', async () => {
    const balanceOf = (owner: Hex) =>
      encodeFunctionData({ abi: Token.abi, functionName: 'balanceOf', args: [owner] })
    const move = encodeFunctionData({
      abi: Token.abi,
      functionName: 'transfer',
      args: [deployer.address, 4n],
    })
    const tooMuch = encodeFunctionData({
      abi: Token.abi,
      functionName: 'transfer',
      args: [deployer.address, 10n ** 9n],
    })
    const before = BigInt(
      (await rpc(chain.l2Url, 'eth_call', [{ to: token, data: balanceOf(holder) }])).result as Hex,
    )
    const answer = await rpc(chain.l2Url, 'eth_callMany', [
      [
        {
          transactions: [
            { from: holder, to: token, data: move },
            { to: token, data: balanceOf(holder) },
          ],
        },
        {
          transactions: [
            { from: holder, to: token, data: tooMuch },
            { to: token, data: balanceOf(holder) },
          ],
        },
      ],
      { blockNumber: 'latest', transactionIndex: -1 },
    ])
    const results = answer.result as { value?: Hex; error?: string }[][]
    const [moved, afterMove] = results[0]!
    const [reverted, afterRevert] = results[1]!
    expect(moved!.value).toBe(`0x${'00'.repeat(31)}01`)
    expect(BigInt(afterMove!.value!)).toBe(before - 4n)
    expect(reverted).toEqual({ error: 'execution reverted' })
    expect(BigInt(afterRevert!.value!)).toBe(before - 4n)
    // Nothing was kept.
    expect(
      BigInt((await rpc(chain.l2Url, 'eth_call', [{ to: token, data: balanceOf(holder) }])).result as Hex),
    ).toBe(before)

    // The deployment is transaction 0 of its block: before it there is no token, after it there is.
    const supply = encodeFunctionData({ abi: Token.abi, functionName: 'totalSupply' })
    const at = (transactionIndex: number) =>
      rpc(chain.l2Url, 'eth_callMany', [
        [{ transactions: [{ to: token, data: supply }] }],
        { blockNumber: `0x${deployedIn.toString(16)}`, transactionIndex },
      ])
    expect((await at(0)).result).toEqual([[{ value: '0x' }]])
    expect(BigInt(((await at(1)).result as { value: Hex }[][])[0]![0]!.value)).toBe(10n ** 30n)
    expect((await rpc(chain.l2Url, 'eth_callMany', [[], {}])).error?.code).toBe(-32602)
  })

  it('realtime_sendRawTransaction (MegaETH) answers with the receipt, as eth_sendRawTransactionSync', async () => {
    const sender = devAccounts[5]!
    const raw = await sender.signTransaction({
      chainId: veloxChain(chain.l2Url).id,
      type: 'eip1559',
      to: holder,
      value: 5n,
      nonce: Number((await rpc(chain.l2Url, 'eth_getTransactionCount', [sender.address, 'pending'])).result),
      gas: 21_000n,
      maxFeePerGas: parseGwei('3'),
      maxPriorityFeePerGas: parseGwei('0.001'),
    })
    const answer = await rpc(chain.l2Url, 'realtime_sendRawTransaction', [raw])
    expect(answer.result).toMatchObject({ status: '0x1', gasUsed: '0x5208', to: holder.toLowerCase() })
  })

  it('eth_fillTransaction fills what a send needs; signed as filled, it executes. Signing methods refuse', async () => {
    const sender = devAccounts[5]!
    const data = encodeFunctionData({ abi: Token.abi, functionName: 'transfer', args: [holder, 0n] })
    const fill = async (object: Record<string, unknown>) => rpc(chain.l2Url, 'eth_fillTransaction', [object])
    const answer = (await fill({ from: sender.address, to: token, input: data })).result as {
      raw: Hex
      tx: Record<string, Hex | null>
    }
    const { tx } = answer
    expect(tx).toMatchObject({
      type: '0x2',
      chainId: `0x${CHAIN_ID.toString(16)}`,
      nonce: (await rpc(chain.l2Url, 'eth_getTransactionCount', [sender.address, 'pending'])).result,
      to: token.toLowerCase(),
      gasPrice: null,
      value: '0x0',
      input: data,
      v: '0x0',
      r: '0x0',
      s: '0x0',
      yParity: '0x0',
      hash: keccak256(answer.raw),
    })
    // The estimate: a transfer of 0 tokens reverts for nobody and costs more than a plain transfer.
    expect(BigInt(tx.gas!)).toBeGreaterThan(21_000n)
    const latest = (await rpc(chain.l2Url, 'eth_getBlockByNumber', ['latest', false])).result as {
      baseFeePerGas: Hex
    }
    expect(BigInt(tx.maxFeePerGas!)).toBeGreaterThanOrEqual(2n * BigInt(latest.baseFeePerGas))
    const signed = await sender.signTransaction({
      type: 'eip1559',
      chainId: Number(tx.chainId),
      nonce: Number(tx.nonce),
      to: tx.to!,
      gas: BigInt(tx.gas!),
      maxFeePerGas: BigInt(tx.maxFeePerGas!),
      maxPriorityFeePerGas: BigInt(tx.maxPriorityFeePerGas!),
      value: 0n,
      data: tx.input!,
    })
    const receipt = await rpc(chain.l2Url, 'eth_sendRawTransactionSync', [signed])
    expect(receipt.result).toMatchObject({ status: '0x1' })

    // A gas price makes it legacy; what geth refuses is refused.
    expect(
      (
        (await fill({ from: sender.address, to: holder, gasPrice: '0x1', gas: '0x5208' })).result as {
          tx: Record<string, unknown>
        }
      ).tx,
    ).toMatchObject({ type: '0x0', gas: '0x5208', gasPrice: '0x1', maxFeePerGas: null })
    expect((await fill({ from: sender.address, chainId: '0x1', to: holder })).error).toEqual({
      code: -32000,
      message: `chainId does not match node's (have=1, want=${CHAIN_ID})`,
    })
    expect((await fill({ from: sender.address })).error).toEqual({
      code: -32000,
      message: 'contract creation without any data provided',
    })
    expect(
      (
        await fill({
          from: sender.address,
          to: token,
          input: encodeFunctionData({ abi: Token.abi, functionName: 'transfer', args: [holder, 10n ** 40n] }),
        })
      ).error,
    ).toMatchObject({ code: 3, message: expect.stringMatching(/^execution reverted/) })
    expect((await rpc(chain.l2Url, 'eth_pendingTransactions', [])).result).toEqual([])
    for (const [method, params] of [
      ['eth_sendTransaction', [{ from: sender.address, to: holder }]],
      ['eth_signTransaction', [{ from: sender.address, to: holder }]],
      ['eth_sign', [sender.address, '0xdeadbeef']],
    ] as const)
      expect((await rpc(chain.l2Url, method, [...params])).error, method).toEqual({
        code: -32000,
        message: 'unknown account',
      })
  })

  it('txpool_status and txpool_content: a transaction behind a nonce gap is queued', async () => {
    const nonce = Number(
      (await rpc(chain.l2Url, 'eth_getTransactionCount', [deployer.address, 'pending'])).result,
    )
    const gapped = await deployer.signTransaction({
      chainId: veloxChain(chain.l2Url).id,
      type: 'eip1559',
      to: holder,
      value: 1n,
      nonce: nonce + 3,
      gas: 21_000n,
      maxFeePerGas: parseGwei('3'),
      maxPriorityFeePerGas: parseGwei('0.001'),
    })
    const hash = (await rpc(chain.l2Url, 'eth_sendRawTransaction', [gapped])).result
    expect((await rpc(chain.l2Url, 'txpool_status')).result).toEqual({ pending: '0x0', queued: '0x1' })
    const content = (await rpc(chain.l2Url, 'txpool_content')).result as {
      pending: object
      queued: Record<string, Record<string, { hash: Hex; nonce: Hex }>>
    }
    expect(content.pending).toEqual({})
    expect(content.queued[deployer.address]?.[String(nonce + 3)]).toMatchObject({
      hash,
      nonce: `0x${(nonce + 3).toString(16)}`,
      blockHash: null,
      blockNumber: null,
      blockTimestamp: null,
      transactionIndex: null,
    })
    expect((await rpc(chain.l2Url, 'eth_getTransactionByHash', [hash])).result).toEqual(
      content.queued[deployer.address]?.[String(nonce + 3)],
    )
    // geth's other two views: one sender's transactions, and one line a transaction.
    const from = (await rpc(chain.l2Url, 'txpool_contentFrom', [deployer.address.toLowerCase()])).result
    expect(from).toEqual({ pending: {}, queued: content.queued[deployer.address] })
    expect((await rpc(chain.l2Url, 'txpool_contentFrom', [holder])).result).toEqual({
      pending: {},
      queued: {},
    })
    expect((await rpc(chain.l2Url, 'txpool_inspect')).result).toEqual({
      pending: {},
      queued: {
        [deployer.address]: {
          [String(nonce + 3)]: `${getAddress(holder)}: 1 wei + 21000 gas × ${parseGwei('3')} wei`,
        },
      },
    })
    expect((await rpc(chain.l2Url, 'txpool_contentFrom', ['0x12'])).error).toEqual({
      code: -32602,
      message: 'invalid argument 0: hex string has length 2, want 40 for common.Address',
    })
  })

  it('cast calls and estimates', async () => {
    const balance = await cast([
      'call',
      '--rpc-url',
      chain.l2Url,
      token,
      'balanceOf(address)(uint256)',
      holder,
    ])
    expect(balance.stdout.trim()).toBe('1241')
    const estimate = await cast([
      'estimate',
      '--rpc-url',
      chain.l2Url,
      '--from',
      holder,
      token,
      'transfer(address,uint256)',
      deployer.address,
      '1',
    ])
    expect(Number(estimate.stdout.trim())).toBeGreaterThan(21_000)
  })

  it('eth_createAccessList: the slots and accounts a call touches, and the gas it then uses', async () => {
    const client = createPublicClient({ chain: veloxChain(chain.l2Url), transport: http(chain.l2Url) })
    const recipient = '0x000000000000000000000000000000000000a11c'
    const data = encodeFunctionData({ abi: Token.abi, functionName: 'transfer', args: [recipient, 41n] })
    const balanceSlot = (owner: Hex) =>
      keccak256(encodeAbiParameters([{ type: 'address' }, { type: 'uint256' }], [owner, 0n]))
    const created = await client.createAccessList({ account: holder, to: token, data })
    // The token's two balances; the sender and the token as accounts are warm anyway, left out.
    expect(created.accessList).toEqual([
      {
        address: token.toLowerCase(),
        storageKeys: [balanceSlot(holder), balanceSlot(recipient)].sort(),
      },
    ])
    expect(created).not.toHaveProperty('error')
    // Sent with that list, the transfer uses exactly the gas the answer gave.
    const wallet = createWalletClient({
      account: devAccounts[3]!,
      chain: veloxChain(chain.l2Url),
      transport: http(chain.l2Url),
    })
    const hash = await wallet.sendTransaction({
      to: token,
      data,
      accessList: created.accessList,
      maxFeePerGas: parseGwei('3'),
    })
    const receipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 20 })
    expect(receipt.status).toBe('success')
    expect(receipt.gasUsed).toBe(created.gasUsed)

    // cast asks the same question.
    const fromCast = await cast([
      'access-list',
      '--rpc-url',
      chain.l2Url,
      '--from',
      holder,
      token,
      'transfer(address,uint256)',
      recipient,
      '41',
      '--json',
    ])
    expect(JSON.parse(fromCast.stdout).accessList).toEqual(created.accessList)

    // A call that reverts still answers its list, with the error; one that cannot start is refused.
    const tooMuch = encodeFunctionData({
      abi: Token.abi,
      functionName: 'transfer',
      args: [recipient, 10n ** 40n],
    })
    const reverted = (
      await rpc(chain.l2Url, 'eth_createAccessList', [{ from: holder, to: token, data: tooMuch }])
    ).result as { accessList: { address: Hex }[]; error: string; gasUsed: Hex }
    expect(reverted.error).toBe('execution reverted')
    expect(reverted.accessList.map((entry) => entry.address)).toEqual([token.toLowerCase()])
    const broke = await rpc(chain.l2Url, 'eth_createAccessList', [
      { from: '0x000000000000000000000000000000000000dead', to: token, value: '0x1' },
      'latest',
    ])
    expect(broke.error?.code).toBe(-32000)
    expect(broke.error?.message).toMatch(
      /^failed to apply transaction: 0x[0-9a-f]{64} err: insufficient funds for gas \* price \+ value: address 0x000000000000000000000000000000000000dead have 0 want 1$/,
    )
  })
  it('eth_simulateV1: viem simulateBlocks and simulateCalls, overrides, transfers, geth codes', async () => {
    const client = createPublicClient({ chain: veloxChain(chain.l2Url), transport: http(chain.l2Url) })
    const recipient = '0x000000000000000000000000000000000000a55e'
    const stranger = '0x0000000000000000000000000000000000005e1f'
    const payee = '0x000000000000000000000000000000000000fa1d'
    const balanceOf = async (owner: Hex) =>
      (await client.readContract({
        address: token,
        abi: Token.abi,
        functionName: 'balanceOf',
        args: [owner],
      })) as bigint
    const balanceCall = (owner: Hex) => ({
      to: token,
      data: encodeFunctionData({ abi: Token.abi, functionName: 'balanceOf', args: [owner] }),
    })
    const transferCall = (amount: bigint) => ({
      to: token,
      data: encodeFunctionData({ abi: Token.abi, functionName: 'transfer', args: [recipient, amount] }),
    })
    const before = await balanceOf(recipient)
    const blocks = await client.simulateBlocks({
      blocks: [
        {
          stateOverrides: [{ address: stranger, balance: 10n ** 18n }],
          calls: [
            { account: holder, ...transferCall(5n) },
            balanceCall(recipient),
            { account: stranger, to: payee, value: 1_000n },
          ],
        },
        { calls: [balanceCall(recipient)] },
      ],
      traceTransfers: true,
      returnFullTransactions: true,
    })
    expect(blocks).toHaveLength(2)
    const [first, second] = blocks
    // Grown on the latest sealed block, numbered and timed after it, chained by hash.
    const parent = await client.getBlock({ blockHash: first!.parentHash })
    expect(first!.number).toBe(parent.number + 1n)
    expect(first!.timestamp).toBe(parent.timestamp + 12n)
    expect(second!.parentHash).toBe(first!.hash)
    expect(first!.stateRoot).not.toBe(parent.stateRoot)
    const [transfer, balance, payment] = first!.calls
    expect(transfer).toMatchObject({ status: 'success', data: `0x${'1'.padStart(64, '0')}` })
    expect(transfer!.logs!.map((log) => log.address)).toEqual([token.toLowerCase()])
    expect(BigInt(balance!.data)).toBe(before + 5n)
    expect(BigInt(second!.calls[0]!.data)).toBe(before + 5n)
    // traceTransfers: the ether payment as an ERC-7528 Transfer log.
    expect(payment!.logs).toHaveLength(1)
    expect(payment!.logs![0]).toMatchObject({
      address: '0xeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee',
      topics: [
        '0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef',
        `0x${stranger.slice(2).padStart(64, '0')}`,
        `0x${payee.slice(2).padStart(64, '0')}`,
      ],
      data: `0x${(1_000).toString(16).padStart(64, '0')}`,
      blockHash: first!.hash,
      logIndex: 1,
      transactionIndex: 2,
    })
    const transactions = first!.transactions as { from: Hex; to: Hex; hash: Hex }[]
    expect(transactions.map((tx) => [tx.from, tx.to])).toEqual([
      [holder.toLowerCase(), token.toLowerCase()],
      ['0x0000000000000000000000000000000000000000', token.toLowerCase()],
      [stranger, payee],
    ])
    expect(transactions[2]!.hash).toBe(payment!.logs![0]!.transactionHash)
    // Nothing was kept.
    expect(await balanceOf(recipient)).toBe(before)

    // simulateCalls (one block, from one account) reads the same answers.
    const { results } = await client.simulateCalls({
      account: holder,
      calls: [transferCall(7n), balanceCall(recipient)],
    })
    expect(results.map((result) => result.status)).toEqual(['success', 'success'])
    expect(BigInt(results[1]!.data)).toBe(before + 7n)

    // Gaps are filled with empty blocks; a sealed block is a base too (before the token: no code).
    const gapped = await rpc(chain.l2Url, 'eth_simulateV1', [
      { blockStateCalls: [{}, { blockOverrides: { number: `0x${(deployedIn + 2n).toString(16)}` } }] },
      `0x${(deployedIn - 1n).toString(16)}`,
    ])
    const gappedBlocks = gapped.result as { number: Hex; calls: unknown[] }[]
    expect(gappedBlocks.map((block) => BigInt(block.number))).toEqual([
      deployedIn,
      deployedIn + 1n,
      deployedIn + 2n,
    ])
    const noCode = await rpc(chain.l2Url, 'eth_simulateV1', [
      { blockStateCalls: [{ calls: [balanceCall(holder)] }] },
      `0x${(deployedIn - 1n).toString(16)}`,
    ])
    expect((noCode.result as { calls: { returnData: Hex; status: Hex }[] }[])[0]!.calls[0]).toMatchObject({
      returnData: '0x',
      status: '0x1',
    })

    // A revert is the call's result (code 3 with its data); what the chain would refuse fails the request.
    const tooMuch = encodeFunctionData({
      abi: Token.abi,
      functionName: 'transfer',
      args: [recipient, 10n ** 40n],
    })
    const reverted = await rpc(chain.l2Url, 'eth_simulateV1', [
      { blockStateCalls: [{ calls: [{ from: holder, to: token, data: tooMuch }] }] },
    ])
    const revertedCall = (
      reverted.result as { calls: { status: Hex; error: { code: number; data: Hex } }[] }[]
    )[0]!.calls[0]!
    expect(revertedCall.status).toBe('0x0')
    expect(revertedCall.error.code).toBe(3)
    expect(revertedCall.error.data).toMatch(/^0x[0-9a-f]+$/)
    const codeOf = async (options: unknown) =>
      (await rpc(chain.l2Url, 'eth_simulateV1', [options])).error as { code: number; message: string }
    expect(await codeOf({ blockStateCalls: [] })).toEqual({ code: -32602, message: 'empty input' })
    expect(await codeOf({ blockStateCalls: [{ blockOverrides: { number: '0x1' } }] })).toMatchObject({
      code: -38020,
    })
    expect(await codeOf({ blockStateCalls: Array.from({ length: 257 }, () => ({})) })).toEqual({
      code: -38026,
      message: 'too many blocks',
    })
    expect(
      await codeOf({
        blockStateCalls: [{ calls: [{ from: holder, to: payee, nonce: '0x0' }] }],
        validation: true,
      }),
    ).toMatchObject({ code: -38010 })
    expect(
      await codeOf({ blockStateCalls: [{ calls: [{ from: stranger, to: payee, value: '0x1' }] }] }),
    ).toMatchObject({ code: -38014 })
  })
  it('EIP-7702 authorization lists in calls: eth_call, eth_estimateGas and eth_simulateV1', async () => {
    const client = createPublicClient({ chain: veloxChain(chain.l2Url), transport: http(chain.l2Url) })
    const authority = devAccounts[6]!
    const signed = await authority.signAuthorization({
      chainId: CHAIN_ID,
      address: token,
      nonce: await client.getTransactionCount({ address: authority.address }),
    })
    const totalSupply = encodeFunctionData({ abi: Token.abi, functionName: 'totalSupply' })
    const call = { account: holder, to: authority.address, data: totalSupply } as const
    // Without the delegation the account has no code; with it, the token's code runs on the
    // account's own (empty) storage.
    expect((await client.call(call)).data).toBeUndefined()
    expect((await client.call({ ...call, authorizationList: [signed] })).data).toBe(`0x${'00'.repeat(32)}`)
    const plain = await client.estimateGas(call)
    const delegated = await client.estimateGas({ ...call, authorizationList: [signed] })
    expect(delegated).toBeGreaterThan(plain + 12_500n)
    const [block] = await client.simulateBlocks({
      blocks: [{ calls: [{ ...call, authorizationList: [signed] }] }],
      returnFullTransactions: true,
    })
    expect(block!.calls[0]!.data).toBe(`0x${'00'.repeat(32)}`)
    expect((block!.transactions[0] as { type: string }).type).toBe('eip7702')
    expect(
      (block!.transactions[0] as unknown as { authorizationList: unknown[] }).authorizationList,
    ).toMatchObject([{ address: token, chainId: CHAIN_ID, nonce: signed.nonce }])
    // Nothing was kept: the account still has no code.
    expect(await client.getCode({ address: authority.address })).toBeUndefined()

    // Sent for real, the transaction carries its list, and the account is delegated.
    const wallet = createWalletClient({
      account: devAccounts[3]!,
      chain: veloxChain(chain.l2Url),
      transport: http(chain.l2Url),
    })
    const hash = await wallet.sendTransaction({
      to: authority.address,
      data: totalSupply,
      authorizationList: [signed],
      maxFeePerGas: parseGwei('3'),
    })
    expect((await client.waitForTransactionReceipt({ hash, pollingInterval: 20 })).status).toBe('success')
    const sent = await client.getTransaction({ hash })
    expect(sent.type).toBe('eip7702')
    expect(sent.authorizationList).toMatchObject([{ address: token, chainId: CHAIN_ID, nonce: signed.nonce }])
    expect(await client.getCode({ address: authority.address })).toBe(`0xef0100${token.slice(2)}`)
  })
})

describe('stateless validation', () => {
  it('validates every block this chain sealed from its witness alone', async () => {
    await expectEveryBlockValidates(chain.l2Url)
  })
})
