import type { Address, Hash } from 'viem'
import { describe, expect, it } from 'vitest'
import { Mempool, type PooledTransaction } from './mempool.ts'

const alice = '0x00000000000000000000000000000000000a11ce' as Address
const bob = '0x0000000000000000000000000000000000000b0b' as Address
let counter = 0

function tx(
  sender: Address,
  nonce: bigint,
  fees: { maxFee?: bigint; tip?: bigint; value?: bigint } = {},
): PooledTransaction {
  counter++
  return {
    raw: new Uint8Array([counter]),
    hash: `0x${counter.toString(16).padStart(64, '0')}` as Hash,
    type: 2,
    sender,
    nonce,
    gasLimit: 21_000n,
    to: bob,
    value: fees.value ?? 1n,
    maxFeePerGas: fees.maxFee ?? 100n,
    maxPriorityFeePerGas: fees.tip ?? 10n,
    transferGas: 21_000n,
    arrival: counter,
  }
}

const rich = { nonce: 0n, balance: 10n ** 18n }

describe('Mempool', () => {
  it('orders ready transactions by arrival across senders and by nonce within one', () => {
    const pool = new Mempool()
    const a0 = tx(alice, 0n)
    const b0 = tx(bob, 0n)
    const a1 = tx(alice, 1n)
    for (const t of [a0, b0, a1]) expect(pool.admit(t, rich).ok).toBe(true)
    expect(pool.takeReady(10, 10n ** 9n).map((t) => t.hash)).toEqual([a0.hash, b0.hash, a1.hash])
  })

  it('queues a nonce gap and promotes it when the gap fills', () => {
    const pool = new Mempool()
    const a2 = tx(alice, 2n)
    const a1 = tx(alice, 1n)
    const a0 = tx(alice, 0n)
    pool.admit(a2, rich)
    pool.admit(a1, rich)
    expect(pool.readyCount).toBe(0)
    pool.admit(a0, rich)
    expect(pool.takeReady(10, 10n ** 9n).map((t) => t.nonce)).toEqual([0n, 1n, 2n])
  })

  it("announces what becomes executable, as geth's newPendingTransactions: not a queued one until promoted", () => {
    const pool = new Mempool()
    const hashes = (result: ReturnType<Mempool['admit']>) =>
      result.ok ? result.announced.map((t) => t.hash) : []
    const [a0, a1, a2, a3] = [0n, 1n, 2n, 3n].map((nonce) => tx(alice, nonce))
    expect(hashes(pool.admit(a2!, rich))).toEqual([])
    expect(hashes(pool.admit(a3!, rich))).toEqual([])
    expect(hashes(pool.admit(a0!, rich))).toEqual([a0!.hash])
    // Filling the gap promotes what waited behind it, in nonce order.
    expect(hashes(pool.admit(a1!, rich))).toEqual([a1!.hash, a2!.hash, a3!.hash])
    // A replacement is announced when it replaces an executable transaction, not a queued one.
    const b0 = tx(bob, 0n)
    const b5 = tx(bob, 5n)
    pool.admit(b0, rich)
    pool.admit(b5, rich)
    const b0Again = tx(bob, 0n, { maxFee: 200n, tip: 20n })
    const b5Again = tx(bob, 5n, { maxFee: 200n, tip: 20n })
    expect(hashes(pool.admit(b0Again, rich))).toEqual([b0Again.hash])
    expect(hashes(pool.admit(b5Again, rich))).toEqual([])
  })

  it('refuses a nonce below the account nonce with geth message', () => {
    const pool = new Mempool()
    const result = pool.admit(tx(alice, 3n), { nonce: 5n, balance: 10n ** 18n })
    expect(result).toEqual({
      ok: false,
      rejection: { code: -32000, message: 'nonce too low: next nonce 5, tx nonce 3' },
    })
  })

  it('refuses a duplicate as already known', () => {
    const pool = new Mempool()
    const t = tx(alice, 0n)
    pool.admit(t, rich)
    expect(pool.admit(t, rich)).toEqual({ ok: false, rejection: { code: -32000, message: 'already known' } })
  })

  it('replaces only with a 10% bump of both fee fields', () => {
    const pool = new Mempool()
    const original = tx(alice, 0n, { maxFee: 100n, tip: 10n })
    pool.admit(original, rich)
    const feeOnly = pool.admit(tx(alice, 0n, { maxFee: 110n, tip: 10n }), rich)
    expect(feeOnly).toEqual({
      ok: false,
      rejection: { code: -32000, message: 'replacement transaction underpriced' },
    })
    const tipShort = pool.admit(tx(alice, 0n, { maxFee: 200n, tip: 10n }), rich)
    expect(tipShort.ok).toBe(false)
    const bumped = tx(alice, 0n, { maxFee: 110n, tip: 11n })
    const result = pool.admit(bumped, rich)
    expect(result).toEqual({ ok: true, replaced: original, evicted: [], announced: [bumped] })
    expect(pool.get(original.hash)).toBeUndefined()
    // The replacement keeps the original's place in line.
    expect(pool.takeReady(10, 10n ** 9n).map((t) => t.hash)).toEqual([bumped.hash])
  })

  it('requires the balance to cover the sender earlier pooled transactions too', () => {
    const pool = new Mempool()
    const cost = 21_000n * 100n + 1n
    const state = { nonce: 0n, balance: cost * 2n }
    expect(pool.admit(tx(alice, 0n), state).ok).toBe(true)
    expect(pool.admit(tx(alice, 1n), state).ok).toBe(true)
    const third = pool.admit(tx(alice, 2n), state)
    expect(third).toEqual({
      ok: false,
      rejection: {
        code: -32000,
        message: `insufficient funds for gas * price + value: address ${alice} have ${cost * 2n} want ${cost * 3n}`,
      },
    })
  })

  it('tells whether a pooled transaction waits behind a nonce gap', () => {
    const pool = new Mempool()
    const state = { nonce: 2n, balance: 10n ** 18n }
    const gapped = tx(alice, 4n)
    const filler = tx(alice, 3n)
    pool.admit(gapped, state)
    expect(pool.isQueued(gapped.hash)).toBe(true)
    pool.admit(filler, state)
    expect(pool.isQueued(filler.hash)).toBe(true)
    pool.admit(tx(alice, 2n), state)
    expect([pool.isQueued(gapped.hash), pool.isQueued(filler.hash)]).toEqual([false, false])
    expect(pool.isQueued(tx(bob, 0n).hash)).toBe(false)
  })

  const small = {
    executablePerSender: 2,
    executable: 4,
    queuedPerSender: 2,
    queued: 3,
    priceBumpPercent: 10n,
    lifetimeMs: 1_000,
  }
  const carol = '0x00000000000000000000000000000000000ca201' as Address

  it('bounds queued transactions per sender and across senders', () => {
    const pool = new Mempool(small)
    expect(pool.admit(tx(alice, 5n), rich).ok).toBe(true)
    expect(pool.admit(tx(alice, 6n), rich).ok).toBe(true)
    expect(pool.admit(tx(alice, 7n), rich)).toEqual({
      ok: false,
      rejection: { code: -32000, message: 'account limit exceeded' },
    })
    expect(pool.admit(tx(bob, 3n), rich).ok).toBe(true)
    expect(pool.admit(tx(carol, 3n), rich)).toEqual({
      ok: false,
      rejection: { code: -32000, message: 'txpool is full' },
    })
    // Executable transactions have their own slots.
    expect(pool.admit(tx(carol, 0n), rich).ok).toBe(true)
  })

  it("gives a full pool's slots to senders within their guarantee, evicting the largest sender's newest", () => {
    const pool = new Mempool(small)
    const alices = [0n, 1n, 2n, 3n].map((nonce) => tx(alice, nonce))
    for (const t of alices) expect(pool.admit(t, rich).ok).toBe(true)
    // Alice holds all 4 executable slots, 2 beyond her guarantee: Bob takes her newest.
    const b0 = tx(bob, 0n)
    expect(pool.admit(b0, rich)).toEqual({
      ok: true,
      replaced: undefined,
      evicted: [alices[3]],
      announced: [b0],
    })
    const b1 = tx(bob, 1n)
    expect(pool.admit(b1, rich)).toEqual({
      ok: true,
      replaced: undefined,
      evicted: [alices[2]],
      announced: [b1],
    })
    // Bob is at his guarantee and Alice within hers: nothing more to evict.
    expect(pool.admit(tx(bob, 2n), rich)).toEqual({
      ok: false,
      rejection: { code: -32000, message: 'txpool is full' },
    })
    expect(pool.admit(tx(carol, 0n), rich)).toEqual({
      ok: false,
      rejection: { code: -32000, message: 'txpool is full' },
    })
    // Alice may send an evicted nonce again once there is room: like a replacement, it takes the
    // evicted one's place in line, and it is taken once although the line names it twice.
    expect(pool.takeReady(2, 10n ** 9n)).toEqual([alices[0], alices[1]])
    for (const t of [alices[0]!, alices[1]!]) pool.remove(t)
    const again = tx(alice, 2n)
    expect(pool.admit(again, { nonce: 2n, balance: 10n ** 18n }).ok).toBe(true)
    expect(pool.takeReady(10, 10n ** 9n)).toEqual([again, b0, b1])
    expect(pool.takeReady(10, 10n ** 9n)).toEqual([])
  })

  it('drops the queued transactions of a sender idle past the lifetime, and only those', () => {
    const pool = new Mempool(small)
    const a0 = tx(alice, 0n)
    const a5 = tx(alice, 5n)
    const b4 = tx(bob, 4n)
    pool.admit(a0, rich, { nowMs: 0 })
    pool.admit(a5, rich, { nowMs: 0 })
    pool.admit(b4, rich, { nowMs: 900 })
    expect(pool.evictStale(1_000)).toEqual([])
    expect(pool.evictStale(1_500)).toEqual([a5])
    expect(pool.contents()).toEqual({ pending: [a0], queued: [b4] })
    expect(pool.evictStale(2_000)).toEqual([b4])
    // The freed queue slots are usable again.
    expect(pool.admit(tx(carol, 7n), rich).ok).toBe(true)
  })

  it('splits its contents as txpool_content does: executable, and waiting behind a gap', () => {
    const pool = new Mempool()
    const [b1, a0, a2, a1] = [tx(bob, 1n), tx(alice, 0n), tx(alice, 2n), tx(alice, 1n)]
    for (const t of [b1, a0, a2]) pool.admit(t, rich)
    expect(pool.contents()).toEqual({ pending: [a0], queued: [b1, a2] })
    pool.admit(a1, rich)
    expect(pool.contents()).toEqual({ pending: [a0, a1, a2], queued: [b1] })
  })

  it('takes no more gas than the budget and keeps the rest ready', () => {
    const pool = new Mempool()
    for (let n = 0n; n < 5n; n++) pool.admit(tx(alice, n), rich)
    expect(pool.takeReady(10, 21_000n * 3n)).toHaveLength(3)
    expect(pool.readyCount).toBe(2)
  })

  it('reports the pending nonce past everything pooled', () => {
    const pool = new Mempool()
    pool.admit(tx(alice, 0n), rich)
    pool.admit(tx(alice, 1n), rich)
    pool.admit(tx(alice, 3n), rich)
    expect(pool.pendingNonce(alice, 0n)).toBe(2n)
    expect(pool.pendingNonce(bob, 7n)).toBe(7n)
  })
})
