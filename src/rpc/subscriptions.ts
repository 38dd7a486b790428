/**
 * eth_subscribe's parameters, as geth and MegaETH's realtime API read them, and the notification
 * every subscription sends. Subscriptions live on a WebSocket connection; the connection's owner
 * (the sequencer) implements SubscriptionHost and decides when each kind fires:
 *
 * - `newHeads`: each sealed block's header (plus `miniBlockCount`).
 * - `logs`: the logs of each sealed block that match; with fromBlock and toBlock both `pending`,
 *   the logs of each mini-block as it is built instead (MegaETH's real-time logs).
 * - `newPendingTransactions`: each transaction's hash as it becomes executable (one behind a nonce
 *   gap once the gap fills, as geth's pool announces), or the transaction with `true`.
 * - `miniBlocks`: each mini-block with its transactions and receipts (MegaETH's schema).
 * - `stateChanges`: per mini-block, the new nonce, balance and changed slots of listed accounts.
 * - `transactionReceipts` (geth 1.16): per sealed block, the receipts of its transactions (of the
 *   listed hashes only, when given), in one notification as eth_getTransactionReceipt gives them.
 * - `syncing`: geth's for a node in sync, one `false`; the sequencer is where the chain is made,
 *   so it never syncs.
 *
 * `newHeads`, `logs` and `miniBlocks` take `fromBlock` (a number): the subscription first replays
 * what the chain has from that block on, then continues live, so a client dropped by a deploy or
 * restart resumes without a gap or a repeat.
 */
import type { Address, Hash } from 'viem'
import { bytesToHex } from '../primitives/hex.ts'
import { InvalidParamsError, RpcError, ServerError } from './errors.ts'
import { type LogFilter, parseLogFilter } from './logFilter.ts'
import { expectParams, parseAddress, parseHash } from './params.ts'

/** Subscriptions one connection may hold: each costs work on every mini-block. */
export const MAX_SUBSCRIPTIONS_PER_CONNECTION = 100
/** Accounts one stateChanges subscription may watch. */
export const MAX_STATE_CHANGE_ADDRESSES = 1_000
/** geth's maxTxHashes: the transaction hashes one transactionReceipts subscription may list. */
export const MAX_RECEIPT_SUBSCRIPTION_HASHES = 200
/** How far back a subscription may resume: the blocks it replays before going live. */
export const MAX_RESUME_BLOCKS = 1_024n

export type SubscriptionSpec =
  | { kind: 'newHeads'; fromBlock?: bigint }
  | {
      kind: 'logs'
      addresses: Address[]
      topics: (Hash[] | null)[]
      /** Logs per mini-block as it is built (fromBlock and toBlock `pending`), else per sealed block. */
      realtime: boolean
      fromBlock?: bigint
    }
  | { kind: 'newPendingTransactions'; fullTransactions: boolean }
  | { kind: 'miniBlocks'; fromBlock?: bigint }
  | { kind: 'stateChanges'; addresses: Address[] }
  /** `hashes`: the transactions whose receipts to send; null for every transaction. */
  | { kind: 'transactionReceipts'; hashes: Hash[] | null }
  | { kind: 'syncing' }

/** What a connection's owner does for eth_subscribe and eth_unsubscribe. */
export interface SubscriptionHost {
  /** Starts the subscription (and its replay, when it resumes); answers its id. */
  subscribe(spec: SubscriptionSpec): string
  /** False when this connection has no subscription by that id. */
  unsubscribe(id: string): boolean
}

/** -32601 "notifications not supported": eth_subscribe over HTTP, as geth answers it. */
export class NotificationsUnsupportedError extends RpcError {
  override name = 'NotificationsUnsupportedError'
  static override code = -32601
  constructor() {
    super('notifications not supported')
  }
}

/** -32601 for a subscription name geth does not know, with geth's message. */
export class SubscriptionNotFoundError extends RpcError {
  override name = 'SubscriptionNotFoundError'
  static override code = -32601
  constructor(name: string) {
    super(`no ${JSON.stringify(name)} subscription in eth namespace`)
  }
}

/** eth_subscribe's params: the subscription's name, then its options. */
export function parseSubscription(params: unknown[]): SubscriptionSpec {
  expectParams(params, 1, 2)
  const [name, options] = params
  if (typeof name !== 'string') throw new InvalidParamsError('invalid argument 0: subscription name expected')
  switch (name) {
    case 'newHeads':
    case 'miniBlocks': {
      const fromBlock = resumeFrom(options)
      return fromBlock === undefined ? { kind: name } : { kind: name, fromBlock }
    }
    case 'logs': {
      return parseLogsSubscription(options ?? {})
    }
    case 'newPendingTransactions': {
      if (options !== undefined && options !== null && typeof options !== 'boolean')
        throw new InvalidParamsError('invalid argument 1: true (full transactions) or false expected')
      return { kind: 'newPendingTransactions', fullTransactions: options === true }
    }
    case 'stateChanges': {
      if (!Array.isArray(options) || options.length === 0)
        throw new InvalidParamsError('invalid argument 1: a non-empty list of addresses expected')
      if (options.length > MAX_STATE_CHANGE_ADDRESSES)
        throw new InvalidParamsError(`invalid argument 1: more than ${MAX_STATE_CHANGE_ADDRESSES} addresses`)
      const addresses = options.map((value) => parseAddress(value, 1))
      return { kind: 'stateChanges', addresses: [...new Set(addresses)] }
    }
    case 'transactionReceipts':
      return parseReceiptsSubscription(options)
    case 'syncing':
      if (params.length > 1) throw new InvalidParamsError('too many arguments, want at most 1')
      return { kind: 'syncing' }
    default:
      throw new SubscriptionNotFoundError(name)
  }
}

/** geth's TransactionReceiptsQuery: `{ transactionHashes }`, absent or null for every transaction. */
function parseReceiptsSubscription(options: unknown): SubscriptionSpec {
  if (options === undefined || options === null) return { kind: 'transactionReceipts', hashes: null }
  if (typeof options !== 'object' || Array.isArray(options))
    throw new InvalidParamsError('invalid argument 1: { transactionHashes } expected')
  const { transactionHashes } = options as Record<string, unknown>
  if (transactionHashes === undefined || transactionHashes === null)
    return { kind: 'transactionReceipts', hashes: null }
  if (!Array.isArray(transactionHashes))
    throw new InvalidParamsError('invalid argument 1: transactionHashes must be an array of hashes')
  if (transactionHashes.length > MAX_RECEIPT_SUBSCRIPTION_HASHES)
    throw new ServerError(
      'exceed max number of transaction hashes allowed per transactionReceipts subscription',
    )
  const hashes = transactionHashes.map((hash) => parseHash(hash, 1))
  return { kind: 'transactionReceipts', hashes: [...new Set(hashes)] }
}

/** `{ fromBlock }` of newHeads and miniBlocks: absent, or a block number to resume from. */
function resumeFrom(options: unknown): bigint | undefined {
  if (options === undefined || options === null) return undefined
  if (typeof options !== 'object' || Array.isArray(options))
    throw new InvalidParamsError('invalid argument 1: { fromBlock } expected')
  const { fromBlock, ...rest } = options as Record<string, unknown>
  const unknown = Object.keys(rest)[0]
  if (unknown !== undefined) throw new InvalidParamsError(`invalid argument 1: unknown field ${unknown}`)
  return fromBlock === undefined || fromBlock === null ? undefined : parseResumeBlock(fromBlock)
}

function parseResumeBlock(value: unknown): bigint {
  if (typeof value !== 'string' || !/^0x(0|[1-9a-fA-F][0-9a-fA-F]{0,15})$/.test(value))
    throw new InvalidParamsError('invalid argument 1: fromBlock must be a block number to resume from')
  return BigInt(value)
}

function parseLogsSubscription(options: unknown): SubscriptionSpec {
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    throw new InvalidParamsError('invalid argument 1: filter object expected')
  const fields = options as Record<string, unknown>
  if (fields.blockHash !== undefined && fields.blockHash !== null)
    throw new InvalidParamsError('invalid argument 1: a subscription cannot filter on blockHash')
  const isPending = (value: unknown) => value === 'pending'
  const realtime = isPending(fields.fromBlock) && isPending(fields.toBlock)
  const numbered = typeof fields.fromBlock === 'string' && fields.fromBlock.startsWith('0x')
  if (!realtime && fields.toBlock !== undefined && fields.toBlock !== null && fields.toBlock !== 'latest')
    throw new InvalidParamsError(
      'invalid argument 1: a logs subscription follows the chain: toBlock may only be "latest", or "pending" with fromBlock "pending"',
    )
  const filter: LogFilter = parseLogFilter({ address: fields.address, topics: fields.topics }, 1)
  const spec: SubscriptionSpec = {
    kind: 'logs',
    addresses: filter.addresses,
    topics: filter.topics,
    realtime,
  }
  if (numbered) spec.fromBlock = parseResumeBlock(fields.fromBlock)
  else if (
    !realtime &&
    fields.fromBlock !== undefined &&
    fields.fromBlock !== null &&
    fields.fromBlock !== 'latest'
  )
    throw new InvalidParamsError(
      'invalid argument 1: fromBlock must be a block number, "latest" or "pending"',
    )
  return spec
}

/** A subscription id as geth makes them: 16 random bytes, 0x-hex. */
export function newSubscriptionId(): string {
  return bytesToHex(crypto.getRandomValues(new Uint8Array(16)))
}

/** eth_unsubscribe's one parameter. */
export function parseSubscriptionId(params: unknown[]): string {
  expectParams(params, 1, 1)
  const [id] = params
  if (typeof id !== 'string' || !/^0x[0-9a-fA-F]{1,64}$/.test(id))
    throw new InvalidParamsError('invalid argument 0: subscription id expected')
  return id.toLowerCase()
}

/**
 * The eth_subscription notification for a result already serialized: one mini-block's payload is
 * serialized once and sent to every subscriber under its own id.
 */
export function subscriptionNotification(id: string, resultJson: string): string {
  return `{"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":"${id}","result":${resultJson}}}`
}
