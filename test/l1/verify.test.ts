/**
 * Derivation and `velox verify` on a real L1 (anvil, Prague): a chain of executed blocks is built
 * here the way the sequencer seals them (its openNextBlock rules, executeBlock, a whole-state root
 * from computeStateRoot rather than derivation's incremental trie, assembleBlock), its batches are
 * posted to BatchInbox as calldata and blobs and its roots to StateCommitments; then derivation from
 * L1 alone must give every block's hash and root, and a tampered commitment, a tampered batch, a
 * batch that does not continue the chain and a gap must each stop it, naming the block.
 */
import { execFile } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { promisify } from 'node:util'
import {
  type Abi,
  type Address,
  blobsToCommitments,
  createPublicClient,
  createWalletClient,
  type Hash,
  type Hex,
  http,
  type PublicClient,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Anvil, startAnvil } from '../../bench/evm/anvil.ts'
import genesisJson from '../../config/genesis.dev.json' with { type: 'json' }
import BatchInboxArtifact from '../../contracts/artifacts/BatchInbox.json' with { type: 'json' }
import StateCommitmentsArtifact from '../../contracts/artifacts/StateCommitments.json' with { type: 'json' }
import { EvmState } from '../../src/evm/evmState.ts'
import { precompilesFor } from '../../src/evm/precompiles/index.ts'
import { assembleBlock, type OpenBlock } from '../../src/execution/assembleBlock.ts'
import { blobBaseFee } from '../../src/execution/blobBaseFee.ts'
import { type BlockHeader, headerFieldsForFork, ZERO_HASH } from '../../src/execution/blockHeader.ts'
import { calcNextBaseFee } from '../../src/execution/calcNextBaseFee.ts'
import { DEFAULT_MIN_BASE_FEE } from '../../src/execution/chainConfig.ts'
import { executeBlock } from '../../src/execution/executeBlock.ts'
import { MemoryAddressRegistry } from '../../src/l1/addressRegistry.ts'
import { CHAIN_ID } from '../../src/l1/batchFixture.ts'
import type { BatchBlock } from '../../src/l1/batchFormat.ts'
import { buildGenesisBlock } from '../../src/l1/buildGenesisBlock.ts'
import {
  ChainDiscontinuityError,
  CommitmentMismatchError,
  L1DataError,
} from '../../src/l1/derivationErrors.ts'
import type { DerivedBlock } from '../../src/l1/deriveBlock.ts'
import { type DerivationSummary, deriveChain } from '../../src/l1/deriveChain.ts'
import { type DataSource, encodeBatchForL1 } from '../../src/l1/encodeBatchForL1.ts'
import { fetchBlobsFromAnvil } from '../../src/l1/fetchBlobsFromAnvil.ts'
import { fetchBlobsFromBeacon } from '../../src/l1/fetchBlobsFromBeacon.ts'
import type { L1View } from '../../src/l1/l1View.ts'
import { loadKzg } from '../../src/l1/loadKzg.ts'
import { postBatch } from '../../src/l1/postBatch.ts'
import { type FetchBlobs, readL1Batches } from '../../src/l1/readL1Batches.ts'
import { readStableL1 } from '../../src/l1/readStableL1.ts'
import { readStateCommitments } from '../../src/l1/readStateCommitments.ts'
import { bytesToHex, hexToBytes } from '../../src/primitives/hex.ts'
import { keccak256 } from '../../src/primitives/keccak256.ts'
import { decodeTransaction } from '../../src/primitives/transaction.ts'
import { computeStateRoot } from '../../src/state/computeStateRoot.ts'
import { MemoryState } from '../../src/state/memoryState.ts'

const ROOT = path.resolve(import.meta.dirname, '../..')
/** anvil's (and genesis.dev.json's) first three development keys: L2 users; the first also posts on L1. */
const users = [
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
].map((key) => privateKeyToAccount(key as Hex))
const batcher = users[0]!
const FEE_RECIPIENT: Address = '0x00000000000000000000000000000000000fee00'
const OTHER_COINBASE: Address = '0x0000000000000000000000000000000000c0b5e0'
const FRESH_ACCOUNT: Address = '0x000000000000000000000000000000000000dead'
const FIRST_TIMESTAMP = 1_750_000_000n
/**
 * The probe contract's runtime stores what derivation must rebuild per block:
 * slot 0 = BLOCKHASH(NUMBER − 1), 1 = TIMESTAMP, 2 = PREVRANDAO, 3 = BASEFEE, 4 = COINBASE.
 */
const PROBE_RUNTIME = '600143034060005542600155446002554860035541600455' + '00'
const PROBE_INIT = `0x6019600c60003960196000f3${PROBE_RUNTIME}` as Hex

type Call = { user: number; to: Address | 'probe' | null; value?: bigint; data?: Hex; gas: bigint }
type Spec = { miniBlocks: Call[][]; coinbase?: Address }
type BuiltBlock = BatchBlock & { hash: Hash }
type BuiltChain = { genesisHash: Hash; blocks: BuiltBlock[]; probe: Address; state: MemoryState }

const transfer = (user: number, to: Address, value: bigint): Call => ({ user, to, value, gas: 21_000n })
const probeCall = (user: number): Call => ({ user, to: 'probe', gas: 200_000n })

/** Blocks 1..8: a creation, calls that record header fields, transfers, an empty block, two coinbases. */
function chainSpecs(block3Value: bigint): Spec[] {
  const [a, b, c] = users.map((user) => user.address)
  return [
    { miniBlocks: [[{ user: 0, to: null, data: PROBE_INIT, gas: 200_000n }], [transfer(1, c!, 10n ** 18n)]] },
    { miniBlocks: [[probeCall(1)], [transfer(0, c!, 123n), transfer(2, a!, 5n)]] },
    { miniBlocks: [[transfer(2, b!, block3Value), probeCall(0)]] },
    { miniBlocks: [] },
    { miniBlocks: [[probeCall(2)], [transfer(0, FRESH_ACCOUNT, 7n)]] },
    { miniBlocks: [[transfer(1, a!, 10n ** 15n)]] },
    { miniBlocks: [[probeCall(0)]] },
    { miniBlocks: [[probeCall(1), transfer(2, a!, 1n)]], coinbase: OTHER_COINBASE },
  ]
}

/**
 * The chain as the sequencer would seal it (workers/sequencer/sequencer.ts writeGenesis,
 * openNextBlock, sealBlock), written out here apart from derivation's code.
 */
async function buildChain(specs: readonly Spec[]): Promise<BuiltChain> {
  const state = new MemoryState()
  for (const [address, { balance }] of Object.entries(genesisJson.alloc))
    state.setAccount(address as Address, { balance: BigInt(balance) })
  const genesis = assembleBlock(
    {
      number: 0n,
      parentHash: ZERO_HASH,
      timestamp: BigInt(genesisJson.timestamp),
      baseFeePerGas: BigInt(genesisJson.baseFeePerGas),
      gasLimit: BigInt(genesisJson.gasLimit),
      coinbase: '0x0000000000000000000000000000000000000000',
      prevRandao: ZERO_HASH,
      extraData: genesisJson.extraData as Hex,
      ...headerFieldsForFork('prague'),
    },
    [],
    computeStateRoot(state.entries()),
  )
  const hashes: Hash[] = [genesis.hash]
  const nonces = users.map(() => 0)
  let probe: Address | undefined
  let parent: { header: BlockHeader; hash: Hash } = genesis
  const blocks: BuiltBlock[] = []
  for (const [i, spec] of specs.entries()) {
    const open: OpenBlock = {
      number: parent.header.number + 1n,
      parentHash: parent.hash,
      timestamp: FIRST_TIMESTAMP + BigInt(i),
      baseFeePerGas: calcNextBaseFee({ ...parent.header, minBaseFee: DEFAULT_MIN_BASE_FEE }),
      gasLimit: BigInt(genesisJson.gasLimit),
      coinbase: spec.coinbase ?? FEE_RECIPIENT,
      prevRandao: bytesToHex(keccak256(new TextEncoder().encode(`velox-prevrandao:${parent.hash}`))),
      extraData: '0x',
      ...headerFieldsForFork('prague'),
    }
    const miniBlocks: Uint8Array[][] = []
    // The sender is the signer the spec names, not one recovered here.
    const senders: Address[] = []
    for (const calls of spec.miniBlocks) {
      const raws: Uint8Array[] = []
      for (const call of calls) {
        const user = users[call.user]!
        const signed = await user.signTransaction({
          type: 'eip1559',
          chainId: Number(CHAIN_ID),
          nonce: nonces[call.user]!++,
          maxFeePerGas: 2_000_000_000n,
          maxPriorityFeePerGas: 1_000n,
          gas: call.gas,
          to: call.to === 'probe' ? probe! : call.to,
          value: call.value ?? 0n,
          data: call.data ?? '0x',
        })
        raws.push(hexToBytes(signed))
        senders.push(user.address.toLowerCase() as Address)
      }
      miniBlocks.push(raws)
    }
    const raws = miniBlocks.flat()
    const transactions = raws.map((raw, i) => ({ ...decodeTransaction(raw), sender: senders[i]! }))
    const evmState = new EvmState(state)
    const execution = executeBlock(
      evmState,
      {
        ...open,
        blobBaseFee: blobBaseFee(0n, 'prague'),
        parentBeaconBlockRoot: ZERO_HASH,
        transactions,
        withdrawals: [],
      },
      {
        fork: 'prague',
        chainId: CHAIN_ID,
        precompiles: precompilesFor('prague'),
        blockHash: (number) => BigInt(hashes[Number(number)]!),
      },
    )
    expect(execution.executed.map((tx) => tx.status)).toEqual(raws.map(() => 1))
    probe ??= execution.executed[0]?.contractAddress ?? undefined
    state.apply(evmState.changes())
    const sealed = assembleBlock(
      open,
      raws.map((raw, i) => ({ raw, executed: execution.executed[i]! })),
      computeStateRoot(state.entries()),
    )
    hashes.push(sealed.hash)
    blocks.push({ header: sealed.header, miniBlocks, hash: sealed.hash })
    parent = sealed
  }
  return { genesisHash: genesis.hash, blocks, probe: probe!, state }
}

let anvil: Anvil
let publicClient: PublicClient
let honest: BuiltChain
let tampered: BuiltChain
const wallet = () => createWalletClient({ account: batcher, chain: foundry, transport: http(anvil.url) })

async function deploy(artifact: { abi: unknown; bytecode: string }, args: unknown[]): Promise<Address> {
  const hash = await wallet().deployContract({
    abi: artifact.abi as Abi,
    bytecode: artifact.bytecode as Hex,
    args,
  })
  const receipt = await publicClient.waitForTransactionReceipt({ hash })
  if (!receipt.contractAddress) throw new Error('deployment failed')
  return receipt.contractAddress
}

const deployInbox = (firstBlock = 1n) => deploy(BatchInboxArtifact, [batcher.address, firstBlock])
const deployCommitments = (inbox: Address) =>
  deploy(StateCommitmentsArtifact, [batcher.address, inbox, 3600n])

/** Each inbox's address registry, as the batches posted to it built it. */
const registries = new Map<Address, MemoryAddressRegistry>()

async function post(inbox: Address, blocks: readonly BatchBlock[], source: DataSource): Promise<void> {
  let registry = registries.get(inbox)
  if (!registry) registries.set(inbox, (registry = new MemoryAddressRegistry()))
  const batch = encodeBatchForL1(blocks, { chainId: CHAIN_ID, source, registry })
  await postBatch(wallet(), { inbox, batch, kzg: loadKzg() })
  registry.append(batch.newAddresses)
}

async function commit(commitments: Address, number: bigint, blockHash: Hash, stateRoot: Hash): Promise<void> {
  const hash = await wallet().writeContract({
    address: commitments,
    abi: StateCommitmentsArtifact.abi as Abi,
    functionName: 'commit',
    args: [number, blockHash, stateRoot],
  })
  const receipt = await publicClient.waitForTransactionReceipt({ hash })
  if (receipt.status !== 'success') throw new Error(`commit of block ${number} reverted`)
}

/** Posts blocks 1..3 as calldata, 4..6 as blobs, 7..8 as calldata. */
async function postChain(inbox: Address, blocks: readonly BuiltBlock[]): Promise<void> {
  await post(inbox, blocks.slice(0, 3), 'calldata')
  await post(inbox, blocks.slice(3, 6), 'blobs')
  await post(inbox, blocks.slice(6, 8), 'calldata')
}

const commitOf = (commitments: Address, chain: BuiltChain, number: number) =>
  commit(
    commitments,
    BigInt(number),
    chain.blocks[number - 1]!.hash,
    chain.blocks[number - 1]!.header.stateRoot,
  )

/** Derivation from L1 alone, with getLogs pages of 3 L1 blocks (so that paging is exercised). */
async function verifyOnL1(
  contracts: { inbox: Address; commitments: Address },
  options: {
    from?: bigint
    to?: bigint
    fetchBlobs?: FetchBlobs
    derived?: DerivedBlock[]
    view?: L1View
  } = {},
): Promise<DerivationSummary> {
  // Not viem's cached head (4 s): the posts just made must be in range.
  const toL1Block = options.view?.head.number ?? (await publicClient.getBlockNumber({ cacheTime: 0 }))
  const view = options.view ? { view: options.view } : {}
  const range = { fromL1Block: 0n, toL1Block, blockRange: 3n, ...view }
  return deriveChain({
    genesis: buildGenesisBlock(genesisJson, { fork: 'prague', blockGasLimit: BigInt(genesisJson.gasLimit) }),
    rules: { chainId: CHAIN_ID, fork: 'prague', minBaseFee: DEFAULT_MIN_BASE_FEE },
    batches: readL1Batches(publicClient, {
      inbox: contracts.inbox,
      chainId: CHAIN_ID,
      ...range,
      fetchBlobs: options.fetchBlobs ?? fetchBlobsFromAnvil(anvil.url),
      kzg: loadKzg(),
    }),
    commitments: await readStateCommitments(publicClient, { commitments: contracts.commitments, ...range }),
    ...(options.from !== undefined ? { from: options.from } : {}),
    ...(options.to !== undefined ? { to: options.to } : {}),
    onBlock: (block) => options.derived?.push(block),
  })
}

/**
 * A beacon node in front of anvil, answering the Beacon API as the spec has it: genesis_time 0 and
 * 1-second slots, so an L1 block's slot is its timestamp; the blobs of a slot are those of its
 * block's type-3 transactions, in order. `api` is what it serves: `/blobs` (Fulu on), or only the
 * older `/blob_sidecars` (`/blobs` answers 404).
 */
async function startBeacon(
  api: 'blobs' | 'blob_sidecars',
): Promise<{ url: string; server: Server; requests: string[] }> {
  const requests: string[] = []
  const blobsOfSlot = async (slot: bigint) => {
    const head = await publicClient.getBlockNumber({ cacheTime: 0 })
    for (let number = 0n; number <= head; number++) {
      const block = await publicClient.getBlock({ blockNumber: number, includeTransactions: true })
      if (block.timestamp !== slot) continue
      const blobs: { blob: Hex; versionedHash: Hash }[] = []
      for (const tx of block.transactions) {
        if (tx.type !== 'eip4844') continue
        const answer = await fetchBlobsFromAnvil(anvil.url)({
          hash: tx.hash,
          l1BlockNumber: number,
          blobVersionedHashes: tx.blobVersionedHashes,
        })
        for (const [i, blob] of answer.entries())
          blobs.push({ blob: bytesToHex(blob), versionedHash: tx.blobVersionedHashes[i]! })
      }
      return blobs
    }
    return undefined
  }
  const server = createServer(async (request, response) => {
    requests.push(request.url!)
    const url = new URL(request.url!, 'http://beacon')
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' })
      response.end(JSON.stringify(body))
    }
    if (url.pathname === '/eth/v1/beacon/genesis') return reply(200, { data: { genesis_time: '0' } })
    if (url.pathname === '/eth/v1/config/spec') return reply(200, { data: { SECONDS_PER_SLOT: '1' } })
    const match = url.pathname.match(/^\/eth\/v1\/beacon\/(blobs|blob_sidecars)\/([0-9]+)$/)
    if (!match || match[1] !== api) return reply(404, { code: 404, message: 'NOT_FOUND: route' })
    const blobs = await blobsOfSlot(BigInt(match[2]!))
    if (!blobs) return reply(404, { code: 404, message: 'Block not found' })
    if (api === 'blobs') {
      const wanted = url.searchParams.getAll('versioned_hashes')
      return reply(200, {
        execution_optimistic: false,
        finalized: false,
        data: blobs
          .filter((blob) => wanted.length === 0 || wanted.includes(blob.versionedHash))
          .map((b) => b.blob),
      })
    }
    const commitments = blobsToCommitments({ blobs: blobs.map((b) => b.blob), kzg: loadKzg() })
    return reply(200, {
      data: blobs.map((b, index) => ({
        index: String(index),
        blob: b.blob,
        kzg_commitment: commitments[index],
      })),
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, requests }
}

async function failureOf<T extends Error>(
  run: Promise<unknown>,
  type: new (...args: never[]) => T,
): Promise<T> {
  try {
    await run
  } catch (error) {
    if (error instanceof type) return error
    throw error
  }
  throw new Error(`derivation passed; ${type.name} expected`)
}

const velox = promisify(execFile)
async function runVerify(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await velox('node', [path.join(ROOT, 'bin/velox.js'), 'verify', ...args], {
      cwd: ROOT,
    })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string }
    if (typeof failed.code !== 'number') throw error
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' }
  }
}

let honestContracts: { inbox: Address; commitments: Address }

/** What derivation of the whole honest chain from L1 sums up to: 8 blocks, 3 batches, 3 commitments. */
const WHOLE_CHAIN: DerivationSummary = {
  from: 1n,
  head: 8n,
  checkedBlocks: 8,
  batches: 3,
  commitmentsChecked: 3,
  commitmentsAhead: 0,
}

beforeAll(async () => {
  honest = await buildChain(chainSpecs(1_000n))
  tampered = await buildChain(chainSpecs(1_001n))
  anvil = await startAnvil()
  publicClient = createPublicClient({ chain: foundry, transport: http(anvil.url) })
  const inbox = await deployInbox()
  honestContracts = { inbox, commitments: await deployCommitments(inbox) }
  await postChain(inbox, honest.blocks)
  for (const number of [2, 5, 8]) await commitOf(honestContracts.commitments, honest, number)
})

afterAll(async () => {
  await anvil?.stop()
})

describe('the chain built for these tests', () => {
  it('records what derivation must rebuild: BLOCKHASH, and differs from the tampered one from block 3', () => {
    // Block 8's probe call stored BLOCKHASH(7) and its own coinbase.
    expect(honest.state.getStorage(honest.probe, 0n)).toBe(BigInt(honest.blocks[6]!.hash))
    expect(honest.state.getStorage(honest.probe, 4n)).toBe(BigInt(OTHER_COINBASE))
    expect(honest.blocks.map((block) => block.header.number)).toEqual([1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n])
    expect(tampered.blocks[1]!.hash).toBe(honest.blocks[1]!.hash)
    expect(tampered.blocks[2]!.header.stateRoot).not.toBe(honest.blocks[2]!.header.stateRoot)
    expect(
      buildGenesisBlock(genesisJson, { fork: 'prague', blockGasLimit: BigInt(genesisJson.gasLimit) }).hash,
    ).toBe(honest.genesisHash)
  })
})

describe('deriveChain from L1', () => {
  it('rebuilds every block (hash and state root) from calldata and blob batches, and every commitment matches', async () => {
    const derived: DerivedBlock[] = []
    const summary = await verifyOnL1(honestContracts, { derived })
    expect(derived.map((block) => [block.number, block.hash, block.stateRoot])).toEqual(
      honest.blocks.map((block) => [block.header.number, block.hash, block.header.stateRoot]),
    )
    expect(derived.map((block) => block.header)).toEqual(honest.blocks.map((block) => block.header))
    expect(summary).toEqual(WHOLE_CHAIN)
  })

  it("reads blob batches from a beacon node's Beacon API, and from an older node's blob sidecars", async () => {
    for (const api of ['blobs', 'blob_sidecars'] as const) {
      const beacon = await startBeacon(api)
      try {
        const summary = await verifyOnL1(honestContracts, {
          fetchBlobs: fetchBlobsFromBeacon(beacon.url, publicClient),
        })
        expect(summary.head).toBe(8n)
        expect(summary.commitmentsChecked).toBe(3)
        expect(beacon.requests.some((url) => url.startsWith(`/eth/v1/beacon/${api}/`))).toBe(true)
      } finally {
        beacon.server.close()
      }
    }
  })

  it('checks from --from on and stops at --to, still executing from genesis', async () => {
    expect(await verifyOnL1(honestContracts, { from: 3n, to: 6n })).toEqual({
      from: 3n,
      head: 6n,
      checkedBlocks: 4,
      batches: 2,
      commitmentsChecked: 1,
      commitmentsAhead: 1,
    })
  })

  it('catches a commitment of a wrong state root, naming the block and the field', async () => {
    const commitments = await deployCommitments(honestContracts.inbox)
    await commitOf(commitments, honest, 2)
    const block5 = honest.blocks[4]!
    const wrongRoot = honest.blocks[3]!.header.stateRoot
    await commit(commitments, 5n, block5.hash, wrongRoot)
    const error = await failureOf(
      verifyOnL1({ inbox: honestContracts.inbox, commitments }),
      CommitmentMismatchError,
    )
    expect(error.blockNumber).toBe(5n)
    expect(error.differences).toEqual([
      { field: 'stateRoot', committed: wrongRoot, derived: block5.header.stateRoot },
    ])
    expect(error.message).toBe(
      `commitment 1 does not match block 5: stateRoot committed ${wrongRoot}, derived ${block5.header.stateRoot}`,
    )
  })

  it('catches a batch with a different transaction at the first commitment after it', async () => {
    // The batcher posts the tampered chain (block 3 pays 1,001 wei, not 1,000); the roots are the honest ones.
    const inbox = await deployInbox()
    const commitments = await deployCommitments(inbox)
    await postChain(inbox, tampered.blocks)
    for (const number of [2, 5, 8]) await commitOf(commitments, honest, number)
    const error = await failureOf(verifyOnL1({ inbox, commitments }), CommitmentMismatchError)
    expect(error.blockNumber).toBe(5n)
    expect(error.differences).toEqual([
      { field: 'blockHash', committed: honest.blocks[4]!.hash, derived: tampered.blocks[4]!.hash },
      {
        field: 'stateRoot',
        committed: honest.blocks[4]!.header.stateRoot,
        derived: tampered.blocks[4]!.header.stateRoot,
      },
    ])
  })

  it('refuses a batch that does not continue the derived chain (another parent)', async () => {
    const inbox = await deployInbox()
    const commitments = await deployCommitments(inbox)
    await post(inbox, tampered.blocks.slice(0, 3), 'calldata')
    await post(inbox, honest.blocks.slice(3, 5), 'calldata')
    const error = await failureOf(verifyOnL1({ inbox, commitments }), ChainDiscontinuityError)
    expect(error.expectedNumber).toBe(4n)
    expect(error.message).toBe(
      `batch of blocks from 4 does not continue the derived chain: the next block is 4; the batch has parent hash ${honest.blocks[2]!.hash}, the derived block 3 is ${tampered.blocks[2]!.hash}`,
    )
  })

  it('reports a gap: blocks missing before the first batch', async () => {
    const inbox = await deployInbox(2n)
    const commitments = await deployCommitments(inbox)
    await post(inbox, honest.blocks.slice(1, 3), 'calldata')
    const error = await failureOf(verifyOnL1({ inbox, commitments }), ChainDiscontinuityError)
    expect(error.message).toBe(
      'batch of blocks from 2 does not continue the derived chain: the next block is 1; the batch has a gap: blocks 1..1 are in no batch',
    )
  })

  it('refuses blobs that are not the ones the inbox recorded', async () => {
    // A blob source that answers with another transaction's blobs: the versioned hashes differ.
    const other = encodeBatchForL1(honest.blocks.slice(6, 8), { chainId: CHAIN_ID, source: 'blobs' })
      .posts[0]!
    if (other.source !== 'blobs') throw new Error('blob post expected')
    const lying: FetchBlobs = async () => other.blobs
    const error = await failureOf(verifyOnL1(honestContracts, { fetchBlobs: lying }), L1DataError)
    expect(error.message).toMatch(
      /^frame 1 \(blocks 4\.\.6, 1 of 1, L1 transaction 0x[0-9a-f]{64}\): blob 0 does not match/,
    )
  })
})

describe('velox verify', () => {
  it('reads L1 again when it reorganises under the read, believing only a read of one fork', async () => {
    const request = (method: string, params: unknown[] = []) =>
      publicClient.request({ method, params } as never) as Promise<unknown>
    // An L1 head the first read pins, which another fork then replaces (a block with another timestamp).
    const beforeHead = (await request('evm_snapshot')) as Hex
    await request('evm_mine')
    const replaced = await publicClient.getBlock({ blockTag: 'latest' })
    const reorganised: string[] = []
    const heads: Hash[] = []
    const summary = await readStableL1(
      publicClient,
      async (view) => {
        heads.push(view.head.hash)
        const derived = await verifyOnL1(honestContracts, { view })
        if (heads.length === 1) {
          await request('evm_revert', [beforeHead])
          await request('evm_setNextBlockTimestamp', [Number(replaced.timestamp) + 60])
          await request('evm_mine')
        }
        return derived
      },
      { onReorganised: (change) => reorganised.push(change) },
    )
    expect(heads).toHaveLength(2)
    expect(heads[0]).toBe(replaced.hash)
    expect(heads[1]).not.toBe(replaced.hash)
    expect(reorganised).toEqual([
      `L1 block ${replaced.number} was ${replaced.hash} when read, and is now ${heads[1]}`,
    ])
    expect(summary).toEqual(WHOLE_CHAIN)
  })

  it('prints the summary and exits 0 on a matching chain, 1 with the mismatch on a tampered commitment', async () => {
    const args = [
      '--l1',
      anvil.url,
      '--inbox',
      honestContracts.inbox,
      '--commitments',
      honestContracts.commitments,
    ]
    const passed = await runVerify(args)
    expect(passed.code).toBe(0)
    expect(passed.stdout).toMatch(
      /^verified 8 blocks \(1\.\.8\) from 3 batches in \d+\.\d s: 3 commitments checked, all match\n$/,
    )
    const fromSix = await runVerify([...args, '--from', '6'])
    expect(fromSix.stdout).toMatch(
      /^verified 3 blocks \(6\.\.8\) from 3 batches in \d+\.\d s: 1 commitments checked/,
    )
    // Blobs from a beacon node rather than from anvil: the same chain.
    const beacon = await startBeacon('blobs')
    try {
      const throughBeacon = await runVerify([...args, '--beacon', beacon.url])
      expect(throughBeacon.stdout).toBe(
        passed.stdout.replace(/in \d+\.\d s/, throughBeacon.stdout.match(/in \d+\.\d s/)![0]),
      )
      expect(beacon.requests.some((url) => url.startsWith('/eth/v1/beacon/blobs/'))).toBe(true)
    } finally {
      beacon.server.close()
    }

    const commitments = await deployCommitments(honestContracts.inbox)
    const wrongHash = honest.blocks[0]!.hash
    await commit(commitments, 2n, wrongHash, honest.blocks[1]!.header.stateRoot)
    const failed = await runVerify([
      '--l1',
      anvil.url,
      '--inbox',
      honestContracts.inbox,
      '--commitments',
      commitments,
    ])
    expect(failed.code).toBe(1)
    expect(failed.stdout).toBe(
      `FAIL CommitmentMismatchError: commitment 0 does not match block 2: blockHash committed ${wrongHash}, derived ${honest.blocks[1]!.hash} (after 1 blocks and 0 commitments checked)\n`,
    )
    const usage = await runVerify(['--l1', anvil.url])
    expect(usage.code).toBe(2)
    expect(usage.stderr).toContain('verify needs --l1 URL, --inbox ADDRESS and --commitments ADDRESS')
  })
})
