import { DurableObject } from 'cloudflare:workers'
import { type Address, getAddress, type Hash, type Hex } from 'viem'
import genesis from '../../config/genesis.dev.json'
import { VeloxError } from '../../src/errors/base.ts'
import type { BlockContext } from '../../src/evm/evm.ts'
import { EvmState, type StateChanges } from '../../src/evm/evmState.ts'
import { precompilesFor } from '../../src/evm/precompiles/index.ts'
import { CALL_WORK_UNITS, ExecutionTimeoutError } from '../../src/evm/workBudget.ts'
import { applySystemCalls } from '../../src/execution/applySystemCalls.ts'
import { assembleBlock, BlockBody, type OpenBlock } from '../../src/execution/assembleBlock.ts'
import { blobBaseFee } from '../../src/execution/blobBaseFee.ts'
import { decodeBlockHeader, encodeBlock } from '../../src/execution/blockCodec.ts'
import {
  type BlockHeader,
  EMPTY_TRIE_ROOT,
  encodeBlockHeader,
  hashBlockHeader,
  headerFieldsForFork,
  ZERO_HASH,
} from '../../src/execution/blockHeader.ts'
import { calcNextBaseFee } from '../../src/execution/calcNextBaseFee.ts'
import {
  OverriddenState,
  overrideBlock,
  precompileRelocationsOf,
  type StateOverride,
} from '../../src/execution/callOverrides.ts'
import { type ChainConfig, parseChainConfig } from '../../src/execution/chainConfig.ts'
import { type AccessListOutcome, createAccessList } from '../../src/execution/createAccessList.ts'
import { InvalidTransactionError } from '../../src/execution/executableTransaction.ts'
import {
  type BlockExecution,
  blockContextOf,
  type ExecutableBlock,
  type ExecuteBlockOptions,
  evmTransactionOf,
  executableBlockOf,
  executeBlock,
  executedTransactionOf,
  type RecoveredTransaction,
} from '../../src/execution/executeBlock.ts'
import { intermediateRoots } from '../../src/execution/intermediateRoots.ts'
import { AccessPredictor } from '../../src/execution/parallel/accessPredictor.ts'
import type { GroupTransactionOutcome } from '../../src/execution/parallel/executeGroup.ts'
import {
  applyOutcome,
  averageGasLimitReaches,
  DeferredFees,
  dispatchGroups,
  emptyPartitionStats,
  precompileAddressesOf,
} from '../../src/execution/parallel/executePartitioned.ts'
import { processTransaction } from '../../src/execution/processTransaction.ts'
import { type ExecutedTransaction, encodeReceipt, type Log } from '../../src/execution/receipt.ts'
import {
  type SimulatedBlock,
  SimulationError,
  type SimulationRequest,
  simulateBlocks,
} from '../../src/execution/simulateBlocks.ts'
import {
  type BundleCallResult,
  type CallBundle,
  type CallContext,
  type CallRequest,
  type EstimateOutcome,
  estimateGas,
  simulateBundles,
  simulateCall,
} from '../../src/execution/simulateCall.ts'
import type { TraceConfig } from '../../src/execution/tracing/parseTraceConfig.ts'
import { type BlockTraceEntry, traceBlock } from '../../src/execution/tracing/traceBlock.ts'
import { traceCall } from '../../src/execution/tracing/traceCall.ts'
import { type TraceResult, traceTransaction } from '../../src/execution/tracing/traceTransaction.ts'
import type { BatchBlock } from '../../src/l1/batchFormat.ts'
import { derivePrevRandao } from '../../src/l1/derivePrevRandao.ts'
import { admissionOrder } from '../../src/mempool/admissionOrder.ts'
import type { Rejection } from '../../src/mempool/errors.ts'
import { rejection } from '../../src/mempool/errors.ts'
import { Mempool, type PooledTransaction } from '../../src/mempool/mempool.ts'
import { bytesToHex, hexToBytes } from '../../src/primitives/hex.ts'
import { decodeRlp } from '../../src/primitives/rlp.ts'
import {
  decodeTransaction,
  decodeTransactionFields,
  type TransactionFields,
} from '../../src/primitives/transaction.ts'
import { wordHex } from '../../src/primitives/words.ts'
import type {
  CallOutcome,
  CallOverrides,
  GivenBlock,
  RpcObject,
  StorageKey,
  TransactionSubmission,
} from '../../src/rpc/backend.ts'
import { ServerError } from '../../src/rpc/errors.ts'
import { FilterRegistry, type FilterRequest, type LogCriteria } from '../../src/rpc/filterRegistry.ts'
import {
  formatAccountProof,
  formatBlock,
  formatLog,
  formatReceipt,
  formatTransaction,
  NOT_IN_A_BLOCK,
  type TransactionLocation,
} from '../../src/rpc/format.ts'
import { handleJsonRpc } from '../../src/rpc/handleJsonRpc.ts'
import { type LogFilter, logMatches, MAX_LOG_RESULTS } from '../../src/rpc/logFilter.ts'
import { parseRpcNamespaces } from '../../src/rpc/namespaces.ts'
import {
  MAX_RESUME_BLOCKS,
  type SubscriptionHost,
  type SubscriptionSpec,
} from '../../src/rpc/subscriptions.ts'
import { BlockChanges } from '../../src/state/blockChanges.ts'
import { BlockCommitment } from '../../src/state/blockCommitment.ts'
import { hasStorageRoot, modifiedAccounts, StateTrie } from '../../src/state/stateTrie.ts'
import { type AccountData, type ContractStateReader, EMPTY_CODE_HASH } from '../../src/state/stateView.ts'
import { TrieStateReader } from '../../src/state/trieStateReader.ts'
import {
  commitBlockState,
  compressWitness,
  decodeWitness,
  encodeWitness,
  witnessToJson,
} from '../../src/state/witness.ts'
import { DurableObjectExecutorPool } from '../executor/durableObjectPool.ts'
import { INDEXER_NAME } from '../indexer/indexer.ts'
import type { SealedBlockRows } from '../indexer/indexSealedBlocks.ts'
import { localSequencerClient, SEQUENCER_NAME, WorkersBackend } from '../rpc/workersBackend.ts'
import {
  ChainStore,
  STATE_WRITTEN_THROUGH,
  type StoredBlock,
  type StoredMiniBlock,
  type StoredPoolTransaction,
  type StoredTransaction,
} from './chainStore.ts'
import { miniBlockJson, newHeadJson, stateChangeJson } from './notifications.ts'
import {
  addPartitionStats,
  type ExecutionStats,
  emptyExecutionStats,
  type ParallelExecutionConfig,
  parseParallelExecutionConfig,
} from './parallelExecution.ts'
import {
  type IncludingBlock,
  parseExecuted,
  rowLocation,
  rpcObjectsOf,
  rpcReceiptOf,
  serializeExecuted,
  UNSEALED_BLOCK_HASH,
} from './records.ts'
import { type ReplayPlan, SubscriptionHub } from './subscriptionHub.ts'
import { readStoredWitness, VALIDATOR_NAME, witnessKey } from './witnessObjects.ts'

/** Transactions per mini-block at most, so one mini-block never holds the thread for long. */
const MAX_TRANSACTIONS_PER_MINI_BLOCK = 500
/**
 * EIP-7966: how long a synchronous send behind a nonce gap waits for the sender's transactions
 * before it. One sender's sends on separate connections can reach the sequencer out of order, by
 * milliseconds (more under load); refused at once, every later nonce of that sender would then be
 * refused too. Past this it is refused with the expected nonce, and dropped from the pool.
 */
const SYNC_NONCE_GAP_GRACE_MS = 100
/** Mini-blocks folded into the open block's commitment per turn: a few milliseconds at most. */
const SEAL_PREPARATION_MINI_BLOCKS = 4
/**
 * A sealed block's trie nodes or history rows written per turn after its seal: well under a
 * millisecond of SQLite inserts, so requests waiting in between are answered (schedulePostSealWrites).
 */
const ROWS_PER_POST_SEAL_TURN = 64
/** The share of the block interval after a seal over which its nodes and rows are written, evenly. */
const POST_SEAL_WRITE_SPREAD = 0.6
/**
 * The most nodes the state trie carried from block to block may have loaded before a block opens
 * its own again (BlockCommitment.carryOver): a few megabytes of decoded nodes.
 */
const MAX_CARRIED_TRIE_NODES = 20_000
/** Meta key: the last sealed block whose state-trie nodes are all in SQLite. */
const TRIE_NODES_THROUGH = 'trie_nodes_through'
/** Sealed blocks indexed into D1 per attempt; a backlog drains over successive seals. */
const INDEX_BATCH_BLOCKS = 16
/**
 * An attempt stops adding blocks once their transactions and receipts pass this many bytes, far
 * under Durable Object RPC's 32 MiB message; one block alone is bounded by its gas limit.
 */
const INDEX_BATCH_BYTES = 8 * 1024 * 1024
/** Witnesses uploaded to R2 per attempt, likewise. */
const WITNESS_UPLOAD_BATCH = 16
/** BLOCKHASH sees the 256 most recent ancestors: the most headers a witness carries. */
const BLOCKHASH_WINDOW = 256n
/** WebSocket messages over 5 MiB are refused, as HTTP bodies are (geth's limit). */
const MAX_WEBSOCKET_MESSAGE_BYTES = 5 * 1024 * 1024
/**
 * debug_getModifiedAccountsBy*: the most blocks between its two states, and the most accounts
 * those blocks may have written (each costs two trie reads on this thread). A full block of plain
 * transfers (the dev chain's 200,000,000 gas) writes about 19,000.
 */
const MAX_MODIFIED_ACCOUNTS_BLOCKS = 128n
const MAX_MODIFIED_ACCOUNTS = 25_000
/** Accounts compared per pair of tries opened: their loaded nodes are a few megabytes at most. */
const MODIFIED_ACCOUNTS_PER_TRIE = 4_096
/** Transactions a resumed miniBlocks subscription may replay: bounded work and memory per request. */
const MAX_RESUME_TRANSACTIONS = 10_000
const CLIENT_VERSION = 'Velox/v0.1.0/workers'

/**
 * What the executor pool worked out ahead of a mini-block, by transaction hash: the outcomes it
 * computed (hints, each applied only if its reads still hold) and the transactions it decoded.
 */
type PrecomputedMiniBlock = {
  outcomes: Map<Hash, GroupTransactionOutcome>
  fields: ReadonlyMap<Hash, TransactionFields>
}

export type SubmitOutcome = { ok: true; receipt?: RpcObject } | { ok: false; rejection: Rejection }

/** Which state a read is against: the latest mini-block (real-time), or the end of a sealed block. */
export type StateRef = { realtime: true } | { blockNumber: bigint } | { blockHash: Hash }

type Waiter = { resolve: (receipt: RpcObject | undefined) => void; timer: ReturnType<typeof setTimeout> }

/**
 * The chain's sequencer: admits transactions, orders them into mini-blocks, seals EVM blocks.
 * See README.md for how one transaction flows through it and what is persisted when.
 */
export class Sequencer extends DurableObject<Env> {
  private readonly config: ChainConfig
  private readonly store: ChainStore
  private readonly mempool = new Mempool()
  /** What the EVM reads: the store's accounts, storage and code, synchronously. */
  private readonly contractState: ContractStateReader = {
    getAccount: (address) => this.store.getAccount(address),
    getCode: (codeHash) => this.store.getCode(codeHash),
    getStorage: (address, slot) => this.store.getStorageValue(address, slot),
    hasStorage: (address) => this.store.hasStorage(address),
  }
  /**
   * The open block's writes and reads so far (the state trie's nodes in SQLite are as of the last
   * seal): the seal applies the writes to the trie and proves the reads in the block's witness.
   */
  private blockChanges = new BlockChanges()
  /**
   * The open block's state commitment, prepared between mini-blocks (BlockCommitment) so the seal
   * has little left to hash. None after a restart: that block's seal does the whole work.
   */
  private commitment: BlockCommitment | undefined
  /** The last sealed block's live state trie, for the next block's commitment to start from. */
  private carriedLiveTrie: StateTrie | undefined
  /** The open block's transactions and receipts, folded into its header's roots between mini-blocks. */
  private body = new BlockBody()
  private sealPreparationTimer: ReturnType<typeof setTimeout> | undefined
  private postSealWriteTimer: ReturnType<typeof setTimeout> | undefined
  /** When the newest sealed block's trie nodes and rows should all be written (schedulePostSealWrites). */
  private postSealWritesDueMs = 0
  /** Read keys noted by BLOCKHASH during the mini-block being executed, persisted with it. */
  private blockHashReads: string[] = []
  private open!: OpenBlockState
  private head!: StoredBlock
  private nextArrival = 0
  private miniBlockTimer: ReturnType<typeof setTimeout> | undefined
  /** What JSON-RPC over this object's WebSockets serves (RPC_NAMESPACES): every namespace when undefined. */
  private readonly rpcNamespaces: ReadonlySet<string> | undefined
  /** Parallel execution: the pool and what its predictor has learned, and the build under way. */
  private readonly parallel: ParallelExecutionConfig
  private readonly executorPool: DurableObjectExecutorPool | undefined
  private readonly accessPredictor = new AccessPredictor()
  private parallelBuild: Promise<void> | undefined
  private readonly executionCounters = emptyExecutionStats()
  private readonly waiters = new Map<Hash, Waiter[]>()
  /** Synchronous sends dropped behind a nonce gap (refuseIfStillGapped), until submit answers them. */
  private readonly gapRefusals = new Map<Hash, Rejection>()
  /** eth_newFilter and friends: in memory, as geth keeps them (a restart forgets them). */
  private readonly filters = new FilterRegistry()
  /** The work one eth_call (or estimate, or eth_callMany message) may do: geth's 5 s. Tests lower it. */
  private callWorkUnits = CALL_WORK_UNITS
  /**
   * Admitted and not yet written to the pool table. What a mini-block executes never needs a pool
   * row. eth_sendRawTransaction's are written before its storage transaction commits, as its answer
   * says the pool holds them; a synchronous send's only once it is answered without a receipt (until
   * then its sender has been told nothing, and a restart that loses it loses nothing promised).
   */
  private readonly unwrittenPoolRows = new Map<Hash, StoredPoolTransaction>()
  /** Sends sealed blocks to the indexer, which writes them into D1; a failure is retried after the next seal. */
  private readonly indexPending = singleFlight(() => this.indexBatch())
  /** The open block's transactions as stored: its index batch after the seal, without reading them back. */
  private openBlockRows: StoredTransaction[] = []
  /**
   * Sealed blocks' transactions as stored, until indexed: reading a block of a thousand back from
   * SQLite for the index was ~1.5 ms of the seal's turn. At most INDEX_BATCH_BLOCKS blocks, the
   * newest: a backlog older than that (the indexer down) is read from SQLite as after a restart.
   */
  private readonly unindexedBlockRows = new Map<bigint, StoredTransaction[]>()
  /** Moves sealed blocks' witnesses to R2; a failure is retried after the next seal. */
  private readonly uploadWitnesses = singleFlight(() => this.uploadWitnessBatch())
  /** WebSocket connections and their eth_subscribe subscriptions. */
  private readonly subscriptions: SubscriptionHub
  /** The next mini-block's global height, and how many mini-blocks the open block has so far. */
  private nextMiniBlockNumber = 0
  private openMiniBlockCount = 0
  /** What JSON-RPC over a WebSocket answers with: the RPC worker's backend, calling this object directly. */
  private webSocketBackend: WorkersBackend | undefined

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    this.config = parseChainConfig(env, { blockGasLimit: BigInt(genesis.gasLimit) })
    this.parallel = parseParallelExecutionConfig(env)
    this.rpcNamespaces = parseRpcNamespaces(env.RPC_NAMESPACES)
    this.executorPool =
      this.parallel.executors > 1
        ? new DurableObjectExecutorPool(env.EXECUTOR, this.parallel.executors)
        : undefined
    this.store = new ChainStore(ctx.storage.sql)
    this.subscriptions = new SubscriptionHub(ctx, this.store)
    ctx.blockConcurrencyWhile(async () => {
      this.boot()
      await this.ensureSealAlarm()
    })
  }

  // ---- RPC methods (called by the RPC worker) -------------------------------------------------

  /**
   * Admits a batch of transactions. Every admitted one is in SQLite before this returns: the
   * Durable Object's output gate holds the answer until the write is durable. With `syncTimeoutMs`
   * (EIP-7966) each admitted transaction waits for its receipt: it is written with the mini-block
   * that executes it, or to the pool table if the wait ends first, so a synchronous send costs no
   * commit of its own. One behind a nonce gap waits SYNC_NONCE_GAP_GRACE_MS for the gap to fill,
   * then is dropped and refused with the expected nonce.
   */
  async submit(items: TransactionSubmission[], syncTimeoutMs: number | null): Promise<SubmitOutcome[]> {
    const outcomes: SubmitOutcome[] = new Array(items.length)
    const announced: PooledTransaction[] = []
    // Admission and, when the sequencer is idle, the mini-block that executes what was admitted
    // share one SQLite transaction: one commit, and a sync caller's receipt is ready on return.
    // Each sender's transactions go in nonce order: a gap between two that came together is none.
    const miniBlock = this.inStorageTransaction(() => {
      for (const index of admissionOrder(items)) outcomes[index] = this.admit(items[index]!, announced)
      const executed =
        !outcomes.some((outcome) => outcome.ok) ||
        this.miniBlockTimer !== undefined ||
        this.wantsParallelBuild()
          ? undefined
          : this.executeMiniBlock()
      if (syncTimeoutMs === null) this.writePoolRows()
      return executed
    })
    const admitted = items.filter((_, i) => outcomes[i]!.ok).map((item) => item.hash)
    if (announced.length > 0) this.publishPendingTransactions(announced)
    // Waiting starts before the mini-block is published, so that publishing answers its own
    // transactions too (an admitted transaction was not executed before: admission refuses those).
    const receipts =
      syncTimeoutMs === null ? undefined : admitted.map((hash) => this.waitForReceipt(hash, syncTimeoutMs))
    if (syncTimeoutMs !== null && syncTimeoutMs > SYNC_NONCE_GAP_GRACE_MS)
      for (const hash of admitted)
        if (this.mempool.isQueued(hash))
          setTimeout(() => this.refuseIfStillGapped(hash), SYNC_NONCE_GAP_GRACE_MS)
    if (miniBlock) this.publishMiniBlock(miniBlock)
    if (this.mempool.readyCount > 0) {
      if (this.wantsParallelBuild()) this.buildMiniBlock()
      else this.scheduleMiniBlock()
    }
    if (receipts === undefined) return outcomes

    const answered = await Promise.all(receipts)
    if (answered.includes(undefined)) this.inStorageTransaction(() => this.writePoolRows())
    let next = 0
    return outcomes.map((outcome, i) => {
      if (!outcome.ok) return outcome
      const receipt = answered[next++]
      if (receipt) return { ok: true, receipt }
      const refused = this.gapRefusals.get(items[i]!.hash)
      if (refused) {
        this.gapRefusals.delete(items[i]!.hash)
        return { ok: false, rejection: refused }
      }
      return {
        ok: false,
        rejection: {
          code: 4,
          message: `the transaction was added to the mempool but wasn't processed within ${syncTimeoutMs}ms`,
          data: items[i]!.hash,
        },
      }
    })
  }

  /** velox_executionStats: how mini-blocks ran since this object started (parallel or in process). */
  executionStats(): ExecutionStats & ParallelExecutionConfig {
    return { ...this.executionCounters, ...this.parallel }
  }

  /** Nonce and balance: real-time (latest mini-block) or at the end of a sealed block. */
  readAccount(address: Address, ref: StateRef): { nonce: bigint; balance: bigint; codeHash: Hex } {
    const account = this.accountAt(address, ref)
    return account ?? { nonce: 0n, balance: 0n, codeHash: EMPTY_CODE_HASH }
  }

  /** The nonce a wallet should use next: past every pooled transaction of the sender. */
  pendingNonce(address: Address): bigint {
    return this.mempool.pendingNonce(address, this.store.getAccount(address)?.nonce ?? 0n)
  }

  readCode(address: Address, ref: StateRef): Hex {
    const account = this.accountAt(address, ref)
    if (!account || account.codeHash === EMPTY_CODE_HASH) return '0x'
    const code = this.store.getCode(account.codeHash)
    return code ? bytesToHex(code) : '0x'
  }

  readStorage(address: Address, slot: Hex, ref: StateRef): Hex {
    return this.storageAt(address, slot, this.resolveRef(ref))
  }

  /** eth_getStorageValues: each account's slots, one state (resolved once) for all of them. */
  readStorageValues(requests: readonly [Address, Hash[]][], ref: StateRef): Hex[][] {
    const at = this.resolveRef(ref)
    return requests.map(([address, slots]) => slots.map((slot) => this.storageAt(address, slot, at)))
  }

  private storageAt(address: Address, slot: Hex, at: bigint | 'realtime'): Hex {
    const value =
      at === 'realtime' ? this.store.getStorage(address, slot) : this.store.getStorageAt(address, slot, at)
    return value ?? ZERO_HASH
  }

  /**
   * eth_getProof (EIP-1186), as geth answers it: real-time refs prove against the last seal's trie
   * with the open block's writes applied (its root is what the block will seal with if nothing
   * else lands), a sealed block against its stored state root. Values come from the trie itself,
   * so they are exactly what the proofs prove.
   */
  proof(address: Address, storageKeys: readonly StorageKey[], ref: StateRef): RpcObject {
    const trie = this.stateTrieAt(this.resolveRef(ref))
    const account = trie.account(address)
    return formatAccountProof({
      address,
      account,
      storageRoot: account?.storageRoot ?? EMPTY_TRIE_ROOT,
      accountProof: trie.proveAccount(address),
      storage: storageKeys.map((key) => ({
        key: key.echo,
        value: trie.storage(address, BigInt(key.slot)),
        proof: trie.proveStorage(address, BigInt(key.slot)),
      })),
    })
  }

  /**
   * eth_call: the message on real-time state in the open block's context, or on a sealed block's
   * state (its trie) in that block's context. Nothing it does is kept. A message that could not
   * start, or ran past its work budget, answers geth's message as data.
   */
  call(request: CallRequest, ref: StateRef, overrides: CallOverrides): CallOutcome {
    const { reader, context } = this.callEnvironment(ref, overrides)
    try {
      const receipt = simulateCall(reader, request, context)
      return {
        ran: true,
        status: receipt.status,
        output: receipt.output,
        gasUsed: receipt.gasUsed,
        error: receipt.error,
      }
    } catch (error) {
      if (error instanceof InvalidTransactionError || error instanceof ExecutionTimeoutError)
        return { ran: false, message: error.message }
      throw error
    }
  }

  /**
   * eth_callMany: bundles on the state of `ref`, at its end (transactionIndex -1) or, for a sealed
   * block, after its first `transactionIndex` transactions (its parent's state, its system calls,
   * then those transactions replayed).
   */
  callMany(
    bundles: CallBundle[],
    ref: StateRef,
    transactionIndex: number,
    stateOverride: StateOverride,
  ): { ok: true; results: BundleCallResult[][] } | { ok: false; message: string } {
    const at = this.resolveRef(ref)
    if (transactionIndex >= 0 && at === 'realtime')
      return {
        ok: false,
        message: 'a transaction index needs a sealed block: the open block is still being built',
      }
    try {
      return { ok: true, results: this.simulateBundlesAt(bundles, ref, at, transactionIndex, stateOverride) }
    } catch (error) {
      // Past the request's work budget, the whole request fails (Erigon's eth_callMany timeout).
      if (error instanceof ExecutionTimeoutError) return { ok: false, message: error.message }
      throw error
    }
  }

  private simulateBundlesAt(
    bundles: CallBundle[],
    ref: StateRef,
    at: ReturnType<Sequencer['resolveRef']>,
    transactionIndex: number,
    stateOverride: StateOverride,
  ): BundleCallResult[][] {
    const overrides = { state: stateOverride, block: {} }
    if (transactionIndex < 0 || at === 0n || at === 'realtime') {
      const { reader, context } = this.callEnvironment(ref, overrides)
      return simulateBundles(new EvmState(reader), bundles, context)
    }
    const { context } = this.chainCallEnvironment({ blockNumber: at })
    // The block's own execution, cut after its first `transactionIndex` transactions.
    const { state } = this.replayBlock(at, transactionIndex, stateOverride)
    const precompileRelocations = precompileRelocationsOf(stateOverride, context.precompiles)
    return simulateBundles(state, bundles, { ...context, precompileRelocations })
  }

  /**
   * eth_simulateV1 (src/execution/simulateBlocks.ts) on `ref`: a sealed block's header and state,
   * or for real time the latest sealed header with the open block's state, so that a simulation
   * sees every mini-block so far (its roots over the last seal's trie with the open block's writes
   * applied, as eth_getProof's). Errors that fail the request travel as data, with geth's code.
   */
  simulate(request: SimulationRequest, ref: StateRef): SimulationOutcome {
    const at = this.resolveRef(ref)
    const header = this.sealedHeader(at === 'realtime' ? this.head.number : at)
    // The roots' trie is applied to block after block, so reads go through a reader of their own.
    const trie = this.stateTrieAt(at)
    const reader = at === 'realtime' ? this.contractState : this.sealedStateReader(header.stateRoot)
    try {
      const blocks = simulateBlocks(
        {
          header,
          hash: hashBlockHeader(header),
          reader,
          trie,
          blockHash: (number) => this.sealedBlockHash(number),
          fork: this.config.fork,
          chainId: this.config.chainId,
          precompiles: precompilesFor(this.config.fork),
          minBaseFee: this.config.minBaseFee,
          callWorkUnits: this.callWorkUnits,
        },
        request,
      )
      return { ok: true, blocks }
    } catch (error) {
      if (error instanceof SimulationError) return { ok: false, code: error.code, message: error.message }
      throw error
    }
  }

  /**
   * debug_traceTransaction: the transaction's block replayed up to it (from the parent's state:
   * system calls, then the transactions before it), then the transaction traced. Works for the
   * open block's transactions too. Null for a transaction the chain has not executed.
   */
  traceTransaction(hash: Hash, config: TraceConfig): FilterOutcome<TraceResult> | null {
    const row = this.store.findTransaction(hash)
    if (!row) return null
    return traceOutcome(() => {
      const { state, block, options, execution } = this.replayBlock(row.blockNumber, row.index)
      const context = blockContextOf(block, options)
      return traceTransaction(
        state,
        evmTransactionOf(this.recoveredOf(row)),
        {
          fork: this.config.fork,
          block: context,
          precompiles: options.precompiles,
          blockGasAvailable: block.gasLimit - execution.gasUsed,
          firstLogIndex: execution.executed.reduce((logs, earlier) => logs + earlier.logs.length, 0),
          position: {
            // An open block has no hash yet: geth's context would hold none.
            blockHash: this.store.getBlock({ number: row.blockNumber })?.hash ?? null,
            blockNumber: row.blockNumber,
            transactionHash: hash,
            transactionIndex: row.index,
          },
        },
        config,
      ).result
    })
  }

  /** debug_traceBlockByNumber / ByHash: every transaction of a sealed block, traced in order. */
  traceBlock(
    ref: { number: bigint } | { hash: Hash },
    config: TraceConfig,
  ): FilterOutcome<BlockTraceEntry[]> | null {
    const block = this.store.getBlock(ref)
    if (!block) return null
    if (block.number === 0n) return { ok: false, message: 'genesis is not traceable' }
    return traceOutcome(() => {
      const { state, executable, options } = this.sealedBlockOnParent(block.number)
      return traceBlock(state, executable, block.hash, options, config)
    })
  }

  /**
   * debug_storageRangeAt: a page of the account's storage as it stands when the block's
   * transaction `txIndex` starts (after the block's system calls and the transactions before it),
   * in storage-trie order from the hashed key `start`. geth opens the account's storage trie at its
   * committed root, so past transaction 0 it answers the parent block's storage; here the
   * transactions before `txIndex` are replayed and their writes applied first. Slots are given by
   * hashed key with `key: null`, as geth without preimages; `storage` is null for an account
   * without storage, as geth's.
   */
  storageRange(
    ref: { number: bigint } | { hash: Hash },
    txIndex: number,
    address: Address,
    start: Hex,
    limit: number,
  ): FilterOutcome<StorageRange> | null {
    const block = this.store.getBlock(ref)
    if (!block) return null
    if (block.number === 0n) return { ok: false, message: 'no transaction in genesis' }
    // As geth: an index of a transaction in the block, or 0 in a block without any.
    const inRange =
      txIndex === 0 || (txIndex > 0 && this.store.blockTransactionRange(block.number, txIndex, 1).length > 0)
    if (!inRange)
      return { ok: false, message: `transaction index ${txIndex} out of range for block ${block.hash}` }
    return traceOutcome(() => {
      const { state } = this.replayBlock(block.number, txIndex)
      const trie = this.stateTrieAt(block.number - 1n)
      trie.apply(state.changes())
      const account = trie.account(address)
      if (!account || !hasStorageRoot(account)) return { storage: null, nextKey: null }
      const { slots, next } = trie.storageRange(address, hexToBytes(start), limit)
      const storage: Record<Hash, { key: null; value: Hex }> = {}
      for (const { hashedKey, value } of slots) storage[hashedKey] = { key: null, value: wordHex(value) }
      return { storage, nextKey: next }
    })
  }

  /**
   * debug_traceBlock: a block given whole, traced on its parent's state, which must be a sealed
   * block of this chain (by number, then by hash, as geth looks it up).
   */
  traceGivenBlock(block: GivenBlock, config: TraceConfig): FilterOutcome<BlockTraceEntry[]> {
    const parentNumber = block.header.number - 1n
    const parent = this.store.getBlock({ number: parentNumber })
    if (!parent) return { ok: false, message: `block #${parentNumber} not found` }
    // This chain has no other branch: a parent of another hash is not one it has.
    if (parent.hash !== block.header.parentHash)
      return { ok: false, message: `block ${block.header.parentHash} not found` }
    return traceOutcome(() => {
      const { state, options } = this.onParentState(block.header.number)
      const executable = executableBlockOf(
        block.header,
        block.transactions,
        block.withdrawals,
        this.config.fork,
      )
      return traceBlock(state, executable, block.hash, options, config)
    })
  }

  /**
   * debug_getModifiedAccountsByNumber / ByHash: the accounts whose leaf in the state trie is new or
   * different (nonce, balance, code hash or storage root) after block `end` than after `start`, in
   * trie order; with no `end`, those block `start` itself modified. geth finds them by walking the
   * two tries' difference and names them from its preimage store (failing without one); here the
   * blocks' own writes name the candidates and each is compared leaf to leaf. geth's errors, and
   * bounds of its own (MAX_MODIFIED_ACCOUNTS_BLOCKS, MAX_MODIFIED_ACCOUNTS).
   */
  modifiedAccounts(
    startRef: { number: bigint } | { hash: Hash },
    endRef: { number: bigint } | { hash: Hash } | undefined,
  ): FilterOutcome<Address[]> {
    // geth prints numbers and hashes with %x (no 0x), but the end block's number with %d.
    const named = (ref: { number: bigint } | { hash: Hash }) =>
      'number' in ref ? ref.number.toString(16) : ref.hash.slice(2)
    let start = this.store.getBlock(startRef)
    if (!start) return { ok: false, message: `start block ${named(startRef)} not found` }
    let end: StoredBlock | undefined
    if (endRef === undefined) {
      end = start
      start = end.number === 0n ? undefined : this.store.getBlock({ number: end.number - 1n })
      if (!start) return { ok: false, message: `block ${end.number.toString(16)} has no parent` }
    } else {
      end = this.store.getBlock(endRef)
      if (!end)
        return {
          ok: false,
          message: `end block ${'number' in endRef ? endRef.number.toString() : named(endRef)} not found`,
        }
    }
    if (start.number >= end.number)
      return {
        ok: false,
        message: `start block height (${start.number}) must be less than end block height (${end.number})`,
      }
    if (end.number - start.number > MAX_MODIFIED_ACCOUNTS_BLOCKS)
      return {
        ok: false,
        message: `too many blocks between start and end: at most ${MAX_MODIFIED_ACCOUNTS_BLOCKS}`,
      }
    const written = this.store.addressesWrittenIn(start.number + 1n, end.number, MAX_MODIFIED_ACCOUNTS)
    if (!written)
      return {
        ok: false,
        message: `more than ${MAX_MODIFIED_ACCOUNTS} accounts written between start and end: narrow the range`,
      }
    return {
      ok: true,
      value: modifiedAccounts(
        () => this.stateTrieAt(end.number),
        () => this.stateTrieAt(start.number),
        written,
        MODIFIED_ACCOUNTS_PER_TRIE,
      ),
    }
  }

  /** debug_intermediateRoots: the state root after each transaction of a sealed block. */
  intermediateRoots(ref: { hash: Hash }): FilterOutcome<Hash[]> | null {
    const block = this.store.getBlock(ref)
    if (!block) return null
    if (block.number === 0n) return { ok: false, message: 'genesis is not traceable' }
    return traceOutcome(() => {
      const { state, executable, options } = this.sealedBlockOnParent(block.number)
      return intermediateRoots(state, this.stateTrieAt(block.number - 1n), executable, options)
    })
  }

  /** debug_traceCall: the call on the state eth_call would use, traced. */
  traceCall(
    request: CallRequest,
    ref: StateRef,
    overrides: CallOverrides,
    config: TraceConfig,
  ): FilterOutcome<TraceResult> {
    const { reader, context } = this.callEnvironment(ref, overrides)
    return traceOutcome(() => traceCall(new EvmState(reader), request, context, config).result)
  }

  /**
   * The state a block's transaction `index` starts from: the parent's post-state (with any state
   * overrides laid over it) with the block's system calls and its first `index` transactions
   * executed on it, and that execution. The open block is replayed the same way from the last
   * sealed state.
   */
  private replayBlock(
    number: bigint,
    index: number,
    stateOverride: StateOverride = new Map(),
  ): { state: EvmState; block: ExecutableBlock; options: ExecuteBlockOptions; execution: BlockExecution } {
    const { state, options } = this.onParentState(number, stateOverride)
    const transactions = this.store
      .blockTransactionRange(number, 0, index)
      .map((row) => this.recoveredOf(row))
    const block =
      number <= this.head.number
        ? executableBlockOf(this.sealedHeader(number), transactions, [], this.config.fork)
        : {
            number: this.open.number,
            parentHash: this.open.parentHash,
            timestamp: this.open.timestamp,
            coinbase: this.open.coinbase,
            gasLimit: this.open.gasLimit,
            baseFeePerGas: this.open.baseFeePerGas,
            prevRandao: this.open.prevRandao,
            blobBaseFee: blobBaseFee(0n, this.config.fork),
            parentBeaconBlockRoot: ZERO_HASH,
            transactions,
            withdrawals: [],
          }
    const execution = executeBlock(state, block, options)
    return { state, block, options, execution }
  }

  /**
   * What block `number` executes on: its parent's post-state (with any state overrides laid over
   * it), and the options its execution takes (BLOCKHASH over this chain's sealed blocks).
   */
  private onParentState(
    number: bigint,
    stateOverride: StateOverride = new Map(),
  ): { state: EvmState; options: ExecuteBlockOptions } {
    const { reader, context } = this.callEnvironment(
      { blockNumber: number - 1n },
      { state: stateOverride, block: {} },
    )
    const options: ExecuteBlockOptions = {
      fork: this.config.fork,
      chainId: this.config.chainId,
      precompiles: context.precompiles,
      blockHash: context.block.blockHash,
    }
    return { state: new EvmState(reader), options }
  }

  /**
   * A sealed block with every transaction, on its parent's state (traceBlock and intermediateRoots
   * run its system calls).
   */
  private sealedBlockOnParent(number: bigint): {
    state: EvmState
    executable: ExecutableBlock
    options: ExecuteBlockOptions
  } {
    const transactions = this.store.blockTransactions(number).map((row) => this.recoveredOf(row))
    const executable = executableBlockOf(this.sealedHeader(number), transactions, [], this.config.fork)
    return { ...this.onParentState(number), executable }
  }

  /** A stored transaction decoded, with the sender its execution recorded. */
  private recoveredOf(row: { hash: Hash; raw: Uint8Array; executed: string }): RecoveredTransaction {
    return { ...decodeTransaction(row.raw), sender: parseExecuted(row.hash, row.executed).executed.sender }
  }

  /** eth_createAccessList, on the state and context eth_call would use. */
  createAccessList(request: CallRequest, ref: StateRef, overrides: CallOverrides): AccessListOutcome {
    const { reader, context } = this.callEnvironment(ref, overrides)
    try {
      return createAccessList(reader, request, context)
    } catch (error) {
      if (error instanceof ExecutionTimeoutError) return { ok: false, message: error.message }
      throw error
    }
  }

  /** eth_estimateGas, on the state and context eth_call would use. */
  estimateGas(request: CallRequest, ref: StateRef, overrides: CallOverrides): EstimateOutcome {
    const { reader, context } = this.callEnvironment(ref, overrides)
    return estimateGas(reader, request, context)
  }

  /**
   * A sealed block's execution witness (debug_executionWitness): from SQLite while it waits for
   * R2, then from R2. Null for a block the chain does not have.
   */
  async executionWitness(ref: { number: bigint } | { hash: Hash }): Promise<RpcObject | null> {
    const block = this.store.getBlock(ref)
    if (!block || block.number === 0n) return null
    const pending = this.store.outboxWitness(block.number)
    if (pending) return witnessToJson(decodeWitness(pending))
    const stored = await readStoredWitness(this.env.WITNESSES, block.number)
    if (!stored) throw new Error(`witness of block ${block.number} is missing from R2`)
    return witnessToJson(stored)
  }

  /** A sealed block as RLP (debug_getRawBlock): its header, transactions, no ommers, no withdrawals. */
  rawBlock(ref: { number: bigint } | { hash: Hash }): Hex | null {
    const block = this.store.getBlock(ref)
    if (!block) return null
    const raws = this.store.blockTransactions(block.number).map((row) => row.raw)
    return bytesToHex(encodeBlock(this.sealedHeader(block.number), raws, []))
  }

  /** A sealed block's header as RLP (debug_getRawHeader), as stored at its seal. */
  rawHeader(ref: { number: bigint } | { hash: Hash }): Hex | null {
    const block = this.store.getBlock(ref)
    const header = block && this.store.getHeader(block.number)
    return header ? bytesToHex(header) : null
  }

  /** A sealed block's receipts in their consensus encoding (EIP-2718), in order (debug_getRawReceipts). */
  rawReceipts(ref: { number: bigint } | { hash: Hash }): Hex[] | null {
    const block = this.store.getBlock(ref)
    if (!block) return null
    return this.store
      .blockTransactions(block.number)
      .map((row) => bytesToHex(encodeReceipt(parseExecuted(row.hash, row.executed).executed)))
  }

  /**
   * A transaction's signed bytes (debug_getRawTransaction): executed, in a sealed block or the open
   * one, or waiting in the pool; null when the node has never seen it.
   */
  rawTransaction(hash: Hash): Hex | null {
    const raw = this.store.findTransaction(hash)?.raw ?? this.mempool.get(hash)?.raw
    return raw ? bytesToHex(raw) : null
  }

  /**
   * Sealed blocks from `first` on, at most `limit` of them and never past the head, as the batcher
   * encodes them (src/l1 BatchBlock): the header, and the signed transactions grouped by mini-block.
   * With each, its hash, which the batcher commits to L1 with the state root.
   */
  batchBlocks(first: bigint, limit: number): SealedBatchBlock[] {
    const blocks: SealedBatchBlock[] = []
    const count = Math.max(0, Math.min(limit, MAX_BATCH_BLOCKS_PER_CALL))
    for (let number = first; number <= this.head.number && blocks.length < count; number++) {
      const stored = this.store.getBlock({ number })
      if (!stored) throw new Error(`sealed block ${number} is missing from storage`)
      const raws = this.store.blockTransactions(number).map((row) => row.raw)
      const miniBlocks = this.store
        .miniBlocksOf(number)
        .map((mini) => raws.slice(mini.firstTransaction, mini.firstTransaction + mini.transactionCount))
      const grouped = miniBlocks.reduce((sum, mini) => sum + mini.length, 0)
      if (grouped !== raws.length)
        throw new Error(`block ${number}: its mini-blocks hold ${grouped} of its ${raws.length} transactions`)
      blocks.push({ hash: stored.hash, block: { header: this.sealedHeader(number), miniBlocks } })
    }
    return blocks
  }

  /** The last sealed block the D1 index holds (-1 before the first): later ones are only here. */
  indexedThrough(): bigint {
    return BigInt(this.store.getMeta('indexed_through') ?? '-1')
  }

  /**
   * eth_getLogs over sealed blocks [from, to], from the blocks' own records: for those the D1
   * index does not hold yet (the caller bounds the range).
   */
  logs(from: bigint, to: bigint, filter: Pick<LogFilter, 'addresses' | 'topics'>): RpcObject[] {
    const found: RpcObject[] = []
    for (let number = from; number <= to && number <= this.head.number; number++)
      for (const { log, formatted } of this.sealedBlockLogs(this.store.getBlock({ number })!))
        if (logMatches(log, filter)) found.push(formatted)
    return found
  }

  /** Installs a polling filter; answers its id, or the error geth would give. */
  newFilter(request: FilterRequest): FilterOutcome<string> {
    return filterOutcome(() => this.filters.install(request, this.head.number, Date.now()))
  }

  /** eth_getFilterChanges: block hashes, logs or transaction hashes since the last poll. */
  filterChanges(id: string): FilterOutcome<(Hash | RpcObject)[]> {
    return filterOutcome(() =>
      this.filters.changes(
        id,
        {
          head: this.head.number,
          blockHashes: (from, to) =>
            this.store.blocksFrom(from, Number(to - from + 1n)).map((block) => block.hash),
          logs: (from, to, criteria) => this.logs(from, to, criteria),
        },
        Date.now(),
      ),
    )
  }

  /** A log filter's criteria, for eth_getFilterLogs. */
  filterCriteria(id: string): FilterOutcome<LogCriteria> {
    return filterOutcome(() => this.filters.criteria(id, Date.now()))
  }

  uninstallFilter(id: string): boolean {
    return this.filters.uninstall(id, Date.now())
  }

  /**
   * txpool_content (geth's shape): per sender, by nonce, the pooled transactions that can execute
   * (`pending`) and those waiting behind a nonce gap (`queued`). With `summary`, txpool_status's counts.
   */
  txpool(summary: boolean): RpcObject {
    const { pending, queued } = this.mempool.contents()
    if (summary)
      return { pending: `0x${pending.length.toString(16)}`, queued: `0x${queued.length.toString(16)}` }
    const bySender = (txs: PooledTransaction[]) => {
      const grouped: Record<string, Record<string, RpcObject>> = {}
      for (const tx of txs)
        (grouped[getAddress(tx.sender)] ??= {})[tx.nonce.toString()] = formatTransaction(
          decodeTransactionFields(tx.raw, tx.hash),
          tx.sender,
          NOT_IN_A_BLOCK,
          undefined,
        )
      return grouped
    }
    return { pending: bySender(pending), queued: bySender(queued) }
  }

  headBlock(): { number: bigint; hash: Hash } {
    return { number: this.head.number, hash: this.head.hash }
  }

  pendingBaseFee(): bigint {
    return this.open.baseFeePerGas
  }

  /** A sealed block's wire object (hashes only), or the open block for `pending`. */
  block(
    ref: { number: bigint } | { hash: Hash } | { pending: true },
    fullTransactions: boolean,
  ): RpcObject | null {
    if ('pending' in ref) return this.pendingBlock(fullTransactions)
    const stored = this.store.getBlock(ref)
    if (!stored) return null
    const block = JSON.parse(stored.rpcBlock) as RpcObject
    if (fullTransactions)
      block.transactions = this.store
        .blockTransactions(stored.number)
        .map((row) => rpcObjectsOf(row, stored).transaction)
    return block
  }

  /**
   * A block's transaction at `index` (eth_getTransactionByBlock*AndIndex), from a sealed block or,
   * for `pending`, the open one; null for no such block or an index past its end.
   */
  blockTransaction(
    ref: { number: bigint } | { hash: Hash } | { pending: true },
    index: number,
  ): RpcObject | null {
    const block = this.blockLocation(ref)
    if (!block) return null
    const [row] = this.store.blockTransactionRange(block.number, index, 1)
    return row ? rpcObjectsOf(row, block).transaction : null
  }

  /**
   * Every receipt of a sealed block or, for `pending`, of the open one (its mini-blocks' so far), in
   * order (eth_getBlockReceipts); null for no such block.
   */
  blockReceipts(ref: { number: bigint } | { hash: Hash } | { pending: true }): RpcObject[] | null {
    const block = this.blockLocation(ref)
    if (!block) return null
    return this.store.blockTransactions(block.number).map((row) => rpcReceiptOf(row, block))
  }

  /** A sealed block's number, hash and timestamp, or the open block's (its hash the unsealed zero hash). */
  private blockLocation(
    ref: { number: bigint } | { hash: Hash } | { pending: true },
  ): (IncludingBlock & { number: bigint }) | undefined {
    if ('pending' in ref) return { number: this.open.number, ...this.openIncludingBlock() }
    return this.store.getBlock(ref)
  }

  /** The open block as its rows' wire objects name it: the unsealed zero hash, its timestamp. */
  private openIncludingBlock(): IncludingBlock {
    return { hash: UNSEALED_BLOCK_HASH, timestamp: this.open.timestamp }
  }

  /** A transaction and its receipt, from the open block (preconfirmed), a sealed block, or the pool. */
  transaction(hash: Hash): { transaction: RpcObject; receipt: RpcObject | null } | null {
    const row = this.store.findTransaction(hash)
    if (row) {
      const sealed =
        row.blockNumber <= this.head.number ? this.store.getBlock({ number: row.blockNumber }) : undefined
      return rpcObjectsOf(row, sealed ?? this.openIncludingBlock())
    }
    const pooled = this.mempool.get(hash)
    if (!pooled) return null
    return {
      transaction: formatTransaction(
        decodeTransactionFields(pooled.raw, pooled.hash),
        pooled.sender,
        NOT_IN_A_BLOCK,
        undefined,
      ),
      receipt: null,
    }
  }

  /** Fee data of sealed blocks [first, first + count), for eth_feeHistory. */
  feeRows(
    first: bigint,
    count: number,
  ): { number: bigint; baseFeePerGas: bigint; gasUsed: bigint; gasLimit: bigint; tipDistribution: string }[] {
    return this.store.blocksFrom(first, Math.min(count, 1024)).map((block) => ({
      number: block.number,
      baseFeePerGas: block.baseFeePerGas,
      gasUsed: block.gasUsed,
      gasLimit: block.gasLimit,
      tipDistribution: block.tipDistribution,
    }))
  }

  // ---- Durable Object events -------------------------------------------------------------------

  override async alarm(): Promise<void> {
    if (this.mempool.readyCount > 0) this.buildMiniBlock()
    // A parallel mini-block belongs to the open block: the seal waits for it.
    while (this.parallelBuild) await this.parallelBuild
    if (Date.now() >= this.open.openedAtMs + this.config.blockIntervalMs - 5) this.sealBlock()
    await this.ensureSealAlarm()
    // Let waiting requests in between the seal and the index and R2 work: under `wrangler dev`
    // every Durable Object and D1 share one thread, and each of these holds it for milliseconds.
    await yieldThread()
    await this.indexPending()
    await yieldThread()
    await this.uploadWitnesses()
  }

  /** A WebSocket upgrade forwarded by the RPC worker: JSON-RPC and subscriptions on one connection. */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get('Upgrade')?.toLowerCase() !== 'websocket')
      return new Response('expected a WebSocket upgrade\n', {
        status: 426,
        headers: { Upgrade: 'websocket' },
      })
    return this.subscriptions.accept()
  }

  /**
   * One JSON-RPC message (single or batch) from a WebSocket. Every method works here as over HTTP;
   * eth_subscribe's notifications start only once its answer has been sent.
   */
  override async webSocketMessage(socket: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const text = typeof message === 'string' ? message : new TextDecoder().decode(message)
    if (text.length > MAX_WEBSOCKET_MESSAGE_BYTES) {
      socket.send(
        JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'request too large' } }),
      )
      return
    }
    const response = await handleJsonRpc(text, {
      backend: this.localBackend(),
      config: this.config,
      clientVersion: CLIENT_VERSION,
      subscriptions: this.subscriptionHost(socket),
      namespaces: this.rpcNamespaces,
    })
    try {
      if (response !== undefined) socket.send(JSON.stringify(response))
    } catch {
      this.subscriptions.closed(socket)
      return
    }
    this.subscriptions.activate(socket)
  }

  override async webSocketClose(socket: WebSocket, code: number, reason: string): Promise<void> {
    this.subscriptions.closed(socket)
    // 1005 and 1006 are never sent; answer a close without a code with a normal one.
    try {
      socket.close(code === 1005 || code === 1006 ? 1000 : code, reason)
    } catch {
      // Already closed.
    }
  }

  override async webSocketError(socket: WebSocket): Promise<void> {
    this.subscriptions.closed(socket)
  }

  // ---- internals -------------------------------------------------------------------------------

  private boot(): void {
    const headNumber = this.store.getMeta('head')
    if (headNumber === undefined) this.writeGenesis()
    this.head = this.store.getBlock({ number: BigInt(this.store.getMeta('head')!) })!
    // Before storage tries and witnesses, a chain kept neither headers nor its sealed root.
    if (this.store.getMeta('sealed_state_root') === undefined || !this.store.getHeader(this.head.number))
      throw new Error(
        'this chain was stored by an earlier Velox without state tries and witnesses; start it afresh (delete .wrangler/state)',
      )
    this.open = parseOpenBlock(this.store.getMeta('open_block')!)
    this.writeUnwrittenStateRows()
    // Chains stored before nodes were written after the seal wrote them in it: none is missing.
    const trieNodesThrough = this.store.getMeta(TRIE_NODES_THROUGH)
    if (trieNodesThrough !== undefined && BigInt(trieNodesThrough) < this.head.number)
      this.rebuildTrieNodes(BigInt(trieNodesThrough) + 1n)
    this.blockChanges = this.loggedChangesOf(this.open.number, { readKeys: true })
    this.store.trackUnwrittenBlock(this.open.number, this.blockChanges.writes)
    // Its mini-blocks before the restart are in blockChanges only: its seal commits from scratch.
    this.commitment = undefined
    // The open block's transactions are already in state: its body again, and its counts, so that
    // new ones continue its indices.
    this.body = new BlockBody()
    const rows = this.store.blockTransactions(this.open.number)
    for (const row of rows) {
      const { executed, firstLogIndex } = parseExecuted(row.hash, row.executed)
      this.body.add(row.raw, executed)
      this.open.gasUsed = executed.cumulativeGasUsed
      this.open.logCount = firstLogIndex + executed.logs.length
    }
    this.open.transactionCount = rows.length
    this.openBlockRows = rows
    this.nextMiniBlockNumber = (this.store.lastMiniBlock()?.number ?? -1) + 1
    this.openMiniBlockCount = this.store.miniBlockCount(this.open.number)
    for (const stored of this.store.poolTransactions()) this.readmit(stored)
    if (this.mempool.readyCount > 0) this.scheduleMiniBlock()
  }

  /**
   * A block's changes as its executions logged them: what a restart needs to seal the open block
   * exactly as it would have been sealed (writes and read keys), or to write a sealed block's rows
   * (its writes: `readKeys` false leaves the read keys out).
   */
  private loggedChangesOf(blockNumber: bigint, { readKeys }: { readKeys: boolean }): BlockChanges {
    const changes = new BlockChanges()
    for (const logged of this.store.loggedStateChanges(blockNumber)) {
      changes.addWrites(logged)
      if (readKeys) for (const key of logged.readKeys) changes.addReadKey(key)
    }
    return changes
  }

  /**
   * The history rows a restart left unwritten: the sealed blocks' after STATE_WRITTEN_THROUGH, from
   * their logged changes, all written before anything reads the tables. A chain stored before the
   * state log wrote each execution's rows as it ran, and the open block's read keys apart: its open
   * block goes into the log as one entry.
   */
  private writeUnwrittenStateRows(): void {
    this.inStorageTransaction(() => {
      const writtenThrough = this.store.getMeta(STATE_WRITTEN_THROUGH)
      if (writtenThrough === undefined) {
        const { writes } = this.storedChangesOf(this.open.number)
        const readKeys = this.store.takeLegacyBlockReads(this.open.number)
        this.store.logStateChanges(this.open.number, { ...writes, codes: new Map() }, readKeys)
        this.store.setMeta(STATE_WRITTEN_THROUGH, this.head.number.toString())
        return
      }
      for (let number = BigInt(writtenThrough) + 1n; number <= this.head.number; number++)
        this.store.trackUnwrittenBlock(number, this.loggedChangesOf(number, { readKeys: false }).writes)
      this.store.writeStateRows(Number.POSITIVE_INFINITY, this.head.number)
    })
  }

  /** A block's writes as the history tables keep them: each account and slot at the block's end. */
  private storedChangesOf(blockNumber: bigint): BlockChanges {
    const changes = new BlockChanges()
    for (const [address, account] of this.store.accountsChangedIn(blockNumber))
      changes.writeAccount(address, account)
    for (const [address, slot, value] of this.store.storageChangedIn(blockNumber))
      changes.writeSlot(address, slot, value)
    return changes
  }

  /**
   * The state root of the last sealed block. Its trie's nodes are in SQLite, or the newest ones
   * still in the store's memory (schedulePostSealWrites).
   */
  private sealedStateRoot(): Hash {
    return this.store.getMeta('sealed_state_root') as Hash
  }

  private writeGenesis(): void {
    this.inStorageTransaction(() => {
      const writes = new Map<Address, AccountData | null>()
      for (const [address, { balance }] of Object.entries(genesis.alloc))
        writes.set(address.toLowerCase() as Address, {
          nonce: 0n,
          balance: BigInt(balance),
          codeHash: EMPTY_CODE_HASH,
        })
      this.store.writeAccounts(writes, 0n)
      this.store.setMeta(STATE_WRITTEN_THROUGH, '0')
      const trie = new StateTrie(this.store.trieNodes)
      trie.apply({ accounts: writes, storage: new Map(), storageResets: new Set() })
      const root = trie.commit()
      this.writeTrieNodes(Number.POSITIVE_INFINITY, 0n)
      this.store.setMeta('sealed_state_root', root)
      const open: OpenBlock = {
        number: 0n,
        parentHash: ZERO_HASH,
        timestamp: BigInt(genesis.timestamp),
        baseFeePerGas: BigInt(genesis.baseFeePerGas),
        gasLimit: this.config.blockGasLimit,
        coinbase: '0x0000000000000000000000000000000000000000',
        prevRandao: ZERO_HASH,
        extraData: genesis.extraData as Hex,
        ...headerFieldsForFork(this.config.fork),
      }
      const sealed = assembleBlock(open, [], root)
      const stored = this.storeSealedBlock(sealed, [])
      this.head = stored
      this.openNextBlock(stored, Date.now())
    })
  }

  /**
   * A synchronous send still behind a nonce gap after its grace: out of the pool (it was never
   * acknowledged), and its callers answered with EIP-7966's nonce gap and the nonce expected now.
   */
  private refuseIfStillGapped(hash: Hash): void {
    const tx = this.mempool.get(hash)
    // Filled meanwhile, or nobody waits any more (then it was kept, as any acknowledged send).
    if (!tx || !this.mempool.isQueued(hash) || !this.waiters.has(hash)) return
    this.mempool.remove(tx)
    this.inStorageTransaction(() => this.deletePoolRow(hash))
    const stateNonce = this.store.getAccount(tx.sender)?.nonce ?? 0n
    this.gapRefusals.set(hash, rejection.nonceGap(this.mempool.pendingNonce(tx.sender, stateNonce)))
    this.answerWaiters(hash, undefined)
  }

  /**
   * One transaction into the pool (the caller's storage transaction writes its row). What geth
   * would announce to pending-transaction filters and subscriptions is noted and added to
   * `announced`: what became executable, not what waits behind a nonce gap.
   */
  private admit(item: TransactionSubmission, announced: PooledTransaction[]): SubmitOutcome {
    if (item.maxFeePerGas < this.open.baseFeePerGas)
      return {
        ok: false,
        rejection: rejection.feeCapTooLow(item.sender, item.maxFeePerGas, this.open.baseFeePerGas),
      }
    const account = this.store.getAccount(item.sender)
    const pooled: PooledTransaction = { ...item, arrival: this.nextArrival++ }
    const result = this.mempool.admit(
      pooled,
      { nonce: account?.nonce ?? 0n, balance: account?.balance ?? 0n },
      { nowMs: Date.now() },
    )
    if (!result.ok) return result
    for (const tx of result.announced) {
      this.filters.notePending(tx.hash, () => pendingTransactionJson(tx))
      announced.push(tx)
    }
    if (result.replaced) this.deletePoolRow(result.replaced.hash)
    for (const evicted of result.evicted) this.deletePoolRow(evicted.hash)
    this.unwrittenPoolRows.set(item.hash, {
      hash: item.hash,
      sender: item.sender,
      raw: item.raw,
      transferGas: item.transferGas,
      arrival: pooled.arrival,
    })
    return { ok: true }
  }

  /** Persists what was admitted and is not executed yet: within a storage transaction. */
  private writePoolRows(): void {
    for (const row of this.unwrittenPoolRows.values()) this.store.insertPoolTransaction(row)
    this.unwrittenPoolRows.clear()
  }

  private deletePoolRow(hash: Hash): void {
    if (!this.unwrittenPoolRows.delete(hash)) this.store.deletePoolTransaction(hash)
  }

  /** Puts a persisted pool transaction back after a restart; what no longer fits the state is dropped. */
  private readmit(stored: {
    hash: Hash
    sender: Address
    raw: Uint8Array
    transferGas: bigint
    arrival: number
  }): void {
    const tx = decodeTransactionFields(stored.raw, stored.hash)
    const pooled: PooledTransaction = {
      raw: stored.raw,
      hash: stored.hash,
      type: tx.type,
      sender: stored.sender,
      nonce: tx.nonce,
      gasLimit: tx.gasLimit,
      to: tx.to,
      value: tx.value,
      maxFeePerGas: tx.type === 0 || tx.type === 1 ? tx.gasPrice : tx.maxFeePerGas,
      maxPriorityFeePerGas: tx.type === 0 || tx.type === 1 ? tx.gasPrice : tx.maxPriorityFeePerGas,
      transferGas: stored.transferGas,
      arrival: stored.arrival,
    }
    this.nextArrival = Math.max(this.nextArrival, stored.arrival + 1)
    const account = this.store.getAccount(stored.sender)
    const result = this.mempool.admit(
      pooled,
      { nonce: account?.nonce ?? 0n, balance: account?.balance ?? 0n },
      { nowMs: Date.now() },
    )
    if (!result.ok) {
      console.warn(`dropping pooled transaction ${stored.hash} on restart: ${result.rejection.message}`)
      this.store.deletePoolTransaction(stored.hash)
    } else for (const evicted of result.evicted) this.store.deletePoolTransaction(evicted.hash)
  }

  /**
   * Transactions that could not go into the mini-block of their own submission (the sequencer was
   * busy, or they were promoted from behind a nonce gap) wait at most one interval.
   */
  private scheduleMiniBlock(): void {
    if (this.miniBlockTimer !== undefined) return
    this.miniBlockTimer = setTimeout(() => {
      this.miniBlockTimer = undefined
      this.buildMiniBlock()
      if (this.mempool.readyCount > 0) this.scheduleMiniBlock()
    }, this.config.miniBlockIntervalMs)
  }

  private buildMiniBlock(): void {
    // The build under way schedules the next one when it is done.
    if (this.parallelBuild) return
    if (this.wantsParallelBuild()) {
      this.parallelBuild = this.buildMiniBlockInParallel().finally(() => {
        this.parallelBuild = undefined
        if (this.mempool.readyCount > 0) this.scheduleMiniBlock()
      })
      return
    }
    const miniBlock = this.inStorageTransaction(() => this.executeMiniBlock())
    if (miniBlock) this.publishMiniBlock(miniBlock)
  }

  /** Whether the next mini-block goes to the executor pool, or waits for one that is there already. */
  private wantsParallelBuild(): boolean {
    if (this.parallelBuild) return true
    return this.executorPool !== undefined && this.mempool.readyCount >= this.parallel.minTransactions
  }

  /**
   * A large mini-block: its ready transactions go to the executor pool, each group with its slice of
   * the real-time state; then, in one storage transaction, executeMiniBlock takes each executor's
   * result whose reads still hold and runs the rest itself. Meanwhile new transactions are admitted
   * but no other mini-block is built or sealed. Executor results are only ever hints: if the pool
   * fails, or the open block changed, the mini-block runs in process as any other.
   */
  private async buildMiniBlockInParallel(): Promise<void> {
    const pool = this.executorPool
    if (!pool) return
    // A look at what executeMiniBlock will take: left in the ready queue, which may change meanwhile.
    const batch = this.mempool.takeReady(
      MAX_TRANSACTIONS_PER_MINI_BLOCK,
      this.open.gasLimit - this.open.gasUsed,
    )
    this.mempool.untake(batch)
    if (batch.length === 0) return
    const blockNumber = this.open.number
    // Transactions this cheap cost more to coordinate than to execute: not even decoded for the pool.
    const precomputed = averageGasLimitReaches(batch, this.parallel.minGasPerTransaction)
      ? await this.executeOnPool(pool, batch)
      : undefined
    // Outcomes hold for the block they ran in; the decoded fields, for good.
    if (this.open.number !== blockNumber) precomputed?.outcomes.clear()
    const miniBlock = this.inStorageTransaction(() => this.executeMiniBlock(precomputed))
    if (miniBlock) this.publishMiniBlock(miniBlock)
  }

  /**
   * The executors' outcomes for `batch`, by transaction hash (none if the pool failed), and the
   * batch decoded, which executeMiniBlock then need not decode again.
   */
  private async executeOnPool(
    pool: DurableObjectExecutorPool,
    batch: readonly PooledTransaction[],
  ): Promise<PrecomputedMiniBlock> {
    const { blockHash: _, ...block } = this.blockContext()
    const fields = new Map<Hash, TransactionFields>()
    const transactions = batch.map((tx) => {
      const decoded = decodeTransactionFields(tx.raw, tx.hash)
      fields.set(tx.hash, decoded)
      return evmTransactionOf({ ...decoded, sender: tx.sender })
    })
    const outcomes = new Map<Hash, GroupTransactionOutcome>()
    try {
      const dispatched = await dispatchGroups(
        new EvmState(this.contractState).preStateReader(),
        transactions,
        block,
        this.config.fork,
        precompileAddressesOf(precompilesFor(this.config.fork)),
        // Transaction by transaction: executeMiniBlock takes the ready queue again, which may have
        // changed meanwhile, and applies each result that still holds on its own.
        { pool, predictor: this.accessPredictor, wholeGroups: false },
      )
      if (dispatched.stats.groups > 0) {
        this.executionCounters.parallelMiniBlocks++
        this.executionCounters.dispatchedTransactions += batch.length
      }
      for (const [index, outcome] of dispatched.outcomes.entries())
        if (outcome) outcomes.set(batch[index]!.hash, outcome)
    } catch (error) {
      this.executionCounters.dispatchFailures++
      console.warn(`parallel execution failed, running the mini-block in process: ${error}`)
    }
    return { outcomes, fields }
  }

  /**
   * Runs `write` so that its writes commit together or not at all. workerd runs every event's writes
   * in one implicit SQLite transaction, committed when the event's synchronous work is done, and
   * holds the object's answers until then. Should `write` throw, memory (mempool, trie, open block)
   * and storage could disagree, so the object aborts, which discards every write not yet committed
   * (checked in Miniflare: rows written before a throw and an abort were gone after it), and is
   * rebuilt from storage on the next request. Not `transactionSync`: its SAVEPOINT made SQLite copy
   * every page it changed to a sub-journal first, for a rollback the abort makes needless (at 500
   * tx/s, 22.6 KB of temp-file writes per transaction with it, 9.9 KB without).
   */
  private inStorageTransaction<T>(write: () => T): T {
    try {
      return write()
    } catch (error) {
      this.ctx.abort('storage transaction failed; restarting from the last committed state')
      throw error
    }
  }

  /**
   * Executes ready transactions into the open block and writes the results. Must run inside a
   * storage transaction; `publishMiniBlock` then makes them visible.
   */
  private executeMiniBlock(precomputed?: PrecomputedMiniBlock): MiniBlock | undefined {
    const gasLeft = this.open.gasLimit - this.open.gasUsed
    const batch = this.mempool.takeReady(MAX_TRANSACTIONS_PER_MINI_BLOCK, gasLeft)
    if (batch.length === 0) return undefined

    this.executionCounters.miniBlocks++
    const block = this.blockContext()
    const state = new EvmState(this.contractState)
    const reader = state.preStateReader()
    const fees = new DeferredFees(block.coinbase)
    const partition = emptyPartitionStats()
    const precompiles = precompilesFor(this.config.fork)
    const included: MiniBlock['included'] = []
    const dropped: PooledTransaction[] = []
    let cumulativeGasUsed = this.open.gasUsed
    let logCount = this.open.logCount
    for (const tx of batch) {
      const decoded = precomputed?.fields.get(tx.hash) ?? decodeTransactionFields(tx.raw, tx.hash)
      try {
        const transaction = evmTransactionOf({ ...decoded, sender: tx.sender })
        const blockGasAvailable = this.open.gasLimit - cumulativeGasUsed
        // An executor's result, if it had one and every value it read still holds; else run it here.
        const outcome = precomputed?.outcomes.get(tx.hash)
        let receipt =
          outcome && transaction.gasLimit <= blockGasAvailable
            ? applyOutcome(state, reader, outcome, fees, { predictor: this.accessPredictor }, partition)
            : undefined
        if (!receipt) {
          fees.credit(state)
          receipt = processTransaction(state, transaction, {
            fork: this.config.fork,
            block,
            precompiles,
            blockGasAvailable,
          })
        }
        cumulativeGasUsed += receipt.gasUsed
        const executed = executedTransactionOf(tx, receipt, cumulativeGasUsed)
        included.push({
          tx,
          decoded,
          index: this.open.transactionCount + included.length,
          firstLogIndex: logCount,
          executed,
        })
        logCount += executed.logs.length
      } catch (error) {
        if (!(error instanceof InvalidTransactionError)) throw error
        console.warn(`dropping transaction ${tx.hash}: ${error.message}`)
        dropped.push(tx)
      }
    }

    fees.credit(state)
    addPartitionStats(this.executionCounters, partition)
    const changes = this.recordChanges(state)
    for (const { tx, executed, index, firstLogIndex } of included) {
      this.body.add(tx.raw, executed)
      const row: StoredTransaction = {
        blockNumber: this.open.number,
        index,
        hash: tx.hash,
        raw: tx.raw,
        executed: serializeExecuted(executed, firstLogIndex),
      }
      this.store.insertBlockTransaction(row)
      this.openBlockRows.push(row)
      this.deletePoolRow(tx.hash)
    }
    for (const tx of dropped) this.deletePoolRow(tx.hash)
    for (const { tx } of included) this.mempool.remove(tx)
    for (const tx of dropped) this.mempool.remove(tx)
    let record: StoredMiniBlock | undefined
    if (included.length > 0) {
      record = {
        number: this.nextMiniBlockNumber++,
        blockNumber: this.open.number,
        blockIndex: this.openMiniBlockCount++,
        firstTransaction: this.open.transactionCount,
        transactionCount: included.length,
        gasUsed: cumulativeGasUsed - this.open.gasUsed,
        timestampUs: Date.now() * 1000,
      }
      this.store.insertMiniBlock(record)
    }
    this.open.gasUsed = cumulativeGasUsed
    this.open.logCount = logCount
    this.open.transactionCount += included.length
    return { blockNumber: this.open.number, blockTimestamp: this.open.timestamp, included, record, changes }
  }

  /**
   * Folds what an execution on the open block changed into the open block's changes (which the
   * store reads through until the block's history rows are written), and logs it with the read keys
   * its witness will prove: one state_log row.
   */
  private recordChanges(state: EvmState): StateChanges {
    const changes = state.changes()
    const freshReads = this.blockChanges.add(changes)
    this.store.logStateChanges(this.open.number, changes, [...freshReads, ...this.blockHashReads])
    this.blockHashReads = []
    this.commitment?.add(changes)
    this.scheduleSealPreparation()
    return changes
  }

  /**
   * The state and block a call runs on: real time in the open block, or a sealed block's own,
   * with the call's overrides laid over them.
   */
  private callEnvironment(
    ref: StateRef,
    overrides: CallOverrides,
  ): { reader: ContractStateReader; context: CallContext } {
    const { reader, context } = this.chainCallEnvironment(ref)
    const block = overrideBlock(context.block, overrides.block)
    if (overrides.state.size === 0) return { reader, context: { ...context, block } }
    return {
      reader: new OverriddenState(reader, overrides.state),
      context: {
        ...context,
        block,
        precompileRelocations: precompileRelocationsOf(overrides.state, context.precompiles),
      },
    }
  }

  private chainCallEnvironment(ref: StateRef): { reader: ContractStateReader; context: CallContext } {
    const at = this.resolveRef(ref)
    const precompiles = precompilesFor(this.config.fork)
    const blockHash = (number: bigint) => this.sealedBlockHash(number)
    if (at === 'realtime')
      return {
        reader: this.contractState,
        context: {
          fork: this.config.fork,
          block: { ...this.blockContext(), blockHash },
          precompiles,
          blockGasLimit: this.open.gasLimit,
          callWorkUnits: this.callWorkUnits,
        },
      }
    const header = this.sealedHeader(at)
    return {
      reader: this.sealedStateReader(header.stateRoot),
      context: {
        fork: this.config.fork,
        block: blockContextOf(executableBlockOf(header, [], [], this.config.fork), {
          chainId: this.config.chainId,
          blockHash,
        }),
        precompiles,
        blockGasLimit: header.gasLimit,
        callWorkUnits: this.callWorkUnits,
      },
    }
  }

  /**
   * The state trie at `at`: a sealed block's, or for real time the last seal's with the open
   * block's writes applied (its root is what the block will seal with if nothing else lands).
   */
  private stateTrieAt(at: bigint | 'realtime'): StateTrie {
    if (at !== 'realtime') return new StateTrie(this.store.trieNodes, this.sealedHeader(at).stateRoot)
    const trie = new StateTrie(this.store.trieNodes, this.sealedStateRoot())
    trie.apply(this.blockChanges.writes)
    return trie
  }

  /** What the EVM reads of a sealed block's state: its trie, and the stored code. */
  private sealedStateReader(stateRoot: Hash): ContractStateReader {
    return new TrieStateReader(new StateTrie(this.store.trieNodes, stateRoot), (codeHash) =>
      this.store.getCode(codeHash),
    )
  }

  /** A sealed block's header, from its stored RLP. */
  private sealedHeader(number: bigint): BlockHeader {
    const header = this.store.getHeader(number)
    if (!header) throw new Error(`header of block ${number} is not stored`)
    return decodeBlockHeader(decodeRlp(header))
  }

  /** BLOCKHASH's answer for a block number: the sealed block's hash, or zero. */
  private sealedBlockHash(number: bigint): bigint {
    return BigInt(this.store.getBlock({ number })?.hash ?? ZERO_HASH)
  }

  /** What the EVM sees of the open block. */
  private blockContext(): BlockContext {
    return {
      number: this.open.number,
      timestamp: this.open.timestamp,
      coinbase: this.open.coinbase,
      gasLimit: this.open.gasLimit,
      baseFeePerGas: this.open.baseFeePerGas,
      prevRandao: BigInt(this.open.prevRandao),
      // No blob transactions are admitted, so no excess blob gas ever accrues.
      blobBaseFee: blobBaseFee(0n, this.config.fork),
      chainId: this.config.chainId,
      blockHash: (number) => this.readBlockHash(number),
    }
  }

  /** BLOCKHASH from the open block: a sealed ancestor's hash, noted so the witness carries its header. */
  private readBlockHash(number: bigint): bigint {
    const key = this.blockChanges.readBlockHash(number)
    if (key) this.blockHashReads.push(key)
    return this.sealedBlockHash(number)
  }

  /** After the commit: sync callers get their receipts, subscribers the mini-block. */
  private publishMiniBlock(miniBlock: MiniBlock): void {
    for (const { tx, executed, index, firstLogIndex } of miniBlock.included) {
      if (!this.waiters.has(tx.hash)) continue
      // Formatted from the execution itself: what a read of the row just written would give.
      const receipt = formatReceipt(executed, { ...miniBlockLocation(miniBlock, index), firstLogIndex })
      this.answerWaiters(tx.hash, receipt)
    }
    if (miniBlock.record) this.notifyMiniBlock(miniBlock, miniBlock.record)
  }

  /** miniBlocks, real-time logs and stateChanges subscribers: what one mini-block did. */
  private notifyMiniBlock(miniBlock: MiniBlock, record: StoredMiniBlock): void {
    const hub = this.subscriptions
    if (hub.has('miniBlocks')) {
      const json = miniBlockJson(
        record,
        miniBlock.blockTimestamp,
        miniBlock.included.map(({ tx, decoded, executed, index, firstLogIndex }) => {
          const location = miniBlockLocation(miniBlock, index)
          return {
            transaction: formatTransaction(decoded, tx.sender, location, executed.effectiveGasPrice),
            receipt: formatReceipt(executed, { ...location, firstLogIndex }),
          }
        }),
      )
      for (const subscription of hub.subscribers('miniBlocks')) hub.notify(subscription, json)
    }
    if (hub.has('logs'))
      for (const { executed, index, firstLogIndex } of miniBlock.included)
        for (const [i, log] of executed.logs.entries()) {
          let json: string | undefined
          for (const subscription of hub.subscribers('logs')) {
            const spec = subscription.spec as Extract<SubscriptionSpec, { kind: 'logs' }>
            if (!spec.realtime || !logMatches(log, spec)) continue
            json ??= JSON.stringify(
              formatLog(log, {
                ...miniBlockLocation(miniBlock, index),
                transactionHash: executed.hash,
                logIndex: firstLogIndex + i,
              }),
            )
            hub.notify(subscription, json)
          }
        }
    if (hub.has('stateChanges')) {
      const { accounts, storage } = miniBlock.changes
      for (const subscription of hub.subscribers('stateChanges')) {
        const spec = subscription.spec as Extract<SubscriptionSpec, { kind: 'stateChanges' }>
        for (const address of spec.addresses) {
          const slots = storage.get(address)
          if (!accounts.has(address) && !slots) continue
          const account = accounts.has(address) ? accounts.get(address) : this.store.getAccount(address)
          hub.notify(subscription, stateChangeJson(address, account, slots))
        }
      }
    }
  }

  /** newPendingTransactions subscribers: each transaction made executable, as a hash or in full. */
  private publishPendingTransactions(admitted: readonly TransactionSubmission[]): void {
    const hub = this.subscriptions
    if (!hub.has('newPendingTransactions')) return
    for (const item of admitted) {
      let full: string | undefined
      for (const subscription of hub.subscribers('newPendingTransactions')) {
        const spec = subscription.spec as Extract<SubscriptionSpec, { kind: 'newPendingTransactions' }>
        if (!spec.fullTransactions) hub.notify(subscription, `"${item.hash}"`)
        else hub.notify(subscription, (full ??= JSON.stringify(pendingTransactionJson(item))))
      }
    }
  }

  /** newHeads, (sealed) logs and transactionReceipts subscribers: the block just sealed, and its rows. */
  private publishSealedBlock(block: StoredBlock, miniBlockCount: number, rows: StoredTransaction[]): void {
    const hub = this.subscriptions
    if (hub.has('newHeads')) {
      const json = newHeadJson(block.rpcBlock, miniBlockCount)
      for (const subscription of hub.subscribers('newHeads')) hub.notify(subscription, json)
    }
    if (hub.has('transactionReceipts')) this.publishSealedReceipts(block, rows)
    if (!hub.has('logs')) return
    const sealedLogSubscriptions = [...hub.subscribers('logs')].filter(
      (subscription) => !(subscription.spec as Extract<SubscriptionSpec, { kind: 'logs' }>).realtime,
    )
    if (sealedLogSubscriptions.length === 0) return
    for (const { log, formatted } of this.sealedBlockLogs(block, rows)) {
      let json: string | undefined
      for (const subscription of sealedLogSubscriptions)
        if (logMatches(log, subscription.spec as Extract<SubscriptionSpec, { kind: 'logs' }>))
          hub.notify(subscription, (json ??= JSON.stringify(formatted)))
    }
  }

  /**
   * transactionReceipts subscribers (geth's): the sealed block's receipts in one notification,
   * only those of the listed transactions where a subscription lists some; none when none match.
   */
  private publishSealedReceipts(block: StoredBlock, rows: StoredTransaction[]): void {
    if (rows.length === 0) return
    let all: string | undefined
    let byHash: Map<Hash, StoredTransaction> | undefined
    for (const subscription of this.subscriptions.subscribers('transactionReceipts')) {
      const { hashes } = subscription.spec as Extract<SubscriptionSpec, { kind: 'transactionReceipts' }>
      if (hashes === null) {
        all ??= JSON.stringify(rows.map((row) => rpcReceiptOf(row, block)))
        this.subscriptions.notify(subscription, all)
        continue
      }
      // A listed hash at a time (at most 200), not the block's every transaction.
      byHash ??= new Map(rows.map((row) => [row.hash, row]))
      const matching: StoredTransaction[] = []
      for (const hash of hashes) {
        const row = byHash.get(hash)
        if (row) matching.push(row)
      }
      if (matching.length === 0) continue
      matching.sort((a, b) => a.index - b.index)
      this.subscriptions.notify(subscription, JSON.stringify(matching.map((row) => rpcReceiptOf(row, block))))
    }
  }

  /** A sealed block's logs, in order, each with its eth_getLogs form. */
  private sealedBlockLogs(
    block: StoredBlock,
    rows = this.store.blockTransactions(block.number),
  ): { log: Log; formatted: RpcObject }[] {
    const found: { log: Log; formatted: RpcObject }[] = []
    for (const row of rows) {
      const { executed, firstLogIndex } = parseExecuted(row.hash, row.executed)
      for (const [i, log] of executed.logs.entries())
        found.push({
          log,
          formatted: formatLog(log, {
            ...rowLocation(row, block),
            transactionHash: row.hash,
            logIndex: firstLogIndex + i,
          }),
        })
    }
    return found
  }

  /** eth_subscribe and eth_unsubscribe for one WebSocket connection. */
  private subscriptionHost(socket: WebSocket): SubscriptionHost {
    return {
      subscribe: (spec) => this.subscriptions.subscribe(socket, spec, this.replayPlan(spec)),
      unsubscribe: (id) => this.subscriptions.unsubscribe(socket, id),
    }
  }

  /**
   * What a subscription resumed from `fromBlock` owes for the chain so far, cut where live delivery
   * takes over: the head, or the last mini-block, as they are now. Refused when it would be too much.
   * A `syncing` subscription's one notification is sent the same way, after its id.
   */
  private replayPlan(spec: SubscriptionSpec): ReplayPlan | undefined {
    // geth's answer to a node in sync, once: the sequencer makes the chain, it never syncs.
    if (spec.kind === 'syncing') return (send) => send('false')
    if (!('fromBlock' in spec) || spec.fromBlock === undefined) return undefined
    const from = spec.fromBlock
    const open = this.open.number
    if (from > open)
      throw new ServerError(`cannot resume from block ${from}: the chain is building block ${open}`)
    if (open - from > MAX_RESUME_BLOCKS)
      throw new ServerError(
        `cannot resume from block ${from}: at most ${MAX_RESUME_BLOCKS} blocks back (the chain is building block ${open})`,
      )
    const head = this.head.number
    const sealedCount = from > head ? 0 : Number(head - from + 1n)
    switch (spec.kind) {
      case 'newHeads':
        return (send) => {
          for (const block of this.store.blocksFrom(from, sealedCount))
            send(newHeadJson(block.rpcBlock, this.store.miniBlockCount(block.number)))
        }
      case 'logs': {
        const logs = sealedCount === 0 ? [] : this.logs(from, head, spec)
        if (logs.length > MAX_LOG_RESULTS)
          throw new ServerError(
            `cannot resume from block ${from}: more than ${MAX_LOG_RESULTS} logs to replay`,
          )
        return (send) => {
          for (const log of logs) send(JSON.stringify(log))
        }
      }
      case 'miniBlocks': {
        const transactions = this.store.transactionCountFrom(from)
        if (transactions > MAX_RESUME_TRANSACTIONS)
          throw new ServerError(
            `cannot resume from block ${from}: ${transactions} transactions to replay, at most ${MAX_RESUME_TRANSACTIONS}`,
          )
        const through = this.nextMiniBlockNumber - 1
        return (send) => {
          for (const record of this.store.miniBlocksFrom(from, through))
            send(this.storedMiniBlockJson(record))
        }
      }
    }
  }

  /** A mini-block from storage, as its notification carried it (with the block's hash once sealed). */
  private storedMiniBlockJson(record: StoredMiniBlock): string {
    const block = this.store.getBlock({ number: record.blockNumber }) ?? this.openIncludingBlock()
    const rows = this.store.blockTransactionRange(
      record.blockNumber,
      record.firstTransaction,
      record.transactionCount,
    )
    return miniBlockJson(
      record,
      block.timestamp,
      rows.map((row) => rpcObjectsOf(row, block)),
    )
  }

  /** The RPC worker's backend, with this object as its sequencer: for JSON-RPC over a WebSocket. */
  private localBackend(): WorkersBackend {
    this.webSocketBackend ??= new WorkersBackend(
      this.env,
      this.config,
      this.env.SEQUENCER.idFromName(SEQUENCER_NAME),
      localSequencerClient(this),
    )
    return this.webSocketBackend
  }

  /**
   * Seals the open block and opens the next, in one SQLite transaction: the block's writes go into
   * the state trie (new nodes stored, root kept), its witness is gathered on the way and queued for
   * R2, the header is stored. A crash anywhere before the commit leaves the block open as it was.
   */
  private sealBlock(): void {
    const miniBlockCount = this.openMiniBlockCount
    const rows = this.openBlockRows
    this.inStorageTransaction(() => {
      // The last block's nodes and history rows that the turns since its seal did not write go
      // with this seal, so that only the newest sealed block's are ever unwritten.
      this.writeTrieNodes(Number.POSITIVE_INFINITY, this.head.number)
      this.store.writeStateRows(Number.POSITIVE_INFINITY, this.head.number)
      const { root, witness } = this.commitOpenBlock()
      this.store.setMeta('sealed_state_root', root)
      const headers = this.witnessHeaders(this.blockChanges.oldestBlockHashRead)
      this.head = this.storeSealedBlock(this.body.assemble(this.open, root), this.body.transactionHashes)
      this.store.insertOutboxWitness(this.head.number, encodeWitness({ ...witness, headers }))
      this.openNextBlock(this.head, Date.now())
      // geth's lifetime: senders idle for hours lose what waits behind their nonce gaps.
      for (const stale of this.mempool.evictStale(Date.now())) this.deletePoolRow(stale.hash)
    })
    this.unindexedBlockRows.set(this.head.number, rows)
    if (this.unindexedBlockRows.size > INDEX_BATCH_BLOCKS)
      this.unindexedBlockRows.delete(this.unindexedBlockRows.keys().next().value!)
    this.publishSealedBlock(this.head, miniBlockCount, rows)
    this.postSealWritesDueMs = Date.now() + this.config.blockIntervalMs * POST_SEAL_WRITE_SPREAD
    this.schedulePostSealWrites()
  }

  /**
   * Writes the newest sealed block's trie nodes, then its account and storage history rows,
   * ROWS_PER_POST_SEAL_TURN at a time after its seal, not in the seal itself: there the nodes alone
   * were half of its time (10–20 ms at 1,000 transfers a second here) while every request waited.
   * The turns are spread evenly over the first POST_SEAL_WRITE_SPREAD of the block interval: back
   * to back, they held the thread for tens of milliseconds after each seal, when the new block's
   * first mini-blocks cost the most. Until written, nodes are read from memory and state from the
   * block's changes. A restart that loses them writes the rows from the state log and rebuilds the
   * nodes from them (writeUnwrittenStateRows, rebuildTrieNodes); the next seal writes whatever is
   * left first.
   */
  private schedulePostSealWrites(): void {
    const nodes = this.store.unwrittenTrieNodeCount
    const rows = this.store.unwrittenStateRowCount(this.head.number)
    if (this.postSealWriteTimer !== undefined || nodes + rows === 0) return
    const turnsLeft = Math.ceil(nodes / ROWS_PER_POST_SEAL_TURN) + Math.ceil(rows / ROWS_PER_POST_SEAL_TURN)
    const delayMs = Math.max(0, Math.floor((this.postSealWritesDueMs - Date.now()) / turnsLeft))
    this.postSealWriteTimer = setTimeout(() => {
      this.postSealWriteTimer = undefined
      this.inStorageTransaction(() => {
        if (this.store.unwrittenTrieNodeCount > 0)
          this.writeTrieNodes(ROWS_PER_POST_SEAL_TURN, this.head.number)
        else this.store.writeStateRows(ROWS_PER_POST_SEAL_TURN, this.head.number)
      })
      this.schedulePostSealWrites()
    }, delayMs)
  }

  /**
   * Writes the oldest `limit` unwritten trie nodes; once none is left, records that every sealed
   * block's nodes through `sealedThrough` are in SQLite. Call it inside a storage transaction.
   */
  private writeTrieNodes(limit: number, sealedThrough: bigint): void {
    this.store.flushTrieNodes(limit)
    if (this.store.unwrittenTrieNodeCount === 0)
      this.store.setMeta(TRIE_NODES_THROUGH, sealedThrough.toString())
  }

  /**
   * The trie nodes of sealed blocks `from` to the head, which a restart lost before they were
   * written: each block's writes, from the history tables, applied to its parent's trie and
   * committed, as a restart seals an open block. Each root must be its header's: anything else
   * means the stored chain is corrupt, and the object stops rather than serve it.
   */
  private rebuildTrieNodes(from: bigint): void {
    this.inStorageTransaction(() => {
      for (let number = from; number <= this.head.number; number++) {
        const trie = new StateTrie(this.store.trieNodes, this.sealedHeader(number - 1n).stateRoot)
        trie.apply(this.storedChangesOf(number).writes)
        const root = trie.commit()
        const expected = this.sealedHeader(number).stateRoot
        if (root !== expected)
          throw new Error(`block ${number}'s rebuilt state trie has root ${root}, its header ${expected}`)
        this.writeTrieNodes(Number.POSITIVE_INFINITY, number)
      }
    })
  }

  /** The open block's new state root and witness: from its prepared commitment, or from scratch. */
  private commitOpenBlock(): ReturnType<typeof commitBlockState> {
    const block = {
      reads: this.blockChanges.reads,
      writes: this.blockChanges.writes,
      codeOf: (codeHash: Hex) => this.store.getCode(codeHash),
    }
    const commitment = this.commitment
    this.commitment = undefined
    if (commitment)
      try {
        const sealed = commitment.seal(block)
        this.carriedLiveTrie = commitment.carryOver(MAX_CARRIED_TRIE_NODES)
        return sealed
      } catch (error) {
        // Nodes it stored are content-addressed and harmless; the seal starts over from scratch.
        console.error('sealing from the prepared commitment failed; committing from scratch', error)
      }
    return commitBlockState({ store: this.store.trieNodes, parentRoot: this.sealedStateRoot(), ...block })
  }

  /**
   * Folds the open block's mini-blocks into its commitment a few at a time, on a timer: after the
   * requests that built them are answered, and never long enough to hold the next one up.
   */
  private scheduleSealPreparation(): void {
    if (this.sealPreparationTimer !== undefined) return
    if (!this.commitment?.queuedCount && this.body.queuedCount === 0) return
    this.sealPreparationTimer = setTimeout(() => {
      this.sealPreparationTimer = undefined
      try {
        this.body.prepare()
      } catch (error) {
        // What failed stays queued: the seal folds it again, and fails in its own transaction if
        // it fails again.
        console.error('preparing the block body failed; the seal will try again', error)
      }
      const commitment = this.commitment
      if (!commitment) return
      try {
        for (let i = 0; i < SEAL_PREPARATION_MINI_BLOCKS && commitment.queuedCount > 0; i++)
          commitment.prepare()
      } catch (error) {
        console.error('preparing the seal failed; the block will be committed from scratch', error)
        this.commitment = undefined
        return
      }
      // Again only for the commitment's turns: a body that failed to fold waits for the next
      // mini-block or the seal, not for a timer that would fail it again at once.
      if (commitment.queuedCount > 0) this.scheduleSealPreparation()
    }, 0)
  }

  /** The open block's parent header, then older ones down to the oldest BLOCKHASH asked for. */
  private witnessHeaders(oldestBlockHashRead: bigint | undefined): Uint8Array[] {
    const parent = this.open.number - 1n
    let oldest = oldestBlockHashRead ?? parent
    if (oldest + BLOCKHASH_WINDOW < this.open.number) oldest = this.open.number - BLOCKHASH_WINDOW
    const headers: Uint8Array[] = []
    for (let number = parent; number >= oldest && number >= 0n; number--) {
      const header = this.store.getHeader(number)
      if (!header) throw new Error(`header of block ${number} is not stored`)
      headers.push(header)
    }
    return headers
  }

  private storeSealedBlock(sealed: ReturnType<typeof assembleBlock>, transactionHashes: Hash[]): StoredBlock {
    const stored: StoredBlock = {
      number: sealed.header.number,
      hash: sealed.hash,
      rpcBlock: JSON.stringify(formatBlock(sealed.header, sealed.hash, sealed.size, transactionHashes)),
      timestamp: sealed.header.timestamp,
      baseFeePerGas: sealed.header.baseFeePerGas,
      gasUsed: sealed.header.gasUsed,
      gasLimit: sealed.header.gasLimit,
      tipDistribution: JSON.stringify(
        sealed.tipDistribution.map(([tip, gas]) => [`0x${tip.toString(16)}`, `0x${gas.toString(16)}`]),
      ),
    }
    this.store.insertBlock(stored)
    this.store.insertHeader(stored.number, encodeBlockHeader(sealed.header))
    this.store.setMeta('head', stored.number.toString())
    return stored
  }

  private openNextBlock(parent: StoredBlock, nowMs: number): void {
    // Header timestamps are whole seconds and must increase strictly.
    const nowSeconds = BigInt(Math.floor(nowMs / 1000))
    const open: OpenBlock = {
      number: parent.number + 1n,
      parentHash: parent.hash,
      timestamp: nowSeconds > parent.timestamp ? nowSeconds : parent.timestamp + 1n,
      baseFeePerGas: calcNextBaseFee({
        baseFeePerGas: parent.baseFeePerGas,
        gasUsed: parent.gasUsed,
        gasLimit: parent.gasLimit,
        minBaseFee: this.config.minBaseFee,
      }),
      gasLimit: this.config.blockGasLimit,
      coinbase: this.config.feeRecipient,
      // No beacon chain here: PREVRANDAO is derived from the parent, so it is deterministic for derivation from L1.
      prevRandao: derivePrevRandao(parent.hash),
      extraData: '0x',
      ...headerFieldsForFork(this.config.fork),
    }
    this.open = { ...open, gasUsed: 0n, transactionCount: 0, logCount: 0, openedAtMs: nowMs }
    this.store.setMeta('open_block', serializeOpenBlock(this.open))
    this.openMiniBlockCount = 0
    this.openBlockRows = []
    this.blockChanges = new BlockChanges()
    this.store.trackUnwrittenBlock(this.open.number, this.blockChanges.writes)
    this.commitment = new BlockCommitment(this.store.trieNodes, this.sealedStateRoot(), this.carriedLiveTrie)
    this.carriedLiveTrie = undefined
    this.body = new BlockBody()
    this.applySystemCalls()
  }

  /**
   * EIP-4788 and EIP-2935: the calls every block makes before its first transaction, run as the
   * block opens so that its state (and witness) is what executeBlock gives a validator. With no
   * system contract in genesis they are no-ops that read two absent accounts.
   */
  private applySystemCalls(): void {
    const state = new EvmState(this.contractState)
    applySystemCalls(state, {
      fork: this.config.fork,
      block: this.blockContext(),
      precompiles: precompilesFor(this.config.fork),
      parentHash: this.open.parentHash,
      parentBeaconBlockRoot: ZERO_HASH,
    })
    this.recordChanges(state)
  }

  /**
   * Moves sealed blocks' witnesses from SQLite to R2, gzip-compressed, oldest first; a row is
   * deleted only once R2 has the object.
   */
  private async uploadWitnessBatch(): Promise<void> {
    try {
      let uploaded = 0
      for (const number of this.store.outboxBlocks(WITNESS_UPLOAD_BATCH)) {
        const encoded = this.store.outboxWitness(number)
        if (!encoded) continue
        await this.env.WITNESSES.put(witnessKey(number), await compressWitness(encoded), {
          customMetadata: { hash: this.store.getBlock({ number })!.hash },
        })
        this.store.deleteOutboxWitness(number)
        uploaded++
      }
      // Not awaited: the validator may be busy (validating, or on a machine of lower priority)
      // and this runs in the seal alarm, which must not wait for it; the next alarm cannot
      // start before this one ends, so waiting here held up the next seal for seconds.
      if (uploaded > 0 && this.env.BACKGROUND_VALIDATION !== 'off')
        this.env.VALIDATOR.get(this.env.VALIDATOR.idFromName(VALIDATOR_NAME))
          .wake()
          .catch((error: unknown) =>
            console.error('waking the validator failed; the next upload will', error),
          )
    } catch (error) {
      console.error('uploading witnesses to R2 failed; will retry', error)
    }
  }

  private async ensureSealAlarm(): Promise<void> {
    const due = this.open.openedAtMs + this.config.blockIntervalMs
    const current = await this.ctx.storage.getAlarm()
    if (current === null || current > due) await this.ctx.storage.setAlarm(Math.max(due, Date.now() + 1))
  }

  /** Sends the oldest sealed blocks not yet indexed to the indexer, which writes them into D1. */
  private async indexBatch(): Promise<void> {
    try {
      const from = BigInt(this.store.getMeta('indexed_through') ?? '-1') + 1n
      const batch: SealedBlockRows[] = []
      let bytes = 0
      for (const block of this.store.blocksFrom(from, INDEX_BATCH_BLOCKS)) {
        const transactions =
          this.unindexedBlockRows.get(block.number) ?? this.store.blockTransactions(block.number)
        for (const row of transactions) bytes += row.raw.length + row.executed.length
        batch.push({ block, transactions })
        if (bytes >= INDEX_BATCH_BYTES) break
      }
      if (batch.length === 0) return
      await this.env.INDEXER.get(this.env.INDEXER.idFromName(INDEXER_NAME)).index(batch)
      this.store.setMeta('indexed_through', batch[batch.length - 1]!.block.number.toString())
      for (const { block } of batch) this.unindexedBlockRows.delete(block.number)
    } catch (error) {
      console.error('indexing sealed blocks into D1 failed; will retry', error)
    }
  }

  /** The receipt of a transaction just admitted, once a mini-block executes it, or undefined after `timeoutMs`. */
  /** Ends every wait for `hash`'s receipt: with it, or without one (the caller knows why). */
  private answerWaiters(hash: Hash, receipt: RpcObject | undefined): void {
    const waiters = this.waiters.get(hash)
    if (!waiters) return
    this.waiters.delete(hash)
    for (const waiter of waiters) {
      clearTimeout(waiter.timer)
      waiter.resolve(receipt)
    }
  }

  private waitForReceipt(hash: Hash, timeoutMs: number): Promise<RpcObject | undefined> {
    return new Promise((resolve) => {
      const waiter: Waiter = {
        resolve,
        timer: setTimeout(() => {
          const list = this.waiters.get(hash)?.filter((w) => w !== waiter)
          if (list && list.length > 0) this.waiters.set(hash, list)
          else this.waiters.delete(hash)
          resolve(undefined)
        }, timeoutMs),
      }
      const list = this.waiters.get(hash)
      if (list) list.push(waiter)
      else this.waiters.set(hash, [waiter])
    })
  }

  private resolveRef(ref: StateRef): bigint | 'realtime' {
    if ('realtime' in ref) return 'realtime'
    const number =
      'blockNumber' in ref ? ref.blockNumber : this.store.getBlock({ hash: ref.blockHash })?.number
    if (number === undefined || number > this.head.number) throw new Error('header not found')
    return number
  }

  private accountAt(address: Address, ref: StateRef): AccountData | undefined {
    const at = this.resolveRef(ref)
    return at === 'realtime' ? this.store.getAccount(address) : this.store.getAccountAt(address, at)
  }

  private pendingBlock(fullTransactions: boolean): RpcObject {
    const rows = this.store.blockTransactions(this.open.number)
    const header = {
      parentHash: this.open.parentHash,
      ommersHash: '0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347' as Hash,
      coinbase: this.open.coinbase,
      // Roots are computed when the block is sealed; geth's pending block likewise carries no final hash.
      stateRoot: ZERO_HASH,
      transactionsRoot: ZERO_HASH,
      receiptsRoot: ZERO_HASH,
      logsBloom: `0x${'00'.repeat(256)}` as Hex,
      difficulty: 0n,
      number: this.open.number,
      gasLimit: this.open.gasLimit,
      gasUsed: this.open.gasUsed,
      timestamp: this.open.timestamp,
      extraData: this.open.extraData,
      mixHash: this.open.prevRandao,
      nonce: '0x0000000000000000' as Hex,
      baseFeePerGas: this.open.baseFeePerGas,
      withdrawalsRoot: ZERO_HASH,
      blobGasUsed: 0n,
      excessBlobGas: 0n,
      parentBeaconBlockRoot: ZERO_HASH,
      requestsHash: this.open.requestsHash,
    }
    const block = formatBlock(
      header,
      null,
      0,
      rows.map((row) => row.hash),
    )
    if (fullTransactions)
      block.transactions = rows.map((row) => rpcObjectsOf(row, this.openIncludingBlock()).transaction)
    return block
  }
}

/** Where a transaction of a mini-block is: its (open) block, by the unsealed zero hash, and its index. */
function miniBlockLocation(miniBlock: MiniBlock, index: number): TransactionLocation {
  return rowLocation(
    { index, blockNumber: miniBlock.blockNumber },
    { hash: UNSEALED_BLOCK_HASH, timestamp: miniBlock.blockTimestamp },
  )
}

/** A sealed block as the batcher takes it: what a batch carries of it, and its hash. */
export type SealedBatchBlock = { hash: Hash; block: BatchBlock }

/**
 * The most sealed blocks one batchBlocks call returns, so that one answer stays well inside a
 * Durable Object RPC message (32 MiB): over four minutes of one-second blocks.
 */
export const MAX_BATCH_BLOCKS_PER_CALL = 256

/** eth_simulateV1's answer: the blocks, or what failed the request with geth's code for it. */
export type SimulationOutcome =
  | { ok: true; blocks: SimulatedBlock[] }
  | { ok: false; code: number; message: string }

/** A filter call's answer: errors travel as data, since Durable Object RPC keeps only messages. */
/** debug_storageRangeAt's answer, in geth's shape. */
export type StorageRange = {
  storage: Record<Hash, { key: null; value: Hex }> | null
  nextKey: Hash | null
}

/** A transaction in the pool as eth_getTransactionByHash answers it: no block yet. */
function pendingTransactionJson(tx: TransactionSubmission): RpcObject {
  return formatTransaction(decodeTransactionFields(tx.raw, tx.hash), tx.sender, NOT_IN_A_BLOCK, undefined)
}

export type FilterOutcome<T> = { ok: true; value: T } | { ok: false; message: string }

/** Lets events already queued for this object (and, locally, for others on its thread) run first. */
function yieldThread(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0))
}

/**
 * `task`, run by one caller at a time: a call while a run is under way answers that run. The run
 * is forgotten once it settles, also when it settles at once (a task with nothing to do): clearing
 * it inside the task, before the caller stored it, left a settled run that every later call answered.
 */
function singleFlight(task: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined
  return () => {
    running ??= task().finally(() => {
      running = undefined
    })
    return running
  }
}

/**
 * `run`'s value, or its refusal as data: errors of class `refusal` (a filter's ServerError; any of
 * a trace's VeloxErrors: tracing failed, timeout, too large) become messages, others propagate.
 */
function refusalAsData<T>(run: () => T, refusal: abstract new (...args: never[]) => Error): FilterOutcome<T> {
  try {
    return { ok: true, value: run() }
  } catch (error) {
    if (error instanceof refusal) return { ok: false, message: error.message }
    throw error
  }
}

const traceOutcome = <T>(run: () => T) => refusalAsData(run, VeloxError)
const filterOutcome = <T>(run: () => T) => refusalAsData(run, ServerError)

type MiniBlock = {
  blockNumber: bigint
  blockTimestamp: bigint
  included: {
    tx: PooledTransaction
    decoded: TransactionFields
    executed: ExecutedTransaction
    index: number
    firstLogIndex: number
  }[]
  /** Absent when every transaction taken was dropped: nothing was built. */
  record: StoredMiniBlock | undefined
  changes: StateChanges
}

/** The open block with what has been executed into it so far. */
type OpenBlockState = OpenBlock & {
  gasUsed: bigint
  transactionCount: number
  logCount: number
  openedAtMs: number
}

function serializeOpenBlock(open: OpenBlockState): string {
  return JSON.stringify(open, (_key, value) =>
    typeof value === 'bigint' ? `bigint:${value.toString(16)}` : value,
  )
}

function parseOpenBlock(text: string): OpenBlockState {
  return JSON.parse(text, (_key, value) =>
    typeof value === 'string' && value.startsWith('bigint:') ? BigInt(`0x${value.slice(7)}`) : value,
  ) as OpenBlockState
}
