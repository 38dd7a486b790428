/**
 * How each figure is taken. A transaction workload: setup, a warm-up whose speed sizes the timed
 * batch (so it lasts about TARGET_SECONDS), then the timed batch, then the state checks. A
 * single call: warm-up runs, then timed runs until MEASURE_MS has passed; the median is reported.
 */
import { type Address, bytesToHex, hexToBytes } from 'viem'
import { type Anvil, deployOnAnvil, gasUsedOnAnvil } from './anvil.ts'
import { type BenchChain, BLOCK_GAS_LIMIT, CALL_GAS_LIMIT, type TransactionOutcome } from './benchChain.ts'
import { type CallWorkload, loopSetup, loopTransaction, type TransactionWorkload } from './workloads.ts'

/** How long a timed batch should last, from the warm-up's speed (BENCH_EVM_SECONDS overrides). */
const TARGET_SECONDS = Number(process.env.BENCH_EVM_SECONDS ?? 1.5)
/** A timed batch shorter than this (the warm-up's speed misled) is followed by another. */
const MIN_TIMED_SECONDS = 1
const MIN_TIMED_OPERATIONS = 100
const MAX_TIMED_OPERATIONS = 500_000
/** An address without code: eth_call to it measures anvil's JSON-RPC round trip alone. */
const EMPTY_ACCOUNT: Address = '0x000000000000000000000000000000000000dead'

export type TransactionRun = {
  engine: string
  setup: { status: 0 | 1; gasUsed: bigint; contractAddress: Address | null }[]
  /** Gas of every operation run, warm-up included, by operation index. */
  gas: bigint[]
  warmup: number
  count: number
  /** Blocks the timed operations filled (one EvmState, or one journal checkpoint, each). */
  blocks: number
  seconds: number
  perSecond: number
  /** Failed operations and failed state checks: a run with problems measured the wrong thing. */
  problems: string[]
}

export type CallRun = {
  engine: string
  gasUsed: bigint
  runs: number
  medianMs: number
  minMs: number
  problems: string[]
}

export type RunTimes = { runs: number; medianMs: number; minMs: number }

/**
 * `warmup` operations run in two blocks; the second's speed (V8 has optimized by then) sizes the
 * timed batch to last TARGET_SECONDS. With `fillBlock`, a timed batch is at least one full block,
 * so that whatever grows with a block's size is in the figure.
 */
export async function measureTransactions<P>(
  chain: BenchChain<P>,
  workload: TransactionWorkload,
  { warmup, fillBlock }: { warmup: number; fillBlock: boolean },
): Promise<TransactionRun> {
  const problems: string[] = []
  const setup = (await chain.execute(chain.prepare(workload.setup))).outcomes
  for (const [index, outcome] of setup.entries())
    if (outcome.status !== 1) problems.push(`setup transaction ${index} failed`)
  const operations = (from: number, to: number) =>
    chain.prepare(Array.from({ length: to - from }, (_, i) => workload.operation(from + i)))

  const half = Math.floor(warmup / 2)
  const warmFirst = (await chain.execute(operations(0, half))).outcomes
  const warmSecond = operations(half, warmup)
  const warmStarted = performance.now()
  const warmOutcomes = [...warmFirst, ...(await chain.execute(warmSecond)).outcomes]
  const capacity = fillBlock ? blockCapacity(workload, warmOutcomes) : 0
  // Batches (each its own blocks) until MIN_TIMED_SECONDS: one, unless the warm-up's speed misled.
  const outcomes: TransactionOutcome[] = []
  let count = 0
  let blocks = 0
  let seconds = 0
  /** Operations that should take `duration` at `rate`, within the bounds. */
  const batchSize = (rate: number, duration: number) =>
    Math.min(
      MAX_TIMED_OPERATIONS - count,
      Math.max(MIN_TIMED_OPERATIONS, capacity, Math.ceil(rate * duration)),
    )
  let next = batchSize(warmSecond.length / ((performance.now() - warmStarted) / 1000), TARGET_SECONDS)
  while (next > 0) {
    const batch = operations(warmup + count, warmup + count + next)
    const started = performance.now()
    const executed = await chain.execute(batch)
    seconds += (performance.now() - started) / 1000
    for (const outcome of executed.outcomes) outcomes.push(outcome)
    blocks += executed.blocks
    count += next
    if (seconds >= MIN_TIMED_SECONDS) break
    next = batchSize(count / seconds, TARGET_SECONDS - seconds)
  }

  const all = [...warmOutcomes, ...outcomes]
  const failed = all.filter((outcome) => outcome.status !== 1).length
  if (failed > 0) problems.push(`${failed} of ${all.length} operations failed`)
  problems.push(...(await workload.verify(chain, warmup + count)))
  return {
    engine: chain.engine,
    setup: setup.map(({ status, gasUsed, contractAddress }) => ({ status, gasUsed, contractAddress })),
    gas: all.map((outcome) => outcome.gasUsed),
    warmup,
    count,
    blocks,
    seconds,
    perSecond: count / seconds,
    problems,
  }
}

/** How many operations one block takes: each must find its gas limit left, and uses about the mean. */
function blockCapacity(workload: TransactionWorkload, outcomes: readonly TransactionOutcome[]): number {
  const { gasLimit } = workload.operation(0)
  const meanGas = outcomes.reduce((sum, outcome) => sum + outcome.gasUsed, 0n) / BigInt(outcomes.length)
  return Number((BLOCK_GAS_LIMIT - gasLimit) / meanGas) + 1
}

export async function measureCall<P>(
  chain: BenchChain<P>,
  workload: CallWorkload,
  timing: { warmupRuns: number; measureMs: number; minRuns: number },
): Promise<CallRun> {
  const problems: string[] = []
  const { outcomes: setup } = await chain.execute(chain.prepare(loopSetup(workload)))
  if (setup.some((outcome) => outcome.status !== 1)) problems.push('deployment failed')
  const [transaction] = chain.prepare([loopTransaction(workload)])
  if (transaction === undefined) throw new Error('prepare returned nothing')
  const first = await chain.simulate(transaction)
  problems.push(...workload.verify(first))
  const times = await timeRuns(async () => {
    const outcome = await chain.simulate(transaction)
    if (outcome.status !== first.status || outcome.gasUsed !== first.gasUsed)
      throw new Error(`${chain.engine}: ${workload.name}: a run differed from the first`)
  }, timing)
  return { engine: chain.engine, gasUsed: first.gasUsed, ...times, problems }
}

/** The same call through anvil's eth_call, timed from here; gas from a reverted real transaction. */
export async function measureAnvilCall(
  anvil: Anvil,
  workload: CallWorkload,
  timing: { warmupRuns: number; measureMs: number; minRuns: number },
): Promise<CallRun> {
  const to = await deployOnAnvil(anvil, workload.initcode)
  const request = {
    from: anvil.account,
    to,
    data: workload.data,
    gas: `0x${CALL_GAS_LIMIT.toString(16)}`,
  }
  const gasUsed = await gasUsedOnAnvil(anvil, to, workload.data, CALL_GAS_LIMIT)
  const output = (await anvil.call('eth_call', [request, 'latest'])) as `0x${string}`
  const problems = workload.verify({ status: 1, gasUsed, output: hexToBytes(output), contractAddress: null })
  const times = await timeRuns(async () => {
    const again = (await anvil.call('eth_call', [request, 'latest'])) as string
    if (again !== output) throw new Error(`anvil: ${workload.name}: a run returned ${again}, not ${output}`)
  }, timing)
  return { engine: 'anvil (revm), eth_call', gasUsed, ...times, problems }
}

/** The round trip of an eth_call that executes nothing: what every anvil figure includes. */
export async function measureAnvilFloor(anvil: Anvil): Promise<RunTimes> {
  const request = { from: anvil.account, to: EMPTY_ACCOUNT, data: bytesToHex(new Uint8Array(0)) }
  return timeRuns(() => anvil.call('eth_call', [request, 'latest']), {
    warmupRuns: 50,
    measureMs: 1000,
    minRuns: 200,
  })
}

/** Runs `run` warmupRuns times untimed, then at least minRuns times and until measureMs has passed. */
export async function timeRuns(
  run: () => unknown,
  { warmupRuns, measureMs, minRuns }: { warmupRuns: number; measureMs: number; minRuns: number },
): Promise<RunTimes> {
  for (let i = 0; i < warmupRuns; i++) await run()
  const times: number[] = []
  const started = performance.now()
  while (times.length < minRuns || performance.now() - started < measureMs) {
    const runStarted = performance.now()
    await run()
    times.push(performance.now() - runStarted)
  }
  times.sort((a, b) => a - b)
  const middle = times.length >> 1
  const medianMs = times.length % 2 === 1 ? times[middle]! : (times[middle - 1]! + times[middle]!) / 2
  return { runs: times.length, medianMs, minMs: times[0]! }
}
