import fc from 'fast-check'
import { type Address, encodeFunctionData } from 'viem'
import { beforeAll, describe, expect, it } from 'vitest'
import { compileContracts } from '../../../bench/evm/contracts.ts'
import {
  deployerCallsOn,
  deploySwapPools,
  type SwapPool,
  swapCalldata,
} from '../../../bench/evm/swapPools.ts'
import { EvmState } from '../../evm/evmState.ts'
import { precompilesFor } from '../../evm/precompiles/index.ts'
import { hexToBytes } from '../../primitives/hex.ts'
import { computeStateRoot } from '../../state/computeStateRoot.ts'
import { MemoryState } from '../../state/memoryState.ts'
import {
  type BlockExecution,
  type ExecutableBlock,
  executeBlock,
  type RecoveredTransaction,
} from '../executeBlock.ts'
import { unsignedTransaction } from '../unsignedTransaction.ts'
import { AccessPredictor } from './accessPredictor.ts'
import { executeBlockParallel } from './executeBlockParallel.ts'
import { emptyPartitionStats, executeBlockPartitioned } from './executePartitioned.ts'
import { type ExecutorPool, InProcessExecutorPool } from './executorPool.ts'
import { WorkerThreadPool } from './workerThreadPool.node.ts'

const CHAIN_ID = 1337n
const BASE_FEE = 7n
const ONE_ETHER = 10n ** 18n
const MAX_ACCOUNTS = 50
const COINBASE: Address = '0x00000000000000000000000000000000000c0ffe'
const DEPLOYER: Address = '0x00000000000000000000000000000000000de910'
const accounts: Address[] = Array.from(
  { length: MAX_ACCOUNTS },
  // Shaped like real addresses (high bytes set): the partitioned executor's prediction reads
  // address-shaped calldata words, and small numbers are amounts to it.
  (_, index) => `0x${(0x1000 + index).toString(16).padStart(40, 'a')}` as Address,
)
/** Increments the slots named by calldata words 0 and 1; reverts when word 2 is non-zero. */
const COUNTERS: Address = '0x00000000000000000000000000000000000c0de1'
const COUNTERS_CODE = '0x5f358054600101905560203580546001019055604035601a57005b5f5ffd'
/** SSTORE(0, BALANCE(COINBASE)): reads the fee recipient's balance. */
const COINBASE_READER: Address = '0x00000000000000000000000000000000000c0de2'
const COINBASE_READER_CODE = '0x41315f5500'
/** Forwards CALLVALUE to COINBASE (block.coinbase.transfer), touching its account. */
const COINBASE_PAYER: Address = '0x00000000000000000000000000000000000c0de3'
const COINBASE_PAYER_CODE = '0x5f5f5f5f34415af15000'

/**
 * A bank: empty calldata deposits; first byte 1 pays the caller 1 wei back; first byte 2 stores
 * SELFBALANCE in slot 0.
 */
const BANK: Address = '0x00000000000000000000000000000000000c0de4'
const BANK_CODE = '0x36156028575f3560f81c80600114601857600214602357005b5f5f5f5f6001335af1005b475f55005b00'
/** Uniswap V2 pools; each block swaps through the first 1 to MAX_POOLS of them (total contention at 1). */
const MAX_POOLS = 3
/** Of each token, in each pool's reserves and in each pool's swap helper: a larger swap reverts. */
const POOL_TOKENS = 10n ** 24n

type TxSpec =
  | { kind: 'ether'; from: number; to: number; value: bigint }
  | { kind: 'token'; from: number; to: number; amount: bigint }
  | { kind: 'counters'; from: number; a: number; b: number; revert: boolean; outOfGas: boolean }
  | { kind: 'readCoinbase'; from: number }
  | { kind: 'payCoinbase'; from: number; value: bigint }
  | { kind: 'swap'; from: number; pool: number; zeroForOne: boolean; amountIn: bigint; outOfGas: boolean }

type BlockSpec = {
  accountCount: number
  /** Swaps go through pools[pool % poolCount]. */
  poolCount: number
  txs: { spec: TxSpec; tip: bigint; badNonce: boolean }[]
  coinbaseSends: boolean
  smallGasLimit: boolean
  workers: number
  seed: number
}

let preState: MemoryState
let token: Address
let pools: SwapPool[]
let contracts: ReturnType<typeof compileContracts>

beforeAll(() => {
  contracts = compileContracts()
  const base = new MemoryState()
  base.setAccount(DEPLOYER, { balance: ONE_ETHER })
  for (const address of accounts) base.setAccount(address, { balance: ONE_ETHER })
  base.setAccount(COUNTERS, { code: hexToBytes(COUNTERS_CODE) })
  base.setAccount(COINBASE_READER, { code: hexToBytes(COINBASE_READER_CODE) })
  base.setAccount(COINBASE_PAYER, { code: hexToBytes(COINBASE_PAYER_CODE) })
  base.setAccount(BANK, { balance: ONE_ETHER, code: hexToBytes(BANK_CODE) })
  // Deploy the token and pools and give every account tokens, serially, outside the blocks under test.
  const setup = new EvmState(base)
  const deployer = deployerCallsOn(setup, DEPLOYER, BASE_FEE, {
    fork: 'cancun',
    block: blockContext(blockOf([], 30_000_000n)),
    precompiles: precompilesFor('cancun'),
  })
  token = deployer.deploy(contracts.Token.bytecode)
  for (const address of accounts) deployer.call(token, transferData(address, 10n ** 20n))
  pools = deploySwapPools(deployer, contracts, MAX_POOLS, DEPLOYER, {
    liquidity: POOL_TOKENS,
    helperFunds: POOL_TOKENS,
  })
  base.apply(setup.changes())
  preState = base
})

function transferData(to: Address, amount: bigint): Uint8Array {
  return hexToBytes(
    encodeFunctionData({ abi: contracts.Token.abi, functionName: 'transfer', args: [to, amount] }),
  )
}

function blockContext(block: ExecutableBlock) {
  return {
    number: block.number,
    timestamp: block.timestamp,
    coinbase: block.coinbase,
    gasLimit: block.gasLimit,
    baseFeePerGas: block.baseFeePerGas,
    prevRandao: 0n,
    blobBaseFee: block.blobBaseFee,
    chainId: CHAIN_ID,
    blockHash: () => 0n,
  }
}

function blockOf(transactions: RecoveredTransaction[], gasLimit: bigint): ExecutableBlock {
  return {
    number: 10n,
    parentHash: `0x${'ab'.repeat(32)}`,
    timestamp: 1_000n,
    coinbase: COINBASE,
    gasLimit,
    baseFeePerGas: BASE_FEE,
    prevRandao: `0x${'00'.repeat(32)}`,
    blobBaseFee: 1n,
    parentBeaconBlockRoot: `0x${'be'.repeat(32)}`,
    transactions,
    withdrawals: [{ index: 0n, validatorIndex: 0n, address: accounts[1]!, amount: 1n }],
  }
}

/** Unsigned transactions with senders given: execution never looks at the signature. */
function transactionsOf(spec: BlockSpec): RecoveredTransaction[] {
  const nonces = new Map<Address, bigint>()
  return spec.txs.map(({ spec: tx, tip, badNonce }, index) => {
    const sender = spec.coinbaseSends && tx.from === 0 ? COINBASE : accounts[tx.from % spec.accountCount]!
    const nonce = nonces.get(sender) ?? 0n
    nonces.set(sender, nonce + 1n)
    const word = (value: number | boolean) => BigInt(value).toString(16).padStart(64, '0')
    const call = ((): { to: Address; value: bigint; data: Uint8Array; gasLimit: bigint } => {
      const recipient = (to: number) => (to === 0 ? COINBASE : accounts[to % spec.accountCount]!)
      switch (tx.kind) {
        case 'ether':
          return { to: recipient(tx.to), value: tx.value, data: new Uint8Array(0), gasLimit: 21_000n }
        case 'token':
          return { to: token, value: 0n, data: transferData(recipient(tx.to), tx.amount), gasLimit: 100_000n }
        case 'counters':
          return {
            to: COUNTERS,
            value: 0n,
            data: hexToBytes(`0x${word(tx.a)}${word(tx.b)}${word(tx.revert)}`),
            gasLimit: tx.outOfGas ? 30_000n : 100_000n,
          }
        case 'readCoinbase':
          return { to: COINBASE_READER, value: 0n, data: new Uint8Array(0), gasLimit: 100_000n }
        case 'payCoinbase':
          return { to: COINBASE_PAYER, value: tx.value, data: new Uint8Array(0), gasLimit: 100_000n }
        case 'swap': {
          const pool = pools[tx.pool % spec.poolCount]!
          return {
            to: pool.helper,
            value: 0n,
            data: swapCalldata(contracts, pool.pair, tx.zeroForOne, tx.amountIn),
            gasLimit: tx.outOfGas ? 60_000n : 300_000n,
          }
        }
      }
    })()
    return transactionAt(index, sender, badNonce ? nonce + 1n : nonce, tip, call)
  })
}

/** A transaction at `index` of one of these blocks, paying `tip` over the base fee. */
function transactionAt(
  index: number,
  sender: Address,
  nonce: bigint,
  tip: bigint,
  call: { to: Address; value: bigint; data: Uint8Array; gasLimit: bigint },
): RecoveredTransaction {
  return unsignedTransaction({
    index,
    chainId: CHAIN_ID,
    sender,
    nonce,
    maxPriorityFeePerGas: tip,
    maxFeePerGas: BASE_FEE + 10n,
    ...call,
  })
}

const txSpec = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('ether' as const),
      from: fc.nat(49),
      to: fc.nat(49),
      value: fc.bigInt(0n, 1000n),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('token' as const),
      from: fc.nat(49),
      to: fc.nat(49),
      amount: fc.bigInt(0n, 2n * 10n ** 20n),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('counters' as const),
      from: fc.nat(49),
      a: fc.nat(7),
      b: fc.nat(7),
      revert: fc.constantFrom(false, false, false, true),
      outOfGas: fc.constantFrom(false, false, false, true),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('readCoinbase' as const), from: fc.nat(49) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('payCoinbase' as const),
      from: fc.nat(49),
      value: fc.bigInt(0n, 3n),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('swap' as const),
      from: fc.nat(49),
      pool: fc.nat(MAX_POOLS - 1),
      zeroForOne: fc.boolean(),
      // Nothing out (Uniswap's INSUFFICIENT_OUTPUT_AMOUNT), ordinary swaps, and more than the
      // helper holds (the token transfer fails): both revert.
      amountIn: fc.constantFrom(0n, 10n ** 15n, 10n ** 18n, 10n ** 21n, 2n * POOL_TOKENS),
      outOfGas: fc.constantFrom(false, false, false, false, false, true),
    }),
  },
)

const blockSpec: fc.Arbitrary<BlockSpec> = fc.record({
  accountCount: fc.integer({ min: 2, max: MAX_ACCOUNTS }),
  poolCount: fc.integer({ min: 1, max: MAX_POOLS }),
  txs: fc.array(
    fc.record({
      spec: txSpec,
      tip: fc.bigInt(0n, 3n),
      badNonce: fc.constantFrom(false, ...new Array<boolean>(60).fill(false), true),
    }),
    { maxLength: 40 },
  ),
  coinbaseSends: fc.constantFrom(false, false, false, true),
  smallGasLimit: fc.constantFrom(false, false, false, false, false, true),
  workers: fc.integer({ min: 1, max: 16 }),
  seed: fc.integer(),
})

type Run = { result: unknown; error: unknown; state: EvmState; base: MemoryState }

function runWith(execute: (state: EvmState) => unknown, coinbaseSends: boolean): Run {
  const base = preState.clone()
  if (coinbaseSends) base.setAccount(COINBASE, { balance: ONE_ETHER })
  const state = new EvmState(base)
  try {
    return { result: execute(state), error: undefined, state, base }
  } catch (error) {
    return { result: undefined, error, state, base }
  }
}

const observed = { blocks: 0, invalid: 0, reexecuted: 0 }

/** Swaps that went through, in a block serial execution accepted (the generator must make some). */
function successfulSwaps(execution: BlockExecution): number {
  const helpers = new Set<Address | null>(pools.map((pool) => pool.helper))
  return execution.executed.filter((transaction) => helpers.has(transaction.to) && transaction.status === 1)
    .length
}
let swapsSeen = 0

/** What every block here executes under. */
const options = {
  fork: 'cancun' as const,
  chainId: CHAIN_ID,
  precompiles: precompilesFor('cancun'),
  blockHash: () => 0n,
}

describe('executeBlockParallel', () => {
  it('leaves what executeBlock leaves, for any block, worker count and interleaving', () => {
    fc.assert(
      fc.property(blockSpec, (spec) => {
        const block = blockOf(transactionsOf(spec), spec.smallGasLimit ? 400_000n : 30_000_000n)
        const serial = runWith((state) => executeBlock(state, block, options), spec.coinbaseSends)
        const parallel = runWith(
          (state) =>
            executeBlockParallel(state, block, { ...options, workers: spec.workers, seed: spec.seed }),
          spec.coinbaseSends,
        )
        if (serial.error) {
          observed.invalid++
          expect(parallel.error).toBeInstanceOf((serial.error as Error).constructor)
          expect(parallel.error).toMatchObject({
            message: (serial.error as Error).message,
            transactionIndex: (serial.error as { transactionIndex: number }).transactionIndex,
          })
          return
        }
        if (parallel.error) throw parallel.error
        const { parallel: stats, ...execution } = parallel.result as ReturnType<typeof executeBlockParallel>
        expect(execution).toEqual(serial.result)
        swapsSeen += successfulSwaps(serial.result as BlockExecution)
        const serialChanges = serial.state.changes()
        const parallelChanges = parallel.state.changes()
        expect(parallelChanges).toEqual(serialChanges)
        serial.base.apply(serialChanges)
        parallel.base.apply(parallelChanges)
        expect(computeStateRoot(parallel.base.entries())).toBe(computeStateRoot(serial.base.entries()))
        observed.reexecuted += stats.transactions.some((transaction) => transaction.incarnations > 1) ? 1 : 0
        observed.blocks++
        for (const [index, transaction] of stats.transactions.entries()) {
          expect(transaction.incarnations).toBeGreaterThanOrEqual(1)
          for (const dependency of transaction.dependencies) expect(dependency).toBeLessThan(index)
        }
      }),
      // PARALLEL_RUNS=5000 for a longer hunt; the default keeps the file near a few seconds.
      { numRuns: Number(process.env.PARALLEL_RUNS ?? 1000) },
    )
    // The generator must reach the interesting paths: conflicts re-executed, invalid blocks.
    expect(observed.reexecuted).toBeGreaterThan(0)
    expect(observed.invalid).toBeGreaterThan(0)
    expect(swapsSeen).toBeGreaterThan(0)
  })

  it('orders a chain of transfers through one account, whatever the workers', () => {
    const spec: BlockSpec = {
      accountCount: 3,
      poolCount: 1,
      txs: Array.from({ length: 12 }, (_, index) => ({
        spec: { kind: 'ether', from: index % 2, to: 2, value: 1n },
        tip: 1n,
        badNonce: false,
      })),
      coinbaseSends: false,
      smallGasLimit: false,
      workers: 8,
      seed: 1,
    }
    const block = blockOf(transactionsOf(spec), 30_000_000n)
    const serial = runWith((state) => executeBlock(state, block, options), false)
    const parallel = runWith(
      (state) => executeBlockParallel(state, block, { ...options, workers: 8, seed: 1 }),
      false,
    )
    expect(parallel.state.changes()).toEqual(serial.state.changes())
    const { transactions } = (parallel.result as ReturnType<typeof executeBlockParallel>).parallel
    // Each transfer reads the recipient's balance the one before wrote; fees left no conflict.
    expect(transactions[5]!.dependencies).toContain(4)
    expect(transactions[5]!.writes).not.toContain(`a${COINBASE}`)
  })
})

async function runWithAsync(
  execute: (state: EvmState) => Promise<unknown>,
  coinbaseSends: boolean,
): Promise<Run> {
  const base = preState.clone()
  if (coinbaseSends) base.setAccount(COINBASE, { balance: ONE_ETHER })
  const state = new EvmState(base)
  try {
    return { result: await execute(state), error: undefined, state, base }
  } catch (error) {
    return { result: undefined, error, state, base }
  }
}

/** Runs random blocks serially and partitioned on `pool`; returns the partition counters summed. */
async function comparePartitioned(
  pool: ExecutorPool,
  numRuns: number,
  wholeGroups = true,
): Promise<ReturnType<typeof emptyPartitionStats>> {
  // One predictor for all blocks, as a sequencer keeps: later blocks run on what earlier ones taught.
  const predictor = new AccessPredictor()
  const total = emptyPartitionStats()
  await fc.assert(
    fc.asyncProperty(blockSpec, async (spec) => {
      const block = blockOf(transactionsOf(spec), spec.smallGasLimit ? 400_000n : 30_000_000n)
      const serial = runWith((state) => executeBlock(state, block, options), spec.coinbaseSends)
      const partitioned = await runWithAsync(
        (state) => executeBlockPartitioned(state, block, { ...options, pool, predictor, wholeGroups }),
        spec.coinbaseSends,
      )
      if (serial.error) {
        expect(partitioned.error).toBeInstanceOf((serial.error as Error).constructor)
        expect(partitioned.error).toMatchObject({
          message: (serial.error as Error).message,
          transactionIndex: (serial.error as { transactionIndex: number }).transactionIndex,
        })
        return
      }
      if (partitioned.error) throw partitioned.error
      const { partition, ...execution } = partitioned.result as Awaited<
        ReturnType<typeof executeBlockPartitioned>
      >
      expect(execution).toEqual(serial.result)
      const serialChanges = serial.state.changes()
      const partitionedChanges = partitioned.state.changes()
      expect(partitionedChanges).toEqual(serialChanges)
      serial.base.apply(serialChanges)
      partitioned.base.apply(partitionedChanges)
      expect(computeStateRoot(partitioned.base.entries())).toBe(computeStateRoot(serial.base.entries()))
      for (const key of PATHS) total[key] += partition[key]
    }),
    { numRuns },
  )
  return total
}

/** The partition counters that say which paths a run took. */
const PATHS = [
  'groups',
  'accepted',
  'stale',
  'outsidePreState',
  'failed',
  'committedGroups',
  'groupOverlaps',
  'uncommitted',
] as const

describe('executeBlockPartitioned', () => {
  it('leaves what executeBlock leaves, for any block and number of executors, groups run whole', async () => {
    const reached = Object.fromEntries(PATHS.map((path) => [path, 0])) as Record<
      (typeof PATHS)[number],
      number
    >
    for (const size of [2, 3, 8]) {
      // PARTITIONED_RUNS=2000 for a longer hunt.
      const total = await comparePartitioned(
        new InProcessExecutorPool(size),
        Number(process.env.PARTITIONED_RUNS ?? 200),
      )
      for (const path of PATHS) reached[path] += total[path]
    }
    // The generator must reach every path: whole groups committed, whole groups that could not be
    // (uncommitted), results applied one by one, and each kind of re-execution. Overlapping whole
    // groups come up in about eight runs of nine here, so that path is pinned by the bank test below
    // and only counted here.
    for (const [path, count] of Object.entries(reached))
      if (path !== 'groupOverlaps') expect(count, path).toBeGreaterThan(0)
  })

  it('leaves what executeBlock leaves, every transaction run alone on its executor', async () => {
    const reached = { groups: 0, accepted: 0, stale: 0, outsidePreState: 0, failed: 0 }
    for (const size of [2, 3, 8]) {
      const total = await comparePartitioned(
        new InProcessExecutorPool(size),
        Number(process.env.PARTITIONED_RUNS ?? 200),
        false,
      )
      for (const key of Object.keys(reached) as (keyof typeof reached)[]) reached[key] += total[key]
      expect(total.committedGroups + total.uncommitted, 'nothing run whole').toBe(0)
    }
    for (const [path, count] of Object.entries(reached)) expect(count, path).toBeGreaterThan(0)
  })

  it('does not commit a whole group beside one that saw an account it changed and changed back', async () => {
    // a deposits 1 wei into the bank, b stores the bank's balance, a takes the wei back: groups
    // {a's} and {b's}, since the bank is a contract. a's group ends with the bank as it found it,
    // but b's transaction, between a's two, must see the deposit.
    const [a, b] = [accounts[1]!, accounts[2]!]
    const call = (index: number, sender: Address, nonce: bigint, data: `0x${string}`) =>
      transactionAt(index, sender, nonce, 1n, {
        to: BANK,
        value: data === '0x' ? 1n : 0n,
        data: hexToBytes(data),
        gasLimit: 100_000n,
      })
    const block = blockOf([call(0, a, 0n, '0x'), call(1, b, 0n, '0x02'), call(2, a, 1n, '0x01')], 30_000_000n)
    const pool = new InProcessExecutorPool(2)
    const predictor = new AccessPredictor()
    const serial = runWith((state) => executeBlock(state, block, options), false)
    // The first run teaches the predictor the bank's slot 0, so the second runs both groups whole.
    const partitions = []
    for (let run = 0; run < 2; run++) {
      const partitioned = await runWithAsync(
        (state) => executeBlockPartitioned(state, block, { ...options, pool, predictor }),
        false,
      )
      const { partition, ...execution } = partitioned.result as Awaited<
        ReturnType<typeof executeBlockPartitioned>
      >
      expect(execution).toEqual(serial.result)
      expect(partitioned.state.changes()).toEqual(serial.state.changes())
      partitions.push(partition)
    }
    expect(partitions.map((partition) => partition.groups)).toEqual([2, 2])
    expect(partitions[1]!.groupOverlaps).toBe(1)
    expect(partitions[1]!.committedGroups).toBe(0)
    expect(partitions[1]!.uncommitted).toBe(3)
  })

  it('keeps a block in process when its transactions average less gas than minGasPerTransaction asks', async () => {
    // Ten disjoint pairs: ten components, which two executors would split.
    const spec = (kind: 'ether' | 'token'): BlockSpec => ({
      accountCount: MAX_ACCOUNTS,
      poolCount: 1,
      txs: Array.from({ length: 10 }, (_, pair) => ({
        spec:
          kind === 'ether'
            ? { kind, from: 2 * pair + 1, to: 2 * pair + 2, value: 5n }
            : { kind, from: 2 * pair + 1, to: 2 * pair + 2, amount: 5n },
        tip: 1n,
        badNonce: false,
      })),
      coinbaseSends: false,
      smallGasLimit: false,
      workers: 1,
      seed: 0,
    })
    const pool = new InProcessExecutorPool(2)
    const predictor = new AccessPredictor()
    const groupsOf = async (kind: 'ether' | 'token', minGasPerTransaction: number) => {
      const block = blockOf(transactionsOf(spec(kind)), 30_000_000n)
      const serial = runWith((state) => executeBlock(state, block, options), false)
      const partitioned = await runWithAsync(
        (state) =>
          executeBlockPartitioned(state, block, { ...options, pool, predictor, minGasPerTransaction }),
        false,
      )
      const { partition, ...execution } = partitioned.result as Awaited<
        ReturnType<typeof executeBlockPartitioned>
      >
      expect(execution).toEqual(serial.result)
      expect(partitioned.state.changes()).toEqual(serial.state.changes())
      return partition.groups
    }
    // ETH transfers have a 21,000 gas limit, the token transfers 100,000.
    expect(await groupsOf('ether', 0)).toBe(2)
    expect(await groupsOf('ether', 21_000)).toBe(2)
    expect(await groupsOf('ether', 21_001)).toBe(0)
    expect(await groupsOf('token', 50_000)).toBe(2)
    expect(await groupsOf('token', 100_001)).toBe(0)
  })

  it('gives the same results on worker threads, with the caller running a group or only coordinating', async () => {
    const layouts = [
      { pool: new WorkerThreadPool(2), executors: 3 },
      { pool: new WorkerThreadPool(2, { callerExecutes: false }), executors: 2 },
    ]
    for (const { pool, executors } of layouts) {
      try {
        expect(pool.size).toBe(executors)
        const total = await comparePartitioned(pool, 60)
        expect(total.accepted).toBeGreaterThan(0)
        expect(total.committedGroups, 'whole groups carried back and committed').toBeGreaterThan(0)
      } finally {
        await pool.close()
      }
    }
  })
})
