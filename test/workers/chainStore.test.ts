/**
 * ChainStore's in-memory caches of current storage and code: whatever they answer must be what the
 * SQLite rows say, read by a store that has cached nothing, through writes, zeroed slots, storage
 * resets and the cache starting over at its bound. Current storage is each slot's newest history
 * row: whether an account has any (EIP-7610) and what a reset clears come from it too. Until a
 * block's rows are written, its logged changes answer for it.
 */
import { env, runInDurableObject } from 'cloudflare:test'
import type { Address, Hex } from 'viem'
import { describe, expect, it } from 'vitest'
import { bytesToHex } from '../../src/primitives/hex.ts'
import { keccak256 } from '../../src/primitives/keccak256.ts'
import { BlockChanges } from '../../src/state/blockChanges.ts'
import { type AccountData, EMPTY_CODE_HASH } from '../../src/state/stateView.ts'
import { ChainStore, STATE_WRITTEN_THROUGH } from '../../workers/sequencer/chainStore.ts'

const CONTRACT = '0x00000000000000000000000000000000c0ffee01' as Address
const OTHER = '0x00000000000000000000000000000000c0ffee02' as Address

type Writes = {
  storage?: [Address, bigint, bigint][]
  resets?: Address[]
  codes?: Uint8Array[]
  accounts?: [Address, AccountData | null][]
}

/** One execution's changes to block `blockNumber`, as the sequencer records them. */
function executionOf({ storage = [], resets = [], codes = [], accounts = [] }: Writes) {
  const slots = new Map<Address, Map<bigint, bigint>>()
  for (const [address, slot, value] of storage) {
    if (!slots.has(address)) slots.set(address, new Map())
    slots.get(address)!.set(slot, value)
  }
  return {
    accounts: new Map(accounts),
    storage: slots,
    storageResets: new Set(resets),
    codes: new Map(codes.map((code) => [bytesToHex(keccak256(code)), code])),
  }
}

/**
 * Block `blockNumber` with one execution, logged and tracked as the sequencer does; then, unless
 * `unwritten`, sealed and its history rows written.
 */
function write(store: ChainStore, blockNumber: bigint, writes: Writes, unwritten = false): BlockChanges {
  const block = new BlockChanges()
  store.trackUnwrittenBlock(blockNumber, block.writes)
  const execution = executionOf(writes)
  block.addWrites(execution)
  store.logStateChanges(blockNumber, execution, [])
  if (!unwritten) store.writeStateRows(Number.POSITIVE_INFINITY, blockNumber)
  return block
}

/** What the rows say: a store over the same SQLite with nothing cached. */
const fromRows = (sql: SqlStorage, address: Address, slot: bigint) =>
  new ChainStore(sql).getStorageValue(address, slot)

describe('ChainStore caches', () => {
  it('answer what SQLite holds through writes, zeroed slots and storage resets', async () => {
    const stub = env.SEQUENCER.get(env.SEQUENCER.idFromName('chain-store-caches'))
    await runInDurableObject(stub, (_instance, state) => {
      const sql = state.storage.sql
      const store = new ChainStore(sql)
      const probe: [Address, bigint][] = [
        [CONTRACT, 1n],
        [CONTRACT, 2n],
        [CONTRACT, 3n],
        [OTHER, 1n],
      ]
      const expectRows = () => {
        for (const [address, slot] of probe)
          expect(store.getStorageValue(address, slot), `${address} ${slot}`).toBe(
            fromRows(sql, address, slot),
          )
      }
      // Read first (cached as empty), then written.
      expect(store.getStorageValue(CONTRACT, 1n)).toBe(0n)
      write(store, 1n, {
        storage: [
          [CONTRACT, 1n, 5n],
          [CONTRACT, 2n, 7n],
          [OTHER, 1n, 9n],
        ],
      })
      expect(store.getStorageValue(CONTRACT, 1n)).toBe(5n)
      expectRows()
      write(store, 2n, { storage: [[CONTRACT, 2n, 0n]] })
      expect(store.getStorageValue(CONTRACT, 2n)).toBe(0n)
      expectRows()
      // A reset wipes the contract's cached slots, and only its own; then its new writes land.
      write(store, 3n, { resets: [CONTRACT], storage: [[CONTRACT, 3n, 11n]] })
      expect(probe.map(([address, slot]) => store.getStorageValue(address, slot))).toEqual([0n, 0n, 11n, 9n])
      expectRows()
    })
  })

  it('say whether an account has storage, and what it held at each block, from its history alone', async () => {
    const stub = env.SEQUENCER.get(env.SEQUENCER.idFromName('chain-store-has-storage'))
    await runInDurableObject(stub, (_instance, state) => {
      const store = new ChainStore(state.storage.sql)
      const word = (value: bigint) => `0x${value.toString(16).padStart(64, '0')}` as Hex
      const has = () => [store.hasStorage(CONTRACT), store.hasStorage(OTHER)]
      expect(has()).toEqual([false, false])
      write(store, 1n, {
        storage: [
          [CONTRACT, 1n, 5n],
          [CONTRACT, 2n, 7n],
          [OTHER, 1n, 9n],
        ],
      })
      expect(has()).toEqual([true, true])
      // Cleared one by one: storage until the last slot is zero.
      write(store, 2n, { storage: [[CONTRACT, 2n, 0n]] })
      expect(has()).toEqual([true, true])
      write(store, 3n, { storage: [[CONTRACT, 1n, 0n]] })
      expect(has()).toEqual([false, true])
      expect(store.getStorage(CONTRACT, word(1n))).toBeUndefined()
      write(store, 4n, { storage: [[CONTRACT, 1n, 6n]] })
      expect(has()).toEqual([true, true])
      expect(store.getStorage(CONTRACT, word(1n))).toBe(word(6n))
      // A reset records every slot holding a value as zero at its block; older blocks keep theirs.
      write(store, 5n, { resets: [CONTRACT] })
      expect(has()).toEqual([false, true])
      expect(store.getStorageAt(CONTRACT, word(1n), 4n)).toBe(word(6n))
      expect(store.getStorageAt(CONTRACT, word(1n), 5n)).toBe(word(0n))
      expect(store.getStorageAt(CONTRACT, word(2n), 1n)).toBe(word(7n))
      expect(store.getStorage(OTHER, word(1n))).toBe(word(9n))
      // What a store that has cached nothing reads agrees.
      expect(fromRows(state.storage.sql, CONTRACT, 1n)).toBe(0n)
      expect(fromRows(state.storage.sql, OTHER, 1n)).toBe(9n)
    })
  })

  it('answer from logged blocks whose rows are not written, then write them in turns, once sealed', async () => {
    const stub = env.SEQUENCER.get(env.SEQUENCER.idFromName('chain-store-unwritten'))
    await runInDurableObject(stub, (_instance, state) => {
      const sql = state.storage.sql
      const store = new ChainStore(sql)
      const word = (value: bigint) => `0x${value.toString(16).padStart(64, '0')}` as Hex
      const account = (balance: bigint): AccountData => ({
        nonce: 1n,
        balance,
        codeHash: `0x${'ab'.repeat(32)}`,
      })
      const EOA = '0x00000000000000000000000000000000000e0a01' as Address
      write(store, 1n, {
        storage: [
          [CONTRACT, 1n, 5n],
          [CONTRACT, 2n, 7n],
          [OTHER, 1n, 9n],
        ],
        accounts: [[EOA, account(100n)]],
      })
      // Block 2 (sealed, rows not written): CONTRACT's storage reset, then slot 3 written; EOA paid.
      write(
        store,
        2n,
        { resets: [CONTRACT], storage: [[CONTRACT, 3n, 11n]], accounts: [[EOA, account(90n)]] },
        true,
      )
      // Block 3 (open): slot 3 cleared, OTHER's slot 1 cleared, EOA deleted.
      const open = write(
        store,
        3n,
        {
          storage: [
            [CONTRACT, 3n, 0n],
            [OTHER, 1n, 0n],
          ],
          accounts: [[EOA, null]],
        },
        true,
      )

      // Now, at each block, and what SQLite alone still says.
      const sqlOnly = new ChainStore(sql)
      expect(store.getStorageValue(CONTRACT, 1n)).toBe(0n)
      expect(store.getStorageValue(CONTRACT, 3n)).toBe(0n)
      expect(store.getStorage(OTHER, word(1n))).toBeUndefined()
      expect([store.hasStorage(CONTRACT), store.hasStorage(OTHER)]).toEqual([false, false])
      expect(store.getAccount(EOA)).toBeUndefined()
      expect(store.getAccountAt(EOA, 2n)?.balance).toBe(90n)
      expect(store.getAccountAt(EOA, 1n)?.balance).toBe(100n)
      expect(store.getStorageAt(CONTRACT, word(1n), 2n)).toBe(word(0n))
      expect(store.getStorageAt(CONTRACT, word(1n), 1n)).toBe(word(5n))
      expect(store.getStorageAt(CONTRACT, word(3n), 2n)).toBe(word(11n))
      expect(store.getStorageAt(CONTRACT, word(3n), 3n)).toBe(word(0n))
      expect(sqlOnly.getStorageValue(CONTRACT, 1n)).toBe(5n)
      expect(sqlOnly.getAccount(EOA)?.balance).toBe(100n)
      // A slot written after the reset in the block that reset it counts.
      write(store, 4n, { storage: [[CONTRACT, 2n, 1n]] }, true)
      expect(store.hasStorage(CONTRACT)).toBe(true)

      // The block's logged changes come back as they were logged (what a restart folds again).
      expect(store.loggedStateChanges(3n)).toEqual([
        {
          storageResets: new Set(),
          storage: new Map([
            [CONTRACT, new Map([[3n, 0n]])],
            [OTHER, new Map([[1n, 0n]])],
          ]),
          accounts: new Map([[EOA, null]]),
          readKeys: [],
        },
      ])
      expect(open.writes.accounts.get(EOA)).toBeNull()

      // Block 2 sealed: its rows a few at a time; blocks 3 and 4 stay logged.
      expect(store.unwrittenStateRowCount(1n)).toBe(0)
      let turns = 0
      while (store.unwrittenStateRowCount(2n) > 0) {
        store.writeStateRows(1, 2n)
        turns++
      }
      // Slots 1 and 2 zeroed by the reset, slot 3, the account.
      expect(turns).toBe(4)
      expect(store.getMeta(STATE_WRITTEN_THROUGH)).toBe('2')
      expect(store.loggedStateChanges(2n)).toEqual([])
      expect(store.loggedStateChanges(3n)).toHaveLength(1)
      const afterBlock2 = new ChainStore(sql)
      expect(afterBlock2.getStorageValue(CONTRACT, 1n)).toBe(0n)
      expect(afterBlock2.getStorageValue(CONTRACT, 3n)).toBe(11n)
      expect(afterBlock2.getAccount(EOA)?.balance).toBe(90n)
      expect(afterBlock2.getStorageAt(CONTRACT, word(1n), 1n)).toBe(word(5n))
      // What the store answers did not move.
      expect(store.getStorageValue(CONTRACT, 3n)).toBe(0n)
      expect(store.getAccount(EOA)).toBeUndefined()
    })
  })

  it('start over past their bound and still answer from SQLite', async () => {
    const stub = env.SEQUENCER.get(env.SEQUENCER.idFromName('chain-store-cache-bound'))
    await runInDurableObject(stub, (_instance, state) => {
      const store = new ChainStore(state.storage.sql)
      write(store, 1n, { storage: [[CONTRACT, 1n, 42n]] })
      expect(store.getStorageValue(CONTRACT, 1n)).toBe(42n)
      // More empty slots read than the cache keeps (50,000).
      for (let slot = 100n; slot < 50_100n; slot++) store.getStorageValue(OTHER, slot)
      expect(store.getStorageValue(CONTRACT, 1n)).toBe(42n)
      write(store, 2n, { storage: [[CONTRACT, 1n, 43n]] })
      expect(store.getStorageValue(CONTRACT, 1n)).toBe(43n)
    })
  })

  it('give code by its hash, and nothing for an unknown hash', async () => {
    const stub = env.SEQUENCER.get(env.SEQUENCER.idFromName('chain-store-code'))
    await runInDurableObject(stub, (_instance, state) => {
      const store = new ChainStore(state.storage.sql)
      const code = Uint8Array.of(0x60, 0x2a, 0x60, 0x00, 0x55, 0x00)
      write(store, 1n, { codes: [code] })
      const hash = bytesToHex(keccak256(code)) as Hex
      expect(store.getCode(hash)).toEqual(code)
      expect(store.getCode(hash)).toEqual(code)
      expect(store.getCode(bytesToHex(keccak256(Uint8Array.of(1))) as Hex)).toBeUndefined()
    })
  })

  it('name the accounts a range of blocks wrote, from history rows and logged blocks, within a bound', async () => {
    const stub = env.SEQUENCER.get(env.SEQUENCER.idFromName('chain-store-written-in'))
    await runInDurableObject(stub, (_instance, state) => {
      const store = new ChainStore(state.storage.sql)
      const account = { nonce: 1n, balance: 5n, codeHash: EMPTY_CODE_HASH }
      const [a, b, c, d] = ['a1', 'b2', 'c3', 'd4'].map((tag) => `0x${tag.repeat(20)}` as Address) as [
        Address,
        Address,
        Address,
        Address,
      ]
      write(store, 1n, { accounts: [[a, account]], storage: [[OTHER, 3n, 4n]] })
      // Storage alone (no account row), then a storage reset alone (which zeroes OTHER's slot).
      write(store, 2n, { storage: [[CONTRACT, 1n, 5n]] })
      write(store, 3n, { resets: [OTHER], accounts: [[b, account]] })
      // Logged, its rows not written yet.
      write(store, 4n, { accounts: [[c, account]], storage: [[d, 1n, 2n]] }, true)
      const names = (from: bigint, to: bigint, limit = 100) => {
        const written = store.addressesWrittenIn(from, to, limit)
        return written && [...written].sort()
      }
      expect(names(1n, 1n)).toEqual([a, OTHER].sort())
      expect(names(2n, 2n)).toEqual([CONTRACT])
      expect(names(2n, 3n)).toEqual([CONTRACT, OTHER, b].sort())
      expect(names(4n, 4n)).toEqual([c, d].sort())
      expect(names(1n, 4n)).toEqual([a, b, c, d, CONTRACT, OTHER].sort())
      expect(names(5n, 9n)).toEqual([])
      // Past the bound: no answer rather than a partial one.
      expect(names(1n, 4n, 6)).toHaveLength(6)
      expect(names(1n, 4n, 5)).toBeUndefined()
      expect(names(1n, 3n, 3)).toBeUndefined()
    })
  })
})
