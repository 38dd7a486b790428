/**
 * `velox statetest`: runs Ethereum's GeneralStateTests (the filled JSON fixtures) through Velox's
 * EVM, as geth's `evm statetest` does. For every (data, gas, value) index of the chosen fork it
 * applies the transaction to the fixture's pre-state, then compares the post-state root and the
 * logs hash with the fixture's, and whether the transaction was valid with whether it expected an
 * exception.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import type { Address, Hex } from 'viem'
import type { BlockContext, Fork } from '../evm/evm.ts'
import { EvmState, type Log } from '../evm/evmState.ts'
import { precompilesFor } from '../evm/precompiles/index.ts'
import { blobBaseFee } from '../execution/blobBaseFee.ts'
import { InvalidTransactionError } from '../execution/executableTransaction.ts'
import { AccessPredictor } from '../execution/parallel/accessPredictor.ts'
import { executeGroup } from '../execution/parallel/executeGroup.ts'
import { applyOutcome, DeferredFees, emptyPartitionStats } from '../execution/parallel/executePartitioned.ts'
import { emptyPreStateSlice } from '../execution/parallel/preStateSlice.ts'
import { type EvmTransaction, processTransaction } from '../execution/processTransaction.ts'
import { bytesToHex, hexToBytes } from '../primitives/hex.ts'
import { keccak256 } from '../primitives/keccak256.ts'
import { encodeRlp } from '../primitives/rlp.ts'
import { computeStateRoot } from '../state/computeStateRoot.ts'
import { type MemoryState, memoryStateFromAlloc } from '../state/memoryState.ts'

/** The fixture's fork names that Velox executes. */
const FORKS: Record<string, Fork> = { Cancun: 'cancun', Prague: 'prague' }

type FixtureAccount = { balance: Hex; code: Hex; nonce: Hex; storage: Record<Hex, Hex> }
type FixtureTransaction = {
  data: Hex[]
  gasLimit: Hex[]
  value: Hex[]
  nonce: Hex
  to: Hex | ''
  sender: Address
  gasPrice?: Hex
  maxFeePerGas?: Hex
  maxPriorityFeePerGas?: Hex
  accessLists?: ({ address: Address; storageKeys: Hex[] }[] | null)[]
  maxFeePerBlobGas?: Hex
  blobVersionedHashes?: Hex[]
  authorizationList?: FixtureAuthorization[]
}
type FixtureAuthorization = { chainId: Hex; address: Address; nonce: Hex; v: Hex; r: Hex; s: Hex }
type FixturePost = {
  hash: Hex
  logs: Hex
  indexes: { data: number; gas: number; value: number }
  expectException?: string
}
type FixtureTest = {
  env: {
    currentBaseFee?: Hex
    currentCoinbase: Address
    currentGasLimit: Hex
    currentNumber: Hex
    currentRandom?: Hex
    currentTimestamp: Hex
    currentExcessBlobGas?: Hex
  }
  pre: Record<Address, FixtureAccount>
  transaction: FixtureTransaction
  post: Record<string, FixturePost[]>
}

export type StateTestResult = {
  file: string
  name: string
  fork: string
  indexes: { data: number; gas: number; value: number }
  passed: boolean
  /** What differed, for a failure. */
  message?: string
  /** The parallel executor's result was applied (not re-run serially). */
  viaExecutor?: boolean
}

/** Every .json file under the given files and folders, sorted, so runs are reproducible. */
export function collectFixtureFiles(paths: string[]): string[] {
  const files: string[] = []
  const visit = (entry: string) => {
    if (statSync(entry).isDirectory()) {
      for (const child of readdirSync(entry).sort()) visit(path.join(entry, child))
    } else if (entry.endsWith('.json')) files.push(entry)
  }
  for (const entry of paths) visit(entry)
  return files
}

/**
 * How a case's transaction runs: processTransaction on the pre-state, or as parallel execution's
 * executor runs it (executeGroup, handed the whole pre-state as its slice) with the coordinator
 * applying its result, which must leave exactly the same state.
 */
export type StateTestExecutor = 'serial' | 'parallel'

/** Runs every case of `forkName` in one fixture file. */
export function runStateTestFile(
  file: string,
  forkName = 'Cancun',
  executor: StateTestExecutor = 'serial',
): StateTestResult[] {
  const fork = FORKS[forkName]
  if (!fork) throw new Error(`fork ${forkName} is not one Velox executes (${Object.keys(FORKS).join(', ')})`)
  const tests = JSON.parse(readFileSync(file, 'utf8')) as Record<string, FixtureTest>
  const results: StateTestResult[] = []
  for (const [name, test] of Object.entries(tests)) {
    const posts = test.post[forkName] ?? []
    const pre = memoryStateFromAlloc(test.pre)
    for (const post of posts) {
      const result = { file, name, fork: forkName, indexes: post.indexes }
      try {
        const { message, viaExecutor } = runCase(test, post, fork, pre, executor)
        results.push(
          message
            ? { ...result, passed: false, message, viaExecutor }
            : { ...result, passed: true, viaExecutor },
        )
      } catch (error) {
        results.push({ ...result, passed: false, message: `crashed: ${(error as Error).stack ?? error}` })
      }
    }
  }
  return results
}

/** Runs one case; its message says what differed, and is undefined when it passed. */
function runCase(
  test: FixtureTest,
  post: FixturePost,
  fork: Fork,
  pre: MemoryState,
  executor: StateTestExecutor,
): { message: string | undefined; viaExecutor: boolean } {
  const block = blockContextOf(test, fork)
  const tx = transactionOf(test.transaction, post.indexes)
  const state = new EvmState(pre)
  const viaExecutor = executor === 'parallel' && applyAsExecutor(state, tx, block, fork, pre)
  let logs: Log[] = viaExecutor ? viaExecutor.logs : []
  let rejection: string | undefined
  if (!viaExecutor)
    try {
      logs = processTransaction(state, tx, {
        fork,
        block,
        precompiles: precompilesFor(fork),
        blockGasAvailable: block.gasLimit,
      }).logs
    } catch (error) {
      if (!(error instanceof InvalidTransactionError)) throw error
      rejection = error.message
    }
  // As geth's runner: a zero reward touches the coinbase, so an empty one is deleted.
  state.beginTransaction()
  state.touch(block.coinbase)
  state.finalizeTransaction()

  const applied = viaExecutor !== false
  const fail = (message: string) => ({ message, viaExecutor: applied })
  if (post.expectException && rejection === undefined)
    return fail(`expected the transaction to be invalid (${post.expectException}), but it was applied`)
  if (!post.expectException && rejection !== undefined) return fail(`transaction rejected: ${rejection}`)
  const postState = pre.clone()
  postState.apply(state.changes())
  const root = computeStateRoot(postState.entries())
  const logsHash = bytesToHex(keccak256(encodeLogs(logs)))
  const differences: string[] = []
  if (root !== post.hash) differences.push(`state root ${root}, want ${post.hash}`)
  if (logsHash !== post.logs) differences.push(`logs hash ${logsHash}, want ${post.logs}`)
  return { message: differences.length > 0 ? differences.join('; ') : undefined, viaExecutor: applied }
}

/**
 * The transaction as parallel execution runs it: executeGroup over the whole pre-state as a complete
 * slice (with the 256 block hashes BLOCKHASH may ask), its outcome applied by the coordinator's
 * applyOutcome. False when the executor left it to serial execution (an invalid transaction).
 */
function applyAsExecutor(
  state: EvmState,
  tx: EvmTransaction,
  block: BlockContext,
  fork: Fork,
  pre: MemoryState,
): { logs: Log[] } | false {
  const slice = emptyPreStateSlice()
  slice.complete = true
  for (const [address, account] of pre.entries()) {
    const { storage, ...fields } = account
    slice.accounts.set(address, fields)
    slice.storage.set(address, new Map(storage))
    slice.storagePresence.set(address, storage.size > 0)
    const code = pre.getCode(fields.codeHash)
    if (code) slice.codes.set(fields.codeHash, code)
  }
  for (let back = 1n; back <= 256n && back <= block.number; back++)
    slice.blockHashes.set(block.number - back, block.blockHash(block.number - back))
  const { blockHash: _, ...blockFields } = block
  const { outcomes } = executeGroup({
    fork,
    block: blockFields,
    indexes: [0],
    transactions: [tx],
    preState: slice,
    // Transaction by transaction: what applyOutcome validates and applies.
    whole: false,
  })
  const fees = new DeferredFees(block.coinbase)
  const receipt = applyOutcome(
    state,
    state.preStateReader(),
    outcomes[0],
    fees,
    { predictor: new AccessPredictor() },
    emptyPartitionStats(),
  )
  if (!receipt) return false
  fees.credit(state)
  return { logs: receipt.logs }
}

function blockContextOf(test: FixtureTest, fork: Fork): BlockContext {
  const env = test.env
  return {
    number: BigInt(env.currentNumber),
    timestamp: BigInt(env.currentTimestamp),
    coinbase: env.currentCoinbase.toLowerCase() as Address,
    gasLimit: BigInt(env.currentGasLimit),
    baseFeePerGas: BigInt(env.currentBaseFee ?? '0x0'),
    prevRandao: BigInt(env.currentRandom ?? '0x0'),
    blobBaseFee: blobBaseFee(BigInt(env.currentExcessBlobGas ?? '0x0'), fork),
    chainId: 1n,
    // The fixtures were filled with geth's test block hashes: keccak256 of the number in decimal.
    blockHash: (number) => BigInt(bytesToHex(keccak256(new TextEncoder().encode(number.toString())))),
  }
}

/** Fixture numbers; retesteth writes values too large for their field as "0x:bigint 0x…". */
function quantity(value: string): bigint {
  return BigInt(value.startsWith('0x:bigint ') ? value.slice('0x:bigint '.length) : value)
}

function transactionOf(fixture: FixtureTransaction, indexes: FixturePost['indexes']): EvmTransaction {
  const accessList = fixture.accessLists?.[indexes.data]
  const blobHashes = fixture.blobVersionedHashes
  const type = blobHashes ? 3 : fixture.authorizationList ? 4 : fixture.maxFeePerGas ? 2 : accessList ? 1 : 0
  const maxFeePerGas = quantity(fixture.maxFeePerGas ?? fixture.gasPrice ?? '0x0')
  return {
    type,
    sender: fixture.sender.toLowerCase() as Address,
    to: fixture.to === '' ? null : (fixture.to.toLowerCase() as Address),
    nonce: quantity(fixture.nonce),
    gasLimit: quantity(fixture.gasLimit[indexes.gas]!),
    value: quantity(fixture.value[indexes.value]!),
    data: hexToBytes(fixture.data[indexes.data]!),
    maxFeePerGas,
    maxPriorityFeePerGas: quantity(fixture.maxPriorityFeePerGas ?? fixture.gasPrice ?? '0x0'),
    accessList: (accessList ?? []).map((entry) => ({
      address: entry.address.toLowerCase() as Address,
      storageKeys: entry.storageKeys,
    })),
    maxFeePerBlobGas: quantity(fixture.maxFeePerBlobGas ?? '0x0'),
    blobVersionedHashes: blobHashes ?? [],
    authorizationList: (fixture.authorizationList ?? []).map((authorization) => ({
      chainId: quantity(authorization.chainId),
      address: authorization.address.toLowerCase() as Address,
      nonce: quantity(authorization.nonce),
      yParity: Number(quantity(authorization.v)),
      r: quantity(authorization.r),
      s: quantity(authorization.s),
    })),
  }
}

/** rlp([[address, [topics…], data], …]), whose keccak256 the fixtures give as `logs`. */
function encodeLogs(logs: Log[]): Uint8Array {
  return encodeRlp(
    logs.map((log) => [
      hexToBytes(log.address),
      log.topics.map((topic) => hexToBytes(`0x${topic.toString(16).padStart(64, '0')}`)),
      log.data,
    ]),
  )
}
