/**
 * The `velox` command (package.json `bin`, run as `npx velox …`). Subcommands:
 *   statetest [--fork Cancun] [--json] <file-or-dir>…   run GeneralStateTests fixtures
 *   validate --rpc URL [--from N] [--to M]                check a chain's blocks statelessly
 *   verify --l1 URL --inbox A --commitments A [--from N] [--witnesses L2_URL]
 *                                                        derive the chain from L1, check its roots
 */

import { readFileSync } from 'node:fs'
import path from 'node:path'
import { type Address, createPublicClient, http, type Kzg } from 'viem'
import { useWasmBlake2f } from '../evm/precompiles/blake2fWasm.node.ts'
import { parseChainConfig } from '../execution/chainConfig.ts'
import { DEFAULT_MIN_GAS_PER_TRANSACTION } from '../execution/parallel/executePartitioned.ts'
import { WorkerThreadPool } from '../execution/parallel/workerThreadPool.node.ts'
import { buildGenesisBlock, type GenesisFile } from '../l1/buildGenesisBlock.ts'
import { DerivationError } from '../l1/derivationErrors.ts'
import type { DerivedBlock } from '../l1/deriveBlock.ts'
import { type DerivationSummary, deriveChain } from '../l1/deriveChain.ts'
import { BatchError } from '../l1/errors.ts'
import { fetchBlobsFromAnvil } from '../l1/fetchBlobsFromAnvil.ts'
import { fetchBlobsFromBeacon } from '../l1/fetchBlobsFromBeacon.ts'
import type { L1View } from '../l1/l1View.ts'
import { loadKzg } from '../l1/loadKzg.ts'
import { readL1Batches } from '../l1/readL1Batches.ts'
import { readStableL1 } from '../l1/readStableL1.ts'
import { readStateCommitments } from '../l1/readStateCommitments.ts'
import { parseIntegerSetting } from '../primitives/integerSetting.ts'
import { useWasmKeccak256 } from '../primitives/keccak256Wasm.node.ts'
import { useSecp256k1 } from '../primitives/recoverSender.ts'
import { loadWasmSecp256k1 } from '../primitives/secp256k1/wasm.node.ts'
import {
  type BlockOutcome,
  type ChainValidationSummary,
  validateChainOverRpc,
  witnessesOverRpc,
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
  validate --rpc URL [--from N] [--to M] [--threads T] [--min-gas-per-transaction G]
      Validates a running chain's blocks N..M (default 1..head) from JSON-RPC alone: each block
      (debug_getRawBlock) is re-executed on its execution witness (debug_executionWitness) and its
      state root recomputed. Prints each failure, then "validated N blocks: N passed, N failed".
      --threads T (2..64) re-executes in parallel on T threads, each group of transactions given
      its slice of the witness, the blocks whose transactions average at least G gas of limit
      (default ${DEFAULT_MIN_GAS_PER_TRANSACTION}, as the sequencer; 0 for every block): cheaper
      transactions cost more to coordinate than to execute. It then says how many went to threads.
  verify --l1 URL --inbox ADDRESS --commitments ADDRESS [--from N] [--to M] [--witnesses L2_URL]
         [--beacon URL] [--genesis FILE] [--l1-start BLOCK] [--l1-head latest|safe|finalized]
         [--chain-id ID] [--fork prague|cancun]
         [--min-base-fee WEI] [--block-gas-limit GAS]
      Derives the chain from L1 alone: reads every batch the inbox holds (calldata, or blobs from
      the beacon node at --beacon URL, or without it through anvil_getBlobsByTransactionHash of the
      L1 node, as on a local chain), re-executes its blocks from genesis (default
      config/genesis.dev.json) and checks each StateCommitted block hash and state root against the
      derived block. Re-execution starts at genesis (the state is needed); --from N only starts
      checking and counting at block N; --to M stops at block M. With --witnesses L2_URL it holds
      no state: it starts at the last block committed on L1 before N (or genesis), and runs each
      block on its execution witness from that node (debug_executionWitness, served from R2),
      opened under the parent's state root, so a node that serves wrong witnesses makes verify
      fail, never pass. --l1-start is the first L1
      block to read logs from (the contracts' deployment). Chain id, fork, minimum base fee and
      block gas limit (genesis's) default to the sequencer's (7077, prague, 0.001 gwei, the
      genesis file's gasLimit): pass the deployment's vars if it sets them. Prints "verified N
      blocks (a..b) from K batches: C commitments checked, all match", or the first mismatch with
      its block and what differs (exit 1). It reads L1 up to --l1-head (default latest;
      finalized for data that can no longer change). If L1 reorganises during the read (a block
      it read from is no longer canonical when it ends), it says so and reads again, up to 3 times.
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
  return parseIntegerSetting('--threads', value, { min: 1, max: MAX_VALIDATION_THREADS }, usageError)
}

/** The most --min-gas-per-transaction takes: above any block's gas limit (200,000,000 by default). */
const MAX_MIN_GAS_PER_TRANSACTION = 1_000_000_000

function minGasOption(value: string): number {
  return parseIntegerSetting(
    '--min-gas-per-transaction',
    value,
    { min: 0, max: MAX_MIN_GAS_PER_TRANSACTION },
    usageError,
  )
}

const usageError = (message: string) => new UsageError(message)

async function validate(args: string[]): Promise<number> {
  let url: string | undefined
  let from: bigint | undefined
  let to: bigint | undefined
  let threads = 1
  let minGasPerTransaction: number | undefined
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    const value = args[i + 1]
    if (arg === '--rpc' && value) url = args[++i]
    else if (arg === '--from' && value) from = blockNumberOption(args[++i]!, '--from')
    else if (arg === '--to' && value) to = blockNumberOption(args[++i]!, '--to')
    else if (arg === '--threads' && value) threads = threadsOption(args[++i]!)
    else if (arg === '--min-gas-per-transaction' && value) minGasPerTransaction = minGasOption(args[++i]!)
    else throw new UsageError(`unknown or incomplete option ${arg}`)
  }
  if (!url) throw new UsageError('validate needs --rpc URL')
  if (minGasPerTransaction !== undefined && threads === 1)
    throw new UsageError('--min-gas-per-transaction applies to --threads 2 or more')
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
    ...(minGasPerTransaction !== undefined ? { minGasPerTransaction } : {}),
    onBlock,
  }).finally(() => pool?.close())
  if (progress) process.stderr.write('\r\x1b[K')
  const seconds = ((performance.now() - started) / 1000).toFixed(1)
  const onThreads = pool ? `, ${summary.dispatched} of them on ${threads} threads` : ''
  console.log(
    `validated ${summary.validated + summary.failed} blocks (${summary.from}..${summary.to}) in ${seconds} s: ${summary.validated} passed, ${summary.failed} failed${onThreads}`,
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

/** The genesis file the sequencer is built with (workers/sequencer imports it). */
const DEFAULT_GENESIS_FILE = path.resolve(import.meta.dirname, '../../config/genesis.dev.json')
const ADDRESS_OPTION = /^0x[0-9a-fA-F]{40}$/

function addressOption(value: string, name: string): Address {
  if (!ADDRESS_OPTION.test(value)) throw new UsageError(`${name} needs an address, got ${value}`)
  return value as Address
}

async function verify(args: string[]): Promise<number> {
  let url: string | undefined
  let inbox: Address | undefined
  let commitments: Address | undefined
  let from: bigint | undefined
  let to: bigint | undefined
  let l1Start = 0n
  let witnessUrl: string | undefined
  let beaconUrl: string | undefined
  let l1Head: 'latest' | 'safe' | 'finalized' = 'latest'
  let genesisFile = DEFAULT_GENESIS_FILE
  const vars: { CHAIN_ID?: string; FORK?: string; MIN_BASE_FEE?: string; BLOCK_GAS_LIMIT?: string } = {}
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    const value = args[i + 1]
    if (value === undefined) throw new UsageError(`unknown or incomplete option ${arg}`)
    i++
    if (arg === '--l1') url = value
    else if (arg === '--inbox') inbox = addressOption(value, arg)
    else if (arg === '--commitments') commitments = addressOption(value, arg)
    else if (arg === '--from') from = blockNumberOption(value, arg)
    else if (arg === '--to') to = blockNumberOption(value, arg)
    else if (arg === '--l1-start') l1Start = blockNumberOption(value, arg)
    else if (arg === '--witnesses') witnessUrl = value
    else if (arg === '--beacon') beaconUrl = value
    else if (arg === '--l1-head') {
      if (value !== 'latest' && value !== 'safe' && value !== 'finalized')
        throw new UsageError(`--l1-head is latest, safe or finalized, got ${value}`)
      l1Head = value
    } else if (arg === '--genesis') genesisFile = value
    else if (arg === '--chain-id') vars.CHAIN_ID = value
    else if (arg === '--fork') vars.FORK = value
    else if (arg === '--min-base-fee') vars.MIN_BASE_FEE = value
    else if (arg === '--block-gas-limit') vars.BLOCK_GAS_LIMIT = value
    else throw new UsageError(`unknown option ${arg}`)
  }
  if (!url || !inbox || !commitments)
    throw new UsageError('verify needs --l1 URL, --inbox ADDRESS and --commitments ADDRESS')
  if (from !== undefined && to !== undefined && from > to)
    throw new UsageError(`--from ${from} is after --to ${to}`)
  const genesisJson = JSON.parse(readFileSync(genesisFile, 'utf8')) as GenesisFile
  let config: ReturnType<typeof parseChainConfig>
  try {
    config = parseChainConfig(vars, { blockGasLimit: BigInt(genesisJson.gasLimit) })
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  const started = performance.now()
  const client = createPublicClient({ transport: http(url) })
  // KZG is built only if a blob frame is met (~1 s).
  const kzg: Kzg = {
    blobToKzgCommitment: (blob) => loadKzg().blobToKzgCommitment(blob),
    computeBlobKzgProof: (blob, commitment) => loadKzg().computeBlobKzgProof(blob, commitment),
  }
  const fetchBlobs = beaconUrl ? fetchBlobsFromBeacon(beaconUrl, client) : fetchBlobsFromAnvil(url)
  const progress = process.stderr.isTTY
  let latest: DerivationSummary | undefined
  const onBlock = (block: DerivedBlock, summary: DerivationSummary) => {
    latest = summary
    if (progress)
      process.stderr.write(
        `\r\x1b[Kblock ${block.number}, ${summary.batches} batches, ${summary.commitmentsChecked} commitments checked`,
      )
  }
  const genesis = buildGenesisBlock(genesisJson, { fork: config.fork, blockGasLimit: config.blockGasLimit })
  // One read of L1 up to its head: batches and commitments from the same fork, or read again.
  const deriveFromL1 = async (view: L1View): Promise<DerivationSummary> => {
    const range = { fromL1Block: l1Start, toL1Block: view.head.number, view }
    const committed = await readStateCommitments(client, { commitments, ...range })
    const batches = readL1Batches(client, { inbox, chainId: config.chainId, ...range, fetchBlobs, kzg })
    let witnesses: Parameters<typeof deriveChain>[0]['witnesses']
    if (witnessUrl !== undefined) {
      // The newest commitment before --from: L1's word on that block's hash, whose header (from the
      // first witness) gives the state root everything after it is proven under.
      const base = committed.findLast((commitment) => commitment.l2BlockNumber < (from ?? 1n))
      const start = base
        ? { number: base.l2BlockNumber, hash: base.blockHash }
        : { number: 0n, hash: genesis.hash }
      witnesses = { start, witnessOf: witnessesOverRpc(witnessUrl) }
      console.log(
        `re-executing from ${base ? `committed block ${start.number}` : 'genesis'} (${start.hash}) on witnesses from ${witnessUrl}`,
      )
    }
    return deriveChain({
      genesis,
      ...(witnesses ? { witnesses } : {}),
      rules: { chainId: config.chainId, fork: config.fork, minBaseFee: config.minBaseFee },
      batches,
      commitments: committed,
      ...(from !== undefined ? { from } : {}),
      ...(to !== undefined ? { to } : {}),
      onBlock,
    })
  }
  let summary: DerivationSummary
  try {
    summary = await readStableL1(client, deriveFromL1, {
      head: l1Head,
      onReorganised: (change) => {
        if (progress) process.stderr.write('\r\x1b[K')
        console.log(`L1 reorganised during the read (${change}); reading it again`)
      },
    })
  } catch (error) {
    if (progress) process.stderr.write('\r\x1b[K')
    if (!(error instanceof DerivationError || error instanceof BatchError)) throw error
    const checked = latest
      ? `after ${latest.checkedBlocks} blocks and ${latest.commitmentsChecked} commitments checked`
      : 'before any block'
    console.log(`FAIL ${error.name}: ${error.message} (${checked})`)
    return 1
  }
  if (progress) process.stderr.write('\r\x1b[K')
  const seconds = ((performance.now() - started) / 1000).toFixed(1)
  const first = summary.from > summary.head ? summary.head : summary.from
  const ahead =
    summary.commitmentsAhead > 0 ? `; ${summary.commitmentsAhead} later commitments not reached` : ''
  if (to !== undefined && summary.head < to) {
    console.log(`FAIL L1 holds blocks up to ${summary.head}, --to asked for ${to}`)
    return 1
  }
  if (from !== undefined && summary.checkedBlocks === 0) {
    console.log(`FAIL L1 holds blocks up to ${summary.head}, nothing from --from ${from} on`)
    return 1
  }
  console.log(
    `verified ${summary.checkedBlocks} blocks (${first}..${summary.head}) from ${summary.batches} batches in ${seconds} s: ${summary.commitmentsChecked} commitments checked, all match${ahead}`,
  )
  return 0
}

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  try {
    if (command === 'statetest') return statetest(rest)
    if (command === 'validate') return await validate(rest)
    if (command === 'verify') return await verify(rest)
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
