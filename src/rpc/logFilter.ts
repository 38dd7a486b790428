/**
 * eth_getLogs' filter object, as geth reads it, and the matching rule every log source applies:
 * an address in the list (or any), and for each topic position a topic in its set (or any), the
 * log having at least as many topics as the filter has positions.
 */
import type { Address, Hash } from 'viem'
import type { Log } from '../execution/receipt.ts'
import type { RpcObject } from './backend.ts'
import { InvalidParamsError, ServerError } from './errors.ts'
import { type BlockRef, parseAddress, parseBlockNumberOrTag, parseHash } from './params.ts'

/** geth: a log has at most 4 topics, so a filter has at most 4 positions. */
export const MAX_TOPIC_POSITIONS = 4
/**
 * Addresses and topics one filter may list, all positions together: the D1 index answers a filter
 * in one statement, and D1 binds at most 100 parameters (two go to the block range).
 */
export const MAX_FILTER_ALTERNATIVES = 90
/** Blocks one eth_getLogs may span, and logs it may return: bounded work for every request. */
export const MAX_LOG_BLOCK_RANGE = 10_000n
export const MAX_LOG_RESULTS = 10_000

/** A place in the chain's logs: a cursor resumes after it. */
export type LogPosition = { blockNumber: bigint; logIndex: number }
/** A position past every log of its block. */
export const END_OF_BLOCK = 0xffff_ffff

/** A page of eth_getLogsWithCursor: its logs, and where the next page starts when there is one. */
export type LogPage = { logs: RpcObject[]; cursor?: LogPosition }

/** The cursor's wire form: opaque to clients, "<block hex>.<log index hex>" to us. */
export function encodeLogCursor(position: LogPosition): string {
  return `${position.blockNumber.toString(16)}.${position.logIndex.toString(16)}`
}

export function parseLogCursor(value: unknown, index: number): LogPosition {
  const match = typeof value === 'string' ? /^([0-9a-f]{1,16})\.([0-9a-f]{1,8})$/.exec(value) : null
  if (!match) throw new InvalidParamsError(`invalid argument ${index}: cursor is not one this node gave`)
  return { blockNumber: BigInt(`0x${match[1]}`), logIndex: Number.parseInt(match[2]!, 16) }
}

export type LogFilter = {
  range: { from: BlockRef; to: BlockRef } | { blockHash: Hash }
  /** Empty: any address. */
  addresses: Address[]
  /** Per position: the topics allowed there, or null for any. */
  topics: (Hash[] | null)[]
}

export function parseLogFilter(value: unknown, index: number): LogFilter {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new InvalidParamsError(`invalid argument ${index}: filter object expected`)
  const filter = value as Record<string, unknown>
  const given = (key: string) => filter[key] !== undefined && filter[key] !== null
  if (given('blockHash') && (given('fromBlock') || given('toBlock')))
    throw new ServerError('cannot specify both BlockHash and FromBlock/ToBlock, choose one or the other')
  const range: LogFilter['range'] = given('blockHash')
    ? { blockHash: parseHash(filter.blockHash, index) }
    : {
        from: given('fromBlock') ? parseBlockNumberOrTag(filter.fromBlock, index) : { tag: 'latest' },
        to: given('toBlock') ? parseBlockNumberOrTag(filter.toBlock, index) : { tag: 'latest' },
      }

  let addresses: Address[] = []
  if (given('address')) {
    const list = Array.isArray(filter.address) ? filter.address : [filter.address]
    if (list.length > MAX_FILTER_ALTERNATIVES) throw tooManyAlternatives(list.length)
    addresses = list.map((address) => parseAddress(address, index))
  }

  const topics: (Hash[] | null)[] = []
  if (given('topics')) {
    if (!Array.isArray(filter.topics))
      throw new InvalidParamsError(`invalid argument ${index}: topics must be an array`)
    if (filter.topics.length > MAX_TOPIC_POSITIONS) throw new ServerError('exceed max topics')
    for (const position of filter.topics) {
      if (position === null || position === undefined) topics.push(null)
      else if (Array.isArray(position)) {
        if (position.length > MAX_FILTER_ALTERNATIVES) throw tooManyAlternatives(position.length)
        // An empty list, like null, matches any topic (geth).
        topics.push(position.length === 0 ? null : position.map((topic) => parseHash(topic, index)))
      } else topics.push([parseHash(position, index)])
    }
  }
  const alternatives = addresses.length + topics.reduce((sum, allowed) => sum + (allowed?.length ?? 0), 0)
  if (alternatives > MAX_FILTER_ALTERNATIVES) throw tooManyAlternatives(alternatives)
  return { range, addresses, topics }
}

function tooManyAlternatives(count: number): ServerError {
  return new ServerError(
    `too many addresses and topics in one filter: ${count}, at most ${MAX_FILTER_ALTERNATIVES}`,
  )
}

/** Whether `log` passes the filter's addresses and topics. */
export function logMatches(
  log: Pick<Log, 'address' | 'topics'>,
  filter: Pick<LogFilter, 'addresses' | 'topics'>,
): boolean {
  if (filter.addresses.length > 0 && !filter.addresses.includes(log.address)) return false
  if (filter.topics.length > log.topics.length) return false
  for (const [position, allowed] of filter.topics.entries())
    if (allowed && !allowed.includes(log.topics[position]!)) return false
  return true
}
