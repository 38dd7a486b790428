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
import { blobBaseFee } from '../../src/execution/blobBaseFee.ts'
import { type BlockHeader, EMPTY_OMMERS_HASH, hashBlockHeader } from '../../src/execution/blockHeader.ts'
import type { Fork } from '../../src/execution/chainConfig.ts'
import {
  type ExecutableBlock,
  executeBlock,
  type RecoveredTransaction,
  type Withdrawal,
} from '../../src/execution/executeBlock.ts'
import { encodeReceipt, receiptBloom } from '../../src/execution/receipt.ts'
import { bytesToBigInt, bytesToHex, hexToBytes } from '../../src/primitives/hex.ts'
import { recoverSender } from '../../src/primitives/recoverSender.ts'
import { decodeRlp, encodeRlp, type RlpItem } from '../../src/primitives/rlp.ts'
import { decodeTransaction } from '../../src/primitives/transaction.ts'
import { computeStateRoot, type FullAccount } from '../../src/state/computeStateRoot.ts'
import { type MemoryState, memoryStateFromAlloc } from '../../src/state/memoryState.ts'
import { orderedTrieRoot } from '../../src/state/trie/orderedTrieRoot.ts'

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

/** Runs every test of `network` in one fixture file. */
export function runBlockchainTestFile(file: string, network = 'Cancun'): BlockchainTestResult[] {
  const fork = FORKS[network]
  if (!fork)
    throw new Error(`network ${network} is not one Velox executes (${Object.keys(FORKS).join(', ')})`)
  const tests = JSON.parse(readFileSync(file, 'utf8')) as Record<string, FixtureTest>
  const results: BlockchainTestResult[] = []
  for (const [name, test] of Object.entries(tests)) {
    if (test.network !== network) continue
    const blocks = test.blocks.length
    try {
      const message = runTest(test, fork)
      results.push(message ? { name, passed: false, blocks, message } : { name, passed: true, blocks })
    } catch (error) {
      results.push({ name, passed: false, blocks, message: `crashed: ${(error as Error).stack ?? error}` })
    }
  }
  return results
}

/** Runs one test; returns what differed, or undefined when it passed. */
function runTest(test: FixtureTest, fork: Fork): string | undefined {
  const pre = memoryStateFromAlloc(test.pre)
  const genesisRoot = computeStateRoot(pre.entries())
  if (genesisRoot !== test.genesisBlockHeader.stateRoot)
    return `genesis: pre-state root ${genesisRoot}, want ${test.genesisBlockHeader.stateRoot}`
  const [genesisItem] = list(decodeRlp(hexToBytes(test.genesisRLP)), 'genesis block')
  const genesis = headerOf(genesisItem)
  const genesisHash = hashBlockHeader(genesis)
  if (genesisHash !== test.genesisBlockHeader.hash)
    return `genesis: header hash ${genesisHash}, want ${test.genesisBlockHeader.hash}`

  const chain = new Map<Hash, ChainEntry>([[genesisHash, { header: genesis, hash: genesisHash, state: pre }]])
  for (const [index, block] of test.blocks.entries()) {
    const where = `block ${index}`
    // ValidBlocks holds none of these; a runner that does not validate headers cannot judge them.
    if (block.expectException || !block.blockHeader)
      return `${where}: an invalid block (${block.expectException ?? 'no blockHeader'}) is out of this runner's scope`
    const imported = importBlock(block, chain, fork)
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
function importBlock(block: FixtureBlock, chain: Map<Hash, ChainEntry>, fork: Fork): ChainEntry | string {
  const [headerItem, transactionItems, ommerItems, withdrawalItems] = list(
    decodeRlp(hexToBytes(block.rlp)),
    'block',
  )
  const header = headerOf(headerItem)
  const hash = hashBlockHeader(header)
  if (hash !== block.blockHeader?.hash) return `header hash ${hash}, want ${block.blockHeader?.hash}`
  const parent = chain.get(header.parentHash)
  if (!parent) return `parent ${header.parentHash} is unknown`
  if (header.number !== parent.header.number + 1n)
    return `number ${header.number} does not follow its parent's ${parent.header.number}`
  if (list(ommerItems, 'ommers').length > 0 || header.ommersHash !== EMPTY_OMMERS_HASH)
    return 'a post-merge block has ommers'

  const raws = list(transactionItems, 'transactions').map((item) =>
    // Typed transactions are byte strings in the body, legacy ones the RLP lists they are.
    item instanceof Uint8Array ? item : encodeRlp(item),
  )
  const transactions: RecoveredTransaction[] = raws.map((raw) => {
    const tx = decodeTransaction(raw)
    return { ...tx, sender: recoverSender(tx) }
  })
  for (const [i, tx] of transactions.entries()) {
    const expected = block.transactions?.[i]?.sender?.toLowerCase()
    if (expected && expected !== tx.sender) return `transaction ${i}: sender ${tx.sender}, want ${expected}`
  }
  const withdrawalRlps = list(withdrawalItems, 'withdrawals')
  const withdrawals = withdrawalRlps.map(withdrawalOf)

  const executable: ExecutableBlock = {
    number: header.number,
    parentHash: header.parentHash,
    timestamp: header.timestamp,
    coinbase: header.coinbase,
    gasLimit: header.gasLimit,
    baseFeePerGas: header.baseFeePerGas,
    prevRandao: header.mixHash,
    blobBaseFee: blobBaseFee(header.excessBlobGas, fork),
    parentBeaconBlockRoot: header.parentBeaconBlockRoot,
    transactions,
    withdrawals,
  }
  const state = new EvmState(parent.state)
  const execution = executeBlock(state, executable, {
    fork,
    chainId: FIXTURE_CHAIN_ID,
    precompiles: precompilesFor(fork),
    blockHash: (number) => ancestorHash(chain, parent, number),
  })
  const post = parent.state.clone()
  post.apply(state.changes())

  const bloom = new Uint8Array(256)
  for (const executed of execution.executed) {
    const own = receiptBloom(executed.logs)
    for (let i = 0; i < bloom.length; i++) bloom[i]! |= own[i]!
  }
  const computed: [field: string, got: Hex | bigint, want: Hex | bigint][] = [
    ['stateRoot', computeStateRoot(post.entries()), header.stateRoot],
    ['transactionsRoot', bytesToHex(orderedTrieRoot(raws)), header.transactionsRoot],
    ['receiptsRoot', bytesToHex(orderedTrieRoot(execution.executed.map(encodeReceipt))), header.receiptsRoot],
    [
      'withdrawalsRoot',
      bytesToHex(orderedTrieRoot(withdrawalRlps.map((item) => encodeRlp(item)))),
      header.withdrawalsRoot,
    ],
    ['logsBloom', bytesToHex(bloom), header.logsBloom],
    ['gasUsed', execution.gasUsed, header.gasUsed],
    ['blobGasUsed', execution.blobGasUsed, header.blobGasUsed],
  ]
  const differences = computed
    .filter(([, got, want]) => got !== want)
    .map(([field, got, want]) => `${field} ${got}, want ${want}`)
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

function list(item: RlpItem | undefined, what: string): RlpItem[] {
  if (!Array.isArray(item)) throw new Error(`${what}: expected an RLP list`)
  return item
}

function bytes(item: RlpItem | undefined, what: string): Uint8Array {
  if (!(item instanceof Uint8Array)) throw new Error(`${what}: expected an RLP string`)
  return item
}

/** BlockHeader's fields are Cancun's 20 and Prague's requestsHash: a header with others is refused. */
function headerOf(item: RlpItem | undefined): BlockHeader {
  const fields = list(item, 'header')
  if (fields.length !== 20 && fields.length !== 21)
    throw new Error(`a header of ${fields.length} fields: BlockHeader holds 20 (Cancun) or 21 (Prague)`)
  const hex = (index: number) => bytesToHex(bytes(fields[index], `header field ${index}`))
  const uint = (index: number) => bytesToBigInt(bytes(fields[index], `header field ${index}`))
  return {
    parentHash: hex(0),
    ommersHash: hex(1),
    coinbase: hex(2),
    stateRoot: hex(3),
    transactionsRoot: hex(4),
    receiptsRoot: hex(5),
    logsBloom: hex(6),
    difficulty: uint(7),
    number: uint(8),
    gasLimit: uint(9),
    gasUsed: uint(10),
    timestamp: uint(11),
    extraData: hex(12),
    mixHash: hex(13),
    nonce: hex(14),
    baseFeePerGas: uint(15),
    withdrawalsRoot: hex(16),
    blobGasUsed: uint(17),
    excessBlobGas: uint(18),
    parentBeaconBlockRoot: hex(19),
    requestsHash: fields.length === 21 ? hex(20) : undefined,
  }
}

/** EIP-4895: rlp([index, validatorIndex, address, amount]). */
function withdrawalOf(item: RlpItem): Withdrawal {
  const [index, validatorIndex, address, amount] = list(item, 'withdrawal')
  return {
    index: bytesToBigInt(bytes(index, 'withdrawal index')),
    validatorIndex: bytesToBigInt(bytes(validatorIndex, 'withdrawal validatorIndex')),
    address: bytesToHex(bytes(address, 'withdrawal address')),
    amount: bytesToBigInt(bytes(amount, 'withdrawal amount')),
  }
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
