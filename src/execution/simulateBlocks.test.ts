import type { Address, Hash } from 'viem'
import { describe, expect, it } from 'vitest'
import { EvmState } from '../evm/evmState.ts'
import { precompilesFor } from '../evm/precompiles/index.ts'
import { bytesToBigInt, bytesToHex, hexToBytes } from '../primitives/hex.ts'
import { keccak256 } from '../primitives/keccak256.ts'
import { computeStateRoot } from '../state/computeStateRoot.ts'
import type { MemoryState } from '../state/memoryState.ts'
import { StateTrie } from '../state/stateTrie.ts'
import { MemoryNodeStore } from '../state/trie/memoryNodeStore.ts'
import { applySystemCalls, systemContractsOf } from './applySystemCalls.ts'
import {
  type BlockHeader,
  EMPTY_BLOOM,
  EMPTY_OMMERS_HASH,
  EMPTY_REQUESTS_HASH,
  EMPTY_TRIE_ROOT,
  hashBlockHeader,
  ZERO_HASH,
} from './blockHeader.ts'
import { calcNextBaseFee } from './calcNextBaseFee.ts'
import { processTransaction } from './processTransaction.ts'
import {
  type SimulatedBlockRequest,
  type SimulatedCallRequest,
  SimulationError,
  type SimulationRequest,
  simulateBlocks,
  unsignedLegacyEncoding,
} from './simulateBlocks.ts'
import { CALL_GAS_CAP } from './simulateCall.ts'
import { assemble, COINBASE, callRequest, chain, SENDER, SENDER_BALANCE } from './tracing/tracingFixture.ts'
import { ETHER_ADDRESS, TRANSFER_TOPIC } from './tracing/transferLogTracer.ts'

const COUNTER: Address = '0x000000000000000000000000000000000000c0c0'
const BLOCK_INFO: Address = '0x0000000000000000000000000000000000000b10'
const FORWARDER: Address = '0x000000000000000000000000000000000000f0f0'
const RECIPIENT: Address = '0x000000000000000000000000000000000000beef'
const REVERTER: Address = '0x000000000000000000000000000000000000dead'
const LOOPER: Address = '0x0000000000000000000000000000000000001001'
const STRANGER: Address = '0x0000000000000000000000000000000000005555'

const ACCOUNTS = {
  // Adds one to slot 0 and returns the new value.
  [COUNTER]: {
    code: 'PUSH0 SLOAD PUSH1 1 ADD DUP1 PUSH0 SSTORE PUSH0 MSTORE PUSH1 32 PUSH0 RETURN',
    storage: new Map([
      [0n, 41n],
      [7n, 7n],
    ]),
  },
  // Returns NUMBER, TIMESTAMP, BASEFEE, BLOCKHASH(NUMBER - 1) and COINBASE.
  [BLOCK_INFO]: {
    code:
      'NUMBER PUSH0 MSTORE TIMESTAMP PUSH1 32 MSTORE BASEFEE PUSH1 64 MSTORE ' +
      'PUSH1 1 NUMBER SUB BLOCKHASH PUSH1 96 MSTORE COINBASE PUSH1 128 MSTORE PUSH1 160 PUSH0 RETURN',
  },
  // Sends half its value to RECIPIENT, 1 wei to REVERTER (which reverts), then LOG0.
  [FORWARDER]: {
    code:
      `PUSH0 PUSH0 PUSH0 PUSH0 PUSH1 2 CALLVALUE DIV PUSH20 ${RECIPIENT} GAS CALL POP ` +
      `PUSH0 PUSH0 PUSH0 PUSH0 PUSH1 1 PUSH20 ${REVERTER} GAS CALL POP PUSH0 PUSH0 LOG0 STOP`,
  },
  [REVERTER]: { code: 'PUSH0 PUSH0 REVERT' },
  [LOOPER]: { code: 'JUMPDEST PUSH0 JUMP' },
}

const FORK = 'prague' as const
const CHAIN_ID = 7077n
const MIN_BASE_FEE = 7n

/** The base state (with the system contracts), its trie, and a header over it. */
function setup(): { memory: MemoryState; header: BlockHeader; store: MemoryNodeStore } {
  const memory = chain(ACCOUNTS)
  for (const contract of systemContractsOf(FORK))
    memory.setAccount(contract.address, { nonce: 1n, code: hexToBytes(contract.code) })
  const store = new MemoryNodeStore()
  const trie = new StateTrie(store)
  const accounts = new Map()
  const storage = new Map()
  for (const [address, account] of memory.entries()) {
    accounts.set(address, { nonce: account.nonce, balance: account.balance, codeHash: account.codeHash })
    storage.set(address, new Map(account.storage))
  }
  trie.apply({ accounts, storage, storageResets: new Set() })
  const stateRoot = trie.commit()
  expect(stateRoot).toBe(computeStateRoot(memory.entries()))
  const header: BlockHeader = {
    parentHash: ZERO_HASH,
    ommersHash: EMPTY_OMMERS_HASH,
    coinbase: COINBASE,
    stateRoot,
    transactionsRoot: EMPTY_TRIE_ROOT,
    receiptsRoot: EMPTY_TRIE_ROOT,
    logsBloom: EMPTY_BLOOM,
    difficulty: 0n,
    number: 10n,
    gasLimit: 30_000_000n,
    gasUsed: 20_000_000n,
    timestamp: 1_000n,
    extraData: '0x',
    mixHash: ZERO_HASH,
    nonce: '0x0000000000000000',
    baseFeePerGas: 1_000n,
    withdrawalsRoot: EMPTY_TRIE_ROOT,
    blobGasUsed: 0n,
    excessBlobGas: 0n,
    parentBeaconBlockRoot: ZERO_HASH,
    requestsHash: EMPTY_REQUESTS_HASH,
  }
  return { memory, header, store }
}

/** The chain's own hashes up to the base, standing in for a real chain's. */
const chainHash = (number: bigint) => bytesToBigInt(keccak256(Uint8Array.of(Number(number))))

function simulate(blocks: Partial<SimulatedBlockRequest>[], options: Partial<SimulationRequest> = {}) {
  const { memory, header, store } = setup()
  return simulateBlocks(
    {
      header,
      hash: hashBlockHeader(header),
      reader: memory,
      trie: new StateTrie(store, header.stateRoot),
      blockHash: chainHash,
      fork: FORK,
      chainId: CHAIN_ID,
      precompiles: precompilesFor(FORK),
      minBaseFee: MIN_BASE_FEE,
    },
    {
      blocks: blocks.map((block) => ({ overrides: {}, stateOverride: new Map(), calls: [], ...block })),
      traceTransfers: false,
      validation: false,
      ...options,
    },
  )
}

function call(fields: Partial<SimulatedCallRequest>): SimulatedCallRequest {
  return { ...callRequest(SENDER, {}), nonce: undefined, ...fields }
}

function failure(run: () => unknown): { code: number; message: string } {
  try {
    run()
  } catch (error) {
    if (error instanceof SimulationError) return { code: error.code, message: error.message }
    throw error
  }
  throw new Error('the simulation did not fail')
}

const words = (data: Uint8Array) =>
  Array.from({ length: data.length / 32 }, (_, i) => bytesToBigInt(data.subarray(i * 32, i * 32 + 32)))

describe('simulateBlocks', () => {
  it('chains blocks on the base: numbers, timestamps, parents, hashes, state carried over', () => {
    const [first, second] = simulate([
      { calls: [call({ to: COUNTER }), call({ to: RECIPIENT, value: 5n })] },
      { calls: [call({ to: COUNTER }), call({ to: BLOCK_INFO })] },
    ])
    expect(first!.header.number).toBe(11n)
    expect(first!.header.timestamp).toBe(1_012n)
    expect(first!.header.parentHash).toBe(hashBlockHeader(setup().header))
    expect(first!.hash).toBe(hashBlockHeader(first!.header))
    expect(second!.header.number).toBe(12n)
    expect(second!.header.timestamp).toBe(1_024n)
    expect(second!.header.parentHash).toBe(first!.hash)
    // The counter's second run sees the first's write.
    expect(words(first!.calls[0]!.returnData)).toEqual([42n])
    expect(words(second!.calls[0]!.returnData)).toEqual([43n])
    // BLOCKHASH(11) inside block 12 is the simulated block 11's hash; the base fee is zero unvalidated.
    expect(words(second!.calls[1]!.returnData)).toEqual([
      12n,
      1_024n,
      0n,
      BigInt(first!.hash),
      BigInt(COINBASE),
    ])
    expect(first!.header.gasUsed).toBe(first!.calls[0]!.gasUsed + first!.calls[1]!.gasUsed)
    expect(first!.header.baseFeePerGas).toBe(0n)
    expect(first!.header.mixHash).toBe(ZERO_HASH)
    expect(first!.header.extraData).toBe('0x')
  })

  it('commits to each block state root as a replay of the same blocks on a copy computes it', () => {
    const blocks: Partial<SimulatedBlockRequest>[] = [
      {
        calls: [call({ to: COUNTER }), call({ to: RECIPIENT, value: 5n })],
        stateOverride: new Map([[COUNTER, { state: new Map([[3n, 9n]]) }]]),
      },
      {
        overrides: { coinbase: STRANGER },
        calls: [call({ to: COUNTER }), call({ to: null, data: assemble('PUSH1 1 PUSH0 SSTORE STOP') })],
        stateOverride: new Map([[STRANGER, { balance: 77n, nonce: 3n }]]),
      },
    ]
    const simulated = simulate(blocks)
    // The replay: each block's overrides written as they read, its system calls, its transactions.
    const { memory } = setup()
    simulated.forEach((block, index) => {
      const state = new EvmState(memory)
      for (const [address, override] of blocks[index]!.stateOverride ?? []) {
        if (override.balance !== undefined)
          state.addBalance(address, override.balance - state.getBalance(address))
        if (override.nonce !== undefined) state.setNonce(address, override.nonce)
        if (override.state) {
          for (const slot of [0n, 7n]) state.setStorage(address, slot, 0n)
          for (const [slot, value] of override.state) state.setStorage(address, slot, value)
        }
      }
      state.finalizeTransaction()
      const context = {
        number: block.header.number,
        timestamp: block.header.timestamp,
        coinbase: block.header.coinbase,
        gasLimit: block.header.gasLimit,
        baseFeePerGas: 0n,
        prevRandao: 0n,
        blobBaseFee: 1n,
        chainId: CHAIN_ID,
        blockHash: () => 0n,
      }
      applySystemCalls(state, {
        fork: FORK,
        block: context,
        precompiles: precompilesFor(FORK),
        parentHash: block.header.parentHash,
        parentBeaconBlockRoot: ZERO_HASH,
      })
      for (const { fields, sender } of block.transactions)
        processTransaction(
          state,
          {
            type: 2,
            sender,
            to: fields.to,
            nonce: fields.nonce,
            gasLimit: fields.gasLimit,
            value: fields.value,
            data: fields.data,
            maxFeePerGas: 0n,
            maxPriorityFeePerGas: 0n,
            accessList: [],
            maxFeePerBlobGas: 0n,
            blobVersionedHashes: [],
            authorizationList: [],
          },
          {
            fork: FORK,
            block: context,
            precompiles: precompilesFor(FORK),
            blockGasAvailable: context.gasLimit,
            simulation: 'call',
          },
        )
      memory.apply(state.changes())
      expect(block.header.stateRoot).toBe(computeStateRoot(memory.entries()))
    })
    expect(memory.getStorage(COUNTER, 7n)).toBe(0n)
    expect(memory.getStorage(COUNTER, 0n)).toBe(2n)
    expect(memory.getAccount(STRANGER)).toMatchObject({ nonce: 3n, balance: 77n })
  })

  it('lists each call as an unsigned transaction with its sender, and roots over them', () => {
    const [block] = simulate([
      {
        calls: [
          call({ to: COUNTER, maxFeePerGas: 0n, nonce: 9n }),
          call({ to: RECIPIENT, value: 1n, gasPrice: 0n, gas: 21_000n }),
        ],
      },
    ])
    const [dynamic, legacy] = block!.transactions
    expect(dynamic!.fields).toMatchObject({
      type: 2,
      nonce: 9n,
      chainId: CHAIN_ID,
      r: 0n,
      s: 0n,
      to: COUNTER,
    })
    expect(dynamic!.sender).toBe(SENDER)
    expect(legacy!.fields).toMatchObject({ type: 0, nonce: 1n, gasLimit: 21_000n, v: 0n })
    const raw = unsignedLegacyEncoding({ ...legacy!.fields, gasPrice: 0n })
    expect(legacy!.fields.hash).toBe(bytesToHex(keccak256(raw)))
    expect(block!.header.transactionsRoot).not.toBe(EMPTY_TRIE_ROOT)
    expect(block!.header.receiptsRoot).not.toBe(EMPTY_TRIE_ROOT)
  })

  it('fills gaps in numbers with empty blocks and takes the timestamps and fields it is given', () => {
    const blocks = simulate([
      {
        overrides: {
          number: 14n,
          timestamp: 5_000n,
          gasLimit: 1_000_000n,
          beaconRoot: `0x${'ab'.repeat(32)}`,
        },
      },
      { overrides: { prevRandao: 5n, baseFeePerGas: 3n }, calls: [call({ to: BLOCK_INFO })] },
    ])
    expect(blocks.map((block) => block.header.number)).toEqual([11n, 12n, 13n, 14n, 15n])
    expect(blocks.map((block) => block.header.timestamp)).toEqual([1_012n, 1_024n, 1_036n, 5_000n, 5_012n])
    expect(blocks.slice(0, 3).every((block) => block.calls.length === 0)).toBe(true)
    expect(blocks[3]!.header.parentBeaconBlockRoot).toBe(`0x${'ab'.repeat(32)}`)
    // The gas limit carries to the next block, as geth's simulated headers do; the base fee does not.
    expect(blocks[4]!.header.gasLimit).toBe(1_000_000n)
    expect(blocks[4]!.header.baseFeePerGas).toBe(3n)
    expect(blocks[4]!.header.mixHash).toBe(`0x${'5'.padStart(64, '0')}`)
    expect(blocks[4]!.header.parentBeaconBlockRoot).toBe(ZERO_HASH)
    expect(words(blocks[4]!.calls[0]!.returnData).slice(0, 4)).toEqual([
      15n,
      5_012n,
      0n,
      BigInt(blocks[3]!.hash),
    ])
  })

  it('refuses blocks out of order, past 256, and calls past the block gas limit, with geth codes', () => {
    expect(failure(() => simulate([{ overrides: { number: 10n } }]))).toEqual({
      code: -38020,
      message: 'block numbers must be in order: 10 <= 10',
    })
    expect(failure(() => simulate([{}, { overrides: { timestamp: 1_012n } }]))).toEqual({
      code: -38021,
      message: 'block timestamps must be in order: 1012 <= 1012',
    })
    expect(failure(() => simulate([{ overrides: { number: 10n + 257n } }]))).toEqual({
      code: -38026,
      message: 'too many blocks',
    })
    expect(simulate([{ overrides: { number: 10n + 256n } }])).toHaveLength(256)
    expect(
      failure(() =>
        simulate([{ overrides: { gasLimit: 50_000n }, calls: [call({ to: RECIPIENT, gas: 50_001n })] }]),
      ),
    ).toEqual({ code: -38015, message: 'block gas limit reached: remaining: 50000, required: 50001' })
  })

  it('holds calls to nonces, fees and funds only under validation, with geth codes', () => {
    expect(simulate([{ calls: [call({ to: RECIPIENT, nonce: 5n })] }])[0]!.calls[0]!.status).toBe(1)
    expect(
      failure(() => simulate([{ calls: [call({ to: RECIPIENT, nonce: 5n })] }], { validation: true })),
    ).toEqual({
      code: -38011,
      message: `nonce too high: address ${SENDER}, tx: 5 state: 0`,
    })
    const baseFee = calcNextBaseFee({ ...setup().header, minBaseFee: MIN_BASE_FEE })
    expect(
      failure(() => simulate([{ calls: [call({ to: RECIPIENT })] }], { validation: true })),
    ).toMatchObject({
      code: -38012,
    })
    const [validated] = simulate([{ calls: [call({ to: RECIPIENT, maxFeePerGas: baseFee })] }], {
      validation: true,
    })
    expect(validated!.header.baseFeePerGas).toBe(baseFee)
    expect(
      failure(() => simulate([{ calls: [call({ to: RECIPIENT, value: SENDER_BALANCE + 1n })] }])),
    ).toMatchObject({
      code: -38014,
    })
    expect(failure(() => simulate([{ calls: [call({ to: RECIPIENT, gas: 20_000n })] }]))).toEqual({
      code: -38013,
      message: 'intrinsic gas too low: have 20000, want 21000',
    })
  })

  it('reports a revert and a halt as the call result, and notes a gas limit cut to the request cap', () => {
    const calls = [call({ to: REVERTER }), call({ to: LOOPER, gas: 100_000n }), call({ to: LOOPER })]
    const overrides = { gasLimit: 100_000_000n }
    const [reverted, halted, capped] = simulate([{ overrides, calls }])[0]!.calls
    expect(reverted).toMatchObject({ status: 0, error: 'execution reverted', logs: [] })
    expect(halted).toMatchObject({ status: 0, gasUsed: 100_000n, error: 'out of gas' })
    expect(capped).toMatchObject({
      status: 0,
      gasUsed: CALL_GAS_CAP - reverted!.gasUsed - halted!.gasUsed,
      error: "out of gas (gas limit was capped by the RPC server's global gas cap)",
    })
    // The request's cap is spent: a call after it gets no gas, and cannot start.
    expect(failure(() => simulate([{ overrides, calls }, { calls: [call({ to: RECIPIENT })] }]))).toEqual({
      code: -38013,
      message: 'intrinsic gas too low: have 0, want 21000',
    })
  })

  it("moves a precompile for its block's calls alone, as geth applies each block's overrides", () => {
    const identity: Address = '0x0000000000000000000000000000000000000004'
    const elsewhere: Address = '0x000000000000000000000000000000000000beef'
    const echo = (to: Address) => call({ to, data: hexToBytes('0xabcd') })
    const [moved, after] = simulate([
      {
        stateOverride: new Map([[identity, { movePrecompileTo: elsewhere }]]),
        calls: [echo(elsewhere), echo(identity)],
      },
      { calls: [echo(elsewhere), echo(identity)] },
    ])
    const outputs = (block: typeof moved) => block!.calls.map((result) => bytesToHex(result.returnData))
    expect(outputs(moved)).toEqual(['0xabcd', '0x'])
    expect(outputs(after)).toEqual(['0x', '0xabcd'])
  })

  it('with traceTransfers, logs each ether movement in line, and none from a reverted frame', () => {
    const run = (traceTransfers: boolean) =>
      simulate([{ calls: [call({ to: FORWARDER, value: 10n })] }], { traceTransfers })[0]!.calls[0]!.logs
    const topic = (address: Address) => `0x${address.slice(2).padStart(64, '0')}` as Hash
    const transfer = (from: Address, to: Address, value: bigint) => ({
      address: ETHER_ADDRESS,
      topics: [`0x${TRANSFER_TOPIC.toString(16)}`, topic(from), topic(to)],
      data: `0x${value.toString(16).padStart(64, '0')}`,
    })
    const log0 = { address: FORWARDER, topics: [], data: '0x' }
    expect(run(false)).toEqual([log0])
    expect(run(true)).toEqual([transfer(SENDER, FORWARDER, 10n), transfer(FORWARDER, RECIPIENT, 5n), log0])
  })
})
