/**
 * RpcBackend for the Workers deployment. Sealed blocks, fee history and the gas price oracle come
 * from the D1 index, which takes block and range reads off the sequencer. The sequencer answers what
 * it alone has or has first: real-time state, the head, the open block, blocks not indexed yet, and
 * lookups by transaction hash (it keeps every transaction it executed, and a receipt exists there
 * the moment its mini-block commits, up to a second before D1 has it).
 */
import { and, asc, desc, eq, gt, gte, inArray, isNotNull, lte, or } from 'drizzle-orm'
import { type DrizzleD1Database, drizzle } from 'drizzle-orm/d1'
import type { Address, Hash, Hex } from 'viem'
import { type DecodedBlock, decodeBlock } from '../../src/execution/blockCodec.ts'
import { calcNextBaseFee } from '../../src/execution/calcNextBaseFee.ts'
import type { StateOverride } from '../../src/execution/callOverrides.ts'
import type { ChainConfig } from '../../src/execution/chainConfig.ts'
import type { AccessListOutcome } from '../../src/execution/createAccessList.ts'
import type { RecoveredTransaction } from '../../src/execution/executeBlock.ts'
import type { SimulatedBlock, SimulationRequest } from '../../src/execution/simulateBlocks.ts'
import type {
  BundleCallResult,
  CallBundle,
  CallRequest,
  EstimateOutcome,
} from '../../src/execution/simulateCall.ts'
import type { TraceConfig } from '../../src/execution/tracing/parseTraceConfig.ts'
import { hexToBytes } from '../../src/primitives/hex.ts'
import type {
  CallOutcome,
  CallOverrides,
  FeeHistory,
  GivenBlock,
  RpcBackend,
  RpcObject,
  StorageKey,
  TransactionSubmission,
} from '../../src/rpc/backend.ts'
import { RpcError, ServerError } from '../../src/rpc/errors.ts'
import type { FilterRequest } from '../../src/rpc/filterRegistry.ts'
import { formatLog } from '../../src/rpc/format.ts'
import {
  END_OF_BLOCK,
  type LogFilter,
  type LogPage,
  type LogPosition,
  MAX_LOG_BLOCK_RANGE,
  MAX_LOG_RESULTS,
} from '../../src/rpc/logFilter.ts'
import type { BlockRef } from '../../src/rpc/params.ts'
import type { ExecutionWitness } from '../../src/state/witness.ts'
import {
  intermediateRootsFromWitness,
  traceBlockFromWitness,
  traceTransactionFromWitness,
} from '../../src/validator/traceFromWitness.ts'
import {
  BlockValidationError,
  type ChainRules,
  recoverBlockTransaction,
} from '../../src/validator/validateBlock.ts'
import { BATCHER_NAME } from '../batcher/batcher.ts'
import { blocks, logs, transactions } from '../index-db/schema.ts'
import { UNSEALED_BLOCK_HASH } from '../sequencer/records.ts'
import type { FilterOutcome, Sequencer, StateRef, SubmitOutcome } from '../sequencer/sequencer.ts'
import { readStoredWitness, VALIDATOR_NAME } from '../sequencer/witnessObjects.ts'
import { retryD1Reads } from './retryD1Reads.ts'
import { SubmissionBatcher } from './submissionBatcher.ts'

/** geth's gas price oracle: blocks sampled, lowest tips taken per block, percentile, and tips ignored below. */
const ORACLE_BLOCKS = 20
const ORACLE_SAMPLES_PER_BLOCK = 3
const ORACLE_PERCENTILE = 60
const ORACLE_IGNORE_PRICE = 2n
/** OP Stack's floor for the suggested tip (0.001 gwei), so wallets always offer the fee recipient something. */
const MIN_SUGGESTED_PRIORITY_FEE = 1_000_000n

/**
 * The sequencer's RPC surface as the stub exposes it (every call is async). Typed by hand because
 * Workers RPC types cannot express the `unknown`-valued JSON objects these methods return.
 */
type SequencerClient = {
  [K in SequencerMethod]: (...args: Parameters<Sequencer[K]>) => Promise<Awaited<ReturnType<Sequencer[K]>>>
}

const SEQUENCER_METHODS = [
  'submit',
  'readAccount',
  'pendingNonce',
  'readCode',
  'readStorage',
  'proof',
  'rawBlock',
  'rawHeader',
  'rawReceipts',
  'rawTransaction',
  'indexedThrough',
  'txpool',
  'newFilter',
  'filterChanges',
  'filterCriteria',
  'uninstallFilter',
  'logs',
  'call',
  'estimateGas',
  'createAccessList',
  'callMany',
  'readStorageValues',
  'simulate',
  'traceTransaction',
  'traceCall',
  'traceBlock',
  'storageRange',
  'intermediateRoots',
  'modifiedAccounts',
  'traceGivenBlock',
  'executionWitness',
  'headBlock',
  'pendingBaseFee',
  'block',
  'blockTransaction',
  'blockReceipts',
  'transaction',
  'executionStats',
  'batchBlocks',
] as const
type SequencerMethod = (typeof SEQUENCER_METHODS)[number]

/**
 * The sequencer as a SequencerClient from inside itself (JSON-RPC over its WebSockets): direct
 * calls, no stub. Nothing here mutates what the methods return, so the missing copy is harmless.
 */
export function localSequencerClient(sequencer: Sequencer): SequencerClient {
  const client: Record<string, (...args: never[]) => Promise<unknown>> = {}
  for (const method of SEQUENCER_METHODS)
    client[method] = async (...args: never[]) => (sequencer[method] as (...args: never[]) => unknown)(...args)
  return client as unknown as SequencerClient
}

/** The chain's one sequencer Durable Object is addressed by this name. */
export const SEQUENCER_NAME = 'chain'

/** The batchers of eth_sendRawTransaction and of each eth_sendRawTransactionSync timeout. */
class SubmissionBatchers {
  readonly async: SubmissionBatcher
  private readonly syncByTimeout = new Map<number, SubmissionBatcher>()

  constructor(private readonly inSequencer: boolean) {
    this.async = new SubmissionBatcher(null, inSequencer)
  }

  sync(timeoutMs: number): SubmissionBatcher {
    let batcher = this.syncByTimeout.get(timeoutMs)
    if (!batcher)
      this.syncByTimeout.set(timeoutMs, (batcher = new SubmissionBatcher(timeoutMs, this.inSequencer)))
    return batcher
  }
}

// Per isolate: every request in this isolate shares them, which is what lets calls coalesce.
const remoteBatchers = new SubmissionBatchers(false)

export class WorkersBackend implements RpcBackend {
  readonly chainId: bigint
  readonly blockGasLimit: bigint
  private dbClient: DrizzleD1Database | undefined
  private sequencerStub: SequencerClient | undefined

  private readonly env: Env
  private readonly sequencerId: DurableObjectId
  /** The sequencer's own backend (WebSocket requests) has its own, which gather arrivals and wake waiters. */
  private readonly batchers: SubmissionBatchers

  /** The chain's rules, for what the edge executes itself (traces from witnesses). */
  private readonly rules: ChainRules
  /**
   * In the RPC worker, not in the sequencer (whose WebSockets this backend also serves): work that
   * can leave the sequencer's thread, such as a sealed block's trace, is done here instead.
   */
  private readonly atTheEdge: boolean

  /** `sequencer` stands in for the stub when the caller is the sequencer itself. */
  constructor(env: Env, config: ChainConfig, sequencerId: DurableObjectId, sequencer?: SequencerClient) {
    this.chainId = config.chainId
    this.blockGasLimit = config.blockGasLimit
    this.rules = { chainId: config.chainId, fork: config.fork }
    this.atTheEdge = sequencer === undefined
    this.env = env
    this.sequencerId = sequencerId
    this.sequencerStub = sequencer
    this.batchers = sequencer ? new SubmissionBatchers(true) : remoteBatchers
  }

  // Made on first use: most requests need only one of the two.
  private get db(): DrizzleD1Database {
    this.dbClient ??= drizzle(retryD1Reads(this.env.INDEX_DB))
    return this.dbClient
  }

  private get sequencer(): SequencerClient {
    this.sequencerStub ??= this.env.SEQUENCER.get(this.sequencerId) as unknown as SequencerClient
    return this.sequencerStub
  }

  /** The sequencer's head: D1 trails it by one indexing round, and eth_blockNumber is polled hard. */
  async blockNumber(): Promise<bigint> {
    return (await this.sequencer.headBlock()).number
  }

  async getBlock(ref: BlockRef, fullTransactions: boolean): Promise<RpcObject | null> {
    if ('tag' in ref && ref.tag === 'pending')
      return (await this.sequencer.block({ pending: true }, fullTransactions))!
    const by = 'hash' in ref ? { hash: ref.hash } : { number: await this.blockNumberOf(ref) }
    const [row] = await this.db
      .select({ number: blocks.number, header: blocks.header })
      .from(blocks)
      .where(blockIs(by))
      .limit(1)
    if (!row) return this.sequencer.block(by, fullTransactions)
    const block = JSON.parse(row.header) as RpcObject
    if (fullTransactions) {
      const rows = await this.db
        .select({ transaction: transactions.transaction })
        .from(transactions)
        .where(eq(transactions.blockNumber, row.number))
        .orderBy(asc(transactions.transactionIndex))
      block.transactions = rows.map((tx) => JSON.parse(tx.transaction))
    }
    return block
  }

  async getBalance(address: Address, ref: BlockRef): Promise<bigint> {
    return (await this.readAccount(address, ref)).balance
  }

  async getTransactionCount(address: Address, ref: BlockRef): Promise<bigint> {
    if ('tag' in ref && ref.tag === 'pending') return this.sequencer.pendingNonce(address)
    return (await this.readAccount(address, ref)).nonce
  }

  async getCode(address: Address, ref: BlockRef): Promise<Hex> {
    return this.withStateErrors(async () => this.sequencer.readCode(address, await this.stateRef(ref)))
  }

  async getStorageAt(address: Address, slot: Hash, ref: BlockRef): Promise<Hex> {
    return this.withStateErrors(async () =>
      this.sequencer.readStorage(address, slot, await this.stateRef(ref)),
    )
  }

  async getStorageValues(requests: readonly [Address, Hash[]][], ref: BlockRef): Promise<Hex[][]> {
    return this.withStateErrors(async () =>
      this.sequencer.readStorageValues(requests, await this.stateRef(ref)),
    )
  }

  async getProof(address: Address, storageKeys: readonly StorageKey[], ref: BlockRef): Promise<RpcObject> {
    return this.withStateErrors(async () =>
      this.sequencer.proof(address, storageKeys, await this.stateRef(ref)),
    )
  }

  /**
   * eth_getLogs: sealed blocks up to the D1 index's last from D1 (one statement, every condition in
   * SQL), any later ones from the sequencer's own records. `pending` means the head, as in geth.
   */
  async getLogs(filter: LogFilter): Promise<RpcObject[]> {
    const { from, to } = await this.logRange(filter)
    if (to - from + 1n > MAX_LOG_BLOCK_RANGE)
      throw new ServerError(`query exceeds max block range ${MAX_LOG_BLOCK_RANGE}`)
    const found = await this.logsBetween(from, to, filter, undefined)
    if (found.length > MAX_LOG_RESULTS)
      throw new ServerError(`query returned more than ${MAX_LOG_RESULTS} results`)
    return found
  }

  /**
   * eth_getLogsWithCursor: the same logs a page at a time, resuming after `after`. A page stops at
   * MAX_LOG_RESULTS logs or MAX_LOG_BLOCK_RANGE blocks, whichever comes first, and then carries the
   * position to resume after.
   */
  async getLogsPage(filter: LogFilter, after: LogPosition | undefined): Promise<LogPage> {
    const { from, to } = await this.logRange(filter)
    const start = after && after.blockNumber > from ? after.blockNumber : from
    if (start > to) return { logs: [] }
    const windowEnd = start + MAX_LOG_BLOCK_RANGE - 1n < to ? start + MAX_LOG_BLOCK_RANGE - 1n : to
    const found = await this.logsBetween(start, windowEnd, filter, after)
    if (found.length > MAX_LOG_RESULTS) {
      const logs = found.slice(0, MAX_LOG_RESULTS)
      const last = logs[logs.length - 1]!
      return {
        logs,
        cursor: { blockNumber: BigInt(last.blockNumber as Hex), logIndex: Number(last.logIndex as Hex) },
      }
    }
    if (windowEnd < to) return { logs: found, cursor: { blockNumber: windowEnd, logIndex: END_OF_BLOCK } }
    return { logs: found }
  }

  /** The sealed blocks a log filter spans (its tags resolved against the head). */
  private async logRange(filter: LogFilter): Promise<{ from: bigint; to: bigint }> {
    if ('blockHash' in filter.range) {
      const block = await this.getBlock({ hash: filter.range.blockHash }, false)
      if (!block) throw new ServerError('unknown block')
      const number = BigInt(block.number as Hex)
      return { from: number, to: number }
    }
    const head = (await this.sequencer.headBlock()).number
    const numberOf = async (ref: BlockRef) =>
      'tag' in ref && ref.tag === 'pending' ? head : this.blockNumberOf(ref)
    const from = await numberOf(filter.range.from)
    let to = await numberOf(filter.range.to)
    if (to > head) to = head
    if (from > to) throw new ServerError('invalid block range params')
    return { from, to }
  }

  /** Logs of blocks [from, to] past `after`, at most MAX_LOG_RESULTS + 1 of them from D1. */
  private async logsBetween(
    from: bigint,
    to: bigint,
    filter: Pick<LogFilter, 'addresses' | 'topics'>,
    after: LogPosition | undefined,
  ): Promise<RpcObject[]> {
    const indexed = await this.sequencer.indexedThrough()
    const found: RpcObject[] = []
    if (from <= indexed)
      found.push(...(await this.indexedLogs(from, to < indexed ? to : indexed, filter, after)))
    if (to > indexed) {
      const later = await this.sequencer.logs(from > indexed ? from : indexed + 1n, to, filter)
      found.push(...(after ? later.filter((log) => isAfter(log, after)) : later))
    }
    return found
  }

  private async indexedLogs(
    from: bigint,
    to: bigint,
    filter: Pick<LogFilter, 'addresses' | 'topics'>,
    after: LogPosition | undefined,
  ): Promise<RpcObject[]> {
    const topicColumns = [logs.topic0, logs.topic1, logs.topic2, logs.topic3] as const
    const conditions = [gte(logs.blockNumber, Number(from)), lte(logs.blockNumber, Number(to))]
    if (after)
      conditions.push(
        or(
          gt(logs.blockNumber, Number(after.blockNumber)),
          and(eq(logs.blockNumber, Number(after.blockNumber)), gt(logs.logIndex, after.logIndex)),
        )!,
      )
    if (filter.addresses.length > 0) conditions.push(inArray(logs.address, filter.addresses))
    for (const [position, allowed] of filter.topics.entries()) {
      const column = topicColumns[position]!
      // A log with fewer topics than the filter has positions never matches (geth).
      conditions.push(allowed ? inArray(column, allowed) : isNotNull(column))
    }
    const rows = await this.db
      .select({
        blockNumber: logs.blockNumber,
        logIndex: logs.logIndex,
        transactionHash: logs.transactionHash,
        address: logs.address,
        topic0: logs.topic0,
        topic1: logs.topic1,
        topic2: logs.topic2,
        topic3: logs.topic3,
        data: logs.data,
        blockHash: blocks.hash,
        blockTimestamp: blocks.timestamp,
        transactionIndex: transactions.transactionIndex,
      })
      .from(logs)
      .innerJoin(blocks, eq(blocks.number, logs.blockNumber))
      .innerJoin(transactions, eq(transactions.hash, logs.transactionHash))
      .where(and(...conditions))
      .orderBy(asc(logs.blockNumber), asc(logs.logIndex))
      .limit(MAX_LOG_RESULTS + 1)
    return rows.map((row) =>
      formatLog(
        {
          address: row.address as Address,
          topics: [row.topic0, row.topic1, row.topic2, row.topic3].filter(
            (topic) => topic !== null,
          ) as Hash[],
          data: row.data as Hex,
        },
        {
          blockHash: row.blockHash as Hash,
          blockNumber: BigInt(row.blockNumber),
          blockTimestamp: BigInt(row.blockTimestamp),
          transactionIndex: row.transactionIndex,
          transactionHash: row.transactionHash as Hash,
          logIndex: row.logIndex,
        },
      ),
    )
  }

  async newFilter(request: FilterRequest): Promise<string> {
    return filterValue(await this.sequencer.newFilter(request))
  }

  async getFilterChanges(id: string): Promise<unknown[]> {
    return filterValue(await this.sequencer.filterChanges(id))
  }

  async getFilterLogs(id: string): Promise<RpcObject[]> {
    const criteria = filterValue(await this.sequencer.filterCriteria(id))
    const bound = (number: bigint | undefined): BlockRef =>
      number === undefined ? { tag: 'latest' } : { number }
    return this.getLogs({
      range: { from: bound(criteria.fromBlock), to: bound(criteria.toBlock) },
      addresses: criteria.addresses,
      topics: criteria.topics,
    })
  }

  async txpool(summary: boolean): Promise<RpcObject> {
    return this.sequencer.txpool(summary)
  }

  async uninstallFilter(id: string): Promise<boolean> {
    return this.sequencer.uninstallFilter(id)
  }

  async call(request: CallRequest, ref: BlockRef, overrides: CallOverrides): Promise<CallOutcome> {
    return this.withStateErrors(async () => this.sequencer.call(request, await this.stateRef(ref), overrides))
  }

  async callMany(
    bundles: CallBundle[],
    ref: BlockRef,
    transactionIndex: number,
    stateOverride: StateOverride,
  ): Promise<BundleCallResult[][]> {
    const outcome = await this.withStateErrors(async () =>
      this.sequencer.callMany(bundles, await this.stateRef(ref), transactionIndex, stateOverride),
    )
    if (!outcome.ok) throw new ServerError(outcome.message)
    return outcome.results
  }

  async simulate(request: SimulationRequest, ref: BlockRef): Promise<SimulatedBlock[]> {
    const outcome = await this.withStateErrors(async () =>
      this.sequencer.simulate(request, await this.stateRef(ref)),
    )
    if (!outcome.ok) throw new RpcError(outcome.message, { code: outcome.code })
    return outcome.blocks
  }

  async traceTransaction(hash: Hash, config: TraceConfig): Promise<unknown | null> {
    if (this.atTheEdge) {
      const traced = await this.traceTransactionFromWitness(hash, config)
      if (traced !== undefined) return traced
    }
    const outcome = await this.sequencer.traceTransaction(hash, config)
    return outcome && filterValue(outcome)
  }

  /** A sealed block's transaction traced here from the block's witness; undefined as traceFromWitness. */
  private async traceTransactionFromWitness(hash: Hash, config: TraceConfig): Promise<unknown | undefined> {
    const found = await this.sequencer.transaction(hash)
    const receipt = found?.receipt
    // Pooled, or in the open block: the sequencer traces it in real time.
    if (!receipt || receipt.blockHash === UNSEALED_BLOCK_HASH) return undefined
    const traced = await this.onWitness(
      { number: BigInt(receipt.blockNumber as Hex) },
      (block, txs, witness) =>
        traceTransactionFromWitness(
          block,
          txs,
          Number(receipt.transactionIndex as Hex),
          witness,
          this.rules,
          config,
        ),
    )
    // Null: the block went away between the two reads; the sequencer says what it has.
    return traced ?? undefined
  }

  async traceCall(
    request: CallRequest,
    ref: BlockRef,
    overrides: CallOverrides,
    config: TraceConfig,
  ): Promise<unknown> {
    return filterValue(
      await this.withStateErrors(async () =>
        this.sequencer.traceCall(request, await this.stateRef(ref), overrides, config),
      ),
    )
  }

  async traceBlock(ref: BlockRef, config: TraceConfig): Promise<unknown[] | null> {
    const by = await this.sealedBlockRef(ref)
    if (!by) return null
    if (this.atTheEdge) {
      const traced = await this.onWitness(by, (block, transactions, witness) =>
        traceBlockFromWitness(block, transactions, witness, this.rules, config),
      )
      if (traced !== undefined) return traced
    }
    const outcome = await this.sequencer.traceBlock(by, config)
    return outcome ? filterValue(outcome) : null
  }

  /**
   * `run` here, at the edge, on a sealed block's witness in R2 (src/validator/traceFromWitness.ts),
   * where the sequencer would replay the block on its own thread: the sequencer only hands over the
   * block's bytes, and senders are recovered here. Null when the chain has no such block;
   * undefined, for the sequencer to answer, as witnessedBlock and fromWitness say.
   */
  private async onWitness<T>(
    by: { number: bigint } | { hash: Hash },
    run: (block: DecodedBlock, transactions: RecoveredTransaction[], witness: ExecutionWitness) => T,
  ): Promise<T | null | undefined> {
    const witnessed = await this.witnessedBlock(by)
    if (!witnessed) return witnessed
    const { block, witness } = witnessed
    return this.fromWitness(block.header.number, () =>
      run(block, block.transactions.map(recoverBlockTransaction), witness),
    )
  }

  /**
   * A sealed block and its witness from R2. Null when the chain has no such block; undefined for
   * genesis (never executed) and while the witness is not in R2 yet (a block just sealed).
   */
  private async witnessedBlock(
    by: { number: bigint } | { hash: Hash },
  ): Promise<{ block: DecodedBlock; witness: ExecutionWitness } | null | undefined> {
    const raw = await this.sequencer.rawBlock(by)
    if (raw === null) return null
    const block = decodeBlock(hexToBytes(raw))
    if (block.header.number === 0n) return undefined
    const witness = await readStoredWitness(this.env.WITNESSES, block.header.number)
    return witness && { block, witness }
  }

  /**
   * A trace run on a witness; undefined, for the sequencer to answer, when the witness does not
   * hold the block's execution: a fault to find (it is logged), not the caller's.
   */
  private fromWitness<T>(blockNumber: bigint, trace: () => T): T | undefined {
    try {
      return trace()
    } catch (error) {
      if (!(error instanceof BlockValidationError)) throw error
      console.error(`tracing block ${blockNumber} from its witness failed: ${error.message}`)
      return undefined
    }
  }

  async traceGivenBlock(block: GivenBlock, config: TraceConfig): Promise<unknown[]> {
    return filterValue(await this.sequencer.traceGivenBlock(block, config))
  }

  async intermediateRoots(hash: Hash): Promise<Hash[] | null> {
    if (this.atTheEdge) {
      const roots = await this.onWitness({ hash }, (block, transactions, witness) =>
        intermediateRootsFromWitness(block, transactions, witness, this.rules),
      )
      if (roots !== undefined) return roots
    }
    const outcome = await this.sequencer.intermediateRoots({ hash })
    return outcome ? filterValue(outcome) : null
  }

  async modifiedAccounts(
    start: { number: bigint } | { hash: Hash },
    end: { number: bigint } | { hash: Hash } | undefined,
  ): Promise<Address[]> {
    return filterValue(await this.sequencer.modifiedAccounts(start, end))
  }

  async storageRangeAt(
    ref: BlockRef,
    txIndex: number,
    address: Address,
    start: Hex,
    limit: number,
  ): Promise<RpcObject | null> {
    const by = await this.sealedBlockRef(ref)
    const outcome = by && (await this.sequencer.storageRange(by, txIndex, address, start, limit))
    return outcome ? filterValue(outcome) : null
  }

  async estimateGas(request: CallRequest, ref: BlockRef, overrides: CallOverrides): Promise<EstimateOutcome> {
    return this.withStateErrors(async () =>
      this.sequencer.estimateGas(request, await this.stateRef(ref), overrides),
    )
  }

  async getRawBlock(ref: BlockRef): Promise<Hex | null> {
    const by = await this.sealedBlockRef(ref)
    return by && this.sequencer.rawBlock(by)
  }

  async getRawHeader(ref: BlockRef): Promise<Hex | null> {
    const by = await this.sealedBlockRef(ref)
    return by && this.sequencer.rawHeader(by)
  }

  async getRawReceipts(ref: BlockRef): Promise<Hex[] | null> {
    const by = await this.sealedBlockRef(ref)
    return by && this.sequencer.rawReceipts(by)
  }

  async getRawTransaction(hash: Hash): Promise<Hex | null> {
    return this.sequencer.rawTransaction(hash)
  }

  async getExecutionWitness(ref: BlockRef): Promise<RpcObject | null> {
    const by = await this.sealedBlockRef(ref)
    return by && this.sequencer.executionWitness(by)
  }

  async validationStatus(): Promise<RpcObject> {
    const validator = this.env.VALIDATOR.get(this.env.VALIDATOR.idFromName(VALIDATOR_NAME))
    const { latestValidated, failure } = await validator.status()
    return { latestValidated, failure }
  }

  async batcherStatus(): Promise<RpcObject> {
    const status = await this.batcher().status()
    const quantity = (value: string | null) => (value === null ? null : `0x${BigInt(value).toString(16)}`)
    return {
      configured: status.configured,
      inbox: status.inbox,
      stateCommitments: status.commitments,
      l1Head: quantity(status.l1Head),
      latestPosted: quantity(status.latestPosted),
      latestConfirmed: quantity(status.latestConfirmed),
      latestCommitted: quantity(status.latestCommitted),
      latestFinalized: quantity(status.latestFinalized),
      pending: status.pending.map((post) => ({
        nonce: quantity(post.nonce),
        kind: post.kind,
        firstBlock: quantity(post.firstBlock),
        lastBlock: quantity(post.lastBlock),
        frameIndex: quantity(String(post.frameIndex)),
        hash: post.hash,
        sentAtL1Block: quantity(post.sentAtL1Block),
      })),
      alert: status.alert,
      lastError: status.lastError,
      updatedAt: status.updatedAt,
    }
  }

  private batcher() {
    return this.env.BATCHER.get(this.env.BATCHER.idFromName(BATCHER_NAME))
  }

  async executionStats(): Promise<RpcObject> {
    return this.sequencer.executionStats()
  }

  async pendingBaseFee(): Promise<bigint> {
    return this.sequencer.pendingBaseFee()
  }

  async suggestPriorityFee(): Promise<bigint> {
    const rows = await this.db
      .select({ tipDistribution: blocks.tipDistribution })
      .from(blocks)
      .orderBy(desc(blocks.number))
      .limit(ORACLE_BLOCKS)
    const samples: bigint[] = []
    for (const row of rows) {
      const tips = (JSON.parse(row.tipDistribution) as [Hex, Hex][]).map(([tip]) => BigInt(tip))
      samples.push(...tips.filter((tip) => tip >= ORACLE_IGNORE_PRICE).slice(0, ORACLE_SAMPLES_PER_BLOCK))
    }
    if (samples.length === 0) return MIN_SUGGESTED_PRIORITY_FEE
    samples.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    const suggested = samples[Math.floor(((samples.length - 1) * ORACLE_PERCENTILE) / 100)]!
    return suggested > MIN_SUGGESTED_PRIORITY_FEE ? suggested : MIN_SUGGESTED_PRIORITY_FEE
  }

  async feeHistory(
    blockCount: number,
    newest: BlockRef,
    rewardPercentiles: number[] | undefined,
  ): Promise<FeeHistory> {
    const head = await this.blockNumber()
    let last = 'tag' in newest && newest.tag === 'pending' ? head : await this.blockNumberOf(newest)
    if (last > head) throw new ServerError(`request beyond head block: requested ${last}, head ${head}`)
    if (blockCount === 0)
      return {
        oldestBlock: 0n,
        baseFeePerGas: [],
        gasUsedRatio: [],
        ...(rewardPercentiles ? { reward: [] } : {}),
      }
    const first = last + 1n >= BigInt(blockCount) ? last + 1n - BigInt(blockCount) : 0n
    const rows = await this.db
      .select({
        number: blocks.number,
        baseFeePerGas: blocks.baseFeePerGas,
        gasUsed: blocks.gasUsed,
        gasLimit: blocks.gasLimit,
        tipDistribution: blocks.tipDistribution,
      })
      .from(blocks)
      .where(and(gte(blocks.number, Number(first)), lte(blocks.number, Number(last))))
      .orderBy(asc(blocks.number))
    if (rows.length === 0) throw new ServerError('fee history not available: blocks not indexed yet')
    last = BigInt(rows[rows.length - 1]!.number)
    const baseFeePerGas = rows.map((row) => BigInt(row.baseFeePerGas))
    const lastRow = rows[rows.length - 1]!
    baseFeePerGas.push(
      calcNextBaseFee({
        baseFeePerGas: BigInt(lastRow.baseFeePerGas),
        gasUsed: BigInt(lastRow.gasUsed),
        gasLimit: BigInt(lastRow.gasLimit),
        minBaseFee: 0n,
      }),
    )
    const history: FeeHistory = {
      oldestBlock: BigInt(rows[0]!.number),
      baseFeePerGas,
      gasUsedRatio: rows.map((row) => row.gasUsed / row.gasLimit),
    }
    if (rewardPercentiles)
      history.reward = rows.map((row) =>
        rewardsAt(row.tipDistribution, BigInt(row.gasUsed), rewardPercentiles),
      )
    return history
  }

  async sendTransaction(tx: TransactionSubmission): Promise<Hash> {
    const outcome = await this.batchers.async.submit(tx, this.send)
    if (!outcome.ok) throw rejectionError(outcome)
    return tx.hash
  }

  async sendTransactionSync(tx: TransactionSubmission, timeoutMs: number): Promise<RpcObject> {
    const outcome = await this.batchers.sync(timeoutMs).submit(tx, this.send)
    if (!outcome.ok) throw rejectionError(outcome)
    return outcome.receipt!
  }

  async getTransactionByHash(hash: Hash): Promise<RpcObject | null> {
    return (await this.sequencer.transaction(hash))?.transaction ?? null
  }

  async getTransactionReceipt(hash: Hash): Promise<RpcObject | null> {
    return (await this.sequencer.transaction(hash))?.receipt ?? null
  }

  async createAccessList(
    request: CallRequest,
    ref: BlockRef,
    overrides: CallOverrides,
  ): Promise<AccessListOutcome> {
    return this.withStateErrors(async () =>
      this.sequencer.createAccessList(request, await this.stateRef(ref), overrides),
    )
  }

  async getTransactionByBlockAndIndex(ref: BlockRef, index: number): Promise<RpcObject | null> {
    const block = await this.indexedBlock(ref)
    if (block.indexed === undefined) return this.sequencer.blockTransaction(block.by, index)
    const [row] = await this.db
      .select({ transaction: transactions.transaction })
      .from(transactions)
      .where(and(eq(transactions.blockNumber, block.indexed), eq(transactions.transactionIndex, index)))
      .limit(1)
    return row ? (JSON.parse(row.transaction) as RpcObject) : null
  }

  async getBlockReceipts(ref: BlockRef): Promise<RpcObject[] | null> {
    const block = await this.indexedBlock(ref)
    if (block.indexed === undefined) return this.sequencer.blockReceipts(block.by)
    const rows = await this.db
      .select({ receipt: transactions.receipt })
      .from(transactions)
      .where(eq(transactions.blockNumber, block.indexed))
      .orderBy(asc(transactions.transactionIndex))
    return rows.map((row) => JSON.parse(row.receipt) as RpcObject)
  }

  /**
   * Where a block's transactions are read: its number in D1 once indexed (`indexed`), else the
   * sequencer's, which has every block (and `pending`, the open one) before D1 does.
   */
  private async indexedBlock(
    ref: BlockRef,
  ): Promise<{ by: { number: bigint } | { hash: Hash } | { pending: true }; indexed: number | undefined }> {
    const by = await this.sealedBlockRef(ref)
    if (!by) return { by: { pending: true }, indexed: undefined }
    const [row] = await this.db.select({ number: blocks.number }).from(blocks).where(blockIs(by)).limit(1)
    return { by, indexed: row?.number }
  }

  private readonly send = (
    items: TransactionSubmission[],
    syncTimeoutMs: number | null,
  ): Promise<SubmitOutcome[]> => this.sequencer.submit(items, syncTimeoutMs)

  private async readAccount(address: Address, ref: BlockRef): Promise<{ nonce: bigint; balance: bigint }> {
    return this.withStateErrors(async () => this.sequencer.readAccount(address, await this.stateRef(ref)))
  }

  /** Velox's real-time reads (as MegaETH's): `latest` and `pending` state is the latest mini-block's. */
  private async stateRef(ref: BlockRef): Promise<StateRef> {
    if ('hash' in ref) return { blockHash: ref.hash }
    if ('number' in ref) return { blockNumber: ref.number }
    if (ref.tag === 'latest' || ref.tag === 'pending') return { realtime: true }
    return { blockNumber: await this.blockNumberOf(ref) }
  }

  /**
   * Block number a tag names. `safe` is the latest block whose batch is confirmed on L1, and
   * `finalized` the latest whose state commitment is past the challenge window (the batcher's
   * view, workers/batcher); both are genesis while nothing is settled.
   */
  private async blockNumberOf(ref: BlockRef): Promise<bigint> {
    if ('number' in ref) return ref.number
    if ('tag' in ref && ref.tag === 'latest') return this.blockNumber()
    if ('tag' in ref && (ref.tag === 'safe' || ref.tag === 'finalized')) {
      const status = await this.batcher().status()
      const settled = ref.tag === 'safe' ? status.latestConfirmed : status.latestFinalized
      return settled === null ? 0n : BigInt(settled)
    }
    return 0n
  }

  /** A sealed block by number or hash; `pending` names none (the open block is not sealed). */
  private async sealedBlockRef(ref: BlockRef): Promise<{ number: bigint } | { hash: Hash } | null> {
    if ('hash' in ref) return { hash: ref.hash }
    if ('tag' in ref && ref.tag === 'pending') return null
    return { number: await this.blockNumberOf(ref) }
  }

  private async withStateErrors<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await read()
    } catch (error) {
      if (error instanceof Error && error.message.includes('header not found'))
        throw new ServerError('header not found')
      // A sealed block whose trie nodes were never stored (a chain older than stored tries).
      const missing = error instanceof Error && /missing trie node 0x[0-9a-f]{64}/.exec(error.message)
      if (missing) throw new ServerError(missing[0])
      throw error
    }
  }
}

/** The D1 condition that picks a sealed block by hash or number. */
function blockIs(by: { number: bigint } | { hash: Hash }) {
  return 'hash' in by ? eq(blocks.hash, by.hash) : eq(blocks.number, Number(by.number))
}

/** Whether a log comes after a cursor's position (block, then log index). */
function isAfter(log: RpcObject, after: LogPosition): boolean {
  const blockNumber = BigInt(log.blockNumber as Hex)
  return (
    blockNumber > after.blockNumber ||
    (blockNumber === after.blockNumber && Number(log.logIndex as Hex) > after.logIndex)
  )
}

function filterValue<T>(outcome: FilterOutcome<T>): T {
  if (!outcome.ok) throw new ServerError(outcome.message)
  return outcome.value
}

function rejectionError(outcome: Extract<SubmitOutcome, { ok: false }>): RpcError {
  const { code, message, data } = outcome.rejection
  return new RpcError(message, { data, code })
}

/** geth's fee history rewards: walk transactions by ascending tip until the percentile of the block's gas is covered. */
function rewardsAt(distributionJson: string, gasUsed: bigint, percentiles: number[]): bigint[] {
  const distribution = (JSON.parse(distributionJson) as [Hex, Hex][]).map(
    ([tip, gas]) => [BigInt(tip), BigInt(gas)] as const,
  )
  if (distribution.length === 0) return percentiles.map(() => 0n)
  return percentiles.map((p) => {
    const threshold = (gasUsed * BigInt(Math.round(p * 1000))) / 100_000n
    let index = 0
    let sum = distribution[0]![1]
    while (sum < threshold && index < distribution.length - 1) {
      index++
      sum += distribution[index]![1]
    }
    return distribution[index]![0]
  })
}
