/**
 * `npm run bench:evm`: Velox's EVM against @ethereumjs, and against anvil's revm where the workload
 * is a single call; one process, one run, the same transactions on every engine.
 *
 * Level: transactions. Velox runs src/execution/processTransaction (intrinsic gas, fee purchase,
 * nonce, refunds, coinbase payment) with one EvmState per block of at most 200M gas, folded into a
 * MemoryState when the block closes, as the sequencer will, and keccak256 in WebAssembly as its
 * entry points install it. @ethereumjs runs @ethereumjs/vm's runTx (its transaction layer on
 * @ethereumjs/evm) with createVM's defaults, one journal checkpoint per block as its runBlock does.
 * ethereumjs transactions are signed and their senders recovered before timing; Velox is handed
 * the sender. Both on Prague, same block environment; no state roots.
 *
 * Workloads:
 * 1. ETH transfers, one sender to a new recipient each;
 * 2. ERC-20 transfers of OpenZeppelin's ERC20 (solc-js 0.8.30, optimizer 200 runs, cancun), each to a
 *    new holder;
 * 3. Uniswap V2 swaps on @uniswap/v2-core's published factory and pair (SwapHelper: transfer in,
 *    then pair.swap), alternating direction;
 * 4. single calls: 5,000 ERC-20 transfers in one call, 10,000 chained keccak256 in one call; each
 *    transaction simulated on a throwaway state (eth_call's semantics), and on anvil through eth_call
 *    (so anvil's figure includes the JSON-RPC round trip, measured alone as the "floor").
 *
 * Timed batches of transactions last about 1.5 s after a warm-up; Velox's is also at least one full
 * block, so costs that grow with a block's size are in its figure (ethereumjs would need minutes
 * to fill one). Every engine's results are checked before its figure counts: operations succeed,
 * balances and reserves end as computed independently, and gas per operation must be the same on
 * every engine (a difference is printed as a finding). Prints a markdown table and writes
 * bench/results/evm.json.
 *
 * BENCH_EVM_ONLY=eth,erc20,uniswap,transferLoop,hashLoop and BENCH_EVM_ENGINES=velox,ethereumjs,anvil
 * run a subset (for profiling); bench/results/evm.json is then left alone. BENCH_EVM_SECONDS sets
 * how long a timed batch of transactions lasts (default 1.5).
 */
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { useWasmKeccak256 } from '../src/primitives/keccak256Wasm.node.ts'
import { type Anvil, startAnvil } from './evm/anvil.ts'
import { FORK } from './evm/benchChain.ts'
import { compileContracts } from './evm/contracts.ts'
import { EthereumjsChain } from './evm/ethereumjsChain.ts'
import {
  type CallRun,
  measureAnvilCall,
  measureAnvilFloor,
  measureCall,
  measureTransactions,
  type RunTimes,
  type TransactionRun,
} from './evm/measure.ts'
import { VeloxChain } from './evm/veloxChain.ts'
import {
  benchAccount,
  type CallWorkload,
  erc20Transfers,
  ethTransfers,
  hashLoop,
  SENDER_BALANCE,
  type TransactionWorkload,
  transferLoop,
  uniswapSwaps,
} from './evm/workloads.ts'
import { describeMachine, type Machine, machineLine } from './machine.ts'

const ROOT = path.resolve(import.meta.dirname, '..')
/** The issue's goals: ERC-20 transfers at least 25x @ethereumjs; single calls within 5x of revm. */
const ERC20_GOAL_OVER_ETHEREUMJS = 25
const LOOP_GOAL_WITHIN_REVM = 5

type Engine = 'velox' | 'ethereumjs' | 'anvil'
type TransactionKey = 'eth' | 'erc20' | 'uniswap'
type CallKey = 'transferLoop' | 'hashLoop'

/** Warm-up operations per engine: enough for V8 to optimize the hot paths before the timed batch. */
const WARMUP: Record<TransactionKey, Record<'velox' | 'ethereumjs', number>> = {
  eth: { velox: 2_000, ethereumjs: 200 },
  erc20: { velox: 2_000, ethereumjs: 200 },
  uniswap: { velox: 500, ethereumjs: 40 },
}
/** ethereumjs takes seconds per loop call, so it gets one warm-up run and two timed ones. */
const CALL_TIMING: Record<Engine, { warmupRuns: number; measureMs: number; minRuns: number }> = {
  velox: { warmupRuns: 5, measureMs: 1_500, minRuns: 10 },
  ethereumjs: { warmupRuns: 1, measureMs: 1_000, minRuns: 2 },
  anvil: { warmupRuns: 5, measureMs: 1_500, minRuns: 20 },
}

type TransactionResult = {
  key: TransactionKey
  workload: string
  unit: string
  velox: TransactionRun | undefined
  ethereumjs: TransactionRun | undefined
  gas: GasComparison
  veloxOverEthereumjs: number | undefined
}

type CallResult = {
  key: CallKey
  workload: string
  velox: CallRun | undefined
  ethereumjs: CallRun | undefined
  anvil: CallRun | undefined
  anvilFloor: RunTimes | undefined
  gas: GasComparison
}

type GasComparison = {
  /** Operations whose gas was compared (run on more than one engine). */
  compared: number
  min: bigint
  max: bigint
  mismatches: string[]
}

async function main() {
  // Velox's keccak256 as its entry points run it (the CLI and the workers install the WebAssembly one).
  useWasmKeccak256()
  const only = listFromEnv('BENCH_EVM_ONLY')
  const engines = listFromEnv('BENCH_EVM_ENGINES')
  const wanted = (key: string) => !only || only.includes(key)
  const runs = (engine: Engine) => !engines || engines.includes(engine)

  const compileStarted = performance.now()
  const contracts = compileContracts()
  console.log(
    `solc ${contracts.solcVersion}: compiled in ${((performance.now() - compileStarted) / 1000).toFixed(1)} s`,
  )
  console.log(
    `Level: transactions (Velox processTransaction vs @ethereumjs/vm runTx on @ethereumjs/evm), fork ${FORK}; Velox keccak256: WebAssembly\n`,
  )

  const sender = benchAccount(1)
  const genesis = [{ address: sender.address, balance: SENDER_BALANCE }]
  const transactionWorkloads: [TransactionKey, TransactionWorkload][] = [
    ['eth', ethTransfers(sender)],
    ['erc20', erc20Transfers(sender, contracts)],
    ['uniswap', uniswapSwaps(sender, contracts)],
  ]
  const transactions: TransactionResult[] = []
  for (const [key, workload] of transactionWorkloads) {
    if (!wanted(key)) continue
    const velox = runs('velox')
      ? await measureTransactions(new VeloxChain(genesis), workload, {
          warmup: WARMUP[key].velox,
          fillBlock: true,
        })
      : undefined
    if (velox) report(velox, workload.unit)
    const ethereumjs = runs('ethereumjs')
      ? await measureTransactions(await EthereumjsChain.create(genesis), workload, {
          warmup: WARMUP[key].ethereumjs,
          fillBlock: false,
        })
      : undefined
    if (ethereumjs) report(ethereumjs, workload.unit)
    transactions.push({
      key,
      workload: workload.name,
      unit: workload.unit,
      velox,
      ethereumjs,
      gas: compareTransactionGas(velox, ethereumjs),
      veloxOverEthereumjs: velox && ethereumjs ? velox.perSecond / ethereumjs.perSecond : undefined,
    })
  }

  const callWorkloads: [CallKey, CallWorkload][] = [
    ['transferLoop', transferLoop(sender, contracts)],
    ['hashLoop', hashLoop(sender, contracts)],
  ]
  const calls: CallResult[] = []
  let anvil: Anvil | undefined
  try {
    for (const [key, workload] of callWorkloads) {
      if (!wanted(key)) continue
      const velox = runs('velox')
        ? await measureCall(new VeloxChain(genesis), workload, CALL_TIMING.velox)
        : undefined
      if (velox) reportCall(velox, workload.name)
      const ethereumjs = runs('ethereumjs')
        ? await measureCall(await EthereumjsChain.create(genesis), workload, CALL_TIMING.ethereumjs)
        : undefined
      if (ethereumjs) reportCall(ethereumjs, workload.name)
      let anvilRun: CallRun | undefined
      let anvilFloor: RunTimes | undefined
      if (runs('anvil')) {
        anvil ??= await startAnvil()
        anvilRun = await measureAnvilCall(anvil, workload, CALL_TIMING.anvil)
        reportCall(anvilRun, workload.name)
        anvilFloor = await measureAnvilFloor(anvil)
        console.log(`anvil: eth_call round trip alone (no code): ${anvilFloor.medianMs.toFixed(3)} ms`)
      }
      const gasRuns = [velox, ethereumjs, anvilRun].filter((run) => run !== undefined)
      calls.push({
        key,
        workload: workload.name,
        velox,
        ethereumjs,
        anvil: anvilRun,
        anvilFloor,
        gas: compareCallGas(gasRuns),
      })
    }
  } finally {
    await anvil?.stop()
  }

  const machine = describeMachine()
  console.log(`\n${machineLine(machine)}`)
  printTables(transactions, calls)
  const problems = [...transactions, ...calls].flatMap((result) =>
    [result.velox, result.ethereumjs, 'anvil' in result ? result.anvil : undefined]
      .filter((run) => run !== undefined)
      .flatMap((run) => run.problems.map((problem) => `${result.workload}, ${run.engine}: ${problem}`)),
  )
  const gasFindings = [...transactions, ...calls].flatMap((result) =>
    result.gas.mismatches.map((mismatch) => `${result.workload}: ${mismatch}`),
  )
  for (const line of [...problems, ...gasFindings]) console.log(`FINDING: ${line}`)

  if (only || engines) {
    console.log('\n(a subset was run: bench/results/evm.json left as it was)')
    return
  }
  const file = path.join(ROOT, 'bench/results/evm.json')
  writeFileSync(
    file,
    `${JSON.stringify(resultsJson(machine, contracts.solcVersion, transactions, calls, problems), bigintReplacer, 2)}\n`,
  )
  console.log(`\nwrote ${path.relative(ROOT, file)}`)
  if (problems.length > 0) process.exitCode = 1
}

function listFromEnv(name: string): string[] | undefined {
  const value = process.env[name]
  return value ? value.split(',').map((item) => item.trim()) : undefined
}

function report(run: TransactionRun, unit: string) {
  console.log(
    `${run.engine}: ${formatRate(run.perSecond)} ${unit} (${run.count.toLocaleString('en-US')} in ${run.blocks} block${run.blocks === 1 ? '' : 's'}, ${run.seconds.toFixed(2)} s, after ${run.warmup.toLocaleString('en-US')} warm-up)${run.problems.length > 0 ? `, PROBLEMS: ${run.problems.join('; ')}` : ''}`,
  )
}

function reportCall(run: CallRun, workload: string) {
  console.log(
    `${run.engine}: ${workload}: median ${run.medianMs.toFixed(2)} ms of ${run.runs} runs, gas ${run.gasUsed.toLocaleString('en-US')}${run.problems.length > 0 ? `, PROBLEMS: ${run.problems.join('; ')}` : ''}`,
  )
}

function compareTransactionGas(
  velox: TransactionRun | undefined,
  ethereumjs: TransactionRun | undefined,
): GasComparison {
  const mismatches: string[] = []
  const gas = velox?.gas ?? ethereumjs?.gas ?? []
  if (velox && ethereumjs) {
    for (const [index, step] of velox.setup.entries()) {
      const other = ethereumjs.setup[index]
      if (other?.gasUsed !== step.gasUsed || other.contractAddress !== step.contractAddress)
        mismatches.push(
          `setup transaction ${index}: Velox ${step.gasUsed} gas (${step.contractAddress}), ethereumjs ${other?.gasUsed} gas (${other?.contractAddress})`,
        )
    }
    const compared = Math.min(velox.gas.length, ethereumjs.gas.length)
    for (let index = 0; index < compared; index++)
      if (velox.gas[index] !== ethereumjs.gas[index])
        mismatches.push(
          `operation ${index}: Velox ${velox.gas[index]} gas, ethereumjs ${ethereumjs.gas[index]} gas`,
        )
    return { compared, ...gasRange(gas), mismatches: summarize(mismatches) }
  }
  return { compared: 0, ...gasRange(gas), mismatches }
}

function compareCallGas(runs: CallRun[]): GasComparison {
  const gas = runs.map((run) => run.gasUsed)
  const mismatches =
    new Set(gas).size > 1
      ? [`gas differs: ${runs.map((run) => `${run.engine} ${run.gasUsed}`).join(', ')}`]
      : []
  return { compared: runs.length > 1 ? 1 : 0, ...gasRange(gas), mismatches }
}

function gasRange(gas: bigint[]): { min: bigint; max: bigint } {
  let min = gas[0] ?? 0n
  let max = min
  for (const value of gas) {
    if (value < min) min = value
    if (value > max) max = value
  }
  return { min, max }
}

/** The first few mismatches and how many more, so one systematic difference does not flood the output. */
function summarize(mismatches: string[]): string[] {
  const shown = 5
  return mismatches.length <= shown
    ? mismatches
    : [...mismatches.slice(0, shown), `… and ${mismatches.length - shown} more`]
}

function printTables(transactions: TransactionResult[], calls: CallResult[]) {
  if (transactions.length > 0) {
    console.log('\nTransactions (one per operation; Velox processTransaction vs @ethereumjs/vm runTx):\n')
    console.log('| workload | Velox | @ethereumjs/vm | Velox ÷ ethereumjs | gas per operation | goal |')
    console.log('|---|---:|---:|---:|---|---|')
    for (const result of transactions) {
      const ratio = result.veloxOverEthereumjs
      const goal =
        result.key === 'erc20' && ratio !== undefined
          ? `≥ ${ERC20_GOAL_OVER_ETHEREUMJS}×: ${ratio >= ERC20_GOAL_OVER_ETHEREUMJS ? 'met' : 'NOT met'}`
          : ''
      console.log(
        `| ${result.workload} | ${rate(result.velox, result.unit)} | ${rate(result.ethereumjs, result.unit)} | ${ratio === undefined ? '–' : `${ratio.toFixed(1)}×`} | ${gasCell(result.gas)} | ${goal} |`,
      )
    }
  }
  if (calls.length > 0) {
    console.log(
      '\nSingle calls (median ms per call; anvil timed from this process through eth_call over HTTP, which includes the round trip shown as "floor"):\n',
    )
    console.log(
      '| workload | Velox | @ethereumjs/vm | anvil eth_call | eth_call floor | Velox is ×slower than revm (raw eth_call) | … than revm (eth_call − floor) | Velox ÷ ethereumjs | gas | goal (≤ 5× revm) |',
    )
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---|---|')
    for (const result of calls) {
      const { raw, net } = slowdowns(result)
      const goal =
        raw === undefined
          ? ''
          : `raw ${goalMark(raw)}, net of floor ${net === undefined ? '–' : goalMark(net)}`
      const speedup =
        result.velox && result.ethereumjs
          ? `${(result.ethereumjs.medianMs / result.velox.medianMs).toFixed(1)}× faster`
          : '–'
      console.log(
        `| ${result.workload} | ${ms(result.velox?.medianMs)} | ${ms(result.ethereumjs?.medianMs)} | ${ms(result.anvil?.medianMs)} | ${ms(result.anvilFloor?.medianMs)} | ${raw === undefined ? '–' : `${raw.toFixed(1)}×`} | ${net === undefined ? '–' : `${net.toFixed(1)}×`} | ${speedup} | ${gasCell(result.gas)} | ${goal} |`,
      )
    }
  }
}

/** Velox's time over anvil's: as measured, and with the eth_call round trip taken out of anvil's. */
function slowdowns(result: CallResult): { raw: number | undefined; net: number | undefined } {
  if (!result.velox || !result.anvil) return { raw: undefined, net: undefined }
  const raw = result.velox.medianMs / result.anvil.medianMs
  const revm = result.anvilFloor ? result.anvil.medianMs - result.anvilFloor.medianMs : undefined
  return { raw, net: revm !== undefined && revm > 0 ? result.velox.medianMs / revm : undefined }
}

function goalMark(slowdown: number): string {
  return slowdown <= LOOP_GOAL_WITHIN_REVM ? 'met' : 'NOT met'
}

function rate(run: TransactionRun | undefined, unit: string): string {
  return run ? `${formatRate(run.perSecond)} ${unit}` : '–'
}

function formatRate(perSecond: number): string {
  return Math.round(perSecond).toLocaleString('en-US')
}

function ms(value: number | undefined): string {
  return value === undefined ? '–' : `${value.toFixed(value < 10 ? 2 : 1)} ms`
}

function gasCell(gas: GasComparison): string {
  const range =
    gas.min === gas.max
      ? gas.min.toLocaleString('en-US')
      : `${gas.min.toLocaleString('en-US')}–${gas.max.toLocaleString('en-US')}`
  if (gas.compared === 0) return range
  return gas.mismatches.length === 0 ? `${range}, same on all engines` : `${range}, DIFFERS (see findings)`
}

function resultsJson(
  machine: Machine,
  solcVersion: string,
  transactions: TransactionResult[],
  calls: CallResult[],
  problems: string[],
) {
  const version = (name: string) =>
    (
      JSON.parse(readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as {
        version: string
      }
    ).version
  const transactionRun = (run: TransactionRun | undefined) =>
    run && {
      operations: run.count,
      blocks: run.blocks,
      warmup: run.warmup,
      seconds: run.seconds,
      perSecond: run.perSecond,
      problems: run.problems,
    }
  const callRun = (run: CallRun | undefined) =>
    run && {
      medianMs: run.medianMs,
      minMs: run.minMs,
      runs: run.runs,
      gasUsed: run.gasUsed,
      problems: run.problems,
    }
  return {
    ...machine,
    level:
      'transaction: Velox processTransaction (one EvmState per 200M-gas block, folded into a MemoryState) vs @ethereumjs/vm runTx on @ethereumjs/evm (createVM defaults, one journal checkpoint per block); signatures outside timing',
    fork: FORK,
    engines: {
      velox: 'Velox src/evm + src/execution/processTransaction',
      ethereumjs: `@ethereumjs/vm runTx (on @ethereumjs/evm) ${version('@ethereumjs/vm')}`,
      anvil: `anvil ${version('@foundry-rs/anvil')} (revm), eth_call over HTTP from this process`,
    },
    solc: solcVersion,
    transactions: transactions.map((result) => ({
      workload: result.workload,
      unit: result.unit,
      velox: transactionRun(result.velox),
      ethereumjs: transactionRun(result.ethereumjs),
      veloxOverEthereumjs: result.veloxOverEthereumjs,
      gasPerOperation: { min: result.gas.min, max: result.gas.max },
      gasComparedOperations: result.gas.compared,
      gasMismatches: result.gas.mismatches,
      ...(result.key === 'erc20' && result.veloxOverEthereumjs !== undefined
        ? {
            goal: {
              veloxOverEthereumjsAtLeast: ERC20_GOAL_OVER_ETHEREUMJS,
              met: result.veloxOverEthereumjs >= ERC20_GOAL_OVER_ETHEREUMJS,
            },
          }
        : {}),
    })),
    calls: calls.map((result) => {
      const { raw, net } = slowdowns(result)
      return {
        workload: result.workload,
        velox: callRun(result.velox),
        ethereumjs: callRun(result.ethereumjs),
        anvil: callRun(result.anvil),
        anvilEthCallFloorMs: result.anvilFloor?.medianMs,
        veloxSlowerThanRevmRaw: raw,
        veloxSlowerThanRevmNetOfFloor: net,
        veloxFasterThanEthereumjs:
          result.velox && result.ethereumjs ? result.ethereumjs.medianMs / result.velox.medianMs : undefined,
        gasMismatches: result.gas.mismatches,
        goal: {
          veloxWithinRevm: LOOP_GOAL_WITHIN_REVM,
          met: raw === undefined ? undefined : raw <= LOOP_GOAL_WITHIN_REVM,
          metNetOfFloor: net === undefined ? undefined : net <= LOOP_GOAL_WITHIN_REVM,
        },
      }
    }),
    problems,
  }
}

function bigintReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value
}

await main()
