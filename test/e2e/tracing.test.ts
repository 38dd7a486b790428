/**
 * debug_traceTransaction, debug_traceCall and debug_traceBlockByNumber/ByHash against the real
 * server with the struct logger, callTracer and prestateTracer, through viem, ethers and cast: a
 * forwarder contract calls an OpenZeppelin token, so traces have a nested call, a log and storage
 * writes. The engine's output is compared with anvil's field by field in
 * test/differential/tracing.test.ts; here the wiring is checked against the chain's own receipts.
 */

import { isDeepStrictEqual as isDeepEqual } from 'node:util'
import { JsonRpcProvider } from 'ethers'
import {
  type Address,
  createPublicClient,
  createWalletClient,
  encodeAbiParameters,
  encodeFunctionData,
  type Hex,
  http,
  keccak256,
  parseGwei,
  toHex,
} from 'viem'
import { describe, expect, it } from 'vitest'
import { compileContracts } from '../../bench/evm/contracts.ts'
import { decodeBlock, encodeBlock } from '../../src/execution/blockCodec.ts'
import type { BlockHeader } from '../../src/execution/blockHeader.ts'
import { hexToBytes } from '../../src/primitives/hex.ts'
import { assemble } from '../differential/assembler.ts'
import {
  CHAIN_ID,
  cast,
  chainForFile,
  devAccounts,
  expectEveryBlockValidates,
  rpc,
  veloxChain,
} from './harness.ts'

const TRANSFER_TOPIC = '0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef'

const chain = chainForFile()

const { Token } = compileContracts()
const deployer = devAccounts[6]!
const recipient = '0x00000000000000000000000000000000000d0e5e' as Address

/** Forwards its calldata to `target` with CALL, then stores the call's success flag in slot 0. */
function forwarderInitcode(target: Address): Hex {
  const runtime = assemble(
    `0 0 CALLDATASIZE 0 0 CALLDATACOPY 0 0 CALLDATASIZE 0 0 ${target} GAS CALL 0 SSTORE STOP`,
  )
  // PUSH1 len, PUSH1 10, PUSH0, CODECOPY, PUSH1 len, PUSH0, RETURN: 10 bytes, then the runtime.
  const prefix = assemble(`${runtime.length} 10 0 CODECOPY ${runtime.length} 0 RETURN`)
  expect(prefix.length).toBe(10)
  return toHex(new Uint8Array([...prefix, ...runtime]))
}

type CallFrame = {
  type: string
  from: Address
  to: Address
  gas: Hex
  gasUsed: Hex
  input: Hex
  output?: Hex
  error?: string
  revertReason?: string
  calls?: CallFrame[]
  logs?: { address: Address; topics: Hex[]; data: Hex }[]
}

describe('debug_trace*', () => {
  let token: Address
  let forwarder: Address
  let traced: { hash: Hex; blockNumber: bigint; gasUsed: bigint }
  const transferData = encodeFunctionData({ abi: Token.abi, functionName: 'transfer', args: [recipient, 5n] })
  const trace = async (method: string, params: unknown[]) => {
    const answer = await rpc(chain.l2Url, method, params)
    if (answer.error) throw new Error(`${method}: ${answer.error.code} ${answer.error.message}`)
    return answer.result
  }

  it('sets up a forwarder calling a token, and traces its call in real time, before the block is sealed', async () => {
    const client = createPublicClient({ chain: veloxChain(chain.l2Url), transport: http(chain.l2Url) })
    const wallet = createWalletClient({
      account: deployer,
      chain: veloxChain(chain.l2Url),
      transport: http(chain.l2Url),
    })
    const deploy = async (data: Hex) => {
      const hash = await wallet.sendTransaction({ data, maxFeePerGas: parseGwei('3') })
      return (await client.waitForTransactionReceipt({ hash, pollingInterval: 20 })).contractAddress!
    }
    token = await deploy(Token.bytecode)
    forwarder = await deploy(forwarderInitcode(token))
    const fund = await wallet.writeContract({
      address: token,
      abi: Token.abi,
      functionName: 'transfer',
      args: [forwarder, 1_000n],
      maxFeePerGas: parseGwei('3'),
    })
    await client.waitForTransactionReceipt({ hash: fund, pollingInterval: 20 })

    const request = await wallet.prepareTransactionRequest({
      to: forwarder,
      data: transferData,
      gas: 200_000n,
      maxFeePerGas: parseGwei('3'),
    })
    const receipt = await client.sendRawTransactionSync({
      serializedTransaction: await wallet.signTransaction(request),
    })
    expect(receipt.status).toBe('success')
    traced = { hash: receipt.transactionHash, blockNumber: receipt.blockNumber, gasUsed: receipt.gasUsed }
    // The block is still open: the trace replays it from the last sealed state.
    const frame = (await trace('debug_traceTransaction', [
      traced.hash,
      { tracer: 'callTracer' },
    ])) as CallFrame
    expect(BigInt(frame.gasUsed)).toBe(traced.gasUsed)
  })

  it("callTracer: the nested call, its logs, and geth's top frame", async () => {
    const frame = (await createPublicClient({ transport: http(chain.l2Url) }).request({
      method: 'debug_traceTransaction' as never,
      params: [traced.hash, { tracer: 'callTracer', tracerConfig: { withLog: true } }] as never,
    })) as CallFrame
    expect(frame).toMatchObject({
      type: 'CALL',
      from: deployer.address.toLowerCase(),
      to: forwarder.toLowerCase(),
      gas: toHex(200_000n),
      input: transferData,
    })
    expect(BigInt(frame.gasUsed)).toBe(traced.gasUsed)
    expect(frame.calls).toHaveLength(1)
    const inner = frame.calls![0]!
    expect(inner).toMatchObject({
      type: 'CALL',
      from: forwarder.toLowerCase(),
      to: token.toLowerCase(),
      input: transferData,
    })
    expect(BigInt(inner.output!)).toBe(1n)
    expect(inner.logs![0]!.topics[0]).toBe(TRANSFER_TOPIC)
    const top = (await trace('debug_traceTransaction', [
      traced.hash,
      { tracer: 'callTracer', tracerConfig: { onlyTopCall: true } },
    ])) as CallFrame
    expect(top.calls).toBeUndefined()
  })

  it('prestateTracer: the touched accounts before, and with diffMode what changed', async () => {
    const prestate = (await trace('debug_traceTransaction', [
      traced.hash,
      { tracer: 'prestateTracer' },
    ])) as Record<string, { balance: Hex; nonce?: number; code?: Hex; storage?: Record<Hex, Hex> }>
    const sender = prestate[deployer.address.toLowerCase()]!
    expect(sender.nonce).toBe(3)
    expect(BigInt(sender.balance)).toBeGreaterThan(0n)
    expect(prestate[token.toLowerCase()]!.code).toBe(
      (await rpc(chain.l2Url, 'eth_getCode', [token, 'latest'])).result,
    )
    expect(Object.keys(prestate[token.toLowerCase()]!.storage!).length).toBeGreaterThanOrEqual(2)
    const diff = (await trace('debug_traceTransaction', [
      traced.hash,
      { tracer: 'prestateTracer', tracerConfig: { diffMode: true } },
    ])) as {
      pre: Record<string, unknown>
      post: Record<string, { storage?: Record<Hex, Hex>; nonce?: number }>
    }
    expect(diff.post[forwarder.toLowerCase()]!.storage).toEqual({
      [toHex(0n, { size: 32 })]: toHex(1n, { size: 32 }),
    })
    expect(diff.post[deployer.address.toLowerCase()]!.nonce).toBe(4)
  })

  it('struct logger: every opcode with its gas, the total the receipt charged', async () => {
    const result = (await trace('debug_traceTransaction', [traced.hash])) as {
      gas: number
      failed: boolean
      returnValue: Hex
      structLogs: { pc: number; op: string; gas: number; gasCost: number; depth: number; stack?: Hex[] }[]
    }
    expect(result.failed).toBe(false)
    expect(BigInt(result.gas)).toBe(traced.gasUsed)
    const ops = result.structLogs.map((log) => log.op)
    expect(ops).toContain('CALL')
    expect(ops).toContain('SSTORE')
    expect(ops).toContain('LOG3')
    expect(result.structLogs[0]).toMatchObject({ pc: 0, depth: 1 })
    expect(Math.max(...result.structLogs.map((log) => log.depth))).toBe(2)
    expect(result.structLogs[ops.length - 1]!.op).toBe('STOP')
    // Each step's gas is the last one's less its cost, within a frame.
    for (let i = 1; i < result.structLogs.length; i++) {
      const [previous, step] = [result.structLogs[i - 1]!, result.structLogs[i]!]
      if (previous.depth === step.depth && previous.op !== 'CALL')
        expect(step.gas).toBe(previous.gas - previous.gasCost)
    }
    const bare = (await trace('debug_traceTransaction', [
      traced.hash,
      { disableStack: true, limit: 100 },
    ])) as {
      structLogs: { stack?: unknown }[]
    }
    expect(bare.structLogs.every((log) => log.stack === undefined)).toBe(true)
  })

  it('debug_traceBlockByNumber and ByHash: every transaction of the sealed block', async () => {
    // Once validated, the block's witness is in R2: the RPC worker traces it there, from the witness
    // alone, and it must equal the sequencer's real-time trace of its transaction.
    await expect
      .poll(
        async () => {
          const { latestValidated } = (await rpc(chain.l2Url, 'velox_validationStatus')).result as {
            latestValidated: { number: Hex } | null
          }
          return latestValidated ? BigInt(latestValidated.number) : -1n
        },
        { timeout: 30_000 },
      )
      .toBeGreaterThanOrEqual(traced.blockNumber)
    const block = (await rpc(chain.l2Url, 'eth_getBlockByNumber', [toHex(traced.blockNumber), false]))
      .result as {
      hash: Hex
      transactions: Hex[]
    }
    const byNumber = (await trace('debug_traceBlockByNumber', [
      toHex(traced.blockNumber),
      { tracer: 'callTracer' },
    ])) as {
      txHash: Hex
      result: CallFrame
    }[]
    expect(byNumber.map((entry) => entry.txHash)).toEqual(block.transactions)
    const mine = byNumber.find((entry) => entry.txHash === traced.hash)!
    expect(BigInt(mine.result.gasUsed)).toBe(traced.gasUsed)
    // The sealed block's trace is the one taken in real time.
    expect(mine.result).toEqual(
      await trace('debug_traceTransaction', [traced.hash, { tracer: 'callTracer' }]),
    )
    expect(await trace('debug_traceBlockByHash', [block.hash, { tracer: 'callTracer' }])).toEqual(byNumber)

    // geth's other tracers through the same methods. Flat frames say where the transaction is.
    const flat = (await trace('debug_traceTransaction', [traced.hash, { tracer: 'flatCallTracer' }])) as {
      traceAddress: number[]
    }[]
    expect(flat[0]).toMatchObject({
      blockHash: block.hash,
      blockNumber: Number(traced.blockNumber),
      transactionHash: traced.hash,
      transactionPosition: block.transactions.indexOf(traced.hash),
      type: 'call',
    })
    expect(flat.map((frame) => frame.traceAddress)).toEqual([[], [0]])
    const flatBlock = (await trace('debug_traceBlockByNumber', [
      toHex(traced.blockNumber),
      { tracer: 'flatCallTracer' },
    ])) as { txHash: Hex; result: unknown }[]
    expect(flatBlock.find((entry) => entry.txHash === traced.hash)!.result).toEqual(flat)
    const selectors = (await trace('debug_traceTransaction', [
      traced.hash,
      { tracer: '4byteTracer' },
    ])) as Record<string, number>
    expect(selectors[`${transferData.slice(0, 10)}-64`]).toBeGreaterThanOrEqual(1)
    expect(
      await trace('debug_traceTransaction', [
        traced.hash,
        { tracer: 'muxTracer', tracerConfig: { callTracer: {}, '4byteTracer': {}, noopTracer: {} } },
      ]),
    ).toEqual({ '4byteTracer': selectors, callTracer: mine.result, noopTracer: {} })
  })

  it('debug_traceCall: a call at a block, with state overrides, through ethers', async () => {
    const provider = new JsonRpcProvider(chain.l2Url, undefined, { staticNetwork: true })
    // The recipient holds 5 tokens: sending 10 reverts with OpenZeppelin's custom error.
    const reverted = (await provider.send('debug_traceCall', [
      {
        from: recipient,
        to: token,
        data: encodeFunctionData({ abi: Token.abi, functionName: 'transfer', args: [deployer.address, 10n] }),
      },
      'latest',
      { tracer: 'callTracer' },
    ])) as CallFrame
    expect(reverted.error).toBe('execution reverted')
    expect(reverted.output!.slice(0, 10)).toBe('0xe450d38c') // ERC20InsufficientBalance
    // The forwarder's slot 0 overridden: the prestate shows the overridden value as the one before.
    const prestate = (await provider.send('debug_traceCall', [
      { from: deployer.address, to: forwarder, data: transferData, gas: toHex(200_000n) },
      toHex(traced.blockNumber),
      {
        tracer: 'prestateTracer',
        stateOverrides: {
          [forwarder]: { stateDiff: { [toHex(0n, { size: 32 })]: toHex(42n, { size: 32 }) } },
        },
      },
    ])) as Record<string, { storage?: Record<Hex, Hex> }>
    expect(prestate[forwarder.toLowerCase()]!.storage![toHex(0n, { size: 32 })]).toBe(
      toHex(42n, { size: 32 }),
    )
    provider.destroy()
  })

  it('cast traces and reads receipts', async () => {
    const { stdout } = await cast([
      'rpc',
      '--rpc-url',
      chain.l2Url,
      'debug_traceTransaction',
      traced.hash,
      '{"tracer":"callTracer"}',
    ])
    expect((JSON.parse(stdout) as CallFrame).calls![0]!.to).toBe(token.toLowerCase())
    // cast run replays the transaction in its own EVM on Velox's state at the block before.
    const replay = await cast(['run', '--rpc-url', chain.l2Url, traced.hash], { timeout: 60_000 })
    expect(replay.stdout).toContain('Transaction successfully executed.')
    expect(replay.stdout).toContain(`Gas used: ${traced.gasUsed}`)
    const receipt = await cast(['receipt', '--rpc-url', chain.l2Url, traced.hash, 'gasUsed'])
    expect(BigInt(receipt.stdout.trim())).toBe(traced.gasUsed)
  })

  it('debug_storageRangeAt: storage by hashed key, as it stands when a transaction of the block starts', async () => {
    await expect
      .poll(async () => BigInt((await rpc(chain.l2Url, 'eth_blockNumber')).result as Hex), { timeout: 5_000 })
      .toBeGreaterThan(traced.blockNumber)
    const block = (await rpc(chain.l2Url, 'eth_getBlockByNumber', [toHex(traced.blockNumber), false]))
      .result as { hash: Hex; transactions: Hex[] }
    const index = block.transactions.indexOf(traced.hash)
    const range = async (at: Hex, txIndex: number, address: Address, start: Hex, max: number) =>
      (await trace('debug_storageRangeAt', [at, txIndex, address, start, max])) as {
        storage: Record<Hex, { key: null; value: Hex }> | null
        nextKey: Hex | null
      }
    // OpenZeppelin's ERC-20 keeps balances in a mapping at slot 0.
    const balanceSlot = (holder: Address) =>
      keccak256(encodeAbiParameters([{ type: 'address' }, { type: 'uint256' }], [holder, 0n]))
    const afterBlock = toHex(traced.blockNumber + 1n)
    expect(await trace('eth_getStorageAt', [token, balanceSlot(forwarder), toHex(traced.blockNumber)])).toBe(
      toHex(995n, { size: 32 }),
    )

    // Before the forwarder's call, the forwarder had no storage and held 1,000 tokens; after it,
    // its slot 0 holds the call's success and it holds 995.
    expect(await range(block.hash, index, forwarder, '0x', 10)).toEqual({ storage: null, nextKey: null })
    const before = await range(block.hash, index, token, '0x', 1_000)
    expect(before.storage![keccak256(balanceSlot(forwarder))]).toEqual({
      key: null,
      value: toHex(1_000n, { size: 32 }),
    })
    expect(before.storage![keccak256(balanceSlot(recipient))]).toBeUndefined()
    expect(await range(afterBlock, 0, forwarder, '0x', 10)).toEqual({
      storage: { [keccak256(toHex(0n, { size: 32 }))]: { key: null, value: toHex(1n, { size: 32 }) } },
      nextKey: null,
    })
    const after = await range(afterBlock, 0, token, '0x', 1_000)
    expect(after.nextKey).toBeNull()
    expect(after.storage![keccak256(balanceSlot(forwarder))]!.value).toBe(toHex(995n, { size: 32 }))
    expect(after.storage![keccak256(balanceSlot(recipient))]!.value).toBe(toHex(5n, { size: 32 }))
    const keys = Object.keys(after.storage!)
    expect(keys).toEqual([...keys].sort())
    expect(Object.keys(before.storage!).length).toBe(keys.length - 1)

    // Page by page, from a key in the middle, and an empty page that names the next key.
    const pages: Hex[] = []
    let start: Hex | null = '0x'
    while (start !== null) {
      const page = await range(afterBlock, 0, token, start, 2)
      expect(Object.keys(page.storage!).length).toBeLessThanOrEqual(2)
      pages.push(...(Object.keys(page.storage!) as Hex[]))
      start = page.nextKey
    }
    expect(pages).toEqual(keys)
    const fromThird = await range(afterBlock, 0, token, keys[2] as Hex, 1_000)
    expect(Object.keys(fromThird.storage!)).toEqual(keys.slice(2))
    expect(await range(afterBlock, 0, token, keys[1] as Hex, 0)).toEqual({ storage: {}, nextKey: keys[1] })

    const error = async (params: unknown[]) => (await rpc(chain.l2Url, 'debug_storageRangeAt', params)).error
    expect(await error([block.hash, block.transactions.length, token, '0x', 1])).toEqual({
      code: -32000,
      message: `transaction index ${block.transactions.length} out of range for block ${block.hash}`,
    })
    expect(await error([block.hash, '0x0', token, '0x', 1])).toEqual({
      code: -32602,
      message: 'invalid argument 1: json: cannot unmarshal string into Go value of type int',
    })
    expect(await error(['0x0', 0, token, '0x', 1])).toEqual({
      code: -32000,
      message: 'no transaction in genesis',
    })
    expect(await error(['0xffffff', 0, token, '0x', 1])).toEqual({
      code: -32000,
      message: 'block #16777215 not found',
    })
    expect((await error([block.hash, 0, token, `0x${'00'.repeat(33)}`, 1]))?.code).toBe(-32602)
  })

  it('debug_intermediateRoots: the root after each transaction, the last one the block’s', async () => {
    // The block was validated (above), so its witness is in R2: the RPC worker answers from it.
    const block = (await rpc(chain.l2Url, 'eth_getBlockByNumber', [toHex(traced.blockNumber), false]))
      .result as { hash: Hex; stateRoot: Hex; transactions: Hex[] }
    const roots = (await trace('debug_intermediateRoots', [block.hash])) as Hex[]
    expect(roots).toHaveLength(block.transactions.length)
    expect(roots.at(-1)).toBe(block.stateRoot)
    expect(await trace('debug_intermediateRoots', [block.hash, { tracer: 'callTracer' }])).toEqual(roots)
    const genesis = (await rpc(chain.l2Url, 'eth_getBlockByNumber', ['0x0', false])).result as { hash: Hex }
    expect((await rpc(chain.l2Url, 'debug_intermediateRoots', [genesis.hash])).error).toEqual({
      code: -32000,
      message: 'genesis is not traceable',
    })
    const unknown = `0x${'ab'.repeat(32)}`
    expect((await rpc(chain.l2Url, 'debug_intermediateRoots', [unknown])).error).toEqual({
      code: -32000,
      message: `block ${unknown} not found`,
    })
  })

  it('debug_traceBlock: a block given as RLP is traced on its parent, as the chain traced it', async () => {
    const raw = (await trace('debug_getRawBlock', [toHex(traced.blockNumber)])) as Hex
    expect(await trace('debug_traceBlock', [raw, { tracer: 'callTracer' }])).toEqual(
      await trace('debug_traceBlockByNumber', [toHex(traced.blockNumber), { tracer: 'callTracer' }]),
    )
    const error = async (block: Hex) => (await rpc(chain.l2Url, 'debug_traceBlock', [block])).error
    const decoded = decodeBlock(hexToBytes(raw))
    const reencoded = (header: Partial<BlockHeader>) =>
      toHex(encodeBlock({ ...decoded.header, ...header }, decoded.transactions, decoded.withdrawals))
    const otherParent = `0x${'12'.repeat(32)}` as Hex
    expect(await error(reencoded({ parentHash: otherParent }))).toEqual({
      code: -32000,
      message: `block ${otherParent} not found`,
    })
    expect(await error(reencoded({ number: 1n << 40n }))).toEqual({
      code: -32000,
      message: `block #${(1n << 40n) - 1n} not found`,
    })
    expect(await error(reencoded({ number: 0n }))).toEqual({
      code: -32000,
      message: 'genesis is not traceable',
    })
    expect((await error('0xc0'))?.message).toMatch(/^could not decode block: /)
    expect((await error(toHex(encodeBlock(decoded.header, [Uint8Array.of(2, 0xc0)], []))))?.message).toMatch(
      /^could not decode block: transaction 0 does not decode or recover: /,
    )
    const twice = [...decoded.transactions, ...decoded.transactions]
    expect(
      await error(toHex(encodeBlock({ ...decoded.header, gasLimit: 21_000n }, twice, decoded.withdrawals))),
    ).toEqual({
      code: -32000,
      message: `block has ${twice.length} transactions, more than a gas limit of 21000 can hold`,
    })
  })

  it('debug_getModifiedAccountsByNumber and ByHash: the accounts whose state differs between blocks', async () => {
    // A contract whose slot 0 takes the calldata's first word: set in one block, put back in the next.
    const runtime = assemble('0 CALLDATALOAD 0 SSTORE STOP')
    const prefix = assemble(`${runtime.length} 10 0 CODECOPY ${runtime.length} 0 RETURN`)
    const caller = devAccounts[7]!
    const send = async (tx: { to?: Address; data: Hex }) => {
      const nonce = Number(
        (await rpc(chain.l2Url, 'eth_getTransactionCount', [caller.address, 'pending'])).result,
      )
      const raw = await caller.signTransaction({
        chainId: CHAIN_ID,
        type: 'eip1559',
        nonce,
        gas: 200_000n,
        maxFeePerGas: parseGwei('3'),
        maxPriorityFeePerGas: 1n,
        ...tx,
      })
      const receipt = (await trace('eth_sendRawTransactionSync', [raw])) as {
        blockNumber: Hex
        contractAddress: Address | null
      }
      // Each in a block of its own: wait for this one to be sealed.
      const blockNumber = BigInt(receipt.blockNumber)
      await expect
        .poll(async () => BigInt((await trace('eth_blockNumber', [])) as Hex), { timeout: 5_000 })
        .toBeGreaterThanOrEqual(blockNumber)
      return { blockNumber, contract: receipt.contractAddress }
    }
    const store = (await send({ data: toHex(new Uint8Array([...prefix, ...runtime])) })).contract!
    const set = (await send({ to: store, data: toHex(1n, { size: 32 }) })).blockNumber
    const putBack = (await send({ to: store, data: toHex(0n, { size: 32 }) })).blockNumber
    expect(putBack).toBeGreaterThan(set)

    const blockAt = async (number: bigint) =>
      (await trace('eth_getBlockByNumber', [toHex(number), false])) as { hash: Hex; miner: Address }
    const account = async (address: Address, number: bigint) => {
      const { nonce, balance, codeHash, storageHash } = (await trace('eth_getProof', [
        address,
        [],
        toHex(number),
      ])) as Record<string, Hex>
      return { nonce, balance, codeHash, storageHash }
    }
    const inTrieOrder = (addresses: Address[]) =>
      [...addresses].sort((a, b) => keccak256(a).localeCompare(keccak256(b)))
    // Every account listed differs between the two states, in trie order, and of those the test
    // knows, every one that differs is listed.
    const expectModified = async (listed: Address[], from: bigint, to: bigint) => {
      expect(listed).toEqual(inTrieOrder(listed))
      for (const address of listed)
        expect(await account(address, to), address).not.toEqual(await account(address, from))
      const known = [caller.address, store, (await blockAt(to)).miner, recipient, token]
      for (const address of known)
        if (!isDeepEqual(await account(address, to), await account(address, from)))
          expect(listed.map((listed) => listed.toLowerCase())).toContain(address.toLowerCase())
    }
    const byNumber = (params: unknown[]) =>
      trace('debug_getModifiedAccountsByNumber', params) as Promise<Address[]>
    const byHash = (params: unknown[]) =>
      trace('debug_getModifiedAccountsByHash', params) as Promise<Address[]>

    const inSet = await byNumber([Number(set)])
    expect(inSet.map((address) => address.toLowerCase())).toContain(store.toLowerCase())
    await expectModified(inSet, set - 1n, set)
    expect(await byHash([(await blockAt(set)).hash])).toEqual(inSet)
    const inPutBack = await byNumber([Number(putBack)])
    expect(inPutBack.map((address) => address.toLowerCase())).toContain(store.toLowerCase())
    await expectModified(inPutBack, putBack - 1n, putBack)
    // Across both, the contract ended as it began: not modified. Its caller's nonce moved.
    const across = await byNumber([Number(set - 1n), Number(putBack)])
    expect(across.map((address) => address.toLowerCase())).not.toContain(store.toLowerCase())
    expect(across.map((address) => address.toLowerCase())).toContain(caller.address.toLowerCase())
    await expectModified(across, set - 1n, putBack)
    expect(await byHash([(await blockAt(set - 1n)).hash, (await blockAt(putBack)).hash])).toEqual(across)
    expect(await byNumber([Number(set - 1n), null])).toEqual(await byNumber([Number(set - 1n)]))

    const error = async (method: string, params: unknown[]) => (await rpc(chain.l2Url, method, params)).error
    const unknown = `0x${'ab'.repeat(32)}`
    for (const [method, params, message] of [
      ['debug_getModifiedAccountsByNumber', [0], 'block 0 has no parent'],
      ['debug_getModifiedAccountsByNumber', [0xffffff], 'start block ffffff not found'],
      ['debug_getModifiedAccountsByNumber', [1, 0xffffff], 'end block 16777215 not found'],
      [
        'debug_getModifiedAccountsByNumber',
        [Number(putBack), Number(set)],
        `start block height (${putBack}) must be less than end block height (${set})`,
      ],
      ['debug_getModifiedAccountsByHash', [unknown], `start block ${'ab'.repeat(32)} not found`],
      [
        'debug_getModifiedAccountsByHash',
        [(await blockAt(set)).hash, unknown],
        `end block ${'ab'.repeat(32)} not found`,
      ],
    ] as const)
      expect(await error(method, [...params]), `${method} ${params}`).toEqual({ code: -32000, message })
    expect(await error('debug_getModifiedAccountsByNumber', ['0x1'])).toEqual({
      code: -32602,
      message: 'invalid argument 0: json: cannot unmarshal string into Go value of type uint64',
    })
    expect(await error('debug_getModifiedAccountsByNumber', [1, -1])).toEqual({
      code: -32602,
      message: 'invalid argument 1: json: cannot unmarshal number -1 into Go value of type uint64',
    })
  })

  it('answers bad requests as geth does', async () => {
    expect(
      (await rpc(chain.l2Url, 'debug_traceTransaction', [traced.hash, { tracer: 'fourByteTracer' }])).error,
    ).toMatchObject({
      code: -32000,
      message: expect.stringMatching(/^tracer not found/),
    })
    expect((await rpc(chain.l2Url, 'debug_traceTransaction', [`0x${'ab'.repeat(32)}`])).error).toEqual({
      code: -32000,
      message: 'transaction not found',
    })
    expect((await rpc(chain.l2Url, 'debug_traceBlockByNumber', ['0xffffff'])).error).toEqual({
      code: -32000,
      message: 'block #16777215 not found',
    })
    expect((await rpc(chain.l2Url, 'debug_traceBlockByNumber', ['0x0'])).error).toEqual({
      code: -32000,
      message: 'genesis is not traceable',
    })
    expect(
      (await rpc(chain.l2Url, 'debug_traceTransaction', [traced.hash, { enableMemory: 'yes' }])).error?.code,
    ).toBe(-32000)
  })

  it('seals only blocks that validate from their witnesses', async () => {
    await expectEveryBlockValidates(chain.l2Url)
  })
})
