/**
 * ChainStore's in-memory caches of current storage and code: whatever they answer must be what the
 * SQLite rows say, read by a store that has cached nothing, through writes, zeroed slots, storage
 * resets and the cache starting over at its bound. Current storage is each slot's newest history
 * row: whether an account has any (EIP-7610) and what a reset clears come from it too.
 */
import { env, runInDurableObject } from 'cloudflare:test'
import type { Address, Hex } from 'viem'
import { describe, expect, it } from 'vitest'
import { bytesToHex } from '../../src/primitives/hex.ts'
import { keccak256 } from '../../src/primitives/keccak256.ts'
import { ChainStore } from '../../workers/sequencer/chainStore.ts'

const CONTRACT = '0x00000000000000000000000000000000c0ffee01' as Address
const OTHER = '0x00000000000000000000000000000000c0ffee02' as Address

type Writes = { storage?: [Address, bigint, bigint][]; resets?: Address[]; codes?: Uint8Array[] }

function write(
  store: ChainStore,
  blockNumber: bigint,
  { storage = [], resets = [], codes = [] }: Writes,
): void {
  const slots = new Map<Address, Map<bigint, bigint>>()
  for (const [address, slot, value] of storage) {
    if (!slots.has(address)) slots.set(address, new Map())
    slots.get(address)!.set(slot, value)
  }
  store.writeContractState(
    {
      storage: slots,
      storageResets: new Set(resets),
      codes: new Map(codes.map((code) => [bytesToHex(keccak256(code)), code])),
    },
    blockNumber,
  )
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
})
