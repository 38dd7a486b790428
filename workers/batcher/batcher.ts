/**
 * The batcher: a Durable Object that settles sealed L2 blocks on L1. Its alarm runs a round every
 * BATCH_INTERVAL_MS; the cron trigger (workers/rpc/index.ts `scheduled`) and every status read
 * make sure the alarm is set. One round:
 *
 *   L1: head, inbox.nextBlock (now and `confirmations` deep), batcher nonce, latest commitment
 *   each watched post: receipt / mempool ─▶ planBatcherRound ─▶ retire, forget, rebroadcast, bump
 *   nextBlock … ─▶ sequencer.batchBlocks ─▶ encode + compress ─▶ frames ─▶ calldata or blobs
 *   safe block ─▶ StateCommitments.commit(block, hash, state root)
 *   every new transaction: signed, stored (SQLite, synced) and only then sent
 *
 * L1 is the truth on where batches continue (`nextBlock`), so a crash at any point, or an L1 reorg,
 * ends in the same place: no gap, no range posted twice. Secrets: L1_RPC_URL and
 * BATCHER_PRIVATE_KEY (`wrangler secret put`); without them the batcher stays idle.
 */
import { DurableObject } from 'cloudflare:workers'
import {
  type Abi,
  type Address,
  BaseError,
  blobsToCommitments,
  blobsToProofs,
  ContractFunctionZeroDataError,
  commitmentsToVersionedHashes,
  createPublicClient,
  encodeFunctionData,
  getAddress,
  type Hash,
  type Hex,
  http,
  isAddress,
  keccak256,
  type PublicClient,
  parseTransaction,
  serializeTransaction,
  TransactionNotFoundError,
  TransactionReceiptNotFoundError,
  toBlobSidecars,
} from 'viem'
import { type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts'
import genesis from '../../config/genesis.dev.json'
import StateCommitments from '../../contracts/artifacts/StateCommitments.json' with { type: 'json' }
import { VeloxError } from '../../src/errors/base.ts'
import { parseChainConfig } from '../../src/execution/chainConfig.ts'
import { bytesToBlobs } from '../../src/l1/blobs.ts'
import { blobPostGas, chooseDataPath } from '../../src/l1/chooseDataPath.ts'
import { compressBatch } from '../../src/l1/compressBatch.ts'
import { encodeBatchPayload } from '../../src/l1/encodeBatch.ts'
import {
  BLOB_FRAME_CAPACITY,
  CALLDATA_FRAME_CAPACITY,
  FRAME_HEADER_BYTES,
  splitFrames,
} from '../../src/l1/frames.ts'
import { loadKzg } from '../../src/l1/loadKzg.ts'
import { batchInboxAbi } from '../../src/l1/postBatch.ts'
import { bytesToHex, hexToBytes } from '../../src/primitives/hex.ts'
import { SEQUENCER_NAME } from '../rpc/workersBackend.ts'
import { MAX_BATCH_BLOCKS_PER_CALL, type SealedBatchBlock } from '../sequencer/sequencer.ts'
import { BatcherStore, type PostPayload, type StoredPost } from './batcherStore.ts'
import { bumpFees, type FeeCaps, type L1Fees } from './bumpFees.ts'
import {
  type BatchInProgress,
  type L1View,
  type PlannedBatch,
  type PostObservation,
  planBatcherRound,
} from './planBatcherRound.ts'

const commitmentsAbi = StateCommitments.abi as Abi

/** The batcher Durable Object is addressed by this name: one per chain. */
export const BATCHER_NAME = 'batcher'

/**
 * L1 blocks an unmined post waits before its fees are bumped: 3 Ethereum slots (36 s), as op-service
 * txmgr's default ResubmissionTimeout of 48 s rounds to whole blocks.
 */
const RESUBMIT_AFTER_L1_BLOCKS = 3n
/** Included posts are watched for reorgs this many L1 blocks: two epochs, when Ethereum finalizes. */
const REORG_WATCH_L1_BLOCKS = 64n
/** Commitments looked at, newest first, for the latest finalized one. */
const FINALITY_LOOKBACK = 16n
/**
 * Gas headroom over the estimate: a post after a reorg or a first frame can touch fresh slots
 * (22,100 gas each, EIP-2929 + EIP-2200); 20% covers both of BatchInbox's.
 */
const GAS_HEADROOM_PERCENT = 20n
/** A blob post's gas cannot be estimated without its blobs: chooseDataPath's figure plus two fresh slots. */
const BLOB_POST_FRESH_SLOTS_GAS = 2n * 22_100n
/** A batch of several blocks is cut to fit one frame: this share of the frame's capacity is aimed at. */
const FRAME_FILL_TARGET = 0.9
/**
 * Frames sent in one round at most (a block larger than 16 frames goes out over several rounds):
 * geth's pool keeps 16 executable transactions per account (txpool.accountslots).
 */
const MAX_FRAMES_PER_ROUND = 16
/** BatchInbox.DataSource. */
const INBOX_SOURCES = ['calldata', 'blobs'] as const

type DataPathSetting = 'auto' | 'calldata' | 'blobs'

/** Secrets, set with `wrangler secret put` (or Miniflare bindings locally); not in wrangler.toml. */
type BatcherSecrets = { L1_RPC_URL?: string; BATCHER_PRIVATE_KEY?: string }

type BatcherConfig = {
  rpcUrl: string
  account: PrivateKeyAccount
  inbox: Address
  commitments: Address
  intervalMs: number
  confirmations: bigint
  dataPath: DataPathSetting
  /** BATCHER_MAX_FRAME_BYTES: frames smaller than L1 allows, or null for L1's limits. */
  maxFrameBytes: number | null
  caps: FeeCaps
}

/** What velox_batcherStatus shows; block numbers are L2 blocks, null before the first round. */
export type BatcherStatus = {
  configured: boolean
  inbox: Address | null
  commitments: Address | null
  l1Head: string | null
  /** The last L2 block posted in full to the inbox (inbox.nextBlock − 1). */
  latestPosted: string | null
  /** The last L2 block posted `confirmations` L1 blocks deep: the `safe` tag. */
  latestConfirmed: string | null
  latestCommitted: string | null
  /** The last committed L2 block past the challenge window: the `finalized` tag. */
  latestFinalized: string | null
  /** L1 transactions sent and not mined (or taken back by a reorg). */
  pending: {
    nonce: string
    kind: string
    firstBlock: string
    lastBlock: string
    /** Its position in its batch (0 for a commitment). */
    frameIndex: number
    hash: Hash | null
    sentAtL1Block: string
  }[]
  /** Set when posting stopped because the fees needed are above the caps. */
  alert: string | null
  lastError: string | null
  updatedAt: number | null
}

export class BatcherConfigError extends VeloxError {
  override name = 'BatcherConfigError'
}

/** The batch the inbox has in progress does not encode to the frames it was started with. */
export class BatchResumeError extends VeloxError {
  override name = 'BatchResumeError'
}

export class Batcher extends DurableObject<Env> {
  private readonly store: BatcherStore
  private readonly config: BatcherConfig | null
  /** A var or secret that does not parse: shown in the status, and the batcher stays idle. */
  private readonly configError: string | null
  private readonly l2ChainId: bigint
  private client: PublicClient | undefined
  private l1ChainId: number | undefined

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    this.store = new BatcherStore(ctx.storage.sql)
    this.l2ChainId = parseChainConfig(env, { blockGasLimit: BigInt(genesis.gasLimit) }).chainId
    let config: BatcherConfig | null = null
    let configError: string | null = null
    try {
      config = readBatcherConfig(env)
    } catch (error) {
      if (!(error instanceof BatcherConfigError)) throw error
      configError = error.message
      console.error(`batcher idle: ${error.message}`)
    }
    this.config = config
    this.configError = configError
  }

  /** Makes sure a round is scheduled (the cron trigger calls this; an alarm already due is kept). */
  async wake(): Promise<void> {
    if (!this.config) return
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + 1)
  }

  async status(): Promise<BatcherStatus> {
    await this.wake()
    const saved = this.store.getMeta('status')
    const base: BatcherStatus = saved
      ? (JSON.parse(saved) as BatcherStatus)
      : {
          configured: this.config !== null,
          inbox: this.config?.inbox ?? null,
          commitments: this.config?.commitments ?? null,
          l1Head: null,
          latestPosted: null,
          latestConfirmed: null,
          latestCommitted: null,
          latestFinalized: null,
          pending: [],
          alert: null,
          lastError: null,
          updatedAt: null,
        }
    return {
      ...base,
      lastError: this.configError ?? base.lastError,
      pending: this.unminedPosts().map((post) => ({
        nonce: post.nonce.toString(),
        kind: post.kind,
        firstBlock: post.firstBlock.toString(),
        lastBlock: post.lastBlock.toString(),
        frameIndex: post.frameIndex,
        hash: this.store.attempts(post.nonce).at(-1)?.hash ?? null,
        sentAtL1Block: post.sentAtL1Block.toString(),
      })),
    }
  }

  /** Posts sent and not (or no longer) in an L1 block. */
  private unminedPosts(): StoredPost[] {
    return this.store.posts().filter((post) => post.includedAt === null)
  }

  override async alarm(): Promise<void> {
    const config = this.config
    if (!config) return
    try {
      await this.runRound(config)
      this.updateStatus({ lastError: null })
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      console.error(`batcher round failed: ${message}`)
      this.updateStatus({ lastError: message })
    } finally {
      await this.ctx.storage.setAlarm(Date.now() + config.intervalMs)
    }
  }

  private async runRound(config: BatcherConfig): Promise<void> {
    const client = this.l1Client(config)
    this.l1ChainId ??= await client.getChainId()
    const head = await client.getBlockNumber({ cacheTime: 0 })
    const readInbox = (functionName: string, blockNumber: bigint) =>
      this.readInbox(config, functionName, [], blockNumber) as Promise<bigint>
    const nextBlock = await readInbox('nextBlock', head)
    const framesPosted = Number(await readInbox('framesPosted', head))
    const batchInProgress: BatchInProgress | null =
      framesPosted === 0
        ? null
        : {
            lastBlock: BigInt(await readInbox('pendingLastBlock', head)),
            frameCount: Number(await readInbox('pendingFrameCount', head)),
            framesPosted,
          }
    // The inbox as of `confirmations` blocks (the head counting as one): what is posted that deep.
    const confirmedAt = head - config.confirmations + 1n
    const safeBlock =
      confirmedAt < 0n ? -1n : (await readOrZero(() => readInbox('nextBlock', confirmedAt))) - 1n
    const accountNonce = BigInt(
      await client.getTransactionCount({ address: config.account.address, blockNumber: head }),
    )
    const commitmentCount = (await client.readContract({
      address: config.commitments,
      abi: commitmentsAbi,
      functionName: 'commitmentCount',
      blockNumber: head,
    })) as bigint
    const lastCommittedBlock =
      commitmentCount === 0n ? 0n : await this.commitmentBlock(config, commitmentCount - 1n, head)
    const l2Head = (await this.sequencer().headBlock()).number
    const l1: L1View = {
      head,
      nextBlock,
      accountNonce,
      lastCommittedBlock,
      safeBlock: safeBlock < 0n ? 0n : safeBlock,
      l2Head,
      batchInProgress,
    }

    const posts = this.store.posts()
    const observed: { post: StoredPost; observation: PostObservation }[] = []
    for (const post of posts) observed.push({ post, observation: await this.observe(post) })
    // A fee alert holds new transactions back until the market is under the caps again.
    let halted = false
    if (this.store.getMeta('alert') !== undefined) {
      if (await this.feesBackUnderCaps(config)) this.clearAlert()
      else {
        halted = true
        console.error(this.store.getMeta('alert'))
      }
    }
    const plan = planBatcherRound(observed, l1, {
      resubmitAfterL1Blocks: RESUBMIT_AFTER_L1_BLOCKS,
      reorgWatchL1Blocks: REORG_WATCH_L1_BLOCKS,
      // A batch is what one call gives at most; a busy chain fills its frame sooner.
      maxBlocksPerBatch: BigInt(MAX_BATCH_BLOCKS_PER_CALL),
      halted,
    })

    for (const [i, decision] of plan.decisions.entries()) {
      const { post } = observed[i]!
      switch (decision.action) {
        case 'keep':
          break
        case 'mark-included':
          if (post.includedAt !== decision.l1Block) this.store.setIncludedAt(post.nonce, decision.l1Block)
          break
        case 'mark-pending':
          console.warn(
            `batcher: L1 reorg took post ${post.nonce} (blocks ${post.firstBlock}..${post.lastBlock}) back to the mempool`,
          )
          this.store.setIncludedAt(post.nonce, null)
          break
        case 'retire':
          this.store.deletePost(post.nonce)
          break
        case 'forget':
          console.warn(
            `batcher: forgetting post ${post.nonce} (blocks ${post.firstBlock}..${post.lastBlock}): ${decision.reason}`,
          )
          this.store.deletePost(post.nonce)
          break
        case 'rebroadcast': {
          if (decision.reorged)
            console.warn(
              `batcher: L1 reorg dropped post ${post.nonce} (blocks ${post.firstBlock}..${post.lastBlock}); sending it again`,
            )
          this.store.setIncludedAt(post.nonce, null)
          const latest = this.store.attempts(post.nonce).at(-1)
          // A node that drops what L1's base fee has outgrown (anvil, reth) refuses it back: it
          // goes out again at today's fees, as a bump would send it.
          if (latest && (await this.send(client, latest.raw)) === 'fee-cap-too-low')
            if (!halted && !(await this.resign(config, post, head))) halted = true
          break
        }
        case 'bump':
          if (!halted && !(await this.resign(config, post, head))) halted = true
          break
      }
    }
    this.store.deleteAttemptsBelow(accountNonce)

    let nonce = plan.nextNonce
    if (!halted && plan.batch) {
      const outcome = await this.postBatch(config, plan.batch, nonce, head)
      nonce += BigInt(outcome.sent)
      halted = outcome.overCap
    }
    if (!halted && plan.commit !== null)
      halted = !(await this.postCommitment(config, plan.commit, nonce, head))

    this.updateStatus({
      configured: true,
      inbox: config.inbox,
      commitments: config.commitments,
      l1Head: head.toString(),
      latestPosted: (nextBlock - 1n).toString(),
      latestConfirmed: l1.safeBlock.toString(),
      latestCommitted: lastCommittedBlock.toString(),
      latestFinalized: (await this.latestFinalized(config, commitmentCount, head)).toString(),
      alert: this.store.getMeta('alert') ?? null,
    })
  }

  /** Receipt of any of the post's versions, else whether L1's node still holds the latest one. */
  private async observe(post: StoredPost): Promise<PostObservation> {
    const client = this.l1Client(this.config!)
    const attempts = this.store.attempts(post.nonce)
    for (const attempt of attempts.toReversed()) {
      try {
        const receipt = await client.getTransactionReceipt({ hash: attempt.hash })
        return receipt.status === 'success'
          ? { status: 'included', l1Block: receipt.blockNumber }
          : { status: 'reverted', l1Block: receipt.blockNumber }
      } catch (error) {
        if (!(error instanceof TransactionReceiptNotFoundError)) throw error
      }
    }
    const latest = attempts.at(-1)
    if (!latest) return { status: 'unknown' }
    try {
      await client.getTransaction({ hash: latest.hash })
      return { status: 'in-mempool' }
    } catch (error) {
      if (error instanceof TransactionNotFoundError) return { status: 'unknown' }
      throw error
    }
  }

  /**
   * Encodes the planned blocks and posts their frames from consecutive nonces. A new batch takes
   * as many blocks as fit one frame; a single block larger than a frame goes out in several. The
   * inbox's batch in progress is encoded again (the same blocks give the same frames, in the data
   * path its first frame took) and continued from its next frame. Says how many transactions it
   * sent, and whether the fee caps stopped it.
   */
  private async postBatch(
    config: BatcherConfig,
    batch: PlannedBatch,
    nonce: bigint,
    head: bigint,
  ): Promise<{ sent: number; overCap: boolean }> {
    const client = this.l1Client(config)
    const planned = Number(batch.lastBlock - batch.firstBlock + 1n)
    let blocks = (await this.sequencer().batchBlocks(batch.firstBlock, planned)).map((sealed) => sealed.block)
    if (blocks.length === 0) return { sent: 0, overCap: false }
    if (batch.resume && blocks.length !== planned)
      throw new BatchResumeError(
        `L1 has part of a batch of L2 blocks ${batch.firstBlock}..${batch.lastBlock}; the sequencer has sealed ${blocks.length} of them`,
      )
    const latestBlock = await client.getBlock({ blockNumber: head })
    const baseFeePerGas = latestBlock.baseFeePerGas ?? 0n
    const priorityFeePerGas = await client.estimateMaxPriorityFeePerGas()
    const resumedPath = batch.resume ? await this.lastFrameSource(config, head) : null
    const blobBaseFee = (resumedPath ?? config.dataPath) === 'calldata' ? 0n : await client.getBlobBaseFee()
    const registry = this.store.registryBefore(batch.firstBlock)
    let frames: Uint8Array[]
    let path: 'calldata' | 'blobs'
    let newAddresses: Address[]
    for (;;) {
      const encoded = encodeBatchPayload(blocks, { chainId: this.l2ChainId, registry })
      newAddresses = encoded.newAddresses
      const data = compressBatch(encoded.payload)
      path =
        resumedPath ??
        (config.dataPath === 'auto'
          ? chooseDataPath({ size: data.length, baseFeePerGas, priorityFeePerGas, blobBaseFee }).path
          : config.dataPath)
      const capacity = frameCapacity(config, path)
      frames = splitFrames(data, capacity)
      if (frames.length === 1 || blocks.length === 1 || batch.resume) break
      const keep = Math.max(1, Math.floor((blocks.length * capacity * FRAME_FILL_TARGET) / data.length))
      blocks = blocks.slice(0, Math.min(keep, blocks.length - 1))
    }
    if (batch.resume && frames.length !== batch.resume.frameCount)
      throw new BatchResumeError(
        `L2 blocks ${batch.firstBlock}..${batch.lastBlock} encode to ${frames.length} ${path} frames; the batch L1 has in progress has ${batch.resume.frameCount}`,
        { details: 'the batch encoding or BATCHER_MAX_FRAME_BYTES changed while the batch was being posted' },
      )
    // Registered before anything is sent; a batch encoded again from its first block replaces them.
    this.store.register(newAddresses, batch.firstBlock)
    const lastBlock = batch.firstBlock + BigInt(blocks.length - 1)
    const market = marketFees(baseFeePerGas, priorityFeePerGas, path === 'blobs' ? blobBaseFee : null)
    const fromFrame = batch.resume?.fromFrame ?? 0
    const toFrame = Math.min(frames.length, fromFrame + MAX_FRAMES_PER_ROUND)
    let calldataGas: bigint | undefined
    let sent = 0
    for (let frameIndex = fromFrame; frameIndex < toFrame; frameIndex++) {
      const position = [batch.firstBlock, lastBlock, frameIndex, frames.length] as const
      let payload: PostPayload
      if (path === 'calldata') {
        const data = encodeFunctionData({
          abi: batchInboxAbi,
          functionName: 'postCalldataFrame',
          args: [...position, bytesToHex(frames[frameIndex]!)],
        })
        // Only the first frame sent can be estimated (the inbox refuses the next until it is
        // mined); the frames after it are no larger, and their calls do the same work.
        calldataGas ??= withHeadroom(
          await client.estimateGas({ account: config.account.address, to: config.inbox, data }),
        )
        payload = { to: config.inbox, data, blobs: null, gas: calldataGas }
      } else {
        const blobs = bytesToBlobs(frames[frameIndex]!)
        payload = {
          to: config.inbox,
          data: encodeFunctionData({ abi: batchInboxAbi, functionName: 'postBlobFrame', args: position }),
          blobs,
          gas: withHeadroom(blobPostGas(blobs.length) + BLOB_POST_FRESH_SLOTS_GAS),
        }
      }
      const accepted = await this.signAndSendNew(
        config,
        { kind: 'frame', firstBlock: batch.firstBlock, lastBlock, frameIndex },
        payload,
        nonce + BigInt(sent),
        market,
        head,
      )
      if (!accepted) return { sent, overCap: true }
      sent++
    }
    return { sent, overCap: false }
  }

  /** A BatchInbox view call as of L1 block `blockNumber`. */
  private readInbox(
    config: BatcherConfig,
    functionName: string,
    args: readonly unknown[],
    blockNumber: bigint,
  ): Promise<unknown> {
    return this.l1Client(config).readContract({
      address: config.inbox,
      abi: batchInboxAbi,
      functionName,
      args,
      blockNumber,
    })
  }

  /** The data path of the inbox's latest frame: the one a batch in progress continues in. */
  private async lastFrameSource(config: BatcherConfig, head: bigint): Promise<'calldata' | 'blobs'> {
    const count = (await this.readInbox(config, 'frameCountPosted', [], head)) as bigint
    const frame = (await this.readInbox(config, 'frameAt', [count - 1n], head)) as { source: number }
    const source = INBOX_SOURCES[frame.source]
    if (!source) throw new Error(`BatchInbox frame ${count - 1n} has an unknown data source ${frame.source}`)
    return source
  }

  private async postCommitment(
    config: BatcherConfig,
    block: bigint,
    nonce: bigint,
    head: bigint,
  ): Promise<boolean> {
    const client = this.l1Client(config)
    const [sealed] = await this.sequencer().batchBlocks(block, 1)
    if (!sealed) throw new Error(`the sequencer has no sealed block ${block} to commit`)
    const data = encodeFunctionData({
      abi: commitmentsAbi,
      functionName: 'commit',
      args: [block, sealed.hash, sealed.block.header.stateRoot],
    })
    const gas = await client.estimateGas({ account: config.account.address, to: config.commitments, data })
    const latestBlock = await client.getBlock({ blockNumber: head })
    const market = marketFees(
      latestBlock.baseFeePerGas ?? 0n,
      await client.estimateMaxPriorityFeePerGas(),
      null,
    )
    return this.signAndSendNew(
      config,
      { kind: 'commit', firstBlock: block, lastBlock: block, frameIndex: 0 },
      { to: config.commitments, data, blobs: null, gas: withHeadroom(gas) },
      nonce,
      market,
      head,
    )
  }

  /** A new post at `nonce`: fees that also replace any version of that nonce signed before. */
  private async signAndSendNew(
    config: BatcherConfig,
    what: Pick<StoredPost, 'kind' | 'firstBlock' | 'lastBlock' | 'frameIndex'>,
    payload: PostPayload,
    nonce: bigint,
    market: L1Fees,
    head: bigint,
  ): Promise<boolean> {
    const previous = this.store.attempts(nonce).at(-1)?.fees ?? null
    const fees = bumpFees(previous, market, config.caps)
    if (!fees.ok) {
      this.raiseAlert(
        `posting ${what.kind} for L2 blocks ${what.firstBlock}..${what.lastBlock} needs ${fees.exceeds}`,
      )
      return false
    }
    const signed = await this.sign(config, payload, nonce, fees.fees)
    this.store.insertPost(
      { ...what, nonce, sentAtL1Block: head, includedAt: null, payload },
      { hash: signed.hash, nonce, raw: signed.raw, fees: fees.fees, sentAtL1Block: head },
    )
    // Durable before it leaves: after a crash the batcher finds this transaction, never a twin.
    await this.ctx.storage.sync()
    await this.send(this.l1Client(config), signed.raw)
    return true
  }

  /** A post waited too long: the same transaction with bumped fees (or an alert past the caps). */
  private async resign(config: BatcherConfig, post: StoredPost, head: bigint): Promise<boolean> {
    const client = this.l1Client(config)
    const previous = this.store.attempts(post.nonce).at(-1)
    const latestBlock = await client.getBlock({ blockNumber: head })
    const blob = post.payload.blobs !== null
    const market = marketFees(
      latestBlock.baseFeePerGas ?? 0n,
      await client.estimateMaxPriorityFeePerGas(),
      blob ? await client.getBlobBaseFee() : null,
    )
    const fees = bumpFees(previous?.fees ?? null, market, config.caps)
    if (!fees.ok) {
      this.raiseAlert(
        `replacing post ${post.nonce} (L2 blocks ${post.firstBlock}..${post.lastBlock}) needs ${fees.exceeds}`,
      )
      return false
    }
    const signed = await this.sign(config, post.payload, post.nonce, fees.fees)
    this.store.insertAttempt({
      hash: signed.hash,
      nonce: post.nonce,
      raw: signed.raw,
      fees: fees.fees,
      sentAtL1Block: head,
    })
    await this.ctx.storage.sync()
    await this.send(client, signed.raw)
    return true
  }

  /**
   * Signs without sending. A blob transaction's hash covers the transaction without its sidecars
   * (EIP-4844), so it is signed bare and sent in the network form that carries blobs and proofs.
   */
  private async sign(
    config: BatcherConfig,
    payload: PostPayload,
    nonce: bigint,
    fees: L1Fees,
  ): Promise<{ hash: Hash; raw: Uint8Array }> {
    const base = {
      chainId: this.l1ChainId!,
      nonce: Number(nonce),
      to: payload.to,
      data: payload.data,
      gas: payload.gas,
      maxFeePerGas: fees.maxFeePerGas,
      maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
    }
    if (payload.blobs === null || fees.maxFeePerBlobGas === null) {
      const raw = await config.account.signTransaction({ ...base, type: 'eip1559' })
      return { hash: keccak256(raw), raw: hexToBytes(raw) }
    }
    const kzg = loadKzg()
    const blobs = payload.blobs.map((blob) => bytesToHex(blob))
    const commitments = blobsToCommitments({ blobs, kzg })
    const sidecars = toBlobSidecars({
      blobs,
      commitments,
      proofs: blobsToProofs({ blobs, commitments, kzg }),
    })
    const bare = {
      ...base,
      type: 'eip4844' as const,
      maxFeePerBlobGas: fees.maxFeePerBlobGas,
      blobVersionedHashes: commitmentsToVersionedHashes({ commitments }),
    }
    const signedBare = await config.account.signTransaction(bare)
    const { r, s, yParity } = parseTransaction(signedBare)
    if (r === undefined || s === undefined || yParity === undefined)
      throw new Error('a signed blob transaction came back without its signature')
    const raw = serializeTransaction({ ...bare, sidecars }, { r, s, yParity })
    return { hash: keccak256(signedBare), raw: hexToBytes(raw) }
  }

  /**
   * Sends a signed transaction. A node that already has it, or whose nonce is already used, says
   * so: the next round's observation tells what became of it, so those answers are only logged.
   * One that refuses it because its fee cap is under the base fee says 'fee-cap-too-low'.
   */
  private async send(client: PublicClient, raw: Uint8Array): Promise<'sent' | 'fee-cap-too-low'> {
    try {
      await client.sendRawTransaction({ serializedTransaction: bytesToHex(raw) })
      return 'sent'
    } catch (error) {
      const message = error instanceof BaseError ? error.details || error.shortMessage : String(error)
      if (
        /already known|already imported|nonce too low|underpriced|nonce has already been used/i.test(message)
      ) {
        console.warn(`batcher: L1 node: ${message}`)
        return 'sent'
      }
      // geth's ErrFeeCapTooLow wording, which anvil and reth answer with too.
      if (/max fee per gas less than block base fee|fee cap less than block base fee/i.test(message)) {
        console.warn(`batcher: L1 node: ${message}`)
        return 'fee-cap-too-low'
      }
      throw error
    }
  }

  private async commitmentBlock(config: BatcherConfig, index: bigint, head: bigint): Promise<bigint> {
    const commitment = (await this.l1Client(config).readContract({
      address: config.commitments,
      abi: commitmentsAbi,
      functionName: 'commitmentAt',
      args: [index],
      blockNumber: head,
    })) as { l2BlockNumber: bigint }
    return BigInt(commitment.l2BlockNumber)
  }

  /** The newest commitment StateCommitments calls finalized (looked for among the latest few). */
  private async latestFinalized(config: BatcherConfig, count: bigint, head: bigint): Promise<bigint> {
    const known = BigInt(JSON.parse(this.store.getMeta('status') ?? '{}').latestFinalized ?? '0')
    for (let index = count - 1n; index >= 0n && index >= count - FINALITY_LOOKBACK; index--) {
      const block = await this.commitmentBlock(config, index, head)
      if (block <= known) break
      const finalized = (await this.l1Client(config).readContract({
        address: config.commitments,
        abi: commitmentsAbi,
        functionName: 'isFinalized',
        args: [block],
        blockNumber: head,
      })) as boolean
      if (finalized) return block
    }
    // An L1 reorg can take commitments back: never report past the latest there is.
    const latest = count === 0n ? 0n : await this.commitmentBlock(config, count - 1n, head)
    return known < latest ? known : latest
  }

  private async feesBackUnderCaps(config: BatcherConfig): Promise<boolean> {
    const client = this.l1Client(config)
    const block = await client.getBlock()
    const blob = config.dataPath === 'calldata' ? null : await client.getBlobBaseFee()
    const market = marketFees(block.baseFeePerGas ?? 0n, await client.estimateMaxPriorityFeePerGas(), blob)
    return bumpFees(null, market, config.caps).ok
  }

  private raiseAlert(message: string): void {
    const alert = `batcher stopped: ${message} (caps BATCHER_MAX_FEE_PER_GAS, BATCHER_MAX_FEE_PER_BLOB_GAS)`
    console.error(alert)
    this.store.setMeta('alert', alert)
    this.updateStatus({ alert })
  }

  private clearAlert(): void {
    this.store.deleteMeta('alert')
    this.updateStatus({ alert: null })
  }

  private updateStatus(changes: Partial<BatcherStatus>): void {
    const saved = this.store.getMeta('status')
    const status = { ...(saved ? JSON.parse(saved) : {}), ...changes, updatedAt: Date.now() }
    this.store.setMeta('status', JSON.stringify(status))
  }

  private sequencer() {
    const stub = this.env.SEQUENCER.get(this.env.SEQUENCER.idFromName(SEQUENCER_NAME))
    return stub as unknown as {
      headBlock(): Promise<{ number: bigint; hash: Hash }>
      batchBlocks(first: bigint, limit: number): Promise<SealedBatchBlock[]>
    }
  }

  private l1Client(config: BatcherConfig): PublicClient {
    this.client ??= createPublicClient({ transport: http(config.rpcUrl), cacheTime: 0 })
    return this.client
  }
}

/** op-service txmgr's fee cap: tip + 2 · base fee; blobs likewise at twice the blob base fee (EIP-4844: +12.5% a block). */
function marketFees(baseFeePerGas: bigint, tip: bigint, blobBaseFee: bigint | null): L1Fees {
  return {
    maxPriorityFeePerGas: tip,
    maxFeePerGas: tip + 2n * baseFeePerGas,
    maxFeePerBlobGas: blobBaseFee === null ? null : 2n * (blobBaseFee > 0n ? blobBaseFee : 1n),
  }
}

/** The largest frame posted in the path: L1's limit, or BATCHER_MAX_FRAME_BYTES if smaller. */
function frameCapacity(config: BatcherConfig, path: 'calldata' | 'blobs'): number {
  const limit = path === 'calldata' ? CALLDATA_FRAME_CAPACITY : BLOB_FRAME_CAPACITY
  return config.maxFrameBytes !== null && config.maxFrameBytes < limit ? config.maxFrameBytes : limit
}

function withHeadroom(gas: bigint): bigint {
  return gas + (gas * GAS_HEADROOM_PERCENT) / 100n
}

/** A view call at a block where the contract did not exist yet (just deployed, deep read) reads as 0. */
async function readOrZero(read: () => Promise<bigint>): Promise<bigint> {
  try {
    return await read()
  } catch (error) {
    if (error instanceof BaseError && error.walk((e) => e instanceof ContractFunctionZeroDataError)) return 0n
    throw error
  }
}

/** The batcher's settings from vars and secrets; null (idle) when L1 is not configured. */
function readBatcherConfig(env: Env): BatcherConfig | null {
  const secrets = env as Env & BatcherSecrets
  if (!secrets.L1_RPC_URL || !secrets.BATCHER_PRIVATE_KEY) return null
  const address = (name: string, value: string): Address => {
    if (!isAddress(value)) throw new BatcherConfigError(`${name} is not an address: "${value}"`)
    return getAddress(value)
  }
  const positive = (name: string, value: string): bigint => {
    if (!/^[0-9]+$/.test(value) || BigInt(value) < 1n)
      throw new BatcherConfigError(`${name} must be a positive integer, got "${value}"`)
    return BigInt(value)
  }
  const dataPath = env.BATCHER_DATA_PATH
  if (dataPath !== 'auto' && dataPath !== 'calldata' && dataPath !== 'blobs')
    throw new BatcherConfigError(`BATCHER_DATA_PATH must be auto, calldata or blobs, got "${dataPath}"`)
  const maxFrameBytes = env.BATCHER_MAX_FRAME_BYTES
  if (maxFrameBytes !== '' && !(/^[0-9]+$/.test(maxFrameBytes) && Number(maxFrameBytes) > FRAME_HEADER_BYTES))
    throw new BatcherConfigError(
      `BATCHER_MAX_FRAME_BYTES must be empty (L1's limits) or a byte count above the ${FRAME_HEADER_BYTES}-byte frame header, got "${maxFrameBytes}"`,
    )
  if (!/^0x[0-9a-fA-F]{64}$/.test(secrets.BATCHER_PRIVATE_KEY))
    throw new BatcherConfigError('BATCHER_PRIVATE_KEY must be a 32-byte hex key (0x…)')
  return {
    rpcUrl: secrets.L1_RPC_URL,
    account: privateKeyToAccount(secrets.BATCHER_PRIVATE_KEY as Hex),
    inbox: address('BATCH_INBOX_ADDRESS', env.BATCH_INBOX_ADDRESS),
    commitments: address('STATE_COMMITMENTS_ADDRESS', env.STATE_COMMITMENTS_ADDRESS),
    intervalMs: Number(positive('BATCH_INTERVAL_MS', env.BATCH_INTERVAL_MS)),
    confirmations: positive('BATCHER_CONFIRMATIONS', env.BATCHER_CONFIRMATIONS),
    dataPath,
    maxFrameBytes: maxFrameBytes === '' ? null : Number(maxFrameBytes),
    caps: {
      maxFeePerGas: positive('BATCHER_MAX_FEE_PER_GAS', env.BATCHER_MAX_FEE_PER_GAS),
      maxFeePerBlobGas: positive('BATCHER_MAX_FEE_PER_BLOB_GAS', env.BATCHER_MAX_FEE_PER_BLOB_GAS),
    },
  }
}
