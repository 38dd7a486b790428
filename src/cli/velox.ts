/**
 * The `velox` command (package.json `bin`, run as `npx velox …`). Subcommands:
 *   statetest [--fork Cancun] [--json] <file-or-dir>…   run GeneralStateTests fixtures
 *   validate --rpc URL [--from N] [--to M]                check a chain's blocks statelessly
 */

import { useWasmBlake2f } from '../evm/precompiles/blake2fWasm.node.ts'
import { WorkerThreadPool } from '../execution/parallel/workerThreadPool.node.ts'
import { useWasmKeccak256 } from '../primitives/keccak256Wasm.node.ts'
import { useSecp256k1 } from '../primitives/recoverSender.ts'
import { loadWasmSecp256k1 } from '../primitives/secp256k1/wasm.node.ts'
import {
  type BlockOutcome,
  type ChainValidationSummary,
  validateChainOverRpc,
} from '../validator/validateChain.ts'
import { collectFixtureFiles, runStateTestFile, type StateTestResult } from './statetest.ts'

useWasmKeccak256()
useWasmBlake2f()
// Sender recovery for `validate`: libsecp256k1's WebAssembly build, as the deployed worker uses.
useSecp256k1(loadWasmSecp256k1())

const USAGE = `usage: velox <command> [options]

commands:
  statetest [--fork Cancun] [--json] <file-or-dir>...
      Runs Ethereum GeneralStateTests fixtures (folders recursively) through Velox's EVM and
      compares post-state roots and logs hashes. Prints each failure, then "N passed, N failed".
  validate --rpc URL [--from N] [--to M] [--threads T]
      Validates a running chain's blocks N..M (default 1..head) from JSON-RPC alone: each block
      (debug_getRawBlock) is re-executed on its execution witness (debug_executionWitness) and its
      state root recomputed. Prints each failure, then "validated N blocks: N passed, N failed".
      --threads T (2..64) re-executes each block in parallel on T threads, each group of
      transactions given its slice of the witness.
`

function statetest(args: string[]): number {
  let fork = 'Cancun'
  let json = false
  const paths: string[] = []
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (arg === '--fork') {
      const value = args[++i]
      if (!value) throw new UsageError('--fork needs a fork name, e.g. --fork Cancun')
      fork = value
    } else if (arg === '--json') json = true
    else if (arg.startsWith('--')) throw new UsageError(`unknown option ${arg}`)
    else paths.push(arg)
  }
  if (paths.length === 0) throw new UsageError('statetest needs at least one fixture file or folder')
  let passed = 0
  let failed = 0
  const report = (result: StateTestResult) => {
    if (result.passed) passed++
    else failed++
    if (json) process.stdout.write(`${JSON.stringify(result)}\n`)
    else if (!result.passed) {
      const { data, gas, value } = result.indexes
      console.log(`FAIL ${result.file}: ${result.name} [d${data} g${gas} v${value}]: ${result.message}`)
    }
  }
  for (const file of collectFixtureFiles(paths))
    for (const result of runStateTestFile(file, fork)) report(result)
  console.log(`${passed} passed, ${failed} failed`)
  return failed === 0 ? 0 : 1
}

/** Executors a validation may use at most: beyond this machine's cores, threads only wait. */
const MAX_VALIDATION_THREADS = 64

function threadsOption(value: string): number {
  const threads = Number(value)
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_VALIDATION_THREADS)
    throw new UsageError(`--threads must be an integer in 1..${MAX_VALIDATION_THREADS}, got ${value}`)
  return threads
}

async function validate(args: string[]): Promise<number> {
  let url: string | undefined
  let from: bigint | undefined
  let to: bigint | undefined
  let threads = 1
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    const value = args[i + 1]
    if (arg === '--rpc' && value) url = args[++i]
    else if (arg === '--from' && value) from = blockNumberOption(args[++i]!, '--from')
    else if (arg === '--to' && value) to = blockNumberOption(args[++i]!, '--to')
    else if (arg === '--threads' && value) threads = threadsOption(args[++i]!)
    else throw new UsageError(`unknown or incomplete option ${arg}`)
  }
  if (!url) throw new UsageError('validate needs --rpc URL')
  const started = performance.now()
  const progress = process.stderr.isTTY
  const onBlock = (outcome: BlockOutcome, summary: ChainValidationSummary) => {
    if (!outcome.ok) {
      if (progress) process.stderr.write('\r\x1b[K')
      console.log(`FAIL block ${outcome.number}: ${outcome.kind}: ${outcome.message}`)
    }
    if (progress) process.stderr.write(`\r${progressBar(summary)}`)
  }
  // This thread is one of the executors: T threads are T - 1 worker threads and this one.
  const pool = threads > 1 ? new WorkerThreadPool(threads - 1) : undefined
  const summary = await validateChainOverRpc({
    url,
    ...(from !== undefined ? { from } : {}),
    ...(to !== undefined ? { to } : {}),
    ...(pool ? { pool } : {}),
    onBlock,
  }).finally(() => pool?.close())
  if (progress) process.stderr.write('\r\x1b[K')
  const seconds = ((performance.now() - started) / 1000).toFixed(1)
  console.log(
    `validated ${summary.validated + summary.failed} blocks (${summary.from}..${summary.to}) in ${seconds} s: ${summary.validated} passed, ${summary.failed} failed`,
  )
  return summary.failed === 0 ? 0 : 1
}

function progressBar(summary: ChainValidationSummary): string {
  const total = Number(summary.to - summary.from + 1n)
  const done = summary.validated + summary.failed
  const width = 30
  const filled = total <= 0 ? width : Math.round((done / total) * width)
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} blocks, ${summary.failed} failed`
}

function blockNumberOption(value: string, name: string): bigint {
  if (!/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(value)) throw new UsageError(`${name} needs a block number`)
  return BigInt(value)
}

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  try {
    if (command === 'statetest') return statetest(rest)
    if (command === 'validate') return await validate(rest)
    if (command === undefined || command === '--help' || command === '-h') {
      process.stdout.write(USAGE)
      return command === undefined ? 2 : 0
    }
    throw new UsageError(`unknown command ${command}`)
  } catch (error) {
    if (!(error instanceof UsageError)) {
      const cause = (error as Error).cause as Error | undefined
      process.stderr.write(
        `velox ${command}: ${(error as Error).message}${cause ? ` (${cause.message})` : ''}\n`,
      )
      return 1
    }
    process.stderr.write(`velox: ${error.message}\n\n${USAGE}`)
    return 2
  }
}

process.exitCode = await main(process.argv.slice(2))
