import type { Address, Hash, Hex } from 'viem'
import type { BlockHeader } from '../execution/blockHeader.ts'
import type { BlockOverrides, StateOverride } from '../execution/callOverrides.ts'
import type { AccessListOutcome } from '../execution/createAccessList.ts'
import type { ExecutableTransaction } from '../execution/executableTransaction.ts'
import type { RecoveredTransaction, Withdrawal } from '../execution/executeBlock.ts'
import type { SimulatedBlock, SimulationRequest } from '../execution/simulateBlocks.ts'
import type { BundleCallResult, CallBundle, CallRequest, EstimateOutcome } from '../execution/simulateCall.ts'
import type { TraceConfig } from '../execution/tracing/parseTraceConfig.ts'
import type { FilterRequest } from './filterRegistry.ts'
import type { LogFilter, LogPage, LogPosition } from './logFilter.ts'
import type { BlockRef } from './params.ts'

/** A JSON-RPC object exactly as it goes on the wire (quantities as hex strings). */
export type RpcObject = { [key: string]: unknown }

export type FeeHistory = {
  oldestBlock: bigint
  baseFeePerGas: bigint[]
  gasUsedRatio: number[]
  reward?: bigint[][]
}

/** A storage key of eth_getProof: the slot, and how geth echoes it (32-byte hex, or a quantity). */
export type StorageKey = { slot: Hash; echo: Hex }

/**
 * A call's result: the message ran (status, output, gas, and the EVM's error when it failed), or it
 * could not start (insufficient funds, intrinsic gas), with geth's message.
 */
export type CallOutcome =
  | { ran: true; status: 0 | 1; output: Uint8Array; gasUsed: bigint; error: string | undefined }
  | { ran: false; message: string }

/** What eth_call and eth_estimateGas read instead of the chain's state and block. */
export type CallOverrides = { state: StateOverride; block: BlockOverrides }

/** A block a caller gives whole (debug_traceBlock): decoded, its transactions' senders recovered. */
export type GivenBlock = {
  header: BlockHeader
  hash: Hash
  transactions: RecoveredTransaction[]
  withdrawals: Withdrawal[]
}

/** A transaction decoded and checked at the edge, its sender recovered: ready for the sequencer. */
export type TransactionSubmission = ExecutableTransaction & { raw: Uint8Array }

/**
 * What the JSON-RPC layer needs from a node. The Workers deployment implements it over the
 * sequencer Durable Object and the D1 index; tests implement it in memory.
 */
export interface RpcBackend {
  readonly chainId: bigint
  readonly blockGasLimit: bigint
  blockNumber(): Promise<bigint>
  getBlock(ref: BlockRef, fullTransactions: boolean): Promise<RpcObject | null>
  getBalance(address: Address, ref: BlockRef): Promise<bigint>
  getTransactionCount(address: Address, ref: BlockRef): Promise<bigint>
  getCode(address: Address, ref: BlockRef): Promise<Hex>
  getStorageAt(address: Address, slot: Hash, ref: BlockRef): Promise<Hex>
  /** eth_getStorageValues: each account's slots at `ref`, in the order asked, as 32-byte words. */
  getStorageValues(requests: readonly [Address, Hash[]][], ref: BlockRef): Promise<Hex[][]>
  /** EIP-1186: the account and the given storage slots with their Merkle proofs, as geth answers. */
  getProof(address: Address, storageKeys: readonly StorageKey[], ref: BlockRef): Promise<RpcObject>
  /** A sealed block as RLP (debug_getRawBlock); null when there is no such block. */
  getRawBlock(ref: BlockRef): Promise<Hex | null>
  /** A sealed block's header as RLP (debug_getRawHeader); null when there is no such block. */
  getRawHeader(ref: BlockRef): Promise<Hex | null>
  /** A sealed block's receipts, each EIP-2718 encoded (debug_getRawReceipts); null when there is no such block. */
  getRawReceipts(ref: BlockRef): Promise<Hex[] | null>
  /** A transaction's signed bytes, executed or pooled (debug_getRawTransaction); null when unknown. */
  getRawTransaction(hash: Hash): Promise<Hex | null>
  /** A sealed block's execution witness (debug_executionWitness); null when there is no such block. */
  getExecutionWitness(ref: BlockRef): Promise<RpcObject | null>
  /**
   * The background stateless validator's progress: the latest sealed block it re-executed from its
   * witness alone, and the failure that stopped it, if one did.
   */
  validationStatus(): Promise<RpcObject>
  /** How the sequencer has executed mini-blocks since it started: in process, or on the executor pool. */
  executionStats(): Promise<RpcObject>
  /**
   * Settlement on L1: the latest L2 blocks posted, confirmed (`safe`), committed and finalized
   * (`finalized`), the batcher's pending L1 transactions, and its alert if it stopped.
   */
  batcherStatus(): Promise<RpcObject>
  /** eth_call: the message on the state of `ref` (real time for latest and pending). */
  call(request: CallRequest, ref: BlockRef, overrides: CallOverrides): Promise<CallOutcome>
  /**
   * eth_callMany: bundles on the state of `ref`, at its end (transactionIndex -1) or after its
   * first transactionIndex transactions.
   */
  callMany(
    bundles: CallBundle[],
    ref: BlockRef,
    transactionIndex: number,
    stateOverride: StateOverride,
  ): Promise<BundleCallResult[][]>
  /**
   * eth_simulateV1: the request's blocks grown on `ref` (real time for latest and pending: on the
   * latest sealed block's header, with the open block's state). Throws RpcError with geth's code
   * for what fails the whole request.
   */
  simulate(request: SimulationRequest, ref: BlockRef): Promise<SimulatedBlock[]>
  /** debug_traceTransaction; null for a transaction the chain has not executed. */
  traceTransaction(hash: Hash, config: TraceConfig): Promise<unknown | null>
  /** debug_traceCall: the call on the state eth_call would use, traced. */
  traceCall(
    request: CallRequest,
    ref: BlockRef,
    overrides: CallOverrides,
    config: TraceConfig,
  ): Promise<unknown>
  /** debug_traceBlockByNumber / ByHash: geth's [{ txHash, result }]; null for a block the chain lacks. */
  traceBlock(ref: BlockRef, config: TraceConfig): Promise<unknown[] | null>
  /** debug_intermediateRoots: the state root after each of a sealed block's transactions; null for a block the chain lacks. */
  intermediateRoots(hash: Hash): Promise<Hash[] | null>
  /**
   * debug_getModifiedAccountsByNumber / ByHash: the accounts whose state (nonce, balance, code
   * hash or storage root) is new or different after block `end` than after `start`, in state-trie
   * order; with no `end`, those block `start` modified. Throws ServerError with geth's messages.
   */
  modifiedAccounts(
    start: { number: bigint } | { hash: Hash },
    end: { number: bigint } | { hash: Hash } | undefined,
  ): Promise<Address[]>
  /**
   * debug_storageRangeAt: up to `limit` of the account's slots, in storage-trie order from the
   * hashed key `start`, as they stand when the block's transaction `txIndex` starts; geth's
   * { storage, nextKey }. Null for a block the chain lacks.
   */
  storageRangeAt(
    ref: BlockRef,
    txIndex: number,
    address: Address,
    start: Hex,
    limit: number,
  ): Promise<RpcObject | null>
  /**
   * debug_traceBlock: a block given whole (its senders recovered), traced on its parent's state as
   * traceBlock traces a sealed one. Throws ServerError when its parent is not this chain's.
   */
  traceGivenBlock(block: GivenBlock, config: TraceConfig): Promise<unknown[]>
  /** eth_createAccessList: the accounts and slots the call touches, on the state eth_call would use. */
  createAccessList(request: CallRequest, ref: BlockRef, overrides: CallOverrides): Promise<AccessListOutcome>
  /** eth_estimateGas, on the same state. */
  estimateGas(request: CallRequest, ref: BlockRef, overrides: CallOverrides): Promise<EstimateOutcome>
  /** eth_getLogs over sealed blocks (at most MAX_LOG_BLOCK_RANGE of them), in block and log order. */
  getLogs(filter: LogFilter): Promise<RpcObject[]>
  /** eth_getLogsWithCursor: the logs eth_getLogs would give, a bounded page at a time. */
  getLogsPage(filter: LogFilter, after: LogPosition | undefined): Promise<LogPage>
  /** Installs a polling filter; answers its id. */
  newFilter(request: FilterRequest): Promise<string>
  getFilterChanges(id: string): Promise<unknown[]>
  /** eth_getFilterLogs: every log a log filter's criteria select, as eth_getLogs would answer. */
  getFilterLogs(id: string): Promise<RpcObject[]>
  uninstallFilter(id: string): Promise<boolean>
  /** txpool_content, or with `summary` txpool_status, in geth's shapes. */
  txpool(summary: boolean): Promise<RpcObject>
  /** Base fee of the block being built. */
  pendingBaseFee(): Promise<bigint>
  /** The priority fee the node suggests (geth's gas price oracle). */
  suggestPriorityFee(): Promise<bigint>
  feeHistory(
    blockCount: number,
    newest: BlockRef,
    rewardPercentiles: number[] | undefined,
  ): Promise<FeeHistory>
  /** Admits a transaction to the pool; resolves with its hash once it is persisted. */
  sendTransaction(tx: TransactionSubmission): Promise<Hash>
  /** EIP-7966: admits (refusing a nonce gap) and resolves with the receipt, or rejects after `timeoutMs`. */
  sendTransactionSync(tx: TransactionSubmission, timeoutMs: number): Promise<RpcObject>
  getTransactionByHash(hash: Hash): Promise<RpcObject | null>
  getTransactionReceipt(hash: Hash): Promise<RpcObject | null>
  /**
   * eth_getTransactionByBlockNumberAndIndex / ByBlockHashAndIndex: the block's transaction at
   * `index`; null for a block the chain lacks or an index past its end.
   */
  getTransactionByBlockAndIndex(ref: BlockRef, index: number): Promise<RpcObject | null>
  /** eth_getBlockReceipts: every receipt of the block, in order; null for a block the chain lacks. */
  getBlockReceipts(ref: BlockRef): Promise<RpcObject[] | null>
}
