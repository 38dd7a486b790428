/**
 * The JSON-RPC method table. Handlers keep their wire names; each parses and bounds its params,
 * then asks the backend. Stateless transaction checks happen here, at the edge, before anything
 * reaches the sequencer.
 */
import type { Address, Hash, Hex } from 'viem'
import type { Fork } from '../evm/evm.ts'
import { blobBaseFee } from '../execution/blobBaseFee.ts'
import { BlockDecodingError, type DecodedBlock, decodeBlock } from '../execution/blockCodec.ts'
import type { ChainConfig } from '../execution/chainConfig.ts'
import type { RecoveredTransaction } from '../execution/executeBlock.ts'
import { revertReason } from '../execution/revertReason.ts'
import {
  type CallBundle,
  type EstimateOutcome,
  MAX_CALL_MANY_TRANSACTIONS,
} from '../execution/simulateCall.ts'
import { parseTraceConfig } from '../execution/tracing/parseTraceConfig.ts'
import { bytesToHex, hexToBytes } from '../primitives/hex.ts'
import { keccak256 } from '../primitives/keccak256.ts'
import { BlockValidationError, recoverBlockTransaction } from '../validator/validateBlock.ts'
import type { CallOverrides, RpcBackend, RpcObject } from './backend.ts'
import { parseCallObject } from './callObject.ts'
import { parseBlockOverrides, parseBundleBlockOverride, parseStateOverride } from './callOverridesParams.ts'
import { chainConfigView } from './chainConfigView.ts'
import { checkRawTransaction, MAX_RAW_TRANSACTION_HEX_BYTES } from './checkRawTransaction.ts'
import {
  ClientLimitExceededError,
  ExecutionRevertedError,
  InternalError,
  InvalidParamsError,
  RpcError,
  ServerError,
  SyncTimeoutError,
} from './errors.ts'
import { encodeUnsignedTransaction, fillTransaction, unsignedTransactionJson } from './fillTransaction.ts'
import { encodeLogCursor, parseLogCursor, parseLogFilter } from './logFilter.ts'
import type { BlockRef } from './params.ts'
import {
  expectParams,
  parseAddress,
  parseBlockNumberOrHash,
  parseBlockNumberOrTag,
  parseBlockRef,
  parseBoolean,
  parseData,
  parseHash,
  parseInteger,
  parseQuantity,
  parseUint64,
} from './params.ts'
import { formatSimulatedBlock, parseSimulationRequest } from './simulateV1.ts'
import {
  NotificationsUnsupportedError,
  parseSubscription,
  parseSubscriptionId,
  type SubscriptionHost,
} from './subscriptions.ts'
import { inspectPool, poolContentFrom } from './txpoolViews.ts'

export type RpcContext = {
  backend: RpcBackend
  config: ChainConfig
  clientVersion: string
  /** The WebSocket connection's subscriptions; absent over HTTP. */
  subscriptions?: SubscriptionHost
  /** The namespaces served (RPC_NAMESPACES, src/rpc/namespaces.ts); every one when absent. */
  namespaces?: ReadonlySet<string> | undefined
}

type Handler = (params: unknown[], context: RpcContext) => Promise<unknown>

const toQuantity = (n: bigint | number): Hex => `0x${n.toString(16)}`

/** geth's maxFeeHistory. */
export const MAX_FEE_HISTORY_BLOCKS = 1024
/** Storage keys one eth_getProof may ask for: each is a trie walk, so the request is bounded. */
export const MAX_PROOF_STORAGE_KEYS = 1024
/** debug_traceBlock's block at most: the request body's limit is 5 MiB, two hex digits a byte. */
export const MAX_RAW_BLOCK_BYTES = 2 * 1024 * 1024
/** The least gas a transaction uses: a block holds at most its gas limit over this many. */
const TRANSACTION_GAS = 21_000n
/** Slots one debug_storageRangeAt answers at most: a page costs about one trie path a slot. */
export const MAX_STORAGE_RANGE_RESULTS = 1024
/** geth's maxFeeHistory percentile count (100 values, each in [0, 100] and ascending). */
export const MAX_FEE_HISTORY_PERCENTILES = 100
/** EIP-7966 recommends 2 s as the default; we cap what a caller may ask for at 10 s, as MegaETH's realtime API does. */
export const DEFAULT_SYNC_TIMEOUT_MS = 2_000
export const MAX_SYNC_TIMEOUT_MS = 10_000
/** MegaETH's realtime_sendRawTransaction gives up after 10 s. */
const REALTIME_EXPIRY_MS = 10_000

/**
 * web3_sha3's input at most. The request body's limit (5 MiB) bounds it anyway; this keeps one
 * request's hashing to a few milliseconds.
 */
export const MAX_SHA3_INPUT_BYTES = 1024 * 1024

/** A block's transaction count, or null (as geth) for a block the chain lacks. */
function transactionCountOf(block: RpcObject | null): Hex | null {
  return block ? toQuantity((block.transactions as unknown[]).length) : null
}

/** Fields of a block object that are not its header's (geth's RPCMarshalHeader leaves them out). */
const BODY_FIELDS = ['transactions', 'uncles', 'withdrawals', 'size', 'totalDifficulty']

function headerOf(block: RpcObject | null): RpcObject | null {
  if (!block) return null
  const header = { ...block }
  for (const field of BODY_FIELDS) delete header[field]
  return header
}

/**
 * A transaction index (geth's hexutil.Uint); undefined past any block's size, where the answer is
 * null without a lookup.
 */
function parseTransactionIndex(value: unknown, index: number): number | undefined {
  const position = parseQuantity(value, index, 64)
  return position > 0x7fff_ffffn ? undefined : Number(position)
}

/** A block's transaction as its signed bytes; "0x" (geth's empty bytes) for no block or no such index. */
async function rawTransactionAt(backend: RpcBackend, ref: BlockRef, index: number | undefined): Promise<Hex> {
  const transaction = index === undefined ? null : await backend.getTransactionByBlockAndIndex(ref, index)
  if (!transaction) return '0x'
  return (await backend.getRawTransaction(transaction.hash as Hash)) ?? '0x'
}

/**
 * debug_getRawTransaction and eth_getRawTransactionByHash: the signed bytes, executed or pooled;
 * "0x" (geth's empty bytes) for a transaction the node does not know.
 */
async function rawTransactionByHash(params: unknown[], { backend }: RpcContext): Promise<Hex> {
  expectParams(params, 1, 1)
  return (await backend.getRawTransaction(parseHash(params[0], 0))) ?? '0x'
}

/** geth's maxGetStorageSlots: the slots one eth_getStorageValues may read, across its accounts. */
export const MAX_STORAGE_VALUES_SLOTS = 1024

/** eth_getStorageValues' first parameter: address → slots (32-byte hashes), at most 1,024 in all. */
function parseStorageRequests(value: unknown): [Address, Hash[]][] {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new InvalidParamsError('invalid argument 0: an object of address → storage slots expected')
  const requests = new Map<Address, Hash[]>()
  let slots = 0
  for (const [key, keys] of Object.entries(value)) {
    if (!Array.isArray(keys))
      throw new InvalidParamsError('invalid argument 0: storage slots must be an array')
    slots += keys.length
    if (slots > MAX_STORAGE_VALUES_SLOTS)
      throw new ClientLimitExceededError(`too many slots (max ${MAX_STORAGE_VALUES_SLOTS})`)
    requests.set(
      parseAddress(key, 0),
      keys.map((slot) => parseHash(slot, 0)),
    )
  }
  if (slots === 0) throw new InvalidParamsError('empty request')
  return [...requests]
}

/** A revert as geth answers it: code 3 with the data when there is data, else a plain error. */
function revertError(output: Uint8Array): ServerError | ExecutionRevertedError {
  if (output.length === 0) return new ServerError('execution reverted')
  const reason = revertReason(output)
  return new ExecutionRevertedError(
    reason === undefined ? 'execution reverted' : `execution reverted: ${reason}`,
    {
      data: bytesToHex(output),
    },
  )
}

/** A filter's numbered bound; a tag bounds nothing (latest and pending follow the head). */
function numberOf(
  key: 'fromBlock' | 'toBlock',
  ref: BlockRef,
): { fromBlock?: bigint } | { toBlock?: bigint } {
  if ('number' in ref) return { [key]: ref.number }
  if ('tag' in ref && ref.tag === 'earliest') return { [key]: 0n }
  return {}
}

/** A filter id as eth_newFilter gave it: 0x-hex, at most 32 bytes. */
function parseFilterId(value: unknown): string {
  if (typeof value !== 'string' || !/^0x[0-9a-fA-F]{1,64}$/.test(value))
    throw new InvalidParamsError('invalid argument 0: filter id expected')
  return value.toLowerCase()
}

/** eth_callMany's bundles: at most MAX_CALL_MANY_TRANSACTIONS messages across them. */
function parseBundles(value: unknown): CallBundle[] {
  if (!Array.isArray(value) || value.length === 0)
    throw new InvalidParamsError('invalid argument 0: a non-empty list of bundles expected')
  let transactions = 0
  return value.map((bundle) => {
    const fields = bundle as Record<string, unknown> | null
    if (typeof fields !== 'object' || fields === null || !Array.isArray(fields.transactions))
      throw new InvalidParamsError('invalid argument 0: a bundle is { transactions: [...], blockOverride? }')
    transactions += fields.transactions.length
    if (transactions > MAX_CALL_MANY_TRANSACTIONS)
      throw new InvalidParamsError(`invalid argument 0: more than ${MAX_CALL_MANY_TRANSACTIONS} transactions`)
    return {
      transactions: fields.transactions.map(parseCallObject),
      blockOverride:
        fields.blockOverride === undefined || fields.blockOverride === null
          ? {}
          : parseBundleBlockOverride(fields.blockOverride, 0),
    }
  })
}

/** An estimate's gas, or eth_estimateGas's error: code 3 with the data of a revert. */
function estimatedGas(outcome: EstimateOutcome): bigint {
  if (outcome.ok) return outcome.gas
  if (outcome.reverted) throw revertError(outcome.reverted)
  throw new ServerError(outcome.message)
}

/** eth_call's and eth_estimateGas's optional third and fourth parameters. */
function parseOverrides(state: unknown, block: unknown, fork: Fork): CallOverrides {
  return {
    state: state === undefined || state === null ? new Map() : parseStateOverride(state, 2, fork),
    block: block === undefined || block === null ? {} : parseBlockOverrides(block, 3),
  }
}

/** A method's namespace: what comes before its first underscore (`debug` of debug_traceCall). */
export function namespaceOf(method: string): string {
  return method.slice(0, method.indexOf('_'))
}

/** geth's answer for a debug method asked about a block (or header) it does not have. */
function notFound(ref: BlockRef, what: 'block' | 'header' = 'block'): never {
  if ('hash' in ref) throw new ServerError(`${what} ${ref.hash} not found`)
  if ('number' in ref) throw new ServerError(`${what} #${ref.number} not found`)
  throw new ServerError(`${what} ${ref.tag} not found`)
}

export const methods: Record<string, Handler> = {
  async web3_clientVersion(params, { clientVersion }) {
    expectParams(params, 0, 0)
    return clientVersion
  },
  async eth_chainId(params, { config }) {
    expectParams(params, 0, 0)
    return toQuantity(config.chainId)
  },
  /** EIP-7910: the fork the chain runs, its blob schedule, fork id, precompiles and system contracts. */
  async eth_config(params, { backend, config }) {
    expectParams(params, 0, 0)
    const genesis = await backend.getBlock({ number: 0n }, false)
    if (!genesis) throw new InternalError('unable to load genesis')
    return chainConfigView(config, genesis.hash as Hash)
  },
  async net_listening(params) {
    expectParams(params, 0, 0)
    return true
  },
  /** The sequencer has no peers: it is the chain's source, and L1 is its only link. */
  async net_peerCount(params) {
    expectParams(params, 0, 0)
    return '0x0'
  },
  async web3_sha3(params) {
    expectParams(params, 1, 1)
    return bytesToHex(keccak256(hexToBytes(parseData(params[0], 0, MAX_SHA3_INPUT_BYTES))))
  },
  /** The namespaces served, as geth lists them. */
  async rpc_modules(params, { namespaces }) {
    expectParams(params, 0, 0)
    return Object.fromEntries(
      [...new Set(Object.keys(methods).map(namespaceOf))]
        .filter((namespace) => namespaces === undefined || namespaces.has(namespace))
        .sort()
        .map((namespace) => [namespace, '1.0']),
    )
  },
  async net_version(params, { config }) {
    expectParams(params, 0, 0)
    return config.chainId.toString()
  },
  async eth_syncing(params) {
    expectParams(params, 0, 0)
    // The sequencer is the chain's source: it is never behind itself.
    return false
  },
  async eth_accounts(params) {
    expectParams(params, 0, 0)
    // A public node holds no keys; wallets sign and send raw transactions.
    return []
  },
  async eth_blockNumber(params, { backend }) {
    expectParams(params, 0, 0)
    return toQuantity(await backend.blockNumber())
  },
  async eth_getBalance(params, { backend }) {
    expectParams(params, 1, 2)
    return toQuantity(await backend.getBalance(parseAddress(params[0], 0), parseBlockRef(params[1], 1)))
  },
  async eth_getTransactionCount(params, { backend }) {
    expectParams(params, 1, 2)
    return toQuantity(
      await backend.getTransactionCount(parseAddress(params[0], 0), parseBlockRef(params[1], 1)),
    )
  },
  async eth_getCode(params, { backend }) {
    expectParams(params, 1, 2)
    return backend.getCode(parseAddress(params[0], 0), parseBlockRef(params[1], 1))
  },
  async eth_getStorageAt(params, { backend }) {
    expectParams(params, 2, 3)
    const slot = parseStorageSlot(params[1], 1)
    return backend.getStorageAt(parseAddress(params[0], 0), slot, parseBlockRef(params[2], 2))
  },
  /** geth's: many slots of many accounts in one read, at most MAX_STORAGE_VALUES_SLOTS. */
  async eth_getStorageValues(params, { backend }) {
    expectParams(params, 1, 2)
    const requests = parseStorageRequests(params[0])
    const values = await backend.getStorageValues(requests, parseBlockRef(params[1], 1))
    return Object.fromEntries(requests.map(([address], i) => [address, values[i]]))
  },
  async eth_getProof(params, { backend }) {
    expectParams(params, 3, 3)
    const keys = params[1]
    if (!Array.isArray(keys))
      throw new InvalidParamsError('invalid argument 1: storage keys must be an array')
    if (keys.length > MAX_PROOF_STORAGE_KEYS)
      throw new InvalidParamsError(
        `invalid argument 1: too many storage keys: ${keys.length}, at most ${MAX_PROOF_STORAGE_KEYS}`,
      )
    const storageKeys = keys.map((key) => {
      const data = parseQuantityOrData(key, 1)
      // As geth: a 32-byte key is echoed as given, a shorter one as a quantity.
      const echo: Hex = data.length === 64 ? `0x${data}` : `0x${BigInt(`0x${data}`).toString(16)}`
      return { slot: `0x${data.padStart(64, '0')}` as Hex, echo }
    })
    return backend.getProof(parseAddress(params[0], 0), storageKeys, parseBlockRef(params[2], 2))
  },
  async eth_gasPrice(params, { backend }) {
    expectParams(params, 0, 0)
    const [baseFee, tip] = await Promise.all([backend.pendingBaseFee(), backend.suggestPriorityFee()])
    return toQuantity(baseFee + tip)
  },
  /** geth's: the base fee of the block being built. */
  async eth_baseFee(params, { backend }) {
    expectParams(params, 0, 0)
    return toQuantity(await backend.pendingBaseFee())
  },
  async eth_maxPriorityFeePerGas(params, { backend }) {
    expectParams(params, 0, 0)
    return toQuantity(await backend.suggestPriorityFee())
  },
  async eth_feeHistory(params, { backend }) {
    expectParams(params, 2, 3)
    const blockCount = parseBlockCount(params[0])
    const newest = parseBlockNumberOrTag(params[1], 1)
    const percentiles =
      params[2] === undefined || params[2] === null ? undefined : parsePercentiles(params[2])
    const history = await backend.feeHistory(blockCount, newest, percentiles)
    const result: RpcObject = {
      oldestBlock: toQuantity(history.oldestBlock),
      baseFeePerGas: history.baseFeePerGas.map(toQuantity),
      gasUsedRatio: history.gasUsedRatio,
    }
    if (history.reward) result.reward = history.reward.map((row) => row.map(toQuantity))
    return result
  },
  async eth_getBlockByNumber(params, { backend }) {
    expectParams(params, 2, 2)
    return backend.getBlock(parseBlockNumberOrTag(params[0], 0), parseBoolean(params[1], 1))
  },
  async eth_getBlockByHash(params, { backend }) {
    expectParams(params, 2, 2)
    return backend.getBlock({ hash: parseHash(params[0], 0) }, parseBoolean(params[1], 1))
  },
  async eth_getBlockTransactionCountByNumber(params, { backend }) {
    expectParams(params, 1, 1)
    return transactionCountOf(await backend.getBlock(parseBlockNumberOrTag(params[0], 0), false))
  },
  async eth_getBlockTransactionCountByHash(params, { backend }) {
    expectParams(params, 1, 1)
    return transactionCountOf(await backend.getBlock({ hash: parseHash(params[0], 0) }, false))
  },
  async eth_getTransactionByBlockNumberAndIndex(params, { backend }) {
    expectParams(params, 2, 2)
    const ref = parseBlockNumberOrTag(params[0], 0)
    const index = parseTransactionIndex(params[1], 1)
    return index === undefined ? null : backend.getTransactionByBlockAndIndex(ref, index)
  },
  async eth_getTransactionByBlockHashAndIndex(params, { backend }) {
    expectParams(params, 2, 2)
    const ref = { hash: parseHash(params[0], 0) }
    const index = parseTransactionIndex(params[1], 1)
    return index === undefined ? null : backend.getTransactionByBlockAndIndex(ref, index)
  },
  async eth_getRawTransactionByBlockNumberAndIndex(params, { backend }) {
    expectParams(params, 2, 2)
    return rawTransactionAt(backend, parseBlockNumberOrTag(params[0], 0), parseTransactionIndex(params[1], 1))
  },
  async eth_getRawTransactionByBlockHashAndIndex(params, { backend }) {
    expectParams(params, 2, 2)
    return rawTransactionAt(backend, { hash: parseHash(params[0], 0) }, parseTransactionIndex(params[1], 1))
  },
  async eth_getBlockReceipts(params, { backend }) {
    expectParams(params, 1, 1)
    return backend.getBlockReceipts(parseBlockNumberOrHash(params[0], 0))
  },
  /** geth's header: the block without its body (transactions, uncles, withdrawals) and size. */
  async eth_getHeaderByNumber(params, { backend }) {
    expectParams(params, 1, 1)
    return headerOf(await backend.getBlock(parseBlockNumberOrTag(params[0], 0), false))
  },
  async eth_getHeaderByHash(params, { backend }) {
    expectParams(params, 1, 1)
    return headerOf(await backend.getBlock({ hash: parseHash(params[0], 0) }, false))
  },
  /** A rollup's blocks have no uncles: 0 for a block the chain has, null (as geth) for one it lacks. */
  async eth_getUncleCountByBlockNumber(params, { backend }) {
    expectParams(params, 1, 1)
    return (await backend.getBlock(parseBlockNumberOrTag(params[0], 0), false)) ? '0x0' : null
  },
  async eth_getUncleCountByBlockHash(params, { backend }) {
    expectParams(params, 1, 1)
    return (await backend.getBlock({ hash: parseHash(params[0], 0) }, false)) ? '0x0' : null
  },
  /** No block has an uncle at any index: geth answers null for an index past a block's uncles. */
  async eth_getUncleByBlockNumberAndIndex(params) {
    expectParams(params, 2, 2)
    parseBlockNumberOrTag(params[0], 0)
    parseQuantity(params[1], 1, 64)
    return null
  },
  async eth_getUncleByBlockHashAndIndex(params) {
    expectParams(params, 2, 2)
    parseHash(params[0], 0)
    parseQuantity(params[1], 1, 64)
    return null
  },
  /** EIP-4844's blob base fee of the latest block (its excess blob gas; Velox takes no blobs, so the floor). */
  async eth_blobBaseFee(params, { backend, config }) {
    expectParams(params, 0, 0)
    const latest = await backend.getBlock({ tag: 'latest' }, false)
    if (!latest) throw new ServerError('header not found')
    return toQuantity(blobBaseFee(BigInt(latest.excessBlobGas as Hex), config.fork))
  },
  async eth_getTransactionByHash(params, { backend }) {
    expectParams(params, 1, 1)
    return backend.getTransactionByHash(parseHash(params[0], 0))
  },
  async eth_getTransactionReceipt(params, { backend }) {
    expectParams(params, 1, 1)
    return backend.getTransactionReceipt(parseHash(params[0], 0))
  },
  async debug_getRawBlock(params, { backend }) {
    expectParams(params, 1, 1)
    const ref = parseBlockNumberOrHash(params[0], 0)
    return (await backend.getRawBlock(ref)) ?? notFound(ref)
  },
  async debug_getRawHeader(params, { backend }) {
    expectParams(params, 1, 1)
    const ref = parseBlockNumberOrHash(params[0], 0)
    return (await backend.getRawHeader(ref)) ?? notFound(ref, 'header')
  },
  async debug_getRawReceipts(params, { backend }) {
    expectParams(params, 1, 1)
    const ref = parseBlockNumberOrHash(params[0], 0)
    return (await backend.getRawReceipts(ref)) ?? notFound(ref)
  },
  debug_getRawTransaction: rawTransactionByHash,
  eth_getRawTransactionByHash: rawTransactionByHash,
  async debug_executionWitness(params, { backend }) {
    expectParams(params, 1, 1)
    const ref = parseBlockNumberOrHash(params[0], 0)
    const witness = await backend.getExecutionWitness(ref)
    if (witness) return witness
    // Genesis was never executed, so nothing witnesses it.
    if ('number' in ref && ref.number === 0n)
      throw new ServerError('the genesis block has no execution witness')
    return notFound(ref)
  },
  async debug_traceTransaction(params, { backend }) {
    expectParams(params, 1, 2)
    const hash = parseHash(params[0], 0)
    const trace = await backend.traceTransaction(hash, parseTraceConfig(params[1]))
    if (trace === null) throw new ServerError('transaction not found')
    return trace
  },
  /** geth's TraceCallConfig: a TraceConfig plus stateOverrides and blockOverrides. */
  async debug_traceCall(params, { backend, config }) {
    expectParams(params, 1, 3)
    const options = params[2] ?? {}
    if (typeof options !== 'object' || options === null || Array.isArray(options))
      throw new InvalidParamsError('invalid argument 2: trace config object expected')
    const { stateOverrides, blockOverrides } = options as Record<string, unknown>
    return backend.traceCall(
      parseCallObject(params[0]),
      parseBlockRef(params[1], 1),
      parseOverrides(stateOverrides, blockOverrides, config.fork),
      parseTraceConfig(options),
    )
  },
  async debug_traceBlockByNumber(params, { backend }) {
    expectParams(params, 1, 2)
    const ref = parseBlockNumberOrTag(params[0], 0)
    return (await backend.traceBlock(ref, parseTraceConfig(params[1]))) ?? notFound(ref)
  },
  async debug_traceBlockByHash(params, { backend }) {
    expectParams(params, 1, 2)
    const ref = { hash: parseHash(params[0], 0) }
    return (await backend.traceBlock(ref, parseTraceConfig(params[1]))) ?? notFound(ref)
  },
  /** geth's debug_intermediateRoots(blockHash, traceConfig): the state root after each transaction. */
  async debug_intermediateRoots(params, { backend }) {
    expectParams(params, 1, 2)
    const hash = parseHash(params[0], 0)
    parseTraceConfig(params[1])
    return (await backend.intermediateRoots(hash)) ?? notFound({ hash })
  },
  /**
   * geth's debug_getModifiedAccountsByNumber(startNum, endNum?): the accounts whose state differs
   * between the two blocks' post-states, or with one number, those that block modified.
   */
  async debug_getModifiedAccountsByNumber(params, { backend }) {
    expectParams(params, 1, 2)
    const start = parseUint64(params[0], 0)
    const end = params[1] == null ? undefined : parseUint64(params[1], 1)
    return backend.modifiedAccounts({ number: start }, end === undefined ? undefined : { number: end })
  },
  /** geth's debug_getModifiedAccountsByHash(startHash, endHash?), by block hash. */
  async debug_getModifiedAccountsByHash(params, { backend }) {
    expectParams(params, 1, 2)
    const start = parseHash(params[0], 0)
    const end = params[1] == null ? undefined : parseHash(params[1], 1)
    return backend.modifiedAccounts({ hash: start }, end === undefined ? undefined : { hash: end })
  },
  /**
   * geth's debug_storageRangeAt(block, txIndex, address, keyStart, maxResult): Remix's debugger
   * reads storage with it. maxResult past MAX_STORAGE_RANGE_RESULTS gives a page of that many
   * and its nextKey, as geth caps debug_accountRange.
   */
  async debug_storageRangeAt(params, { backend }) {
    expectParams(params, 5, 5)
    const ref = parseBlockNumberOrHash(params[0], 0)
    const txIndex = parseInteger(params[1], 1)
    const address = parseAddress(params[2], 2)
    const start = parseData(params[3], 3, 32)
    const limit = Math.max(0, Math.min(parseInteger(params[4], 4), MAX_STORAGE_RANGE_RESULTS))
    return (await backend.storageRangeAt(ref, txIndex, address, start, limit)) ?? notFound(ref)
  },
  /**
   * geth's debug_traceBlock: a block given whole as RLP, traced on its parent's state (a sealed
   * block of this chain). Its senders are recovered here, at the edge; a block with more
   * transactions than the chain's gas limit could hold is refused before recovering any.
   */
  async debug_traceBlock(params, { backend, config }) {
    expectParams(params, 1, 2)
    const raw = hexToBytes(parseData(params[0], 0, MAX_RAW_BLOCK_BYTES))
    const traceConfig = parseTraceConfig(params[1])
    let block: DecodedBlock
    try {
      block = decodeBlock(raw)
    } catch (error) {
      if (error instanceof BlockDecodingError)
        throw new ServerError(`could not decode block: ${error.message}`)
      throw error
    }
    if (block.header.number === 0n) throw new ServerError('genesis is not traceable')
    const gasLimit =
      block.header.gasLimit < config.blockGasLimit ? block.header.gasLimit : config.blockGasLimit
    if (BigInt(block.transactions.length) * TRANSACTION_GAS > gasLimit)
      throw new ServerError(
        `block has ${block.transactions.length} transactions, more than a gas limit of ${gasLimit} can hold`,
      )
    let transactions: RecoveredTransaction[]
    try {
      transactions = block.transactions.map(recoverBlockTransaction)
    } catch (error) {
      if (error instanceof BlockValidationError)
        throw new ServerError(`could not decode block: ${error.details}`)
      throw error
    }
    return backend.traceGivenBlock(
      { header: block.header, hash: block.hash, transactions, withdrawals: block.withdrawals },
      traceConfig,
    )
  },
  async velox_validationStatus(params, { backend }) {
    expectParams(params, 0, 0)
    return backend.validationStatus()
  },
  async velox_batcherStatus(params, { backend }) {
    expectParams(params, 0, 0)
    return backend.batcherStatus()
  },
  async velox_executionStats(params, { backend }) {
    expectParams(params, 0, 0)
    return backend.executionStats()
  },
  async eth_getLogs(params, { backend }) {
    expectParams(params, 1, 1)
    return backend.getLogs(parseLogFilter(params[0], 0))
  },
  /** MegaETH's paged eth_getLogs: the same filter and an optional cursor; `cursor` in the answer while more remain. */
  async eth_getLogsWithCursor(params, { backend }) {
    expectParams(params, 1, 1)
    const filter = parseLogFilter(params[0], 0)
    const cursor = (params[0] as Record<string, unknown>).cursor
    const page = await backend.getLogsPage(
      filter,
      cursor === undefined || cursor === null ? undefined : parseLogCursor(cursor, 0),
    )
    return page.cursor ? { logs: page.logs, cursor: encodeLogCursor(page.cursor) } : { logs: page.logs }
  },
  async eth_newFilter(params, { backend }) {
    expectParams(params, 1, 1)
    const filter = parseLogFilter(params[0], 0)
    if ('blockHash' in filter.range)
      throw new ServerError('blockHash is not supported in a filter: use eth_getLogs for one block')
    return backend.newFilter({
      kind: 'logs',
      criteria: {
        addresses: filter.addresses,
        topics: filter.topics,
        ...numberOf('fromBlock', filter.range.from),
        ...numberOf('toBlock', filter.range.to),
      },
    })
  },
  async eth_newBlockFilter(params, { backend }) {
    expectParams(params, 0, 0)
    return backend.newFilter({ kind: 'blocks' })
  },
  async eth_newPendingTransactionFilter(params, { backend }) {
    expectParams(params, 0, 1)
    const fullTransactions =
      params[0] === undefined || params[0] === null ? false : parseBoolean(params[0], 0)
    return backend.newFilter({ kind: 'pendingTransactions', fullTransactions })
  },
  async eth_getFilterChanges(params, { backend }) {
    expectParams(params, 1, 1)
    return backend.getFilterChanges(parseFilterId(params[0]))
  },
  async eth_getFilterLogs(params, { backend }) {
    expectParams(params, 1, 1)
    return backend.getFilterLogs(parseFilterId(params[0]))
  },
  async eth_uninstallFilter(params, { backend }) {
    expectParams(params, 1, 1)
    return backend.uninstallFilter(parseFilterId(params[0]))
  },
  async txpool_status(params, { backend }) {
    expectParams(params, 0, 0)
    return backend.txpool(true)
  },
  async txpool_content(params, { backend }) {
    expectParams(params, 0, 0)
    return backend.txpool(false)
  },
  async txpool_contentFrom(params, { backend }) {
    expectParams(params, 1, 1)
    const sender = parseAddress(params[0], 0)
    return poolContentFrom(await backend.txpool(false), sender)
  },
  async txpool_inspect(params, { backend }) {
    expectParams(params, 0, 0)
    return inspectPool(await backend.txpool(false))
  },
  async eth_call(params, { backend, config }) {
    expectParams(params, 1, 4)
    const outcome = await backend.call(
      parseCallObject(params[0]),
      parseBlockRef(params[1], 1),
      parseOverrides(params[2], params[3], config.fork),
    )
    if (!outcome.ran) throw new ServerError(outcome.message)
    if (outcome.status === 1) return bytesToHex(outcome.output)
    if (outcome.error === 'execution reverted') throw revertError(outcome.output)
    throw new ServerError(outcome.error ?? 'execution failed')
  },
  async eth_callMany(params, { backend, config }) {
    expectParams(params, 1, 4)
    const bundles = parseBundles(params[0])
    const context = (params[1] ?? {}) as Record<string, unknown>
    if (typeof context !== 'object' || Array.isArray(context))
      throw new InvalidParamsError('invalid argument 1: simulation context must be an object')
    const ref =
      context.blockNumber === undefined
        ? { tag: 'latest' as const }
        : parseBlockNumberOrTag(context.blockNumber, 1)
    const transactionIndex = context.transactionIndex === undefined ? -1 : context.transactionIndex
    if (typeof transactionIndex !== 'number' || !Number.isInteger(transactionIndex) || transactionIndex < -1)
      throw new InvalidParamsError(
        'invalid argument 1: transactionIndex must be an integer, -1 for the end of the block',
      )
    const state =
      params[2] === undefined || params[2] === null
        ? new Map()
        : parseStateOverride(params[2], 2, config.fork)
    // params[3], Erigon's timeout in ms for the whole request, is accepted but not honoured: the
    // request has eth_call's work budget (5 s), shared by all its messages (simulateBundles).
    const results = await backend.callMany(bundles, ref, transactionIndex, state)
    return results.map((bundle) =>
      bundle.map((result) =>
        result.ok
          ? { value: bytesToHex(result.output) }
          : {
              error:
                result.error === 'execution reverted' && result.output
                  ? revertError(result.output).message
                  : result.error,
            },
      ),
    )
  },
  /** geth's: blocks of calls simulated on `latest` or the block given (simulateV1.ts). */
  async eth_simulateV1(params, { backend, config }) {
    expectParams(params, 1, 2)
    const request = parseSimulationRequest(params[0], config)
    const ref =
      params[1] === undefined || params[1] === null ? { tag: 'latest' as const } : parseBlockRef(params[1], 1)
    const blocks = await backend.simulate(request, ref)
    return blocks.map((block) => formatSimulatedBlock(block, request.returnFullTransactions))
  },
  async eth_estimateGas(params, { backend, config }) {
    expectParams(params, 1, 4)
    const outcome = await backend.estimateGas(
      parseCallObject(params[0]),
      parseBlockRef(params[1], 1),
      parseOverrides(params[2], params[3], config.fork),
    )
    return toQuantity(estimatedGas(outcome))
  },
  /** geth's: the call's access list and gas with it; at `pending` unless a block is given. */
  async eth_createAccessList(params, { backend, config }) {
    expectParams(params, 1, 3)
    const outcome = await backend.createAccessList(
      parseCallObject(params[0]),
      params[1] === undefined || params[1] === null ? { tag: 'pending' } : parseBlockRef(params[1], 1),
      parseOverrides(params[2], undefined, config.fork),
    )
    if (!outcome.ok) throw new ServerError(outcome.message)
    const result: RpcObject = { accessList: outcome.accessList, gasUsed: toQuantity(outcome.gasUsed) }
    if (outcome.error !== undefined) result.error = outcome.error
    return result
  },
  /**
   * geth's eth_fillTransaction: the call object with its nonce, fees, gas and chain id filled in,
   * unsigned, as { raw, tx } (src/rpc/fillTransaction.ts). Gas is estimated at `latest`, with
   * eth_estimateGas's errors.
   */
  async eth_fillTransaction(params, { backend, config }) {
    expectParams(params, 1, 1)
    const call = parseCallObject(params[0])
    const object = params[0] as Record<string, unknown>
    const optional = (field: string, bits: number) =>
      object[field] === undefined || object[field] === null
        ? undefined
        : parseQuantity(object[field], 0, bits)
    const filled = await fillTransaction(
      { ...call, nonce: optional('nonce', 64), chainId: optional('chainId', 256) },
      {
        chainId: config.chainId,
        pendingNonce: (sender) => backend.getTransactionCount(sender, { tag: 'pending' }),
        suggestPriorityFee: () => backend.suggestPriorityFee(),
        latestBaseFee: async () => {
          const latest = await backend.getBlock({ tag: 'latest' }, false)
          if (!latest) throw new ServerError('header not found')
          return BigInt(latest.baseFeePerGas as Hex)
        },
        estimateGas: async (request) =>
          estimatedGas(
            await backend.estimateGas(request, { tag: 'latest' }, { state: new Map(), block: {} }),
          ),
      },
    )
    const raw = encodeUnsignedTransaction(filled)
    return { raw: bytesToHex(raw), tx: unsignedTransactionJson(filled, raw) }
  },
  /** geth's: the pool's transactions sent from accounts this node holds keys for, which are none. */
  async eth_pendingTransactions(params) {
    expectParams(params, 0, 0)
    return []
  },
  /** A node without keys signs nothing: geth's answer for an account it does not hold. */
  async eth_sendTransaction(params) {
    expectParams(params, 1, 1)
    parseCallObject(params[0])
    throw new ServerError('unknown account')
  },
  async eth_signTransaction(params) {
    expectParams(params, 1, 1)
    parseCallObject(params[0])
    throw new ServerError('unknown account')
  },
  async eth_sign(params) {
    expectParams(params, 2, 2)
    parseAddress(params[0], 0)
    parseData(params[1], 1, MAX_SHA3_INPUT_BYTES)
    throw new ServerError('unknown account')
  },
  async eth_sendRawTransaction(params, { backend, config }) {
    expectParams(params, 1, 1)
    const raw = parseData(params[0], 0, MAX_RAW_TRANSACTION_HEX_BYTES)
    const submission = checkRawTransaction(raw, config)
    return backend.sendTransaction(submission)
  },
  async eth_sendRawTransactionSync(params, { backend, config }) {
    expectParams(params, 1, 2)
    const raw = parseData(params[0], 0, MAX_RAW_TRANSACTION_HEX_BYTES)
    const timeoutMs = parseSyncTimeout(params[1])
    const submission = checkRawTransaction(raw, config)
    return backend.sendTransactionSync(submission, timeoutMs)
  },
  /** MegaETH's name for the synchronous send: a 10 s expiry, answered "realtime transaction expired". */
  async realtime_sendRawTransaction(params, { backend, config }) {
    expectParams(params, 1, 1)
    const raw = parseData(params[0], 0, MAX_RAW_TRANSACTION_HEX_BYTES)
    const submission = checkRawTransaction(raw, config)
    try {
      return await backend.sendTransactionSync(submission, REALTIME_EXPIRY_MS)
    } catch (error) {
      if (error instanceof RpcError && error.code === SyncTimeoutError.code)
        throw new ServerError('realtime transaction expired', { data: submission.hash })
      throw error
    }
  },
  /** Over a WebSocket only: the connection holds the subscription (see subscriptions.ts). */
  async eth_subscribe(params, { subscriptions }) {
    if (!subscriptions) throw new NotificationsUnsupportedError()
    return subscriptions.subscribe(parseSubscription(params))
  },
  async eth_unsubscribe(params, { subscriptions }) {
    if (!subscriptions) throw new NotificationsUnsupportedError()
    if (!subscriptions.unsubscribe(parseSubscriptionId(params)))
      throw new ServerError('subscription not found')
    return true
  },
}

/** geth accepts a storage key of up to 32 bytes, left-padded. */
function parseStorageSlot(value: unknown, index: number): Hex {
  const data = parseQuantityOrData(value, index)
  return `0x${data.padStart(64, '0')}`
}

function parseQuantityOrData(value: unknown, index: number): string {
  if (typeof value !== 'string' || !/^0x[0-9a-fA-F]{1,64}$/.test(value))
    throw new InvalidParamsError(
      `invalid argument ${index}: storage slot must be a hex string of at most 32 bytes`,
    )
  return value.slice(2).toLowerCase()
}

function parseBlockCount(value: unknown): number {
  // geth accepts a hex quantity or a decimal JSON number.
  const count = typeof value === 'number' ? value : Number(parseQuantity(value, 0, 64))
  if (!Number.isInteger(count) || count < 0)
    throw new InvalidParamsError('invalid argument 0: block count must be a non-negative integer')
  return Math.min(count, MAX_FEE_HISTORY_BLOCKS)
}

function parsePercentiles(value: unknown): number[] {
  if (!Array.isArray(value))
    throw new InvalidParamsError('invalid argument 2: reward percentiles must be an array')
  if (value.length > MAX_FEE_HISTORY_PERCENTILES)
    throw new InvalidParamsError(`invalid argument 2: over ${MAX_FEE_HISTORY_PERCENTILES} reward percentiles`)
  let previous = 0
  return value.map((p, i) => {
    if (typeof p !== 'number' || !Number.isFinite(p) || p < 0 || p > 100)
      throw new ServerError(`invalid reward percentile: #${i}:${p}`)
    if (p < previous) throw new ServerError(`invalid reward percentile: #${i - 1}:${previous} > #${i}:${p}`)
    previous = p
    return p
  })
}

function parseSyncTimeout(value: unknown): number {
  if (value === undefined || value === null) return DEFAULT_SYNC_TIMEOUT_MS
  const ms = typeof value === 'number' ? value : Number(parseQuantity(value, 1, 64))
  // EIP-7966: an invalid timeout falls back to the node's default.
  if (!Number.isInteger(ms) || ms <= 0 || ms > MAX_SYNC_TIMEOUT_MS) return DEFAULT_SYNC_TIMEOUT_MS
  return ms
}
