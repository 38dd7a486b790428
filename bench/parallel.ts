/**
 * `npm run bench:parallel`: partitioned parallel execution against serial execution, with Block-STM's
 * methodology. Blocks of 1,000 and 10,000 transactions: p2p transfers among 2 … 10,000 accounts,
 * ERC-20 transfers among 10,000 holders, Uniswap V2 swaps over 100 independent pools and over one
 * shared pool. For each: serial throughput (executeBlock); partitioned throughput in process, and on
 * 2 threads laid out two ways (this thread running a group beside one worker thread; two worker
 * threads with this thread only coordinating), every result checked equal to serial's; what two
 * worker threads executing the whole block each, sharing nothing, reach (the machine's ceiling for
 * any 2-thread executor); re-executions; and the speedup 4 … 64 executors would reach by the model
 * printed with the table.
 *
 * Transactions are unsigned with their senders given: execution never looks at a signature, and
 * recovery is measured by bench:recover. BENCH_PARALLEL_SIZES=1000 runs the small blocks only.
 * Writes bench/results/parallel.json.
 */
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import v8 from 'node:v8'
import { type Address, encodeFunctionData } from 'viem'
import { EvmState } from '../src/evm/evmState.ts'
import { precompilesFor } from '../src/evm/precompiles/index.ts'
import {
  beginBlock,
  type ExecutableBlock,
  type ExecuteBlockOptions,
  evmTransactionOf,
  executeBlock,
  executeTransactions,
  type RecoveredTransaction,
} from '../src/execution/executeBlock.ts'
import { AccessPredictor } from '../src/execution/parallel/accessPredictor.ts'
import { executeBlockParallel } from '../src/execution/parallel/executeBlockParallel.ts'
import type { GroupRequest, GroupResult } from '../src/execution/parallel/executeGroup.ts'
import {
  DEFAULT_MIN_GAS_PER_TRANSACTION,
  executeBlockPartitioned,
} from '../src/execution/parallel/executePartitioned.ts'
import { InProcessExecutorPool } from '../src/execution/parallel/executorPool.ts'
import {
  decodeGroupRequest,
  decodeGroupResult,
  encodeGroupRequest,
  encodeGroupResult,
} from '../src/execution/parallel/groupWire.ts'
import { type PredictedAccess, readPreStateSlice } from '../src/execution/parallel/preStateSlice.ts'
import { WorkerThreadPool } from '../src/execution/parallel/workerThreadPool.node.ts'
import { processTransaction } from '../src/execution/processTransaction.ts'
import { unsignedTransaction } from '../src/execution/unsignedTransaction.ts'
import { hexToBytes } from '../src/primitives/hex.ts'
import { useWasmKeccak256 } from '../src/primitives/keccak256Wasm.node.ts'
import { seededRandom } from '../src/primitives/seededRandom.ts'
import { MemoryState } from '../src/state/memoryState.ts'
import type { ContractStateReader } from '../src/state/stateView.ts'
import { type BenchContracts, compileContracts } from './evm/contracts.ts'
import { deployerCallsOn, deploySwapPools, type SwapPool, swapCalldata } from './evm/swapPools.ts'
import { describeMachine, machineLine } from './machine.ts'

const ROOT = path.resolve(import.meta.dirname, '..')
const FORK = 'prague'
const CHAIN_ID = 7077n
const BASE_FEE = 7n
const COINBASE: Address = '0xc0ffee000000000000000000000000000000c0fe'
const DEPLOYER: Address = '0xde910ee000000000000000000000000000000001'
const HOLDERS = 10_000
const POOLS = 100
const BALANCE = 10n ** 30n
const TOKEN_HOLDING = 10n ** 24n
const POOL_LIQUIDITY = 10n ** 24n
const HELPER_FUNDS = 10n ** 27n
const SWAP_AMOUNT_IN = 10n ** 15n
const EXECUTOR_COUNTS = [4, 8, 16, 32, 64] as const
const BLOCK_STM_WORKERS = 16
const MAX_WARM_UP_BLOCKS = 12
/**
 * Blocks run before timing, whatever the predictor still learns: a fresh worker thread runs its first
 * groups (execution, and decoding and encoding them) before the optimizing compiler has caught up,
 * measured 2–5x slower for its first ~5 round trips.
 */
const MIN_WARM_UP_BLOCKS = 5

const options: ExecuteBlockOptions = {
  fork: FORK,
  chainId: CHAIN_ID,
  precompiles: precompilesFor(FORK),
  blockHash: () => 0n,
}

/** How the executors are laid out on threads: the names the table and the JSON use. */
const LAYOUTS = {
  inProcess: 'in process',
  /** This thread runs a group beside one worker thread. */
  callerAndWorker: 'caller + 1 worker',
  /** Two worker threads run the groups; this thread only coordinates. */
  twoWorkers: '2 workers',
} as const

type Layout = { layout: string; pool: WorkerThreadPool | InProcessExecutorPool }

type Workload = { name: string; transactions: (count: number) => RecoveredTransaction[] }

type Result = {
  workload: string
  transactions: number
  serial: { txPerSecond: number; medianMs: number }
  threads: {
    threads: number
    /** 'in process', 'caller + 1 worker' (the caller runs a group) or '2 workers' (it only coordinates). */
    layout: string
    txPerSecond: number
    medianMs: number
    speedup: number
    groups: number
    /** Groups run whole and committed whole (the rest merged transaction by transaction). */
    committedGroups: number
    reExecuted: number
    coordinatorMs: number
    phasesMs: { prepare: number; dispatch: number; merge: number; slowestExecutor: number; groups: number[] }
  }[]
  /** The same executor with no coordinator: the whole block, one worker thread alone, then two at once. */
  independentThreads: { aloneTxPerSecond: number; twoTxPerSecond: number; twoOverSerial: number }
  /** Carrying the whole block's group and its result across a thread, per transaction. */
  messages: MessageCosts
  blockStm: { workers: number; reExecutions: number }
  model: { executors: number; speedup: number; idealSpeedup: number }[]
  criticalPathMs: number
}

async function main(): Promise<void> {
  useWasmKeccak256()
  const sizes = (process.env.BENCH_PARALLEL_SIZES ?? '1000,10000').split(',').map(Number)
  const contracts = compileContracts()
  console.log('Building the pre-state: 10,000 funded holders, a token they all hold, 100 Uniswap V2 pools…')
  const chain = buildChain(contracts)
  const random = seededRandom(7)
  const pick = (count: number) => Math.floor(random() * count)
  const workloads: Workload[] = [
    ...[2, 10, 100, 1_000, 10_000].map((accounts) => ({
      name: `p2p, ${accounts} accounts`,
      transactions: (count: number) =>
        signedBy(
          Array.from({ length: count }, () => {
            const from = pick(accounts)
            const to = (from + 1 + pick(accounts - 1)) % accounts
            return {
              sender: chain.holders[from]!,
              to: chain.holders[to]!,
              data: new Uint8Array(0),
              value: 1n,
              gasLimit: 21_000n,
            }
          }),
        ),
    })),
    {
      name: 'ERC-20, 10000 holders',
      transactions: (count) =>
        signedBy(
          Array.from({ length: count }, () => {
            const from = pick(HOLDERS)
            const to = (from + 1 + pick(HOLDERS - 1)) % HOLDERS
            return {
              sender: chain.holders[from]!,
              to: chain.token,
              data: chain.transferData(chain.holders[to]!, 1n),
              value: 0n,
              gasLimit: 100_000n,
            }
          }),
        ),
    },
    ...[
      { name: `Uniswap V2, ${POOLS} pools`, pools: POOLS },
      { name: 'Uniswap V2, 1 shared pool', pools: 1 },
    ].map(({ name, pools }) => ({
      name,
      transactions: (count: number) =>
        signedBy(
          Array.from({ length: count }, (_, index) => {
            const pool = chain.pools[index % pools]!
            return {
              sender: chain.holders[pick(HOLDERS)]!,
              to: pool.helper,
              data: chain.swapData(pool.pair, index % 2 === 0),
              value: 0n,
              gasLimit: 300_000n,
            }
          }),
        ),
    })),
  ]

  // 2 threads, two ways: this one (the coordinator) runs a group itself beside one worker thread; or
  // two worker threads run the groups while this one only coordinates (and measures the ceiling).
  const twoWorkers = new WorkerThreadPool(2, { callerExecutes: false })
  const pools: Layout[] = [
    { layout: LAYOUTS.inProcess, pool: new InProcessExecutorPool(1) },
    { layout: LAYOUTS.callerAndWorker, pool: new WorkerThreadPool(1) },
    { layout: LAYOUTS.twoWorkers, pool: twoWorkers },
  ]
  const results: Result[] = []
  try {
    for (const size of sizes)
      for (const workload of workloads) {
        if (process.env.BENCH_PARALLEL_ONLY && !workload.name.includes(process.env.BENCH_PARALLEL_ONLY))
          continue
        const result = await measure(
          chain.base,
          workload.name,
          blockOf(workload.transactions(size)),
          pools,
          twoWorkers,
        )
        results.push(result)
        printRow(result)
      }
  } finally {
    await Promise.all(pools.map(({ pool }) => pool.close()))
  }
  const machine = describeMachine()
  console.log(`\n${machineLine(machine)}`)
  printModel()
  const file = path.join(ROOT, 'bench/results/parallel.json')
  writeFileSync(file, `${JSON.stringify({ machine, model: MODEL, results }, null, 2)}\n`)
  console.log(`wrote ${path.relative(ROOT, file)}`)
}

const MODEL = [
  'Modelled speedup for P executors = serial time / (coordinator time + makespan(P)).',
  'makespan(P): the block list-scheduled on P executors in block order, each transaction starting once an',
  'executor is free and every transaction it depends on has finished (the dependency graph is the one',
  "Block-STM recorded: lower transactions whose writes a transaction's final incarnation read), taking its",
  'measured serial cost. Coordinator time: what the faster 2-thread run spent outside the executors',
  '(predicting, slicing, encoding and decoding messages, validating and applying results, re-executing), held constant for every P.',
  '"ideal" leaves the coordinator out: the parallelism the dependency graph itself allows.',
]

async function measure(
  base: MemoryState,
  workload: string,
  block: ExecutableBlock,
  pools: Layout[],
  independentPool: WorkerThreadPool,
): Promise<Result> {
  const count = block.transactions.length
  // Many, as runs here differ by up to ±30% from one to the next; whole rounds of the order below.
  const rounds = count >= 10_000 ? 2 : 5
  const serialRun = () => {
    collectGarbage()
    const state = new EvmState(base)
    const started = performance.now()
    const execution = executeBlock(state, block, options)
    return { ms: performance.now() - started, execution, changes: state.changes() }
  }
  const reference = serialRun()
  // The least of three timings per transaction: one GC pause must not become a critical path.
  const timings = [serialCosts(base, block), serialCosts(base, block), serialCosts(base, block)]
  const costs = timings[0]!.map((_, index) => Math.min(...timings.map((timing) => timing[index]!)))

  const runs = pools.map(({ pool }) => {
    const predictor = new AccessPredictor()
    return async () => {
      collectGarbage()
      const state = new EvmState(base)
      const started = performance.now()
      const execution = await executeBlockPartitioned(state, block, {
        ...options,
        pool,
        predictor,
        // One executor: every group in process, to show the protocol's own cost. Two: the policy the
        // sequencer runs, where a block that forms one group, or of transactions too cheap to be
        // worth coordinating, is not dispatched at all.
        alwaysDispatch: pool.size === 1,
        minGasPerTransaction: DEFAULT_MIN_GAS_PER_TRANSACTION,
      })
      const ms = performance.now() - started
      const { partition, ...rest } = execution
      if (
        !isDeepStrictEqual(rest, reference.execution) ||
        !isDeepStrictEqual(state.changes(), reference.changes)
      )
        throw new Error(`${workload}: partitioned execution on ${pool.size} executors differs from serial`)
      return { ms, partition }
    }
  })
  // Earlier blocks teach a sequencer's predictor the contracts' layouts: warm up until it stops learning.
  // Each block teaches it at least the next read a transaction missed.
  for (const run of runs)
    for (let warmUp = 0; warmUp < MAX_WARM_UP_BLOCKS; warmUp++) {
      const { partition } = await run()
      if (partition.outsidePreState === 0 && warmUp >= MIN_WARM_UP_BLOCKS - 1) break
    }
  // Serial and each pool take turns in a carryover-balanced order, as what a run leaves behind can
  // slow the next one. Rotating one fixed order put "caller + 1" after the 1-thread run in three
  // reps of four; on blocks neither 2-thread layout dispatches (the same code) it then read 15-25%
  // slower than "2 workers". Now each follows every other equally often.
  const serialTimes: number[] = []
  const timed = runs.map(() => [] as Awaited<ReturnType<(typeof runs)[number]>>[])
  const contestants = [-1, ...runs.keys()]
  for (let round = 0; round < rounds; round++)
    for (const sequence of carryoverBalancedOrder(contestants.length))
      for (const position of sequence) {
        const index = contestants[position]!
        if (index < 0) serialTimes.push(serialRun().ms)
        else timed[index]!.push(await runs[index]!())
      }
  const reps = serialTimes.length
  const serialMs = median(serialTimes)
  const independent = await measureIndependentThreads(base, block, independentPool, reps)
  const messages = measureMessageCosts(independent.request, independent.result)

  const threads: Result['threads'] = []
  for (const [index, { layout, pool }] of pools.entries()) {
    const sorted = timed[index]!.sort((a, b) => a.ms - b.ms)
    const middle = sorted[Math.floor(sorted.length / 2)]!
    const partition = middle.partition
    const reExecuted = partition.stale + partition.outsidePreState + partition.failed + partition.uncommitted
    // Outside the executors: the whole run less the slowest executor's busy time.
    const executorMs = Math.max(0, ...partition.groupBusyMs)
    threads.push({
      threads: pool.size,
      layout,
      txPerSecond: (count / middle.ms) * 1000,
      medianMs: middle.ms,
      speedup: serialMs / middle.ms,
      groups: partition.groups,
      committedGroups: partition.committedGroups,
      reExecuted,
      coordinatorMs: Math.max(0, middle.ms - executorMs),
      phasesMs: {
        prepare: partition.prepareMs,
        dispatch: partition.dispatchMs,
        merge: partition.mergeMs,
        slowestExecutor: executorMs,
        groups: partition.groupBusyMs,
      },
    })
  }

  const blockStmState = new EvmState(base)
  const blockStm = executeBlockParallel(blockStmState, block, {
    ...options,
    workers: BLOCK_STM_WORKERS,
    seed: 1,
  })
  const dependencies = blockStm.parallel.transactions.map((transaction) => transaction.dependencies)
  const reExecutions = blockStm.parallel.transactions.reduce((sum, tx) => sum + tx.incarnations - 1, 0)
  // The faster 2-thread layout: the one a deployment would configure for this workload.
  const coordinatorMs =
    threads.filter((thread) => thread.threads === 2).sort((a, b) => b.txPerSecond - a.txPerSecond)[0]
      ?.coordinatorMs ?? 0
  const model = EXECUTOR_COUNTS.map((executors) => {
    const makespan = listSchedule(costs, dependencies, executors)
    return {
      executors,
      speedup: serialMs / (coordinatorMs + makespan),
      idealSpeedup: costs.reduce((a, b) => a + b, 0) / makespan,
    }
  })
  return {
    workload,
    transactions: count,
    serial: { txPerSecond: (count / serialMs) * 1000, medianMs: serialMs },
    threads,
    independentThreads: {
      aloneTxPerSecond: (count / independent.aloneMs) * 1000,
      twoTxPerSecond: ((2 * count) / independent.twoMs) * 1000,
      twoOverSerial: (2 * count) / independent.twoMs / (count / serialMs),
    },
    messages,
    blockStm: { workers: BLOCK_STM_WORKERS, reExecutions },
    model,
    criticalPathMs: listSchedule(costs, dependencies, count),
  }
}

/**
 * What two threads give on this machine with nothing to coordinate: the whole block as one group
 * whose slice holds exactly what a serial run read, executed on one worker thread alone and then on
 * two at once (each its own copy). Times are the executors' own (no cloning, no merge), medians of
 * `reps` after a warm-up. No partitioned executor on two threads can beat two threads that share
 * nothing, so `twoOverSerial` bounds the 2-thread speedup this machine allows the workload.
 */
async function measureIndependentThreads(
  base: MemoryState,
  block: ExecutableBlock,
  /** Two worker threads, the caller only coordinating. */
  pool: WorkerThreadPool,
  reps: number,
): Promise<{ aloneMs: number; twoMs: number; request: GroupRequest; result: GroupResult }> {
  const access: PredictedAccess = { accounts: new Set(), storage: new Map() }
  const recording: ContractStateReader = {
    getAccount: (address) => {
      access.accounts.add(address)
      return base.getAccount(address)
    },
    getStorage: (address, slot) => {
      const slots = access.storage.get(address) ?? new Set<bigint>()
      access.storage.set(address, slots.add(slot))
      return base.getStorage(address, slot)
    },
    getCode: (codeHash) => base.getCode(codeHash),
    hasStorage: (address) => base.hasStorage(address),
  }
  const state = new EvmState(recording)
  const blockContext = beginBlock(state, block, options)
  const serial = executeTransactions(state, block, blockContext, options)
  const { blockHash: _, ...context } = blockContext
  const slice = readPreStateSlice(base, access)
  for (const address of access.accounts) slice.storagePresence.set(address, base.hasStorage(address))
  const whole: GroupRequest = {
    fork: FORK,
    block: context,
    indexes: block.transactions.map((_, index) => index),
    transactions: block.transactions.map(evmTransactionOf),
    preState: slice,
    whole: true,
  }
  // A ceiling only if the executors did the whole work: the group ran whole, as the pools run
  // groups, and every transaction executed as serial did.
  const busyMs = (result: GroupResult) => {
    if (!result.whole) throw new Error('independent threads: the group did not run whole')
    for (const [index, outcome] of result.outcomes.entries())
      if (outcome.kind !== 'executedInGroup' || outcome.receipt.gasUsed !== serial.executed[index]!.gasUsed)
        throw new Error(`independent threads: transaction ${index} did not execute as it does serially`)
    return result.executionMs.reduce((sum, ms) => sum + ms, 0)
  }
  let result: GroupResult | undefined
  const alone = async () => {
    result = (await pool.execute([whole]))[0]!
    return busyMs(result)
  }
  const two = async () => Math.max(...(await pool.execute([whole, whole])).map(busyMs))
  for (let warmUp = 0; warmUp < MIN_WARM_UP_BLOCKS; warmUp++) {
    await alone()
    await two()
  }
  const aloneTimes: number[] = []
  const twoTimes: number[] = []
  for (let rep = 0; rep < reps; rep++) {
    aloneTimes.push(await alone())
    twoTimes.push(await two())
  }
  return { aloneMs: median(aloneTimes), twoMs: median(twoTimes), request: whole, result: result! }
}

type MessageCosts = {
  /** Encoding plus decoding, both ends' CPU time, in this thread. */
  structuredCloneUsPerTx: { request: number; result: number }
  groupWireUsPerTx: { request: number; result: number }
  bytesPerTx: { structuredClone: number; groupWire: number }
}

/**
 * What a group and its result cost to carry: V8's serializer (what postMessage and DO RPC use to
 * clone) against groupWire.ts, on the same request and result, in this thread; medians of 7 after
 * 2 warm-ups.
 */
function measureMessageCosts(request: GroupRequest, result: GroupResult): MessageCosts {
  const count = request.transactions.length
  const usPerTx = (roundTrip: () => unknown) => {
    const times: number[] = []
    for (let rep = 0; rep < 9; rep++) {
      const started = performance.now()
      roundTrip()
      if (rep >= 2) times.push(performance.now() - started)
    }
    return (median(times) * 1000) / count
  }
  return {
    structuredCloneUsPerTx: {
      request: usPerTx(() => v8.deserialize(v8.serialize(request))),
      result: usPerTx(() => v8.deserialize(v8.serialize(result))),
    },
    groupWireUsPerTx: {
      request: usPerTx(() => decodeGroupRequest(encodeGroupRequest(request))),
      result: usPerTx(() => decodeGroupResult(encodeGroupResult(result))),
    },
    bytesPerTx: {
      structuredClone: (v8.serialize(request).length + v8.serialize(result).length) / count,
      groupWire: (encodeGroupRequest(request).length + encodeGroupResult(result).length) / count,
    },
  }
}

/** Each transaction's cost when executed serially, in block order, timed one by one. */
function serialCosts(base: MemoryState, block: ExecutableBlock): number[] {
  const state = new EvmState(base)
  const context = beginBlock(state, block, options)
  let gasUsed = 0n
  return block.transactions.map((tx) => {
    const started = performance.now()
    const receipt = processTransaction(state, evmTransactionOf(tx), {
      fork: FORK,
      block: context,
      precompiles: options.precompiles,
      blockGasAvailable: block.gasLimit - gasUsed,
    })
    gasUsed += receipt.gasUsed
    return performance.now() - started
  })
}

/** Makespan of the block on `executors`, each transaction after its dependencies, in block order. */
function listSchedule(costs: number[], dependencies: number[][], executors: number): number {
  const free = new Array<number>(Math.min(executors, costs.length)).fill(0)
  const finish = new Array<number>(costs.length).fill(0)
  for (const [index, cost] of costs.entries()) {
    let executor = 0
    for (let e = 1; e < free.length; e++) if (free[e]! < free[executor]!) executor = e
    let start = free[executor]!
    for (const dependency of dependencies[index]!) start = Math.max(start, finish[dependency]!)
    finish[index] = start + cost
    free[executor] = finish[index]!
  }
  return Math.max(0, ...finish)
}

type Chain = {
  base: MemoryState
  holders: Address[]
  token: Address
  pools: SwapPool[]
  transferData: (to: Address, amount: bigint) => Uint8Array
  swapData: (pair: Address, zeroForOne: boolean) => Uint8Array
}

/** Deploys the token and pools with real transactions from DEPLOYER, then folds them into the base. */
function buildChain(contracts: BenchContracts): Chain {
  const base = new MemoryState()
  const holders = Array.from(
    { length: HOLDERS },
    (_, index) => `0xa11ce${index.toString(16).padStart(35, '0')}` as Address,
  )
  base.setAccount(DEPLOYER, { balance: BALANCE })
  for (const holder of holders) base.setAccount(holder, { balance: BALANCE })
  const state = new EvmState(base)
  const deployer = deployerCallsOn(state, DEPLOYER, BASE_FEE, {
    fork: FORK,
    block: { ...beginBlockContext(), blockHash: () => 0n },
    precompiles: options.precompiles,
  })
  const transferData = (to: Address, amount: bigint) =>
    hexToBytes(encodeFunctionData({ abi: contracts.Token.abi, functionName: 'transfer', args: [to, amount] }))

  const token = deployer.deploy(contracts.Token.bytecode)
  for (const holder of holders) deployer.call(token, transferData(holder, TOKEN_HOLDING))
  const pools = deploySwapPools(deployer, contracts, POOLS, DEPLOYER, {
    liquidity: POOL_LIQUIDITY,
    helperFunds: HELPER_FUNDS,
  })
  base.apply(state.changes())
  return {
    base,
    holders,
    token,
    pools,
    transferData,
    swapData: (pair, zeroForOne) => swapCalldata(contracts, pair, zeroForOne, SWAP_AMOUNT_IN),
  }
}

function beginBlockContext() {
  return {
    number: 1n,
    timestamp: 1_750_000_000n,
    coinbase: COINBASE,
    gasLimit: 10_000_000_000n,
    baseFeePerGas: BASE_FEE,
    prevRandao: 0n,
    blobBaseFee: 1n,
    chainId: CHAIN_ID,
  }
}

function blockOf(transactions: RecoveredTransaction[]): ExecutableBlock {
  const context = beginBlockContext()
  return {
    number: context.number,
    parentHash: `0x${'ab'.repeat(32)}`,
    timestamp: context.timestamp,
    coinbase: COINBASE,
    gasLimit: context.gasLimit,
    baseFeePerGas: BASE_FEE,
    prevRandao: `0x${'00'.repeat(32)}`,
    blobBaseFee: 1n,
    parentBeaconBlockRoot: `0x${'be'.repeat(32)}`,
    transactions,
    withdrawals: [],
  }
}

type Call = { sender: Address; to: Address; data: Uint8Array; value: bigint; gasLimit: bigint }

/** EIP-1559 transactions with consecutive nonces per sender (signature fields unused by execution). */
function signedBy(calls: Call[]): RecoveredTransaction[] {
  const nonces = new Map<Address, bigint>()
  return calls.map((call, index) => {
    const nonce = nonces.get(call.sender) ?? 0n
    nonces.set(call.sender, nonce + 1n)
    return unsignedTransaction({
      index,
      chainId: CHAIN_ID,
      nonce,
      maxPriorityFeePerGas: 1n,
      maxFeePerGas: BASE_FEE + 10n,
      ...call,
    })
  })
}

function printRow(result: Result): void {
  const layout = (name: string) => result.threads.find((run) => run.layout === name)
  const one = layout(LAYOUTS.inProcess)
  const callerAndWorker = layout(LAYOUTS.callerAndWorker)
  const twoWorkers = layout(LAYOUTS.twoWorkers)
  const rate = (run: Result['threads'][number] | undefined) =>
    `${run?.txPerSecond.toFixed(0)} (${run?.speedup.toFixed(2)}x)`.padStart(15)
  const { twoTxPerSecond, twoOverSerial } = result.independentThreads
  const cells = [
    result.workload.padEnd(26),
    String(result.transactions).padStart(6),
    result.serial.txPerSecond.toFixed(0).padStart(8),
    rate(one),
    rate(callerAndWorker),
    rate(twoWorkers),
    `${twoTxPerSecond.toFixed(0)} (${twoOverSerial.toFixed(2)}x)`.padStart(15),
    `${callerAndWorker?.groups}/${twoWorkers?.groups}`.padStart(5),
    `${callerAndWorker?.reExecuted}/${twoWorkers?.reExecuted}`.padStart(7),
    `${result.blockStm.reExecutions}`.padStart(7),
    messageCell(result.messages).padStart(11),
    result.model
      .map((entry) => `${entry.speedup.toFixed(1)}/${entry.idealSpeedup.toFixed(1)}`)
      .join(' ')
      .padStart(40),
  ]
  if (!printedHeader) {
    printedHeader = true
    const headings = [
      'workload'.padEnd(26),
      'txs'.padStart(6),
      'serial/s'.padStart(8),
      '1 thread/s'.padStart(15),
      'caller+1 wkr/s'.padStart(15),
      '2 workers/s'.padStart(15),
      '2 indep./s'.padStart(15),
      'grp'.padStart(5),
      're-ex'.padStart(7),
      'BSTM re'.padStart(7),
      'msg µs/tx'.padStart(11),
      'model 4/8/16/32/64 (with coordinator/ideal)'.padStart(40),
    ]
    console.log(`\n${headings.join(' ')}`)
  }
  console.log(cells.join(' '))
  if (process.env.BENCH_PHASES)
    for (const run of result.threads) console.log(`    ${run.layout}: ${JSON.stringify(run.phasesMs)}`)
}
let printedHeader = false

/** Carrying a transaction's request and result: structured clone → groupWire, µs. */
function messageCell({ structuredCloneUsPerTx: clone, groupWireUsPerTx: wire }: MessageCosts): string {
  return `${(clone.request + clone.result).toFixed(1)}→${(wire.request + wire.result).toFixed(1)}`
}

function printModel(): void {
  console.log(
    "\n1 thread: every group in process (the protocol's own cost). caller+1 wkr: this thread runs a group\n" +
      'beside one worker thread. 2 workers: two worker threads run the groups, this thread only coordinates.\n' +
      '2 indep.: the whole block on two worker threads at once, each its own copy with an exact slice and no\n' +
      'coordinator (executor time only): the most two threads give on this machine; x is over serial.' +
      `\ngrp, re-ex: groups dispatched and transactions the coordinator re-executed (caller+1 wkr/2 workers). BSTM re: Block-STM re-executions with ${BLOCK_STM_WORKERS} logical workers.` +
      "\nmsg µs/tx: encoding and decoding a transaction's share of a group and of its result (the whole block as one\ngroup), in this thread: V8's structured clone (what postMessage and DO RPC do to objects) → groupWire (what the pools send).",
  )
  for (const line of MODEL) console.log(line)
}

/**
 * Every timed run starts from a collected young generation (`npm run bench:parallel` passes
 * --expose-gc), so no run pays for the short-lived garbage of the one before it. A minor collection
 * only: after a forced full one V8 optimised this thread's code again from scratch (1,402
 * optimisations against 242 over 25 runs of one ERC-20 group), which made the run after it up to
 * 3x slower on this thread while the worker threads, never collected so, kept theirs.
 */
function collectGarbage(): void {
  ;(globalThis as { gc?: (options: { type: 'minor' }) => void }).gc?.({ type: 'minor' })
}

/**
 * A Williams design: sequences of 0..k-1 in which every contestant directly follows every other
 * one equally often (k sequences for an even k, 2k for an odd one), so no contestant always runs
 * after the same one. Row i is the first row (0, 1, k-1, 2, k-2, …) plus i, modulo k.
 */
function carryoverBalancedOrder(k: number): number[][] {
  const first = Array.from({ length: k }, (_, j) => (j % 2 === 1 ? (j + 1) / 2 : j === 0 ? 0 : k - j / 2))
  const rows = first.map((_, shift) => first.map((value) => (value + shift) % k))
  return k % 2 === 0 ? rows : [...rows, ...rows.map((row) => [...row].reverse())]
}

/** The middle value; of an even count, the upper of the two (as the layouts' middle run is). */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

await main()
