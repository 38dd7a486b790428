/**
 * `npm run bench:witness`: execution witnesses and stateless validation, for a block of 1,000 ETH
 * transfers, one of 1,000 ERC-20 transfers and one of 1,000 Uniswap V2 swaps (bench/evm's
 * workloads), each on its own parent state (bench/witness/parentState.ts: 100,000 funded accounts,
 * every token with 100,000 holders). Per block:
 *
 *   stateful    with the full state, as the sequencer: recover senders, executeBlock on the
 *               MemoryState, apply the writes to the state trie at the parent root, hash the
 *               root, assemble the header (transactions and receipts roots, bloom)
 *   witness     commitBlockState (root update + recording the parent nodes read + commit),
 *               encodeWitness, gzip; bytes per transaction, raw (RLP) and compressed
 *   stateless   validateBlock on the block and its witness alone; over stateful: the goal is ≤ 2×
 *
 * Then the state-root update per block for 1,000, 10,000 and 100,000 changed accounts over a
 * 1,000,000-account trie (bench/witness/measureStateRootUpdates.ts).
 *
 * Primitives as Velox's entry points install them: keccak256 and blake2f in WebAssembly (the CLI),
 * sender recovery in libsecp256k1's WebAssembly (the RPC worker). Both sides pay the same
 * recovery, so the ratio is also given without it (an estimate: the stateful run's recovery taken
 * from both). Transactions are signed outside any timing. Each timed step of a block: three warm-up
 * runs, then the median of five, each on fresh EvmState and StateTrie objects. Prints markdown
 * tables and writes bench/results/witness.json.
 *
 * BENCH_WITNESS_ONLY=eth,erc20,uniswap,stateRoot runs a subset (bench/results/witness.json is then
 * left alone).
 */
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { useWasmBlake2f } from '../src/evm/precompiles/blake2fWasm.node.ts'
import { useWasmKeccak256 } from '../src/primitives/keccak256Wasm.node.ts'
import { useSecp256k1 } from '../src/primitives/recoverSender.ts'
import { loadWasmSecp256k1 } from '../src/primitives/secp256k1/wasm.node.ts'
import { CHAIN_ID, FORK } from './evm/benchChain.ts'
import { compileContracts } from './evm/contracts.ts'
import {
  benchAccount,
  erc20Transfers,
  ethTransfers,
  type TransactionWorkload,
  uniswapSwaps,
} from './evm/workloads.ts'
import { describeMachine, type Machine, machineLine } from './machine.ts'
import {
  BASE_ACCOUNTS,
  measureStateRootUpdates,
  type StateRootUpdates,
} from './witness/measureStateRootUpdates.ts'
import {
  BLOCK_TRANSACTIONS,
  measureWitnessBlock,
  RUNS,
  type WitnessBlockRun,
} from './witness/measureWitnessBlock.ts'
import { buildBaseState, buildParentState, STATE_ACCOUNTS, TOKEN_HOLDERS } from './witness/parentState.ts'

const ROOT = path.resolve(import.meta.dirname, '..')
/** The goals: stateless validation within 2× of stateful execution… */
const STATELESS_GOAL_WITHIN_STATEFUL = 2
/** …and a compressed witness under 1 KB per ERC-20 transfer (read as 1,000 bytes, the stricter). */
const ERC20_COMPRESSED_GOAL_BYTES = 1_000

type WorkloadKey = 'eth' | 'erc20' | 'uniswap'

type WorkloadResult = {
  key: WorkloadKey
  workload: string
  run: WitnessBlockRun
  /** validateBlock over the stateful total, and the same with sender recovery taken out of both. */
  statelessOverStateful: number
  statelessOverStatefulWithoutRecovery: number
}

async function main() {
  useWasmKeccak256()
  useWasmBlake2f()
  useSecp256k1(loadWasmSecp256k1())
  const only = process.env.BENCH_WITNESS_ONLY?.split(',').map((item) => item.trim())
  const wanted = (key: string) => !only || only.includes(key)

  const sender = benchAccount(1)
  const results: WorkloadResult[] = []
  const workloadKeys = (['eth', 'erc20', 'uniswap'] as const).filter(wanted)
  if (workloadKeys.length > 0) {
    const compileStarted = performance.now()
    const contracts = compileContracts()
    console.log(`solc ${contracts.solcVersion}: compiled in ${seconds(compileStarted)} s`)
    const baseStarted = performance.now()
    const base = buildBaseState(sender)
    console.log(
      `base state: ${STATE_ACCOUNTS.toLocaleString('en-US')} funded accounts + sender + system contracts, committed in ${seconds(baseStarted)} s`,
    )
    const workloads: Record<WorkloadKey, TransactionWorkload> = {
      eth: ethTransfers(sender),
      erc20: erc20Transfers(sender, contracts),
      uniswap: uniswapSwaps(sender, contracts),
    }
    for (const key of workloadKeys) {
      const workload = workloads[key]
      const parentStarted = performance.now()
      const parent = await buildParentState(base, workload, contracts)
      const holders =
        parent.tokens.length === 0
          ? ''
          : ` (${parent.tokens.length} token${parent.tokens.length === 1 ? '' : 's'} with ${TOKEN_HOLDERS.toLocaleString('en-US')} holders each)`
      console.log(`\n${workload.name}: parent state built in ${seconds(parentStarted)} s${holders}`)
      const run = await measureWitnessBlock(workload, parent)
      const result = resultOf(key, workload.name, run)
      results.push(result)
      report(result)
    }
  }

  let stateRoot: StateRootUpdates | undefined
  if (wanted('stateRoot')) {
    console.log('\nState-root update per block:')
    stateRoot = await measureStateRootUpdates((line) => console.log(line))
  }

  const machine = describeMachine()
  console.log(`\n${machineLine(machine)}`)
  printTables(results, stateRoot)
  if (only) {
    console.log('\n(a subset was run: bench/results/witness.json left as it was)')
    return
  }
  const file = path.join(ROOT, 'bench/results/witness.json')
  writeFileSync(file, `${JSON.stringify(resultsJson(machine, results, stateRoot), bigintReplacer, 2)}\n`)
  console.log(`\nwrote ${path.relative(ROOT, file)}`)
}

function resultOf(key: WorkloadKey, workload: string, run: WitnessBlockRun): WorkloadResult {
  const { stateful, stateless } = run
  return {
    key,
    workload,
    run,
    statelessOverStateful: stateless.validate / stateful.total,
    statelessOverStatefulWithoutRecovery:
      (stateless.validate - stateful.recover) / (stateful.total - stateful.recover),
  }
}

function report({ run, statelessOverStateful }: WorkloadResult) {
  const { stateful, witnessBuild, witness, stateless } = run
  console.log(
    `stateful ${ms(stateful.total)} (recover ${ms(stateful.recover)}, execute ${ms(stateful.execute)}, trie apply ${ms(stateful.trieApply)}, root ${ms(stateful.root)}, assemble ${ms(stateful.assemble)})`,
  )
  console.log(
    `witness: ${bytes(witness.rawBytes)} RLP, ${bytes(witness.compressedBytes)} gzip; ${witness.stateNodes.toLocaleString('en-US')} nodes, ${witness.codes} codes, ${witness.keys.toLocaleString('en-US')} keys; commitBlockState ${ms(witnessBuild.commitBlockState)}, encode ${ms(witnessBuild.encode)}, gzip ${ms(witnessBuild.compress)}`,
  )
  console.log(
    `stateless: validateBlock ${ms(stateless.validate)} (${statelessOverStateful.toFixed(2)}× stateful), gunzip + decodeWitness ${ms(stateless.decodeWitness)}`,
  )
}

function statelessGoalMet(result: WorkloadResult): boolean {
  return result.statelessOverStateful <= STATELESS_GOAL_WITHIN_STATEFUL
}

function statelessGoalMetWithoutRecovery(result: WorkloadResult): boolean {
  return result.statelessOverStatefulWithoutRecovery <= STATELESS_GOAL_WITHIN_STATEFUL
}

function goalMark(met: boolean): string {
  return met ? 'met' : 'NOT met'
}

function compressedPerTransaction(result: WorkloadResult): number {
  return result.run.witness.compressedBytes / result.run.transactions
}

function printTables(results: WorkloadResult[], stateRoot: StateRootUpdates | undefined) {
  if (results.length > 0) {
    console.log(
      `\nWitnesses (block of ${BLOCK_TRANSACTIONS.toLocaleString('en-US')} transactions; median of ${RUNS.timed} runs):\n`,
    )
    console.log(
      '| workload | RLP | RLP per tx | gzip | gzip per tx | trie nodes | codes | keys | commitBlockState | encodeWitness | gzip time | goal (gzip < 1 KB per ERC-20 transfer) |',
    )
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|')
    for (const result of results) {
      const { witness, witnessBuild, transactions } = result.run
      const perTransaction = compressedPerTransaction(result)
      const goal = result.key === 'erc20' ? goalMark(perTransaction < ERC20_COMPRESSED_GOAL_BYTES) : ''
      console.log(
        `| ${result.workload} | ${bytes(witness.rawBytes)} | ${Math.round(witness.rawBytes / transactions)} B | ${bytes(witness.compressedBytes)} | ${Math.round(perTransaction)} B | ${witness.stateNodes.toLocaleString('en-US')} | ${witness.codes} | ${witness.keys.toLocaleString('en-US')} | ${ms(witnessBuild.commitBlockState)} | ${ms(witnessBuild.encode)} | ${ms(witnessBuild.compress)} | ${goal} |`,
      )
    }
    console.log(
      `\nStateless validation against stateful execution (block of ${BLOCK_TRANSACTIONS.toLocaleString('en-US')} transactions; median of ${RUNS.timed} runs):\n`,
    )
    console.log(
      '| workload | recover senders | executeBlock | trie apply | root | assemble | stateful total | validateBlock | stateless ÷ stateful | without recovery | goal (≤ 2×) |',
    )
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|')
    for (const result of results) {
      const { stateful, stateless } = result.run
      console.log(
        `| ${result.workload} | ${ms(stateful.recover)} | ${ms(stateful.execute)} | ${ms(stateful.trieApply)} | ${ms(stateful.root)} | ${ms(stateful.assemble)} | ${ms(stateful.total)} | ${ms(stateless.validate)} | ${result.statelessOverStateful.toFixed(2)}× | ${result.statelessOverStatefulWithoutRecovery.toFixed(2)}× | ${goalMark(statelessGoalMet(result))}; without recovery ${goalMark(statelessGoalMetWithoutRecovery(result))} |`,
      )
    }
  }
  if (stateRoot) {
    console.log(
      `\nState-root update per block (StateTrie.apply + commit over a ${stateRoot.baseAccounts.toLocaleString('en-US')}-account trie):\n`,
    )
    console.log('| changed accounts | apply | commit | total | per key |')
    console.log('|---:|---:|---:|---:|---:|')
    for (const update of stateRoot.updates)
      console.log(
        `| ${update.changedKeys.toLocaleString('en-US')} | ${ms(update.apply)} | ${ms(update.commit)} | ${ms(update.total)} | ${((update.total * 1000) / update.changedKeys).toFixed(1)} µs |`,
      )
  }
}

function resultsJson(machine: Machine, results: WorkloadResult[], stateRoot: StateRootUpdates | undefined) {
  const erc20 = results.find((result) => result.key === 'erc20')
  return {
    ...machine,
    fork: FORK,
    chainId: CHAIN_ID,
    primitives: 'keccak256 and blake2f in WebAssembly, sender recovery in libsecp256k1 (WebAssembly)',
    stateful:
      'recover senders, executeBlock over EvmState(MemoryState), StateTrie.apply at the parent root over a MemoryNodeStore, root(), assembleBlock',
    stateless: 'validateBlock(block RLP, witness); gunzip + decodeWitness timed apart',
    parameters: {
      transactionsPerBlock: BLOCK_TRANSACTIONS,
      stateAccounts: STATE_ACCOUNTS,
      tokenHolders: TOKEN_HOLDERS,
      stateRootBaseAccounts: BASE_ACCOUNTS,
      warmupRuns: RUNS.warmup,
      timedRuns: RUNS.timed,
      figures: 'median milliseconds of the timed runs (state-root updates: runs as listed)',
    },
    workloads: results.map((result) => {
      const { run } = result
      return {
        workload: result.workload,
        transactions: run.transactions,
        gasUsed: run.gasUsed,
        blockBytes: run.blockBytes,
        touched: run.touched,
        statefulMs: run.stateful,
        witness: {
          ...run.witness,
          rawBytesPerTransaction: run.witness.rawBytes / run.transactions,
          compressedBytesPerTransaction: compressedPerTransaction(result),
          buildMs: run.witnessBuild,
        },
        statelessMs: run.stateless,
        statelessOverStateful: result.statelessOverStateful,
        statelessOverStatefulWithoutRecovery: result.statelessOverStatefulWithoutRecovery,
      }
    }),
    stateRootUpdates: stateRoot && {
      baseAccounts: stateRoot.baseAccounts,
      baseBuildSeconds: stateRoot.buildSeconds,
      baseStoreNodes: stateRoot.storeNodes,
      updates: stateRoot.updates.map((update) => ({
        changedKeys: update.changedKeys,
        runs: update.runs,
        applyMs: update.apply,
        commitMs: update.commit,
        totalMs: update.total,
      })),
    },
    goals: {
      statelessWithinStateful: {
        atMost: STATELESS_GOAL_WITHIN_STATEFUL,
        met: results.length > 0 ? results.every(statelessGoalMet) : undefined,
        metWithoutRecovery: results.length > 0 ? results.every(statelessGoalMetWithoutRecovery) : undefined,
        byWorkload: Object.fromEntries(
          results.map((result) => [
            result.workload,
            {
              ratio: result.statelessOverStateful,
              met: statelessGoalMet(result),
              ratioWithoutRecovery: result.statelessOverStatefulWithoutRecovery,
              metWithoutRecovery: statelessGoalMetWithoutRecovery(result),
            },
          ]),
        ),
      },
      erc20CompressedWitnessPerTransfer: {
        underBytes: ERC20_COMPRESSED_GOAL_BYTES,
        bytes: erc20 && compressedPerTransaction(erc20),
        met: erc20 && compressedPerTransaction(erc20) < ERC20_COMPRESSED_GOAL_BYTES,
      },
    },
  }
}

function seconds(started: number): string {
  return ((performance.now() - started) / 1000).toFixed(1)
}

function ms(value: number): string {
  return `${value.toFixed(value < 10 ? 2 : 1)} ms`
}

function bytes(count: number): string {
  return count < 10_000 ? `${count} B` : `${(count / 1024).toFixed(1)} KiB`
}

function bigintReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value
}

await main()
