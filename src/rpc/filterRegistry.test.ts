import type { Hash } from 'viem'
import { describe, expect, it } from 'vitest'
import {
  FILTER_TIMEOUT_MS,
  FilterRegistry,
  type FilterSources,
  MAX_PENDING_HASHES,
} from './filterRegistry.ts'

const hashOf = (n: bigint) => `0x${n.toString(16).padStart(64, '0')}` as Hash

function chainAt(head: bigint): FilterSources & { logCalls: [bigint, bigint][] } {
  const logCalls: [bigint, bigint][] = []
  return {
    head,
    logCalls,
    blockHashes: (from, to) => {
      const hashes: Hash[] = []
      for (let n = from; n <= to; n++) hashes.push(hashOf(n))
      return hashes
    },
    logs: (from, to) => {
      logCalls.push([from, to])
      return [{ from: String(from), to: String(to) }]
    },
  }
}

describe('FilterRegistry', () => {
  it('a block filter reports each sealed block once, from after its installation', () => {
    const filters = new FilterRegistry()
    const id = filters.install({ kind: 'blocks' }, 10n, 0)
    expect(id).toMatch(/^0x[0-9a-f]{32}$/)
    expect(filters.changes(id, chainAt(10n), 1)).toEqual([])
    expect(filters.changes(id, chainAt(13n), 2)).toEqual([hashOf(11n), hashOf(12n), hashOf(13n)])
    expect(filters.changes(id, chainAt(13n), 3)).toEqual([])
  })

  it('a log filter asks for new blocks only, within its own block range', () => {
    const filters = new FilterRegistry()
    const id = filters.install(
      { kind: 'logs', criteria: { addresses: [], topics: [], toBlock: 15n } },
      10n,
      0,
    )
    const chain = chainAt(12n)
    filters.changes(id, chain, 1)
    filters.changes(id, { ...chain, head: 20n }, 2)
    filters.changes(id, { ...chain, head: 25n }, 3)
    expect(chain.logCalls).toEqual([
      [11n, 12n],
      [13n, 15n],
    ])
    expect(() => filters.criteria(filters.install({ kind: 'blocks' }, 1n, 4), 4)).toThrow('filter not found')
  })

  it('a pending-transaction filter hands over what arrived, keeping the newest when full', () => {
    const filters = new FilterRegistry()
    const id = filters.install({ kind: 'pendingTransactions', fullTransactions: false }, 0n, 0)
    for (let n = 0n; n < BigInt(MAX_PENDING_HASHES) + 2n; n++)
      filters.notePending(hashOf(n), () => ({ hash: hashOf(n) }))
    const first = filters.changes(id, chainAt(0n), 1)
    expect(first).toHaveLength(MAX_PENDING_HASHES)
    expect(first[0]).toBe(hashOf(2n))
    expect(filters.changes(id, chainAt(0n), 2)).toEqual([])
  })

  it('a full pending-transaction filter gets each object, made once for all of them; gone filters get nothing', () => {
    const filters = new FilterRegistry()
    const full = [0, 1].map(() =>
      filters.install({ kind: 'pendingTransactions', fullTransactions: true }, 0n, 0),
    )
    const hashes = filters.install({ kind: 'pendingTransactions', fullTransactions: false }, 0n, 0)
    let made = 0
    const note = (n: bigint) =>
      filters.notePending(hashOf(n), () => {
        made++
        return { hash: hashOf(n), nonce: `0x${n.toString(16)}` }
      })
    note(1n)
    expect(made).toBe(1)
    expect(filters.changes(full[0]!, chainAt(0n), 1)).toEqual([{ hash: hashOf(1n), nonce: '0x1' }])
    expect(filters.changes(hashes, chainAt(0n), 1)).toEqual([hashOf(1n)])
    // Uninstalled or expired, a filter is no longer visited.
    expect(filters.uninstall(full[0]!, 2)).toBe(true)
    filters.changes(hashes, chainAt(0n), FILTER_TIMEOUT_MS)
    expect(() => filters.changes(full[1]!, chainAt(0n), FILTER_TIMEOUT_MS + 10)).toThrow('filter not found')
    note(2n)
    expect(made).toBe(1)
    expect(filters.changes(hashes, chainAt(0n), FILTER_TIMEOUT_MS + 11)).toEqual([hashOf(2n)])
  })

  it('forgets a filter not polled for five minutes, and an uninstalled one', () => {
    const filters = new FilterRegistry()
    const idle = filters.install({ kind: 'blocks' }, 0n, 0)
    const polled = filters.install({ kind: 'blocks' }, 0n, 0)
    filters.changes(polled, chainAt(0n), FILTER_TIMEOUT_MS - 1)
    expect(() => filters.changes(idle, chainAt(0n), FILTER_TIMEOUT_MS + 1)).toThrow('filter not found')
    expect(filters.changes(polled, chainAt(0n), FILTER_TIMEOUT_MS + 1)).toEqual([])
    expect(filters.uninstall(polled, FILTER_TIMEOUT_MS + 2)).toBe(true)
    expect(filters.uninstall(polled, FILTER_TIMEOUT_MS + 2)).toBe(false)
  })
})
