/**
 * End to end: anvil + the Velox worker in workerd (Miniflare, as `npm start` runs it), driven by the
 * clients users have (viem, ethers, cast). wranglerDev.test.ts covers `wrangler dev`.
 */
import { parseEther as ethersParseEther, JsonRpcProvider, Wallet } from 'ethers'
import {
  type Address,
  createPublicClient,
  createWalletClient,
  type Hash,
  type Hex,
  hexToBytes,
  http,
  keccak256,
  type PublicClient,
  parseEther,
  parseGwei,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { beforeAll, describe, expect, it } from 'vitest'
import { crc32 } from '../../src/rpc/chainConfigView.ts'
import {
  CHAIN_ID,
  cast,
  chainForFile,
  devAccounts,
  devKeys,
  expectEveryBlockValidates,
  rpc,
  veloxChain,
} from './harness.ts'

const chain = chainForFile()
let client: PublicClient

beforeAll(() => {
  client = createPublicClient({
    chain: veloxChain(chain.l2Url),
    transport: http(chain.l2Url),
    pollingInterval: 50,
  })
})

const wallet = (index: number) =>
  createWalletClient({
    account: devAccounts[index]!,
    chain: veloxChain(chain.l2Url),
    transport: http(chain.l2Url),
    pollingInterval: 50,
  })

describe('chain basics', () => {
  it('answers chain id, client version and funded development accounts', async () => {
    expect(await client.getChainId()).toBe(CHAIN_ID)
    expect((await rpc(chain.l2Url, 'net_version')).result).toBe(String(CHAIN_ID))
    expect((await rpc(chain.l2Url, 'web3_clientVersion')).result).toMatch(/^Velox\//)
    expect((await rpc(chain.l2Url, 'eth_syncing')).result).toBe(false)
    expect((await rpc(chain.l2Url, 'eth_accounts')).result).toEqual([])
    expect(await client.getBalance({ address: devAccounts[9]!.address })).toBe(parseEther('10000'))
    expect((await rpc(chain.l2Url, 'net_listening')).result).toBe(true)
    expect((await rpc(chain.l2Url, 'net_peerCount')).result).toBe('0x0')
    expect((await rpc(chain.l2Url, 'web3_sha3', ['0x68656c6c6f'])).result).toBe(keccak256('0x68656c6c6f'))
    expect((await rpc(chain.l2Url, 'web3_sha3', ['0x'])).result).toBe(keccak256('0x'))
    expect((await rpc(chain.l2Url, 'web3_sha3', ['0x123'])).error).toEqual({
      code: -32602,
      message: 'invalid argument 0: hex string of odd length',
    })
    expect((await rpc(chain.l2Url, 'rpc_modules')).result).toEqual({
      debug: '1.0',
      eth: '1.0',
      net: '1.0',
      realtime: '1.0',
      rpc: '1.0',
      txpool: '1.0',
      velox: '1.0',
      web3: '1.0',
    })
    // No blob has ever been posted to Velox: the blob base fee stays at EIP-4844's floor.
    expect(await client.getBlobBaseFee()).toBe(1n)
    // EIP-7910: one fork from genesis; its fork id is the CRC-32 of the genesis hash (EIP-2124).
    const genesis = await client.getBlock({ blockNumber: 0n })
    const config = (await rpc(chain.l2Url, 'eth_config')).result as {
      current: { chainId: string; forkId: string; activationTime: number; precompiles: object }
      next: null
      last: null
    }
    expect(config.current).toMatchObject({ chainId: `0x${CHAIN_ID.toString(16)}`, activationTime: 0 })
    expect(config.current.forkId).toBe(`0x${crc32(hexToBytes(genesis.hash)).toString(16).padStart(8, '0')}`)
    expect(Object.keys(config.current.precompiles)).toContain('KZG_POINT_EVALUATION')
    expect([config.next, config.last]).toEqual([null, null])
  })

  it('seals a block about every second, each child of the last', async () => {
    const first = await client.getBlockNumber()
    await new Promise((resolve) => setTimeout(resolve, 2_500))
    const second = await client.getBlockNumber()
    expect(second - first).toBeGreaterThanOrEqual(2n)
    expect(second - first).toBeLessThanOrEqual(4n)
    const block = await client.getBlock({ blockNumber: second })
    const parent = await client.getBlock({ blockNumber: second - 1n })
    expect(block.parentHash).toBe(parent.hash)
    expect(block.timestamp).toBeGreaterThan(parent.timestamp)
    expect(block.baseFeePerGas).toBeGreaterThan(0n)
    const byHash = await client.getBlock({ blockHash: block.hash })
    expect(byHash.number).toBe(second)
    const genesis = await client.getBlock({ blockTag: 'earliest' })
    expect(genesis.number).toBe(0n)
    expect((await client.getBlock({ blockTag: 'finalized' })).number).toBe(0n)
    expect((await client.getBlock({ blockTag: 'safe' })).number).toBe(0n)
    const pending = await client.getBlock({ blockTag: 'pending' })
    expect(pending.number).toBeGreaterThan(second - 1n)
  })

  it('reports fees: gas price, priority fee and fee history', async () => {
    const pending = await client.getBlock({ blockTag: 'pending' })
    const gasPrice = await client.getGasPrice()
    // geth's gas price: the next block's base fee plus the suggested tip.
    expect(gasPrice).toBeGreaterThanOrEqual(pending.baseFeePerGas!)
    const tip = await client.estimateMaxPriorityFeePerGas()
    expect(tip).toBeGreaterThan(0n)
    // geth's eth_baseFee: the base fee of the block being built (read between two looks at it).
    for (let attempt = 0; ; attempt++) {
      const before = await client.getBlock({ blockTag: 'pending' })
      const baseFee = BigInt((await client.request({ method: 'eth_baseFee' as 'eth_chainId' })) as string)
      const after = await client.getBlock({ blockTag: 'pending' })
      if (before.number !== after.number && attempt < 5) continue
      expect(baseFee).toBe(after.baseFeePerGas)
      break
    }
    const head = await client.getBlockNumber()
    const history = await client.getFeeHistory({
      blockCount: 4,
      blockNumber: head,
      rewardPercentiles: [25, 75],
    })
    // Capped at what exists: blocks head-3..head, or from genesis on a young chain.
    const count = Math.min(4, Number(head) + 1)
    expect(history.oldestBlock).toBe(head + 1n - BigInt(count))
    expect(history.baseFeePerGas).toHaveLength(count + 1)
    expect(history.gasUsedRatio).toHaveLength(count)
    expect(history.reward).toHaveLength(count)
    expect(history.reward![0]).toHaveLength(2)
  })
})

describe('transfers with viem', () => {
  it('sends a transfer, reads the receipt, and the balances reconcile to the wei', async () => {
    const from = devAccounts[1]!.address
    const to = '0x000000000000000000000000000000000000beef' as Address
    const before = await client.getBalance({ address: from })
    const value = parseEther('1.5')
    const hash = await wallet(1).sendTransaction({ to, value })
    const receipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 50 })
    expect(receipt.status).toBe('success')
    expect(receipt.gasUsed).toBe(21_000n)
    expect(receipt.from).toBe(from.toLowerCase())
    expect(await client.getBalance({ address: to })).toBe(value)
    expect(await client.getBalance({ address: from })).toBe(
      before - value - receipt.gasUsed * receipt.effectiveGasPrice,
    )
    const tx = await client.getTransaction({ hash })
    expect(tx.from).toBe(from.toLowerCase())
    expect(tx.value).toBe(value)
    expect(await client.getTransactionCount({ address: from })).toBe(1)
  })

  it('eth_sendRawTransactionSync returns the receipt in one call', async () => {
    const account = devAccounts[2]!
    const nonce = await client.getTransactionCount({ address: account.address, blockTag: 'pending' })
    const serialized = await account.signTransaction({
      chainId: CHAIN_ID,
      type: 'eip1559',
      to: devAccounts[3]!.address,
      value: 7n,
      nonce,
      gas: 21_000n,
      maxFeePerGas: parseGwei('5'),
      maxPriorityFeePerGas: parseGwei('0.01'),
    })
    const started = performance.now()
    const receipt = await client.sendRawTransactionSync({ serializedTransaction: serialized })
    const elapsed = performance.now() - started
    expect(receipt.status).toBe('success')
    expect(receipt.transactionHash).toBeDefined()
    expect(elapsed).toBeLessThan(1000)
  })

  it('a block, once sealed, commits to its transactions and receipts', async () => {
    const hash = await wallet(4).sendTransaction({ to: devAccounts[5]!.address, value: 1n })
    const receipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 50 })
    // Wait for the block to be sealed, then read it back with full transactions.
    let block = await client
      .getBlock({ blockNumber: receipt.blockNumber, includeTransactions: true })
      .catch(() => undefined)
    for (let i = 0; i < 60 && !block; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      block = await client
        .getBlock({ blockNumber: receipt.blockNumber, includeTransactions: true })
        .catch(() => undefined)
    }
    expect(block).toBeDefined()
    expect(block!.transactions.map((tx) => tx.hash)).toContain(hash)
    const sealedReceipt = await client.getTransactionReceipt({ hash })
    expect(sealedReceipt.blockHash).toBe(block!.hash)
    expect(block!.transactionsRoot).not.toBe(
      '0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421',
    )
  })
})

describe('block contents by number, hash and index', () => {
  const ZERO_HASH = `0x${'0'.repeat(64)}`
  const toHex = (n: bigint | number) => `0x${n.toString(16)}`

  it('answers transaction counts, transactions by index, receipts, headers and uncles as the block holds them', async () => {
    const account = devAccounts[8]!
    const nonce = await client.getTransactionCount({ address: account.address, blockTag: 'pending' })
    const raws = await Promise.all(
      [0, 1, 2].map((i) =>
        account.signTransaction({
          chainId: CHAIN_ID,
          type: 'eip1559',
          to: '0x000000000000000000000000000000000000b10c',
          value: BigInt(i + 1),
          nonce: nonce + i,
          gas: 21_000n,
          maxFeePerGas: parseGwei('5'),
          maxPriorityFeePerGas: parseGwei('0.01'),
        }),
      ),
    )
    // Synchronously, so that each is executed (in the open block) when its call returns.
    const receipts = []
    for (const raw of raws) receipts.push(await client.sendRawTransactionSync({ serializedTransaction: raw }))

    // The open block: its receipts so far, in order, under the unsealed zero hash, each as
    // eth_getTransactionReceipt answers it. Ours are there unless the block was sealed meanwhile.
    const pending = (await rpc(chain.l2Url, 'eth_getBlockReceipts', ['pending'])).result as {
      blockHash: Hash
      blockNumber: Hex
      transactionIndex: Hex
      transactionHash: Hash
    }[]
    for (const [i, receipt] of pending.entries()) {
      expect(receipt).toMatchObject({
        blockHash: ZERO_HASH,
        blockNumber: pending[0]!.blockNumber,
        transactionIndex: toHex(i),
      })
      expect(receipt).toEqual(
        (await rpc(chain.l2Url, 'eth_getTransactionReceipt', [receipt.transactionHash])).result,
      )
    }
    // Unless a seal came in between (one in a second), the last one's block is still open after
    // that read, so it was open during it: then its receipts so far include ours.
    const last = receipts[receipts.length - 1]!
    if ((await client.getBlockNumber()) < last.blockNumber)
      expect(pending.map((receipt) => receipt.transactionHash)).toEqual(
        expect.arrayContaining(
          receipts
            .filter((receipt) => receipt.blockNumber === last.blockNumber)
            .map((receipt) => receipt.transactionHash),
        ),
      )

    for (const number of new Set(receipts.map((receipt) => receipt.blockNumber))) {
      let block = await client
        .getBlock({ blockNumber: number, includeTransactions: true })
        .catch(() => undefined)
      for (let i = 0; i < 60 && !block; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100))
        block = await client
          .getBlock({ blockNumber: number, includeTransactions: true })
          .catch(() => undefined)
      }
      expect(block).toBeDefined()
      const count = block!.transactions.length
      expect(await client.getBlockTransactionCount({ blockNumber: number })).toBe(count)
      expect(await client.getBlockTransactionCount({ blockHash: block!.hash })).toBe(count)
      for (const [index, tx] of block!.transactions.entries()) {
        expect(await client.getTransaction({ blockNumber: number, index })).toEqual(tx)
        expect(await client.getTransaction({ blockHash: block!.hash, index })).toEqual(tx)
      }
      expect(
        (await rpc(chain.l2Url, 'eth_getTransactionByBlockNumberAndIndex', [toHex(number), toHex(count)]))
          .result,
      ).toBeNull()
      expect(
        (await rpc(chain.l2Url, 'eth_getTransactionByBlockHashAndIndex', [block!.hash, '0xffffffffff']))
          .result,
      ).toBeNull()

      // Every receipt, in order, each as eth_getTransactionReceipt answers it; by number, hash or object.
      const byNumber = (await rpc(chain.l2Url, 'eth_getBlockReceipts', [toHex(number)])).result as {
        transactionHash: Hash
      }[]
      expect(byNumber.map((receipt) => receipt.transactionHash)).toEqual(
        block!.transactions.map((tx) => tx.hash),
      )
      for (const receipt of byNumber)
        expect(receipt).toEqual(
          (await rpc(chain.l2Url, 'eth_getTransactionReceipt', [receipt.transactionHash])).result,
        )
      expect((await rpc(chain.l2Url, 'eth_getBlockReceipts', [block!.hash])).result).toEqual(byNumber)
      expect((await rpc(chain.l2Url, 'eth_getBlockReceipts', [{ blockHash: block!.hash }])).result).toEqual(
        byNumber,
      )
      const cast_ = await cast(['rpc', '--rpc-url', chain.l2Url, 'eth_getBlockReceipts', toHex(number)])
      expect(JSON.parse(cast_.stdout)).toEqual(byNumber)

      // The header is the block without its body; a rollup's block has no uncles.
      const wire = (await rpc(chain.l2Url, 'eth_getBlockByNumber', [toHex(number), false])).result as Record<
        string,
        unknown
      >
      const { transactions, uncles, withdrawals, size, totalDifficulty, ...header } = wire
      expect((await rpc(chain.l2Url, 'eth_getHeaderByNumber', [toHex(number)])).result).toEqual(header)
      expect((await rpc(chain.l2Url, 'eth_getHeaderByHash', [block!.hash])).result).toEqual(header)
      expect((await rpc(chain.l2Url, 'eth_getUncleCountByBlockNumber', [toHex(number)])).result).toBe('0x0')
      expect((await rpc(chain.l2Url, 'eth_getUncleCountByBlockHash', [block!.hash])).result).toBe('0x0')
      expect(
        (await rpc(chain.l2Url, 'eth_getUncleByBlockNumberAndIndex', [toHex(number), '0x0'])).result,
      ).toBeNull()
      expect(
        (await rpc(chain.l2Url, 'eth_getUncleByBlockHashAndIndex', [block!.hash, '0x0'])).result,
      ).toBeNull()
    }
    expect(receipts.every((receipt) => receipt.status === 'success')).toBe(true)

    // A block the chain lacks: null, as geth answers.
    const unknown = `0x${'ab'.repeat(32)}`
    for (const [method, params] of [
      ['eth_getBlockTransactionCountByHash', [unknown]],
      ['eth_getBlockTransactionCountByNumber', ['0xffffffff']],
      ['eth_getTransactionByBlockHashAndIndex', [unknown, '0x0']],
      ['eth_getTransactionByBlockNumberAndIndex', ['0xffffffff', '0x0']],
      ['eth_getBlockReceipts', [unknown]],
      ['eth_getBlockReceipts', ['0xffffffff']],
      ['eth_getHeaderByHash', [unknown]],
      ['eth_getUncleCountByBlockHash', [unknown]],
    ] as const)
      expect(await rpc(chain.l2Url, method, [...params])).toMatchObject({ result: null })
    expect(
      (await rpc(chain.l2Url, 'eth_getTransactionByBlockNumberAndIndex', ['latest', '1'])).error,
    ).toEqual({ code: -32602, message: 'invalid argument 1: hex string without 0x prefix' })
    expect((await rpc(chain.l2Url, 'eth_getBlockTransactionCountByHash', ['0x01'])).error).toEqual({
      code: -32602,
      message: 'invalid argument 0: hex string has length 2, want 64 for common.Hash',
    })
  })
})

describe('transfers with ethers v6', () => {
  it('sends and waits with a Wallet', async () => {
    const provider = new JsonRpcProvider(
      chain.l2Url,
      { chainId: CHAIN_ID, name: 'velox' },
      { staticNetwork: true, pollingInterval: 50 },
    )
    const signer = new Wallet(devKeys[6]!, provider)
    const to = '0x000000000000000000000000000000000000cafe'
    const response = await signer.sendTransaction({ to, value: ethersParseEther('0.25') })
    const receipt = await response.wait()
    expect(receipt?.status).toBe(1)
    expect(await provider.getBalance(to)).toBe(ethersParseEther('0.25'))
    expect(await provider.getTransactionCount(signer.address)).toBe(1)
    const block = await provider.getBlock('latest')
    expect(block?.number).toBeGreaterThan(0)
    provider.destroy()
  })
})

describe('transfers with cast', () => {
  it('sends, then reads balance, nonce, receipt and block', async () => {
    const to = '0x000000000000000000000000000000000000f00d'
    const send = await cast([
      'send',
      '--rpc-url',
      chain.l2Url,
      '--private-key',
      devKeys[7]!,
      to,
      '--value',
      '0.5ether',
      '--json',
    ])
    const sent = JSON.parse(send.stdout) as { status: string; transactionHash: Hash }
    expect(sent.status).toBe('0x1')
    const balance = await cast(['balance', '--rpc-url', chain.l2Url, to])
    expect(balance.stdout.trim()).toBe('500000000000000000')
    const nonce = await cast(['nonce', '--rpc-url', chain.l2Url, devAccounts[7]!.address])
    expect(nonce.stdout.trim()).toBe('1')
    const receipt = await cast(['receipt', '--rpc-url', chain.l2Url, sent.transactionHash, 'status'])
    expect(receipt.stdout.trim()).toMatch(/^(1|true)/)
    const block = await cast(['block', '--rpc-url', chain.l2Url, 'latest', '--json'])
    expect(JSON.parse(block.stdout).number).toMatch(/^0x/)
    const chainId = await cast(['chain-id', '--rpc-url', chain.l2Url])
    expect(chainId.stdout.trim()).toBe(String(CHAIN_ID))
  })
})

describe('1,000 transfers from 10 senders', () => {
  it('includes every one, and every balance reconciles', async () => {
    const senders = devKeys.map((key) => privateKeyToAccount(key))
    const recipients = Array.from(
      { length: 10 },
      (_, i) => `0x${(0xa000 + i).toString(16).padStart(40, '0')}` as Address,
    )
    const everyone = [...senders.map((s) => s.address.toLowerCase() as Address), ...recipients]
    const before = new Map<Address, bigint>()
    for (const address of everyone) before.set(address, await client.getBalance({ address }))
    const feeRecipient = ((await client.getBlock()).miner as Address).toLowerCase() as Address
    const feeRecipientBefore = await client.getBalance({ address: feeRecipient })

    const signed: { raw: Hex; from: Address; to: Address; value: bigint }[] = []
    for (const [s, sender] of senders.entries()) {
      const firstNonce = await client.getTransactionCount({ address: sender.address, blockTag: 'pending' })
      for (let i = 0; i < 100; i++) {
        const to = recipients[(s + i) % 10]!
        const value = BigInt(1_000 + i)
        const raw = await sender.signTransaction({
          chainId: CHAIN_ID,
          type: 'eip1559',
          to,
          value,
          nonce: firstNonce + i,
          gas: 21_000n,
          maxFeePerGas: parseGwei('2'),
          maxPriorityFeePerGas: BigInt(1 + (i % 3)) * 1_000_000n,
        })
        signed.push({ raw, from: sender.address.toLowerCase() as Address, to, value })
      }
    }
    // Interleave senders, 32 requests in flight.
    const order = signed.map((_, i) => signed[(i % 10) * 100 + Math.floor(i / 10)]!)
    const hashes: Hash[] = new Array(order.length)
    let next = 0
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < order.length) {
          const i = next++
          const answer = await rpc(chain.l2Url, 'eth_sendRawTransaction', [order[i]!.raw])
          if (answer.error) throw new Error(`transaction ${i} refused: ${answer.error.message}`)
          hashes[i] = answer.result as Hash
        }
      }),
    )
    const receipts = await Promise.all(
      hashes.map((hash) => client.waitForTransactionReceipt({ hash, pollingInterval: 100, timeout: 60_000 })),
    )
    const expected = new Map(before)
    let tips = 0n
    for (const [i, receipt] of receipts.entries()) {
      const tx = order[i]!
      expect(receipt.status).toBe('success')
      expect(receipt.gasUsed).toBe(21_000n)
      const block = await blockBaseFee(receipt.blockNumber)
      tips += receipt.gasUsed * (receipt.effectiveGasPrice - block)
      expected.set(tx.from, expected.get(tx.from)! - tx.value - receipt.gasUsed * receipt.effectiveGasPrice)
      expected.set(tx.to, expected.get(tx.to)! + tx.value)
    }
    for (const address of everyone) expect(await client.getBalance({ address })).toBe(expected.get(address))
    for (const sender of senders)
      expect(await client.getTransactionCount({ address: sender.address })).toBeGreaterThanOrEqual(100)
    expect(await client.getBalance({ address: feeRecipient })).toBe(feeRecipientBefore + tips)
  })
})

describe('synchronous sends from many clients at once', () => {
  it('answers each with its own receipt while the RPC worker carries them in shared sequencer calls', async () => {
    // Sixty-four senders, each sending its next transaction once the last one's receipt is back:
    // the RPC worker's batcher carries most of them in calls that other requests make.
    const senders = Array.from({ length: 64 }, (_, i) =>
      privateKeyToAccount(`0x${(0x5e11de0000n + BigInt(i)).toString(16).padStart(64, '0')}`),
    )
    const funder = wallet(0)
    const funding: Hash[] = []
    for (const sender of senders)
      funding.push(await funder.sendTransaction({ to: sender.address, value: parseEther('1') }))
    for (const hash of funding) await client.waitForTransactionReceipt({ hash, pollingInterval: 20 })

    const statuses = await Promise.all(
      senders.map(async (sender, s) => {
        const answers: string[] = []
        for (let nonce = 0; nonce < 5; nonce++) {
          const raw = await sender.signTransaction({
            chainId: CHAIN_ID,
            type: 'eip1559',
            to: `0x${(0xb000 + s).toString(16).padStart(40, '0')}`,
            value: 1n,
            nonce,
            gas: 21_000n,
            maxFeePerGas: parseGwei('2'),
            maxPriorityFeePerGas: 1_000_000n,
          })
          const answer = await rpc(chain.l2Url, 'eth_sendRawTransactionSync', [raw])
          if (answer.error) throw new Error(`sender ${s} nonce ${nonce}: ${answer.error.message}`)
          answers.push((answer.result as { status: string }).status)
        }
        return answers
      }),
    )
    expect(statuses.flat()).toEqual(Array(320).fill('0x1'))
  })
})

const baseFees = new Map<bigint, bigint>()
async function blockBaseFee(blockNumber: bigint): Promise<bigint> {
  const known = baseFees.get(blockNumber)
  if (known !== undefined) return known
  const block = await client.getBlock({ blockTag: 'pending' })
  // A preconfirmed receipt's block may still be open: its base fee is already fixed.
  const baseFee =
    block.number === blockNumber
      ? block.baseFeePerGas!
      : (await client.getBlock({ blockNumber })).baseFeePerGas!
  baseFees.set(blockNumber, baseFee)
  return baseFee
}

describe('stateless validation', () => {
  it('validates every block this chain sealed from its witness alone', async () => {
    await expectEveryBlockValidates(chain.l2Url)
  })
})
