/**
 * `npm run bench:batch`: how many bytes and how much L1 gas an L2 transaction costs in Velox's batch
 * format (src/l1), against the baseline OP Stack channels amount to: the same signed transactions
 * as an RLP list, brotli-compressed.
 *
 * Workloads: 1,000 ETH transfers, 1,000 ERC-20 transfers and 1,000 Uniswap V2 swaps, signed here
 * (never executed), shaped as bench/evm/workloads.ts builds them (its tokens, pairs and swap
 * helper, compiled by bench/evm/contracts.ts) with the variety of a live chain, all from a seeded
 * generator so every run signs the same bytes:
 *   - senders and recipients from one population of 10,000 users (bench accounts), drawn with Zipf
 *     popularity (exponent 1): a few very active, a long tail seen once; each sender has its own
 *     nonce, starting log-uniformly in [0, 10,000);
 *   - 95% EIP-1559, 5% legacy (EIP-155); fees as wallets set them over Velox's floor base fee
 *     (viem: 1.2 × base + tip, ethers and MetaMask: 2 × base + tip, or a round cap), tips from
 *     0 to 1.5 gwei; gas limits as estimated (with wallet margins) or the workload's fixed limit;
 *   - amounts: 70% "round" (up to 3 significant digits), 30% to full precision;
 *   - 20 tokens and 10 pairs, each drawn with Zipf popularity; swaps go through one helper.
 * The transactions fill 10 blocks of 10 mini-blocks each.
 *
 * Measured, and said so in the output:
 *   - bytes: Velox's payload (encodeBatch) and batch data (compressBatch: brotli 10 and a 32-byte
 *     checksum) against the baseline's RLP list and its brotli 11 (its best quality); every
 *     compressor on both (brotli 10 and 11, deflate 9 in Node; zstd 19 and 22, and brotli again,
 *     in workerd through Miniflare, as Node 20 has no zstd), on the whole batch and on its first 3
 *     blocks (workerd's zstd fails on the whole);
 *   - L1 gas from receipts: each batch posted to a BatchInbox on an anvil (Prague) started here,
 *     once in calldata and once in blobs (type-3 transaction, KZG from micro-eth-signer), Velox and
 *     baseline each to their own inbox; and what chooseDataPath picks at a few fee levels;
 *   - throughput: encode, compress, decompress, decode, median of timed runs in this process; and
 *     what posting in blobs adds on the batcher's core, the KZG commitment and proof of each blob
 *     (one timed run, after the L1 posts warmed the setup up);
 *   - ETH transfers again with smaller and larger recipient sets, and with every recipient new;
 *   - a chain in steady state: each workload goes on for 10 more batches from the same users, and
 *     its 11th batch is encoded with the address registry those 10 built (src/l1/addressRegistry.ts),
 *     against the baseline of the same transactions and against an empty registry.
 *   - for every workload, the fewest bytes any lossless encoding could take (entropyFloor): the
 *     entropy of the generator's own draws, on the first batch and in steady state, against what
 *     the 15% goal allows.
 * Prints tables and writes bench/results/batch.json.
 */
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { brotliCompressSync, constants, deflateRawSync } from 'node:zlib'
import { Miniflare } from 'miniflare'
import {
  type Account,
  type Address,
  type Chain,
  type Client,
  createPublicClient,
  createWalletClient,
  decodeFunctionData,
  encodeFunctionData,
  type Hex,
  http,
  keccak256,
  numberToHex,
  type PublicClient,
  parseGwei,
  type Transport,
} from 'viem'
import { type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import BatchInbox from '../contracts/artifacts/BatchInbox.json' with { type: 'json' }
import { DEFAULT_MIN_BASE_FEE } from '../src/execution/chainConfig.ts'
import { GAS_PER_BLOB } from '../src/execution/processTransaction.ts'
import { MemoryAddressRegistry } from '../src/l1/addressRegistry.ts'
import { chainOfBlocks } from '../src/l1/batchFixture.ts'
import type { BatchBlock } from '../src/l1/batchFormat.ts'
import { BLOB_DATA_BYTES, bytesToBlobs } from '../src/l1/blobs.ts'
import { chooseDataPath } from '../src/l1/chooseDataPath.ts'
import { compressBatch, decompressBatch } from '../src/l1/compressBatch.ts'
import { decodeBatch } from '../src/l1/decodeBatch.ts'
import { encodeBatch, encodeBatchPayload } from '../src/l1/encodeBatch.ts'
import type { L1Post } from '../src/l1/encodeBatchForL1.ts'
import { BLOB_FRAME_CAPACITY, CALLDATA_FRAME_CAPACITY, splitFrames } from '../src/l1/frames.ts'
import { loadKzg } from '../src/l1/loadKzg.ts'
import { batchInboxAbi, postBatch } from '../src/l1/postBatch.ts'
import { equalBytes, hexToBytes } from '../src/primitives/hex.ts'
import { useWasmKeccak256 } from '../src/primitives/keccak256Wasm.node.ts'
import { encodeRlp } from '../src/primitives/rlp.ts'
import { seededRandom } from '../src/primitives/seededRandom.ts'
import { type Anvil, startAnvil } from './evm/anvil.ts'
import type { BenchAccount } from './evm/benchChain.ts'
import { type BenchContracts, compileContracts } from './evm/contracts.ts'
import { benchAccount, erc20Transfers, ethTransfers, uniswapSwaps } from './evm/workloads.ts'
import { describeMachine, type Machine, machineLine } from './machine.ts'

const ROOT = path.resolve(import.meta.dirname, '..')
const TRANSACTIONS = 1_000
const BLOCKS = 10
const MINI_BLOCKS_PER_BLOCK = 10
const CHAIN_ID = 7077n
const USERS = 10_000
const ZIPF_EXPONENT = 1
const TOKENS = 20
const PAIRS = 10
/** Far from their seeds, so users are not the tokens' deployers. */
const USER_SEED = 1_000_000
const DEPLOYER_SEED = 2_000_000
/** Velox's blocks are far below their gas target, so the base fee stays at its floor. */
const BASE_FEE = DEFAULT_MIN_BASE_FEE

type WorkloadKey = 'eth' | 'erc20' | 'uniswap'
type Workload = {
  key: WorkloadKey
  name: string
  transactions: Uint8Array[]
  /** What the generator drew for each transaction, in order (entropyFloor reads them). */
  draws: readonly TransactionDraws[]
}

/**
 * A transaction's draws the entropy floor needs: its sender and nonce, and the recipient user
 * (ETH and ERC-20), token or pair it names by address.
 */
type TransactionDraws = {
  user: number
  nonce: number
  recipient?: number | undefined
  token?: number
  pair?: number
}

/** Draws 0..n-1 with probability ∝ 1 / (rank + 1)^exponent. */
function zipf(n: number, exponent: number, random: () => number): () => number {
  const cumulative = new Float64Array(n)
  let total = 0
  for (const [i, weight] of zipfWeights(n, exponent).entries()) cumulative[i] = total += weight
  return () => {
    const target = random() * total
    let low = 0
    let high = n - 1
    while (low < high) {
      const middle = (low + high) >> 1
      if (cumulative[middle]! < target) low = middle + 1
      else high = middle
    }
    return low
  }
}

function pick<T>(random: () => number, choices: readonly (readonly [weight: number, value: T])[]): T {
  const total = choices.reduce((sum, [weight]) => sum + weight, 0)
  let target = random() * total
  for (const [weight, value] of choices) if ((target -= weight) < 0) return value
  return choices[choices.length - 1]![1]
}

function integer(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1))
}

/** A uniform bigint in [min, max). */
function bigintBetween(random: () => number, min: bigint, max: bigint): bigint {
  let value = 0n
  for (let i = 0; i < 4; i++) value = (value << 53n) | BigInt(Math.floor(random() * 2 ** 53))
  return min + (value % (max - min))
}

/** The share of amounts that are round: 1 to 999 times a power of ten. */
const ROUND_AMOUNT_SHARE = 0.7
/** 70% a round amount (1 to 999 times a power of ten), 30% any amount in the same range. */
function amount(random: () => number, minExponent: number, maxExponent: number): bigint {
  const exponent = integer(random, minExponent, maxExponent)
  if (random() < ROUND_AMOUNT_SHARE) return BigInt(integer(random, 1, 999)) * 10n ** BigInt(exponent)
  return bigintBetween(random, 10n ** BigInt(exponent), 10n ** BigInt(exponent + 3))
}

/** A user's first nonce is log-uniform over this many decades: 0 to 10^4 − 2. */
const NONCE_DECADES = 4

/** The users: keys derived only for those drawn, each sender with its own next nonce. */
class Population {
  private readonly accounts = new Map<number, BenchAccount>()
  private readonly signers = new Map<number, PrivateKeyAccount>()
  private readonly nonces = new Map<number, number>()
  readonly draw: () => number
  /** Each transaction's draws, in the order signed. */
  readonly draws: TransactionDraws[] = []

  constructor(
    private readonly random: () => number,
    users = USERS,
  ) {
    this.draw = zipf(users, ZIPF_EXPONENT, random)
  }

  account(user: number): BenchAccount {
    let account = this.accounts.get(user)
    if (!account) this.accounts.set(user, (account = benchAccount(USER_SEED + user)))
    return account
  }

  signer(user: number): PrivateKeyAccount {
    let signer = this.signers.get(user)
    if (!signer) this.signers.set(user, (signer = privateKeyToAccount(this.account(user).privateKey)))
    return signer
  }

  nextNonce(user: number): number {
    const nonce = this.nonces.get(user) ?? Math.floor(10 ** (NONCE_DECADES * this.random())) - 1
    this.nonces.set(user, nonce + 1)
    return nonce
  }

  /** A recipient other than `sender`. */
  recipient(sender: number): number {
    for (;;) {
      const user = this.draw()
      if (user !== sender) return user
    }
  }
}

type Call = { to: Address; value: bigint; data: Hex; gas: bigint }

/** Priority fees as wallets set them, with their weights. */
const TIPS = [
  [1, 0n],
  [4, 1_000_000n],
  [2, 10_000_000n],
  [1.5, parseGwei('1')],
  [1.5, parseGwei('1.5')],
] as const
/** The share of legacy (EIP-155) transactions; the others are EIP-1559. */
const LEGACY_SHARE = 0.05
/** An EIP-1559 fee cap for `tip`: viem's 1.2 × base + tip, ethers' 2 × base + tip, or a round cap. */
function feeCaps(tip: bigint): readonly (readonly [number, bigint])[] {
  return [
    [5, (BASE_FEE * 12n) / 10n + tip],
    [3, 2n * BASE_FEE + tip],
    [2, tip > parseGwei('0.1') ? parseGwei('2') : parseGwei('0.1')],
  ]
}

async function sign(
  population: Population,
  random: () => number,
  sender: number,
  call: Call,
  named: Omit<TransactionDraws, 'user' | 'nonce'>,
): Promise<Uint8Array> {
  const signer = population.signer(sender)
  const nonce = population.nextNonce(sender)
  population.draws.push({ user: sender, nonce, ...named })
  const chainId = Number(CHAIN_ID)
  const tip = pick(random, TIPS)
  const request = { chainId, nonce, to: call.to, value: call.value, data: call.data, gas: call.gas }
  if (random() < LEGACY_SHARE)
    return hexToBytes(await signer.signTransaction({ ...request, type: 'legacy', gasPrice: BASE_FEE + tip }))
  const maxFeePerGas = pick(random, feeCaps(tip))
  return hexToBytes(
    await signer.signTransaction({ ...request, type: 'eip1559', maxFeePerGas, maxPriorityFeePerGas: tip }),
  )
}

/** An estimate as a wallet pads it: as is (viem), × 1.5, or the workload's fixed limit. */
function gasLimit(random: () => number, estimate: number, fixed: bigint): bigint {
  return pick(random, [
    [GAS_LIMIT_WEIGHTS.asEstimated, BigInt(estimate)],
    [GAS_LIMIT_WEIGHTS.padded, BigInt(Math.ceil(estimate * 1.5))],
    [GAS_LIMIT_WEIGHTS.fixed, fixed],
  ] as const)
}
const GAS_LIMIT_WEIGHTS = { asEstimated: 5, padded: 3, fixed: 2 }

async function ethWorkload(
  seed: number,
  options: { users?: number; freshRecipients?: boolean; count?: number } = {},
): Promise<Workload> {
  const random = seededRandom(seed)
  const population = new Population(random, options.users)
  const template = ethTransfers(benchAccount(DEPLOYER_SEED)).operation(0)
  const transactions: Uint8Array[] = []
  for (let i = 0; i < (options.count ?? TRANSACTIONS); i++) {
    const sender = population.draw()
    // A fresh address: 20 bytes of a hash, as random as a new account's.
    const fresh = `0x${keccak256(numberToHex(i)).slice(26)}` as Address
    const recipient = options.freshRecipients ? undefined : population.recipient(sender)
    transactions.push(
      await sign(
        population,
        random,
        sender,
        {
          to: recipient === undefined ? fresh : population.account(recipient).address,
          value: amount(random, ETH_AMOUNT_EXPONENTS.min, ETH_AMOUNT_EXPONENTS.max),
          data: '0x',
          gas: template.gasLimit,
        },
        { recipient },
      ),
    )
  }
  return { key: 'eth', name: 'ETH transfers', transactions, draws: population.draws }
}

async function erc20Workload(
  seed: number,
  contracts: BenchContracts,
  count = TRANSACTIONS,
): Promise<Workload> {
  const random = seededRandom(seed)
  const population = new Population(random)
  const tokens = Array.from({ length: TOKENS }, (_, k) =>
    erc20Transfers(benchAccount(DEPLOYER_SEED + k), contracts).operation(0),
  )
  const drawToken = zipf(TOKENS, ZIPF_EXPONENT, random)
  const transactions: Uint8Array[] = []
  for (let i = 0; i < count; i++) {
    const sender = population.draw()
    const token = drawToken()
    const recipient = population.recipient(sender)
    const data = encodeFunctionData({
      abi: contracts.Token.abi,
      functionName: 'transfer',
      args: [
        population.account(recipient).address,
        amount(random, TOKEN_AMOUNT_EXPONENTS.min, TOKEN_AMOUNT_EXPONENTS.max),
      ],
    })
    const { slotCreated, slotExists, jitter } = TOKEN_TRANSFER_GAS_ESTIMATE
    const estimate = (random() < 0.5 ? slotCreated : slotExists) + integer(random, 0, jitter)
    transactions.push(
      await sign(
        population,
        random,
        sender,
        { to: tokens[token]!.to!, value: 0n, data, gas: gasLimit(random, estimate, tokens[token]!.gasLimit) },
        { token, recipient },
      ),
    )
  }
  return { key: 'erc20', name: 'ERC-20 transfers', transactions, draws: population.draws }
}

/** Amounts are drawn from 10^min to 10^(max + 3) (see amount). */
const ETH_AMOUNT_EXPONENTS = { min: 13, max: 18 }
const TOKEN_AMOUNT_EXPONENTS = { min: 15, max: 21 }
const SWAP_AMOUNT_EXPONENTS = { min: 15, max: 21 }
/** A first transfer to an address creates its balance slot (~51,000 gas), later ones ~34,000, plus 0 to `jitter`. */
const TOKEN_TRANSFER_GAS_ESTIMATE = { slotCreated: 51_000, slotExists: 34_000, jitter: 600 }
const SWAP_GAS_ESTIMATE = { min: 95_000, max: 130_000 }

async function uniswapWorkload(
  seed: number,
  contracts: BenchContracts,
  count = TRANSACTIONS,
): Promise<Workload> {
  const random = seededRandom(seed)
  const population = new Population(random)
  const templates = Array.from({ length: PAIRS }, (_, k) =>
    uniswapSwaps(benchAccount(DEPLOYER_SEED + 100 + k), contracts).operation(0),
  )
  const pairs = templates.map((template) => {
    const { args } = decodeFunctionData({ abi: contracts.SwapHelper.abi, data: template.data })
    return args?.[0] as Address
  })
  const helper = templates[0]!
  const drawPair = zipf(PAIRS, ZIPF_EXPONENT, random)
  const transactions: Uint8Array[] = []
  for (let i = 0; i < count; i++) {
    const sender = population.draw()
    const pair = drawPair()
    const data = encodeFunctionData({
      abi: contracts.SwapHelper.abi,
      functionName: 'swap',
      args: [
        pairs[pair]!,
        random() < 0.5,
        amount(random, SWAP_AMOUNT_EXPONENTS.min, SWAP_AMOUNT_EXPONENTS.max),
      ],
    })
    transactions.push(
      await sign(
        population,
        random,
        sender,
        {
          to: helper.to!,
          value: 0n,
          data,
          gas: gasLimit(
            random,
            integer(random, SWAP_GAS_ESTIMATE.min, SWAP_GAS_ESTIMATE.max),
            helper.gasLimit,
          ),
        },
        { pair },
      ),
    )
  }
  return { key: 'uniswap', name: 'Uniswap V2 swaps', transactions, draws: population.draws }
}

/** The transactions in BLOCKS blocks of MINI_BLOCKS_PER_BLOCK mini-blocks, in order. */
function intoBlocks(transactions: readonly Uint8Array[]): BatchBlock[] {
  const perMiniBlock = Math.ceil(transactions.length / (BLOCKS * MINI_BLOCKS_PER_BLOCK))
  const specs = Array.from({ length: BLOCKS }, (_, b) => ({
    miniBlocks: Array.from({ length: MINI_BLOCKS_PER_BLOCK }, (_, m) => {
      const start = (b * MINI_BLOCKS_PER_BLOCK + m) * perMiniBlock
      return transactions.slice(start, start + perMiniBlock)
    }).filter((miniBlock) => miniBlock.length > 0),
  }))
  return chainOfBlocks(specs)
}

/**
 * brotli at a quality (10: compressBatch's and OP Stack's default; 11: the best for the baseline's
 * RLP list), with the largest window as compressBatch.
 */
function brotli(bytes: Uint8Array, quality: 10 | 11): Uint8Array {
  return brotliCompressSync(bytes, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: quality,
      [constants.BROTLI_PARAM_LGWIN]: constants.BROTLI_MAX_WINDOW_BITS,
      [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
    },
  })
}

/** deflate as workerd's CompressionStream('deflate-raw') makes it, here at zlib's strongest level. */
function deflate(bytes: Uint8Array): Uint8Array {
  return deflateRawSync(bytes, { level: constants.Z_BEST_COMPRESSION })
}

const WARMUP_RUNS = 2
const TIMED_RUNS = 7

/** Median milliseconds of TIMED_RUNS calls, after WARMUP_RUNS untimed ones. */
function medianMs(run: () => unknown): number {
  for (let i = 0; i < WARMUP_RUNS; i++) run()
  const times: number[] = []
  for (let i = 0; i < TIMED_RUNS; i++) {
    const started = performance.now()
    run()
    times.push(performance.now() - started)
  }
  times.sort((a, b) => a - b)
  return times[Math.floor(TIMED_RUNS / 2)]!
}

/**
 * zstd (levels 19 and 22) and brotli sizes as workerd's node:zlib (nodejs_compat) gives them, or
 * the error it throws: its zstd fails ("Unexpected end of file") once the output passes ~40 KB.
 */
type WorkerdSizes = { zstd19: number | string; zstd22: number | string; workerdBrotli: number | string }

/**
 * Node 20 has no zstd; workerd's node:zlib has. A Miniflare worker compresses each input there,
 * checks it decompresses back, and answers the sizes (workerd's clock does not advance while code
 * runs, so no timings from there).
 */
async function compressInWorkerd(inputs: readonly Uint8Array[]): Promise<WorkerdSizes[]> {
  const worker = new Miniflare({
    modules: true,
    compatibilityDate: '2026-04-20',
    compatibilityFlags: ['nodejs_compat'],
    script: `
import zlib from 'node:zlib'
const same = (a, b) => a.length === b.length && a.every((byte, i) => byte === b[i])
function size(compress, decompress, input) {
  try {
    const compressed = compress(input)
    if (!same(decompress(compressed), input)) return 'did not round-trip'
    return compressed.length
  } catch (error) {
    return String(error)
  }
}
export default {
  async fetch(request) {
    const input = new Uint8Array(await request.arrayBuffer())
    const zstd = (level) => (bytes) => zlib.zstdCompressSync(bytes, { params: { [zlib.constants.ZSTD_c_compressionLevel]: level } })
    const brotli = (bytes) => zlib.brotliCompressSync(bytes, { params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: 10,
      [zlib.constants.BROTLI_PARAM_LGWIN]: 24,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
    } })
    return Response.json({
      zstd19: size(zstd(19), zlib.zstdDecompressSync, input),
      zstd22: size(zstd(22), zlib.zstdDecompressSync, input),
      workerdBrotli: size(brotli, zlib.brotliDecompressSync, input),
    })
  },
}`,
  })
  try {
    const sizes: WorkerdSizes[] = []
    for (const input of inputs) {
      const response = await worker.dispatchFetch('http://workerd/', { method: 'POST', body: input })
      if (!response.ok) throw new Error(`workerd: ${response.status} ${await response.text()}`)
      sizes.push((await response.json()) as WorkerdSizes)
    }
    return sizes
  } finally {
    await worker.dispose()
  }
}

/** anvil's first development key: the batcher of both inboxes. */
const L1_BATCHER_KEY: Hex = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80'

type L1 = {
  anvil: Anvil
  wallet: Client<Transport, Chain, Account>
  public: PublicClient
  /** One BatchInbox for Velox batches, one for the baseline's (their ranges advance apart). */
  veloxInbox: Address
  baselineInbox: Address
}

async function startL1(): Promise<L1> {
  const anvil = await startAnvil()
  const wallet = createWalletClient({
    account: privateKeyToAccount(L1_BATCHER_KEY),
    chain: foundry,
    transport: http(anvil.url),
  })
  const publicClient = createPublicClient({ chain: foundry, transport: http(anvil.url) })
  const deployInbox = async () => {
    const hash = await wallet.deployContract({
      abi: batchInboxAbi,
      bytecode: BatchInbox.bytecode as Hex,
      args: [wallet.account.address, 1n],
    })
    const { contractAddress } = await publicClient.waitForTransactionReceipt({ hash })
    if (!contractAddress) throw new Error('BatchInbox was not deployed')
    return contractAddress
  }
  return {
    anvil,
    wallet,
    public: publicClient,
    veloxInbox: await deployInbox(),
    baselineInbox: await deployInbox(),
  }
}

type PathGas = { transactions: number; bytes: number; gasUsed: bigint; blobs: number; blobGasUsed: bigint }
type L1Gas = { calldata: PathGas; blobs: PathGas }

/** Batch data of `blocks` blocks posted to `inbox` through each path in turn; gas from the receipts. */
async function postOnL1(l1: L1, inbox: Address, data: Uint8Array, blocks: number): Promise<L1Gas> {
  const gas = {} as L1Gas
  for (const source of ['calldata', 'blobs'] as const) {
    const frames = splitFrames(data, source === 'calldata' ? CALLDATA_FRAME_CAPACITY : BLOB_FRAME_CAPACITY)
    const firstBlock = (await l1.public.readContract({
      address: inbox,
      abi: batchInboxAbi,
      functionName: 'nextBlock',
    })) as bigint
    const receipts = await postBatch(l1.wallet, {
      inbox,
      kzg: loadKzg(),
      batch: {
        firstBlock,
        lastBlock: firstBlock + BigInt(blocks - 1),
        posts: frames.map(
          (frame): L1Post =>
            source === 'calldata' ? { source, frame } : { source, blobs: bytesToBlobs(frame) },
        ),
      },
    })
    gas[source] = {
      transactions: receipts.length,
      bytes: frames.reduce((sum, frame) => sum + frame.length, 0),
      gasUsed: receipts.reduce((sum, receipt) => sum + receipt.gasUsed, 0n),
      blobGasUsed: receipts.reduce((sum, receipt) => sum + (receipt.blobGasUsed ?? 0n), 0n),
      blobs: Number(receipts.reduce((sum, receipt) => sum + (receipt.blobGasUsed ?? 0n), 0n) / GAS_PER_BLOB),
    }
  }
  return gas
}

/** raw, then compressed several ways (brotli and deflate in Node), all without Velox's checksum. */
type Sizes = { raw: number; brotli10: number; brotli11: number; deflate: number } & WorkerdSizes

type WorkloadResult = {
  key: WorkloadKey
  name: string
  transactions: number
  blocks: number
  /** The signed transactions as they are, summed. */
  signedBytes: number
  /** raw: encodeBatch's payload; batchData: what compressBatch gives (brotli and its 32-byte checksum). */
  velox: Sizes & { batchData: number }
  /** raw: the RLP list of the signed transactions; brotli: that list through brotli. */
  baseline: Sizes
  throughputMs: {
    encode: number
    compress: number
    decompress: number
    decode: number
    baselineCompress: number
    /** KZG commitments and proofs of the batch's blobs (what a blob post computes): one run. */
    blobProofs: number
  }
  l1: { velox: L1Gas; baseline: L1Gas }
  choice: { fees: string; path: string }[]
  /** The first SAMPLE_BLOCKS blocks alone: a batch workerd's zstd can compress. */
  sample: { transactions: number; velox: Sizes; baseline: Sizes }
}

const FEE_SCENARIOS = [
  { name: 'anvil now', baseFeePerGas: undefined, blobBaseFee: undefined },
  { name: 'L1 2 gwei, blobs at 1 wei', baseFeePerGas: 2n * 10n ** 9n, blobBaseFee: 1n },
  { name: 'L1 1 gwei, blobs at 40 gwei', baseFeePerGas: 10n ** 9n, blobBaseFee: 40n * 10n ** 9n },
] as const

async function measureWorkload(
  workload: Workload,
  l1: L1,
): Promise<
  Omit<WorkloadResult, 'velox' | 'baseline' | 'sample'> & {
    payload: Uint8Array
    rlp: Uint8Array
    batchData: Uint8Array
    baselineData: Uint8Array
  }
> {
  const blocks = intoBlocks(workload.transactions)
  const payload = encodeBatch(blocks, { chainId: CHAIN_ID })
  const batchData = compressBatch(payload)
  const decoded = decodeBatch(decompressBatch(batchData), { chainId: CHAIN_ID })
  const back = decoded.blocks.flatMap((block) => block.miniBlocks.flat())
  if (
    back.length !== workload.transactions.length ||
    back.some((raw, i) => !equalBytes(raw, workload.transactions[i]!))
  )
    throw new Error(`${workload.name}: the batch does not decode to its transactions`)
  const rlp = encodeRlp(workload.transactions)
  const baselineData = brotli(rlp, 11)

  const throughputMs = {
    encode: medianMs(() => encodeBatch(blocks, { chainId: CHAIN_ID })),
    compress: medianMs(() => compressBatch(payload)),
    decompress: medianMs(() => decompressBatch(batchData)),
    decode: medianMs(() => decodeBatch(payload, { chainId: CHAIN_ID })),
    baselineCompress: medianMs(() => brotli(encodeRlp(workload.transactions), 11)),
  }

  const l1Gas = {
    velox: await postOnL1(l1, l1.veloxInbox, batchData, blocks.length),
    baseline: await postOnL1(l1, l1.baselineInbox, baselineData, blocks.length),
  }
  const blobs = splitFrames(batchData, BLOB_FRAME_CAPACITY).flatMap((frame) => bytesToBlobs(frame))
  const kzg = loadKzg()
  const proving = performance.now()
  for (const blob of blobs) kzg.computeBlobKzgProof(blob, kzg.blobToKzgCommitment(blob))
  const blobProofs = performance.now() - proving
  const latest = await l1.public.getBlock()
  const choice = []
  for (const scenario of FEE_SCENARIOS) {
    const baseFeePerGas = scenario.baseFeePerGas ?? latest.baseFeePerGas ?? 0n
    const blobBaseFee = scenario.blobBaseFee ?? (await l1.public.getBlobBaseFee())
    const costs = chooseDataPath({ size: batchData.length, baseFeePerGas, blobBaseFee })
    choice.push({
      fees: `${scenario.name} (base fee ${baseFeePerGas} wei, blob base fee ${blobBaseFee} wei)`,
      path: `${costs.path}: calldata ${eth(costs.calldata.fee)}, blobs ${eth(costs.blobs.fee)}`,
    })
  }
  return {
    key: workload.key,
    name: workload.name,
    transactions: workload.transactions.length,
    blocks: blocks.length,
    signedBytes: workload.transactions.reduce((sum, raw) => sum + raw.length, 0),
    throughputMs: { ...throughputMs, blobProofs },
    l1: l1Gas,
    choice,
    payload,
    rlp,
    batchData,
    baselineData,
  }
}

/** ETH transfers again with other recipient sets: what the address table costs. */
async function recipientSensitivity(): Promise<{ recipients: string; velox: number; baseline: number }[]> {
  const rows = []
  for (const [recipients, options] of [
    ['Zipf over 1,000 users', { users: 1_000 }],
    ['Zipf over 10,000 users (the workload above)', { users: USERS }],
    ['Zipf over 100,000 users', { users: 100_000 }],
    ['a new address every time', { users: USERS, freshRecipients: true }],
  ] as const) {
    const { transactions } = await ethWorkload(1, options)
    const payload = encodeBatch(intoBlocks(transactions), { chainId: CHAIN_ID })
    rows.push({
      recipients,
      velox: compressBatch(payload).length / transactions.length,
      baseline: brotli(encodeRlp(transactions), 11).length / transactions.length,
    })
  }
  return rows
}

/** Blocks of the smaller batch every compressor is compared on (300 transactions: ~25 KB compressed). */
const SAMPLE_BLOCKS = 3
/** What each figure is, printed before the tables and kept in the JSON. */
const MEASURED = {
  workloads:
    'signed here from a seeded generator (header of bench/batch.ts), never executed: a 10,000-user population with Zipf(1) popularity for senders and recipients, own nonces, wallet-style fees and gas limits, 70% round amounts; 10 blocks of 10 mini-blocks.',
  bytes:
    "Velox: encodeBatch's payload (raw) and compressBatch's batch data (brotli 10, window 2^24, and its 32-byte checksum): what goes on L1 but for the 9-byte frame header. Baseline: the RLP list of the same signed transactions (raw) and its brotli 11 (its best). Other compressors: brotli 10/11 and deflate 9 in Node, zstd 19/22 and brotli 10 in workerd (Miniflare; Node 20 has no zstd).",
  l1Gas:
    'gasUsed and blobGasUsed from the receipts of BatchInbox posts on an anvil (--hardfork prague) started by this run, one inbox per format, each batch posted once in calldata and once in blobs, in the frames splitFrames cuts (calldata ≤ 119,488 bytes, blobs ≤ 6 per transaction).',
  throughput: `wall time in this process (keccak256 in WebAssembly), median of ${TIMED_RUNS} runs after ${WARMUP_RUNS} warm-ups, one batch of the workload; blobProofs: the KZG commitment and proof of each blob of the batch (micro-eth-signer, what a blob post computes before sending), one run.`,
}

/** The issue's goals for the format. */
const GOAL_ETH_TRANSFER_BYTES = 75
const GOAL_SMALLER_THAN_BASELINE = 0.15
/** The most bytes per transaction GOAL_SMALLER_THAN_BASELINE allows against the baseline's. */
const goalAllows = (baselineBytes: number) => (1 - GOAL_SMALLER_THAN_BASELINE) * baselineBytes
/** Batches of each workload before the one measured in steady state. */
const HISTORY_BATCHES = 10

async function main() {
  useWasmKeccak256()
  const started = performance.now()
  const contracts = compileContracts()
  console.log(`solc ${contracts.solcVersion}: bench contracts compiled`)
  // Each workload goes on for HISTORY_BATCHES more batches (the same users, nonces going on): the
  // first batch is what the tables measure, the last the steady state of the address registry.
  const histories = [
    await ethWorkload(1, { count: (HISTORY_BATCHES + 1) * TRANSACTIONS }),
    await erc20Workload(2, contracts, (HISTORY_BATCHES + 1) * TRANSACTIONS),
    await uniswapWorkload(3, contracts, (HISTORY_BATCHES + 1) * TRANSACTIONS),
  ]
  const workloads = histories.map((history) => ({
    ...history,
    transactions: history.transactions.slice(0, TRANSACTIONS),
  }))
  console.log(
    `signed ${workloads.length} × ${((HISTORY_BATCHES + 1) * TRANSACTIONS).toLocaleString('en-US')} transactions in ${seconds(started)} s`,
  )

  const l1 = await startL1()
  const measured = []
  try {
    for (const workload of workloads) {
      const stepStarted = performance.now()
      measured.push(await measureWorkload(workload, l1))
      console.log(`${workload.name}: measured, posted on anvil both ways (${seconds(stepStarted)} s)`)
    }
  } finally {
    await l1.anvil.stop()
  }
  // The first SAMPLE_BLOCKS blocks of each batch too: small enough for workerd's zstd.
  const samples = workloads.map((workload) => {
    const blocks = intoBlocks(workload.transactions).slice(0, SAMPLE_BLOCKS)
    const transactions = blocks.flatMap((block) => block.miniBlocks.flat())
    return {
      transactions: transactions.length,
      payload: encodeBatch(blocks, { chainId: CHAIN_ID }),
      rlp: encodeRlp(transactions),
    }
  })
  const workerd = await compressInWorkerd([...measured, ...samples].flatMap((m) => [m.payload, m.rlp]))
  const sizesOf = (raw: Uint8Array, inWorkerd: WorkerdSizes): Sizes => ({
    raw: raw.length,
    brotli10: brotli(raw, 10).length,
    brotli11: brotli(raw, 11).length,
    deflate: deflate(raw).length,
    ...inWorkerd,
  })
  const results: WorkloadResult[] = measured.map(({ payload, rlp, batchData, ...result }, i) => ({
    ...result,
    velox: { ...sizesOf(payload, workerd[2 * i]!), batchData: batchData.length },
    baseline: sizesOf(rlp, workerd[2 * i + 1]!),
    sample: {
      transactions: samples[i]!.transactions,
      velox: sizesOf(samples[i]!.payload, workerd[2 * (measured.length + i)]!),
      baseline: sizesOf(samples[i]!.rlp, workerd[2 * (measured.length + i) + 1]!),
    },
  }))
  const sensitivity = await recipientSensitivity()
  const steady = histories.map(steadyState)

  const machine = describeMachine()
  console.log(`\n${machineLine(machine)}\n`)
  for (const [what, how] of Object.entries(MEASURED)) console.log(`- ${what}: ${how}`)
  printTables(results, steady, sensitivity)
  printSteadyState(steady)
  printEntropyFloors(results, steady)
  const file = path.join(ROOT, 'bench/results/batch.json')
  writeFileSync(
    file,
    `${JSON.stringify(resultsJson(machine, results, sensitivity, steady), bigintReplacer, 2)}\n`,
  )
  console.log(`\nwrote ${path.relative(ROOT, file)}`)
}

/**
 * A chain in steady state: the workload's batch after HISTORY_BATCHES earlier batches of it, whose
 * new addresses the registry holds. The same 1,000 transactions, compressed as the baseline, as
 * Velox with an empty registry (a chain's first batch) and as Velox with that registry.
 */
type SteadyState = {
  workload: string
  registeredAddresses: number
  /** Addresses the measured batch spells out, and names by registry number. */
  spelledOut: number
  named: number
  bytesPerTransaction: { baseline: number; emptyRegistry: number; withRegistry: number }
  veloxVsBaseline: number
  /** The fewest bytes any encoding could take, this batch and the chain's first. */
  entropyFloor: EntropyFloor & { firstBatch: EntropyFloor }
}

function steadyState(history: Workload): SteadyState {
  const registry = new MemoryAddressRegistry()
  for (let batch = 0; batch < HISTORY_BATCHES; batch++) {
    const transactions = history.transactions.slice(batch * TRANSACTIONS, (batch + 1) * TRANSACTIONS)
    registry.append(
      encodeBatchPayload(intoBlocks(transactions), { chainId: CHAIN_ID, registry }).newAddresses,
    )
  }
  const transactions = history.transactions.slice(HISTORY_BATCHES * TRANSACTIONS)
  const blocks = intoBlocks(transactions)
  const encoded = encodeBatchPayload(blocks, { chainId: CHAIN_ID, registry })
  const decoded = decodeBatch(encoded.payload, { chainId: CHAIN_ID, registry })
  const back = decoded.blocks.flatMap((block) => block.miniBlocks.flat())
  if (back.length !== transactions.length || back.some((raw, i) => !equalBytes(raw, transactions[i]!)))
    throw new Error(`${history.name}: the batch does not decode to its transactions with the registry`)
  const cold = encodeBatchPayload(blocks, { chainId: CHAIN_ID })
  const per = (bytes: number) => bytes / transactions.length
  const withRegistry = compressBatch(encoded.payload).length
  const baseline = brotli(encodeRlp(transactions), 11).length
  return {
    workload: history.name,
    registeredAddresses: registry.size,
    spelledOut: encoded.newAddresses.length,
    named: cold.newAddresses.length - encoded.newAddresses.length,
    bytesPerTransaction: {
      baseline: per(baseline),
      emptyRegistry: per(compressBatch(cold.payload).length),
      withRegistry: per(withRegistry),
    },
    veloxVsBaseline: withRegistry / baseline - 1,
    entropyFloor: {
      ...entropyFloor(history.key, history.draws, HISTORY_BATCHES * TRANSACTIONS, TRANSACTIONS),
      firstBatch: entropyFloor(history.key, history.draws, 0, TRANSACTIONS),
    },
  }
}

/** Bits per transaction of each part of the floor, and their sum in bytes. */
type EntropyFloor = { bitsPerTransaction: Record<string, number>; bytesPerTransaction: number }

/** An address no earlier transaction showed: 20 bytes of a hash, random to anyone without the key. */
const NEW_ADDRESS_BITS = 160

/**
 * The fewest bytes per transaction any lossless encoding can take on average, for transactions
 * `from` to `from + count` of a workload this file signs, given every transaction before them: a
 * lower bound from the generator's own draws, in bits per transaction.
 * - r and s: 512 bits, and yParity 1: a signature is indistinguishable from random without the key.
 * - The nonce: the sender is not in the data (it is recovered from the signature, which needs the
 *   nonce first), so the decoder's uncertainty is the Zipf mixture of each earlier sender's next
 *   nonce and, for a sender not seen yet, the first-nonce distribution.
 * - An address the data names (recipient, token, pair, the swap helper): see namingBits. The
 *   recipient's is counted as if the decoder knew the sender, which only lowers it.
 * - Each other draw is independent of the rest: the fee fields, the gas limit, the swap direction
 *   and the amount. Where a draw picks a kind and then a value (round amount or not, and its
 *   exponent; the gas limit's padding), only the value is counted: H(X) ≥ H(X | kind).
 * What the generator fixes (chain id, the selectors, an ETH transfer's gas, a value of 0) costs
 * nothing; block and mini-block boundaries, the format's header and checksum are left out.
 */
function entropyFloor(
  key: WorkloadKey,
  draws: readonly TransactionDraws[],
  from: number,
  count: number,
): EntropyFloor {
  const users = zipfProbabilities(USERS, ZIPF_EXPONENT)
  const tokens = zipfProbabilities(TOKENS, ZIPF_EXPONENT)
  const pairs = zipfProbabilities(PAIRS, ZIPF_EXPONENT)
  const knownUsers = new Set<number>()
  const knownTokens = new Set<number>()
  const knownPairs = new Set<number>()
  const knownHelper = new Set<number>()
  const nonces = new NonceUncertainty(users)
  const sums = { nonce: 0, recipient: 0, token: 0, pair: 0, helper: 0 }
  for (let i = 0; i < from + count; i++) {
    const { user, nonce, recipient, token, pair } = draws[i]!
    if (i >= from) {
      sums.nonce += nonces.bits()
      if (recipient !== undefined) sums.recipient += namingBits(users, knownUsers, user)
      if (token !== undefined) sums.token += namingBits(tokens, knownTokens)
      if (pair !== undefined) sums.pair += namingBits(pairs, knownPairs)
      if (key === 'uniswap') sums.helper += namingBits([1], knownHelper)
    }
    nonces.sent(user, nonce)
    knownUsers.add(user)
    if (recipient !== undefined) knownUsers.add(recipient)
    if (token !== undefined) knownTokens.add(token)
    if (pair !== undefined) knownPairs.add(pair)
    knownHelper.add(0)
  }

  const tipTotal = TIPS.reduce((sum, [weight]) => sum + weight, 0)
  const feeCapBits = TIPS.reduce(
    (sum, [weight, tip]) => sum + (weight / tipTotal) * entropyOfValues(feeCaps(tip)),
    0,
  )
  const estimated = (values: number) => {
    const { asEstimated, padded, fixed } = GAS_LIMIT_WEIGHTS
    return ((asEstimated + padded) / (asEstimated + padded + fixed)) * Math.log2(values)
  }
  const { jitter } = TOKEN_TRANSFER_GAS_ESTIMATE
  const average = (sum: number) => sum / count
  const bitsPerTransaction: Record<string, number> = {
    signature: 512 + 1,
    nonce: average(sums.nonce),
    type: binaryEntropy(LEGACY_SHARE),
    fees: entropyOfValues(TIPS) + (1 - LEGACY_SHARE) * feeCapBits,
    ...{
      eth: { recipient: average(sums.recipient), amount: amountBits(ETH_AMOUNT_EXPONENTS) },
      erc20: {
        token: average(sums.token),
        recipient: average(sums.recipient),
        amount: amountBits(TOKEN_AMOUNT_EXPONENTS),
        gasLimit: estimated(2 * (jitter + 1)),
      },
      uniswap: {
        helper: average(sums.helper),
        pairAndDirection: average(sums.pair) + 1,
        amount: amountBits(SWAP_AMOUNT_EXPONENTS),
        gasLimit: estimated(SWAP_GAS_ESTIMATE.max - SWAP_GAS_ESTIMATE.min + 1),
      },
    }[key],
  }
  const bits = Object.values(bitsPerTransaction).reduce((sum, value) => sum + value, 0)
  return { bitsPerTransaction, bytesPerTransaction: bits / 8 }
}

/**
 * The entropy of which of `probabilities`' ids a transaction names (never `excluded`: the others
 * renormalized), to a decoder that knows the addresses of the ids in `known` and, generously, their
 * probabilities: an unknown id must be spelled out, NEW_ADDRESS_BITS random bits, after which
 * which unknown id it was tells the decoder nothing more.
 */
function namingBits(probabilities: readonly number[], known: ReadonlySet<number>, excluded?: number): number {
  const scale = 1 / (1 - (excluded === undefined ? 0 : probabilities[excluded]!))
  let bits = 0
  let unknownMass = 1
  for (const id of known) {
    if (id === excluded) continue
    const p = probabilities[id]! * scale
    bits -= p * Math.log2(p)
    unknownMass -= p
  }
  if (unknownMass > 1e-12) bits += unknownMass * (NEW_ADDRESS_BITS - Math.log2(unknownMass))
  return bits
}

/**
 * The decoder's uncertainty about the next transaction's nonce: a sender seen before sends its next
 * nonce, a new one (the popularity not seen yet) its first, log-uniform over NONCE_DECADES decades.
 */
class NonceUncertainty {
  /** P(first nonce = k) for k in 0 … 10^NONCE_DECADES − 2. */
  private readonly firstNonces = Array.from(
    { length: 10 ** NONCE_DECADES - 1 },
    (_, k) => (Math.log10(k + 2) - Math.log10(k + 1)) / NONCE_DECADES,
  )
  private readonly nextNonce = new Map<number, number>()
  private seenMass = 0

  constructor(private readonly users: readonly number[]) {}

  bits(): number {
    // Earlier senders' next nonces, merged where two coincide.
    const points = new Map<number, number>()
    for (const [seen, next] of this.nextNonce) points.set(next, (points.get(next) ?? 0) + this.users[seen]!)
    let bits = 0
    for (let k = 0; k < this.firstNonces.length; k++) {
      const mass = (1 - this.seenMass) * this.firstNonces[k]! + (points.get(k) ?? 0)
      if (mass > 0) bits -= mass * Math.log2(mass)
      points.delete(k)
    }
    for (const mass of points.values()) bits -= mass * Math.log2(mass)
    return bits
  }

  sent(user: number, nonce: number): void {
    if (!this.nextNonce.has(user)) this.seenMass += this.users[user]!
    this.nextNonce.set(user, nonce + 1)
  }
}

/** An amount's bits (see amount): 70% round, 1 to 999 times 10^e; 30% uniform in [10^e, 10^(e + 3)). */
function amountBits(exponents: { min: number; max: number }): number {
  const count = exponents.max - exponents.min + 1
  let fullPrecisionBits = 0
  for (let e = exponents.min; e <= exponents.max; e++)
    fullPrecisionBits += (Math.log2(999) + e * Math.log2(10)) / count
  return ROUND_AMOUNT_SHARE * Math.log2(999) + (1 - ROUND_AMOUNT_SHARE) * fullPrecisionBits
}

/** Rank r (from 0) weighs 1 / (r + 1)^exponent: what zipf draws by, and the floor's sums. */
function zipfWeights(n: number, exponent: number): number[] {
  return Array.from({ length: n }, (_, i) => 1 / (i + 1) ** exponent)
}

function zipfProbabilities(n: number, exponent: number): number[] {
  const weights = zipfWeights(n, exponent)
  const total = weights.reduce((sum, weight) => sum + weight, 0)
  return weights.map((weight) => weight / total)
}

/** Shannon entropy in bits of the distribution ∝ `weights`. */
function entropy(weights: readonly number[]): number {
  const total = weights.reduce((sum, weight) => sum + weight, 0)
  return weights.reduce(
    (bits, weight) => (weight > 0 ? bits - (weight / total) * Math.log2(weight / total) : bits),
    0,
  )
}

/** The entropy of a weighted choice among values, where equal values are one outcome. */
function entropyOfValues(choices: readonly (readonly [number, bigint])[]): number {
  const merged = new Map<bigint, number>()
  for (const [weight, value] of choices) merged.set(value, (merged.get(value) ?? 0) + weight)
  return entropy([...merged.values()])
}

function binaryEntropy(p: number): number {
  return entropy([p, 1 - p])
}

function steadyGoals(steady: SteadyState[]) {
  const eth = steady.find((row) => row.workload === 'ETH transfers')
  return {
    ethTransferBytes: {
      atMost: GOAL_ETH_TRANSFER_BYTES,
      bytes: eth?.bytesPerTransaction.withRegistry,
      met: eth !== undefined && eth.bytesPerTransaction.withRegistry <= GOAL_ETH_TRANSFER_BYTES,
    },
    smallerThanBaseline: Object.fromEntries(
      steady.map((row) => [
        row.workload,
        {
          atLeast: GOAL_SMALLER_THAN_BASELINE,
          reduction: -row.veloxVsBaseline,
          met: -row.veloxVsBaseline >= GOAL_SMALLER_THAN_BASELINE,
          /** The bytes per transaction the goal allows, and the fewest any encoding could take. */
          allowsBytes: goalAllows(row.bytesPerTransaction.baseline),
          entropyFloorBytes: row.entropyFloor.bytesPerTransaction,
        },
      ]),
    ),
  }
}

function printSteadyState(steady: SteadyState[]): void {
  console.log(
    `
A chain in steady state: each workload's batch after ${HISTORY_BATCHES} earlier batches of it (the same users, nonces going on), the address registry holding what those spelled out. Compressed bytes per transaction, the same ${TRANSACTIONS.toLocaleString('en-US')} transactions each way:
`,
  )
  console.log(
    '| workload | registry | addresses spelled out / named by number | baseline | Velox, empty registry | Velox, with registry | Velox vs baseline | goals |',
  )
  console.log('|---|---:|---:|---:|---:|---:|---:|---|')
  const goal = steadyGoals(steady)
  for (const row of steady) {
    const marks = [`≥ 15% smaller: ${mark(-row.veloxVsBaseline >= GOAL_SMALLER_THAN_BASELINE)}`]
    if (row.workload === 'ETH transfers') marks.unshift(`≤ 75 B: ${mark(goal.ethTransferBytes.met)}`)
    const bytes = row.bytesPerTransaction
    console.log(
      `| ${row.workload} | ${row.registeredAddresses.toLocaleString('en-US')} | ${row.spelledOut} / ${row.named} | ${bytes.baseline.toFixed(1)} | ${bytes.emptyRegistry.toFixed(1)} | ${bytes.withRegistry.toFixed(1)} | ${(100 * row.veloxVsBaseline).toFixed(1)}% | ${marks.join('; ')} |`,
    )
  }
}

/**
 * Each workload's entropy floor against what Velox takes and what the goal allows, on a chain's
 * first batch and in steady state, with the floor's bits per transaction part by part.
 */
function printEntropyFloors(results: WorkloadResult[], steady: SteadyState[]): void {
  console.log(
    `\nThe entropy floor: the fewest bytes per transaction any lossless encoding could average, from the generator's own draws (entropyFloor). ${(100 * GOAL_SMALLER_THAN_BASELINE).toFixed(0)}% below the baseline is out of reach where it allows less:\n`,
  )
  console.log('| workload | batch | floor | Velox | baseline | goal allows | reachable |')
  console.log('|---|---|---:|---:|---:|---:|---|')
  const rows = steady.flatMap((row) => {
    const first = results.find((result) => result.name === row.workload)!
    return [
      {
        workload: row.workload,
        batch: 'first',
        floor: row.entropyFloor.firstBatch,
        velox: perTransaction(first.velox.batchData, first),
        baseline: perTransaction(first.baseline.brotli11, first),
      },
      {
        workload: row.workload,
        batch: `${HISTORY_BATCHES + 1}th`,
        floor: row.entropyFloor,
        velox: row.bytesPerTransaction.withRegistry,
        baseline: row.bytesPerTransaction.baseline,
      },
    ]
  })
  for (const { workload, batch, floor, velox, baseline } of rows) {
    const allows = goalAllows(baseline)
    console.log(
      `| ${workload} | ${batch} | ${floor.bytesPerTransaction.toFixed(1)} | ${velox.toFixed(1)} | ${baseline.toFixed(1)} | ${allows.toFixed(1)} | ${allows >= floor.bytesPerTransaction ? 'yes' : 'no: below the floor'} |`,
    )
  }
  console.log('\nBits per transaction:')
  for (const { workload, batch, floor } of rows)
    console.log(
      `- ${workload}, ${batch} batch: ${Object.entries(floor.bitsPerTransaction)
        .map(([part, bits]) => `${part} ${bits.toFixed(1)}`)
        .join(', ')}`,
    )
}

const perTransaction = (bytes: number, result: WorkloadResult) => bytes / result.transactions
/** What goes on L1 for each: Velox's batch data (checksum included), the baseline's list at brotli 11. */
const reduction = (result: WorkloadResult) => 1 - result.velox.batchData / result.baseline.brotli11

function goals(results: WorkloadResult[], steady: SteadyState[]) {
  const eth = results.find((result) => result.key === 'eth')
  const firstBatchFloor = (workload: string) =>
    steady.find((row) => row.workload === workload)?.entropyFloor.firstBatch.bytesPerTransaction
  return {
    ethTransferBytes: {
      atMost: GOAL_ETH_TRANSFER_BYTES,
      bytes: eth && perTransaction(eth.velox.batchData, eth),
      met: eth !== undefined && perTransaction(eth.velox.batchData, eth) <= GOAL_ETH_TRANSFER_BYTES,
      entropyFloorBytes: eth && firstBatchFloor(eth.name),
    },
    smallerThanBaseline: Object.fromEntries(
      results.map((result) => [
        result.name,
        {
          atLeast: GOAL_SMALLER_THAN_BASELINE,
          reduction: reduction(result),
          met: reduction(result) >= GOAL_SMALLER_THAN_BASELINE,
          /** The bytes per transaction the goal allows, and the fewest any encoding could take. */
          allowsBytes: goalAllows(perTransaction(result.baseline.brotli11, result)),
          entropyFloorBytes: firstBatchFloor(result.name),
        },
      ]),
    ),
  }
}

function printTables(
  results: WorkloadResult[],
  steady: SteadyState[],
  sensitivity: { recipients: string; velox: number; baseline: number }[],
): void {
  const b = (bytes: number, result: WorkloadResult) => perTransaction(bytes, result).toFixed(1)
  console.log(
    `\nBytes per L2 transaction (${TRANSACTIONS.toLocaleString('en-US')} per workload in ${BLOCKS} blocks of ${MINI_BLOCKS_PER_BLOCK} mini-blocks; baseline compressed: brotli 11, its best; Velox compressed: compressBatch, brotli 10 and a 32-byte checksum):\n`,
  )
  console.log(
    '| workload | signed tx | baseline RLP | baseline compressed | Velox payload | Velox compressed | Velox vs baseline | goals |',
  )
  console.log('|---|---:|---:|---:|---:|---:|---:|---|')
  const goal = goals(results, steady)
  for (const result of results) {
    const marks = [`≥ 15% smaller: ${mark(reduction(result) >= GOAL_SMALLER_THAN_BASELINE)}`]
    if (result.key === 'eth') marks.unshift(`≤ 75 B: ${mark(goal.ethTransferBytes.met)}`)
    console.log(
      `| ${result.name} | ${b(result.signedBytes, result)} | ${b(result.baseline.raw, result)} | ${b(result.baseline.brotli11, result)} | ${b(result.velox.raw, result)} | ${b(result.velox.batchData, result)} | ${(-100 * reduction(result)).toFixed(1)}% | ${marks.join('; ')} |`,
    )
  }

  console.log(
    '\nCompressors (bytes per transaction, no checksum; brotli (window 2^24) and deflate in Node, zstd and brotli 10 again in workerd):\n',
  )
  console.log(
    '| workload | transactions | format | raw | brotli 10 | brotli 11 | deflate 9 | zstd 19 | zstd 22 | brotli 10 in workerd |',
  )
  console.log('|---|---:|---|---:|---:|---:|---:|---:|---:|---:|')
  const c = (size: number | string, count: number) =>
    typeof size === 'number' ? (size / count).toFixed(1) : 'fails'
  for (const result of results)
    for (const [count, format, sizes] of [
      [result.transactions, 'Velox', result.velox],
      [result.transactions, 'baseline', result.baseline],
      [result.sample.transactions, 'Velox', result.sample.velox],
      [result.sample.transactions, 'baseline', result.sample.baseline],
    ] as const)
      console.log(
        `| ${result.name} | ${count} | ${format} | ${c(sizes.raw, count)} | ${c(sizes.brotli10, count)} | ${c(sizes.brotli11, count)} | ${c(sizes.deflate, count)} | ${c(sizes.zstd19, count)} | ${c(sizes.zstd22, count)} | ${c(sizes.workerdBrotli, count)} |`,
      )
  console.log(
    '\n("fails": workerd\'s zstdCompressSync throws "Unexpected end of file" once its output passes ~40 KB; the second rows of each workload are its first blocks alone.)',
  )

  console.log(
    '\nL1 gas per L2 transaction, from receipts of BatchInbox posts on anvil (Prague: EIP-7623 calldata floor; blob gas apart):\n',
  )
  console.log(
    '| workload | format | calldata: gas | blobs: gas | blobs: blob gas | blobs used | blob fill | blob gas at full blobs |',
  )
  console.log('|---|---|---:|---:|---:|---:|---:|---:|')
  for (const result of results)
    for (const [format, gas] of [
      ['Velox', result.l1.velox],
      ['baseline', result.l1.baseline],
    ] as const)
      console.log(
        `| ${result.name} | ${format} | ${perTx(gas.calldata.gasUsed, result)} | ${perTx(gas.blobs.gasUsed, result)} | ${perTx(gas.blobs.blobGasUsed, result)} | ${gas.blobs.blobs} | ${(100 * blobFill(gas)).toFixed(0)}% | ${perTx(BigInt(Math.round(Number(gas.blobs.blobGasUsed) * blobFill(gas))), result)} |`,
      )
  console.log(
    '\n(blob fill: frame bytes over what the blobs could carry, 126,976 bytes each; a batcher filling its blobs pays the last column.)',
  )

  console.log(
    `\nThroughput on one core (median of ${TIMED_RUNS} runs after ${WARMUP_RUNS} warm-ups, one ${TRANSACTIONS.toLocaleString('en-US')}-transaction batch):\n`,
  )
  console.log(
    '| workload | encode | compress | encode + compress | batches/s | tx/s | KZG of its blobs (1 run) | tx/s posting in blobs | decompress + decode | tx/s | baseline: RLP + brotli 11 |',
  )
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
  for (const result of results) {
    const t = result.throughputMs
    const write = t.encode + t.compress
    const read = t.decompress + t.decode
    const perSecond = (milliseconds: number) =>
      Math.round((1000 * result.transactions) / milliseconds).toLocaleString('en-US')
    console.log(
      `| ${result.name} | ${ms(t.encode)} | ${ms(t.compress)} | ${ms(write)} | ${(1000 / write).toFixed(1)} | ${perSecond(write)} | ${ms(t.blobProofs)} | ${perSecond(write + t.blobProofs)} | ${ms(read)} | ${perSecond(read)} | ${ms(t.baselineCompress)} |`,
    )
  }

  console.log('\nCalldata or blobs (chooseDataPath on each batch):\n')
  console.log('| workload | fees | cheaper |')
  console.log('|---|---|---|')
  for (const result of results)
    for (const choice of result.choice) console.log(`| ${result.name} | ${choice.fees} | ${choice.path} |`)

  console.log('\nETH transfers with other recipient sets (compressed bytes per transaction):\n')
  console.log('| recipients | Velox | baseline | Velox vs baseline |')
  console.log('|---|---:|---:|---:|')
  for (const row of sensitivity)
    console.log(
      `| ${row.recipients} | ${row.velox.toFixed(1)} | ${row.baseline.toFixed(1)} | ${(100 * (row.velox / row.baseline - 1)).toFixed(1)}% |`,
    )
}

function resultsJson(
  machine: Machine,
  results: WorkloadResult[],
  sensitivity: { recipients: string; velox: number; baseline: number }[],
  steady: SteadyState[],
) {
  return {
    ...machine,
    measured: MEASURED,
    parameters: {
      transactions: TRANSACTIONS,
      blocks: BLOCKS,
      miniBlocksPerBlock: MINI_BLOCKS_PER_BLOCK,
      users: USERS,
      zipfExponent: ZIPF_EXPONENT,
      tokens: TOKENS,
      pairs: PAIRS,
      chainId: CHAIN_ID,
    },
    workloads: results.map((result) => ({
      workload: result.name,
      transactions: result.transactions,
      blocks: result.blocks,
      bytesPerTransaction: {
        signed: perTransaction(result.signedBytes, result),
        velox: perTransactionSizes(result.velox, result.transactions),
        baseline: perTransactionSizes(result.baseline, result.transactions),
        veloxVsBaseline: -reduction(result),
      },
      bytes: { signed: result.signedBytes, velox: result.velox, baseline: result.baseline },
      sample: {
        transactions: result.sample.transactions,
        bytesPerTransaction: {
          velox: perTransactionSizes(result.sample.velox, result.sample.transactions),
          baseline: perTransactionSizes(result.sample.baseline, result.sample.transactions),
        },
      },
      l1: result.l1,
      l1GasPerTransaction: {
        velox: {
          calldata: perTxNumber(result.l1.velox.calldata.gasUsed, result),
          blobs: perTxNumber(result.l1.velox.blobs.gasUsed, result),
          blobGas: perTxNumber(result.l1.velox.blobs.blobGasUsed, result),
        },
        baseline: {
          calldata: perTxNumber(result.l1.baseline.calldata.gasUsed, result),
          blobs: perTxNumber(result.l1.baseline.blobs.gasUsed, result),
          blobGas: perTxNumber(result.l1.baseline.blobs.blobGasUsed, result),
        },
      },
      throughputMs: result.throughputMs,
      perSecond: {
        encodeAndCompressBatches: 1000 / (result.throughputMs.encode + result.throughputMs.compress),
        encodeAndCompressTransactions:
          (1000 * result.transactions) / (result.throughputMs.encode + result.throughputMs.compress),
        encodeCompressAndProveBlobsTransactions:
          (1000 * result.transactions) /
          (result.throughputMs.encode + result.throughputMs.compress + result.throughputMs.blobProofs),
        decompressAndDecodeTransactions:
          (1000 * result.transactions) / (result.throughputMs.decompress + result.throughputMs.decode),
      },
      dataPath: result.choice,
    })),
    recipientSensitivity: sensitivity,
    steadyState: { historyBatches: HISTORY_BATCHES, workloads: steady, goals: steadyGoals(steady) },
    goals: goals(results, steady),
  }
}

/** Sizes divided by the transaction count; a compressor's error stays as it is. */
function perTransactionSizes(sizes: Record<string, number | string>, transactions: number) {
  return Object.fromEntries(
    Object.entries(sizes).map(([key, value]) => [
      key,
      typeof value === 'number' ? value / transactions : value,
    ]),
  )
}

/** The share of the blobs' capacity the frames used. */
function blobFill(gas: L1Gas): number {
  return gas.blobs.bytes / (gas.blobs.blobs * BLOB_DATA_BYTES)
}

function perTx(gas: bigint, result: WorkloadResult): string {
  return perTxNumber(gas, result).toFixed(0)
}

function perTxNumber(gas: bigint, result: WorkloadResult): number {
  return Number(gas) / result.transactions
}

function eth(wei: bigint): string {
  return `${(Number(wei) / 1e18).toPrecision(3)} ETH`
}

function mark(met: boolean): string {
  return met ? 'met' : 'NOT met'
}

function ms(value: number): string {
  return `${value.toFixed(value < 10 ? 2 : 1)} ms`
}

function seconds(started: number): string {
  return ((performance.now() - started) / 1000).toFixed(1)
}

function bigintReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value
}

await main()
