import { describe, expect, it } from 'vitest'
import {
  MAX_STATE_CHANGE_ADDRESSES,
  parseSubscription,
  parseSubscriptionId,
  subscriptionNotification,
} from './subscriptions.ts'

const ADDRESS = '0x00000000000000000000000000000000000000aa'
const TOPIC = `0x${'11'.repeat(32)}`

describe('parseSubscription', () => {
  it('reads each kind geth and MegaETH know', () => {
    expect(parseSubscription(['newHeads'])).toEqual({ kind: 'newHeads' })
    expect(parseSubscription(['newHeads', { fromBlock: '0x10' }])).toEqual({
      kind: 'newHeads',
      fromBlock: 16n,
    })
    expect(parseSubscription(['miniBlocks'])).toEqual({ kind: 'miniBlocks' })
    expect(parseSubscription(['newPendingTransactions'])).toEqual({
      kind: 'newPendingTransactions',
      fullTransactions: false,
    })
    expect(parseSubscription(['newPendingTransactions', true])).toEqual({
      kind: 'newPendingTransactions',
      fullTransactions: true,
    })
    expect(parseSubscription(['stateChanges', [ADDRESS, ADDRESS.toUpperCase().replace('0X', '0x')]])).toEqual(
      {
        kind: 'stateChanges',
        addresses: [ADDRESS],
      },
    )
    expect(parseSubscription(['syncing'])).toEqual({ kind: 'syncing' })
    expect(parseSubscription(['transactionReceipts'])).toEqual({ kind: 'transactionReceipts', hashes: null })
    expect(parseSubscription(['transactionReceipts', { transactionHashes: null }])).toEqual({
      kind: 'transactionReceipts',
      hashes: null,
    })
    expect(
      parseSubscription([
        'transactionReceipts',
        { transactionHashes: [TOPIC, TOPIC.toUpperCase().replace('0X', '0x')] },
      ]),
    ).toEqual({
      kind: 'transactionReceipts',
      hashes: [TOPIC],
    })
    expect(() => parseSubscription(['transactionReceipts', { transactionHashes: ['0x12'] }])).toThrow(
      'invalid argument 1: hex string has length 2, want 64 for common.Hash',
    )
    expect(() => parseSubscription(['transactionReceipts', { transactionHashes: TOPIC }])).toThrow(
      'invalid argument 1: transactionHashes must be an array of hashes',
    )
  })

  it('reads a logs filter: sealed by default, per mini-block with pending bounds, resumable by number', () => {
    expect(parseSubscription(['logs', { address: ADDRESS, topics: [TOPIC] }])).toEqual({
      kind: 'logs',
      addresses: [ADDRESS],
      topics: [[TOPIC]],
      realtime: false,
    })
    expect(parseSubscription(['logs', { fromBlock: 'pending', toBlock: 'pending' }])).toMatchObject({
      realtime: true,
    })
    expect(parseSubscription(['logs', { fromBlock: '0x5' }])).toMatchObject({
      realtime: false,
      fromBlock: 5n,
    })
    expect(parseSubscription(['logs'])).toMatchObject({ addresses: [], topics: [] })
  })

  it('refuses what it cannot serve, with geth codes', () => {
    const codeOf = (params: unknown[]) => {
      try {
        parseSubscription(params)
      } catch (error) {
        return [(error as { code: number }).code, (error as Error).message]
      }
      throw new Error('accepted')
    }
    expect(codeOf(['blocks'])).toEqual([-32601, 'no "blocks" subscription in eth namespace'])
    expect(codeOf(['syncing', {}])).toEqual([-32602, 'too many arguments, want at most 1'])
    expect(codeOf([])).toEqual([-32602, 'missing value for required argument 0'])
    expect(codeOf([7])[0]).toBe(-32602)
    expect(codeOf(['newHeads', {}, 1])[0]).toBe(-32602)
    expect(codeOf(['newHeads', { fromBlock: 'latest' }])[0]).toBe(-32602)
    expect(codeOf(['newHeads', { toBlock: '0x1' }])).toEqual([
      -32602,
      'invalid argument 1: unknown field toBlock',
    ])
    expect(codeOf(['newPendingTransactions', 'yes'])[0]).toBe(-32602)
    expect(codeOf(['stateChanges'])[0]).toBe(-32602)
    expect(codeOf(['stateChanges', Array(MAX_STATE_CHANGE_ADDRESSES + 1).fill(ADDRESS)])[0]).toBe(-32602)
    expect(codeOf(['logs', { blockHash: TOPIC }])[0]).toBe(-32602)
    expect(codeOf(['logs', { fromBlock: 'pending' }])[0]).toBe(-32602)
    expect(codeOf(['logs', { toBlock: '0x9' }])[0]).toBe(-32602)
    expect(codeOf(['logs', { topics: [null, null, null, null, null] }])).toEqual([
      -32000,
      'exceed max topics',
    ])
  })
})

describe('parseSubscriptionId and subscriptionNotification', () => {
  it('takes one hex id, lower-cased, and wraps a serialized result under it', () => {
    expect(parseSubscriptionId(['0xABC'])).toBe('0xabc')
    expect(() => parseSubscriptionId(['abc'])).toThrow('subscription id expected')
    expect(() => parseSubscriptionId([])).toThrow('missing value for required argument 0')
    expect(JSON.parse(subscriptionNotification('0x1', '{"a":1}'))).toEqual({
      jsonrpc: '2.0',
      method: 'eth_subscription',
      params: { subscription: '0x1', result: { a: 1 } },
    })
  })
})
