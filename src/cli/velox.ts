/**
 * The `velox` command (package.json `bin`, run as `npx velox …`). Subcommands:
 *   statetest [--fork Cancun] [--json] <file-or-dir>…   run GeneralStateTests fixtures
 */
import { useWasmBlake2f } from '../evm/precompiles/blake2fWasm.node.ts'
import { useWasmKeccak256 } from '../primitives/keccak256Wasm.node.ts'
import { collectFixtureFiles, runStateTestFile, type StateTestResult } from './statetest.ts'

useWasmKeccak256()
useWasmBlake2f()

const USAGE = `usage: velox <command> [options]

commands:
  statetest [--fork Cancun] [--json] <file-or-dir>...
      Runs Ethereum GeneralStateTests fixtures (folders recursively) through Velox's EVM and
      compares post-state roots and logs hashes. Prints each failure, then "N passed, N failed".
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

class UsageError extends Error {}

function main(argv: string[]): number {
  const [command, ...rest] = argv
  try {
    if (command === 'statetest') return statetest(rest)
    if (command === undefined || command === '--help' || command === '-h') {
      process.stdout.write(USAGE)
      return command === undefined ? 2 : 0
    }
    throw new UsageError(`unknown command ${command}`)
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    process.stderr.write(`velox: ${error.message}\n\n${USAGE}`)
    return 2
  }
}

process.exitCode = main(process.argv.slice(2))
