/**
 * Ethereum's BlockchainTests (the filled JSON fixtures), Cancun, through executeBlock. For each
 * test: the pre-state must hash to the genesis state root; then every block, decoded from its RLP,
 * runs on its parent's post-state (kept by block hash, so side chains run on their own ancestors)
 * and must reproduce its header's hash, state root, transactions, receipts and withdrawals roots,
 * logs bloom, gas used and blob gas used. The state at `lastblockhash` must equal `postState`.
 *
 *   pre ──▶ genesis ──▶ block 1 ──▶ block 2 ──▶ … ──▶ head (lastblockhash) ── compare ── postState
 *                  └──▶ side block (its parent's post-state)
 */
import { readFileSync } from 'node:fs'
import type { Address, Hash, Hex } from 'viem'
import { EvmState } from '../../src/evm/evmState.ts'
import { precompilesFor } from '../../src/evm/precompiles/index.ts'
import { decodeBlock } from '../../src/execution/blockCodec.ts'
import { blockExecutionMismatches } from '../../src/execution/blockExecutionMismatches.ts'
import { type BlockHeader, hashBlockHeader } from '../../src/execution/blockHeader.ts'
import type { Fork } from '../../src/execution/chainConfig.ts'
import {
  executableBlockOf,
  executeBlock,
  type RecoveredTransaction,
} from '../../src/execution/executeBlock.ts'
import { hexToBytes } from '../../src/primitives/hex.ts'
import { recoverSender } from '../../src/primitives/recoverSender.ts'
import { decodeTransaction } from '../../src/primitives/transaction.ts'
import { computeStateRoot, type FullAccount } from '../../src/state/computeStateRoot.ts'
import { type MemoryState, memoryStateFromAlloc } from '../../src/state/memoryState.ts'

/** The fixtures are filled for chain id 1. */
const FIXTURE_CHAIN_ID = 1n
/** BLOCKHASH sees the 256 most recent ancestors (the Yellow Paper's P(h, n)). */
const BLOCKHASH_WINDOW = 256n
const FORKS: Record<string, Fork> = { Cancun: 'cancun', Prague: 'prague' }

type FixtureAccount = { balance: Hex; code: Hex; nonce: Hex; storage: Record<Hex, Hex> }
type FixtureBlock = {
  rlp: Hex
  blockHeader?: { hash: Hash }
  transactions?: { sender?: Address }[]
  expectException?: string
}
type FixtureTest = {
  network: string
  genesisBlockHeader: { hash: Hash; stateRoot: Hash }
  genesisRLP: Hex
  pre: Record<Address, FixtureAccount>
  blocks: FixtureBlock[]
  lastblockhash: Hash
  postState?: Record<Address, FixtureAccount>
  postStateHash?: Hash
}

export type BlockchainTestResult = { name: string; passed: boolean; blocks: number; message?: string }

/** A block imported on some chain: its header, hash and post-state. */
type ChainEntry = { header: BlockHeader; hash: Hash; state: MemoryState }

/** How a block is executed: executeBlock, or an executor that must give exactly what it gives. */
export type BlockExecutor = typeof executeBlock

/** Runs every test of `network` in one fixture file. */
export function runBlockchainTestFile(
  file: string,
  network = 'Cancun',
  execute: BlockExecutor = executeBlock,
): BlockchainTestResult[] {
  const fork = FORKS[network]
  if (!fork)
    throw new Error(`network ${network} is not one Velox executes (${Object.keys(FORKS).join(', ')})`)
  const tests = JSON.parse(readFileSync(file, 'utf8')) as Record<string, FixtureTest>
  const results: BlockchainTestResult[] = []
  for (const [name, test] of Object.entries(tests)) {
    if (test.network !== network) continue
    const blocks = test.blocks.length
    try {
      const message = runTest(test, fork, execute)
      results.push(message ? { name, passed: false, blocks, message } : { name, passed: true, blocks })
    } catch (error) {
      results.push({ name, passed: false, blocks, message: `crashed: ${(error as Error).stack ?? error}` })
    }
  }
  return results
}

/** Runs one test; returns what differed, or undefined when it passed. */
function runTest(test: FixtureTest, fork: Fork, execute: BlockExecutor): string | undefined {
  const pre = memoryStateFromAlloc(test.pre)
  const genesisRoot = computeStateRoot(pre.entries())
  if (genesisRoot !== test.genesisBlockHeader.stateRoot)
    return `genesis: pre-state root ${genesisRoot}, want ${test.genesisBlockHeader.stateRoot}`
  const genesis = decodeBlock(hexToBytes(test.genesisRLP)).header
  const genesisHash = hashBlockHeader(genesis)
  if (genesisHash !== test.genesisBlockHeader.hash)
    return `genesis: header hash ${genesisHash}, want ${test.genesisBlockHeader.hash}`

  const chain = new Map<Hash, ChainEntry>([[genesisHash, { header: genesis, hash: genesisHash, state: pre }]])
  for (const [index, block] of test.blocks.entries()) {
    const where = `block ${index}`
    // ValidBlocks holds none of these; a runner that does not validate headers cannot judge them.
    if (block.expectException || !block.blockHeader)
      return `${where}: an invalid block (${block.expectException ?? 'no blockHeader'}) is out of this runner's scope`
    const imported = importBlock(block, chain, fork, execute)
    if (typeof imported === 'string') return `${where}: ${imported}`
    chain.set(imported.hash, imported)
  }

  const head = chain.get(test.lastblockhash)
  if (!head) return `lastblockhash ${test.lastblockhash} is not a block of the test`
  if (test.postState) {
    const difference = stateDifference(head.state, memoryStateFromAlloc(test.postState))
    if (difference) return `post-state: ${difference}`
  } else if (test.postStateHash) {
    const root = computeStateRoot(head.state.entries())
    if (root !== test.postStateHash) return `post-state root ${root}, want ${test.postStateHash}`
  } else return 'the test has neither postState nor postStateHash'
  return undefined
}

/** Decodes, executes and checks one block; returns the imported block, or what was wrong with it. */
function importBlock(
  block: FixtureBlock,
  chain: Map<Hash, ChainEntry>,
  fork: Fork,
  execute: BlockExecutor,
): ChainEntry | string {
  const decoded = decodeBlock(hexToBytes(block.rlp))
  const { header, hash } = decoded
  if (hash !== block.blockHeader?.hash) return `header hash ${hash}, want ${block.blockHeader?.hash}`
  const parent = chain.get(header.parentHash)
  if (!parent) return `parent ${header.parentHash} is unknown`
  if (header.number !== parent.header.number + 1n)
    return `number ${header.number} does not follow its parent's ${parent.header.number}`

  const transactions: RecoveredTransaction[] = decoded.transactions.map((raw) => {
    const tx = decodeTransaction(raw)
    return { ...tx, sender: recoverSender(tx) }
  })
  for (const [i, tx] of transactions.entries()) {
    const expected = block.transactions?.[i]?.sender?.toLowerCase()
    if (expected && expected !== tx.sender) return `transaction ${i}: sender ${tx.sender}, want ${expected}`
  }

  const state = new EvmState(parent.state)
  const execution = execute(state, executableBlockOf(header, transactions, decoded.withdrawals, fork), {
    fork,
    chainId: FIXTURE_CHAIN_ID,
    precompiles: precompilesFor(fork),
    blockHash: (number) => ancestorHash(chain, parent, number),
  })
  const post = parent.state.clone()
  post.apply(state.changes())

  const differences = blockExecutionMismatches(decoded, execution).map(
    ({ field, got, want }) => `${field} ${got}, want ${want}`,
  )
  const stateRoot = computeStateRoot(post.entries())
  if (stateRoot !== header.stateRoot) differences.unshift(`stateRoot ${stateRoot}, want ${header.stateRoot}`)
  if (differences.length > 0) return `block ${header.number} (${hash}): ${differences.join('; ')}`
  return { header, hash, state: post }
}

/** BLOCKHASH: the ancestor numbered `number` on the chain ending at `parent`, 0 beyond the window. */
function ancestorHash(chain: Map<Hash, ChainEntry>, parent: ChainEntry, number: bigint): bigint {
  if (number > parent.header.number || number + BLOCKHASH_WINDOW <= parent.header.number) return 0n
  let entry: ChainEntry | undefined = parent
  while (entry && entry.header.number > number) entry = chain.get(entry.header.parentHash)
  if (!entry) throw new Error(`the chain holds no ancestor numbered ${number}`)
  return BigInt(entry.hash)
}

/** The first few accounts where two states differ, or undefined when their roots agree. */
function stateDifference(got: MemoryState, want: MemoryState): string | undefined {
  const gotRoot = computeStateRoot(got.entries())
  const wantRoot = computeStateRoot(want.entries())
  if (gotRoot === wantRoot) return undefined
  const gotAccounts = new Map(got.entries())
  const wantAccounts = new Map(want.entries())
  const differences: string[] = []
  for (const address of new Set([...gotAccounts.keys(), ...wantAccounts.keys()])) {
    const difference = accountDifference(gotAccounts.get(address), wantAccounts.get(address))
    if (difference) differences.push(`${address} ${difference}`)
  }
  return `root ${gotRoot}, want ${wantRoot}: ${differences.slice(0, 5).join('; ')}`
}

function accountDifference(got: FullAccount | undefined, want: FullAccount | undefined): string | undefined {
  if (!got) return 'is missing'
  if (!want) return 'should not exist'
  const differences: string[] = []
  if (got.nonce !== want.nonce) differences.push(`nonce ${got.nonce}, want ${want.nonce}`)
  if (got.balance !== want.balance) differences.push(`balance ${got.balance}, want ${want.balance}`)
  if (got.codeHash !== want.codeHash) differences.push(`code hash ${got.codeHash}, want ${want.codeHash}`)
  for (const slot of new Set([...got.storage.keys(), ...want.storage.keys()])) {
    const [a, b] = [got.storage.get(slot) ?? 0n, want.storage.get(slot) ?? 0n]
    if (a !== b) differences.push(`slot ${slot} = ${a}, want ${b}`)
  }
  return differences.length > 0 ? differences.join(', ') : undefined
}
