import type { Address, Hash } from 'viem'
import { describe, expect, it } from 'vitest'
import { bytesToHex, hexToBytes } from '../primitives/hex.ts'
import { keccak256 } from '../primitives/keccak256.ts'
import { seededRandom } from '../primitives/seededRandom.ts'
import { computeStateRoot, computeStorageRoot, type FullAccount } from './computeStateRoot.ts'
import { modifiedAccounts, StateTrie, type StateWrites } from './stateTrie.ts'
import { EMPTY_CODE_HASH } from './stateView.ts'
import { MemoryNodeStore } from './trie/memoryNodeStore.ts'
import { verifyProof } from './trie/verifyProof.ts'

const addressOf = (i: number) => bytesToHex(keccak256(Uint8Array.of(i, 1)).subarray(12)) as Address

type FullState = Map<Address, FullAccount & { storage: Map<bigint, bigint> }>

/**
 * One random change of `address`, into both `writes` and `full`: deleted (when it `wipes`, one roll
 * in ten), or its balance moved when the write set lists it, its storage reset (when it `wipes`,
 * one roll in ten) and some slots set or cleared.
 */
function writeRandomly(
  next: () => number,
  full: FullState,
  writes: StateWrites,
  address: Address,
  shape: {
    wipes: boolean
    listed: (exists: boolean, roll: number) => boolean
    slots: number
    slotRange: number
    zeroChance: number
  },
): void {
  const roll = next()
  const current = full.get(address)
  if (shape.wipes && roll < 0.1 && current) {
    writes.accounts.set(address, null)
    writes.storage.delete(address)
    writes.storageResets.add(address)
    full.delete(address)
    return
  }
  const account = current ?? { nonce: 0n, balance: 0n, codeHash: EMPTY_CODE_HASH, storage: new Map() }
  const listed = shape.listed(current !== undefined, roll)
  if (listed) account.balance += BigInt(Math.floor(next() * 1000)) + 1n
  if (shape.wipes && roll < 0.2) {
    account.storage.clear()
    writes.storageResets.add(address)
    writes.storage.delete(address)
  }
  const slots = writes.storage.get(address) ?? new Map<bigint, bigint>()
  for (let s = 0; s < shape.slots; s++) {
    const slot = BigInt(Math.floor(next() * shape.slotRange))
    const value = next() < shape.zeroChance ? 0n : BigInt(Math.floor(next() * 2 ** 40))
    slots.set(slot, value)
    if (value === 0n) account.storage.delete(slot)
    else account.storage.set(slot, value)
  }
  writes.storage.set(address, slots)
  if (listed)
    writes.accounts.set(address, {
      nonce: account.nonce,
      balance: account.balance,
      codeHash: account.codeHash,
    })
  full.set(address, account)
}

describe('StateTrie', () => {
  it('follows random write sets (accounts, slots, clears, resets, deletions) exactly as a full recompute', () => {
    const next = seededRandom(7)
    const store = new MemoryNodeStore()
    const full: FullState = new Map()
    let root = new StateTrie(store).commit()
    for (let block = 0; block < 30; block++) {
      // Reopened at the last committed root each block, as the sequencer does after a seal.
      const trie = new StateTrie(store, root)
      const writes: StateWrites = { accounts: new Map(), storage: new Map(), storageResets: new Set() }
      for (let n = 0; n < 20; n++)
        writeRandomly(next, full, writes, addressOf(Math.floor(next() * 40)), {
          wipes: true,
          listed: () => true,
          slots: 3,
          slotRange: 12,
          zeroChance: 0.3,
        })
      trie.apply(writes)
      expect(trie.root()).toBe(computeStateRoot(full.entries()))
      root = trie.commit()
    }
    // Every account and slot reads back from the committed trie, and proves against its root.
    const trie = new StateTrie(store, root)
    for (const [address, account] of full) {
      expect(trie.account(address)).toMatchObject({ nonce: account.nonce, balance: account.balance })
      for (const [slot, value] of account.storage) expect(trie.storage(address, slot)).toBe(value)
      const proof = trie.proveAccount(address).map(hexToBytes)
      expect(verifyProof(hexToBytes(root), keccak256(hexToBytes(address)), proof)).toBeDefined()
    }
  })

  it('gives what a full recompute gives when write sets are applied mini-block by mini-block, read between', () => {
    // As the sequencer's live trie: many write sets per opened trie, a few contracts written in
    // most of them (their leaves wait for a read), the root asked for now and then.
    const next = seededRandom(11)
    const store = new MemoryNodeStore()
    const full: FullState = new Map()
    const expectAccount = (trie: StateTrie, address: Address) => {
      const account = full.get(address)
      if (!account) return expect(trie.account(address)).toBeUndefined()
      expect(trie.account(address)).toEqual({
        nonce: account.nonce,
        balance: account.balance,
        codeHash: account.codeHash,
        storageRoot: bytesToHex(computeStorageRoot(account.storage)),
      })
      for (const [slot, value] of account.storage) expect(trie.storage(address, slot)).toBe(value)
    }
    let root = new StateTrie(store).commit()
    for (let block = 0; block < 12; block++) {
      const trie = new StateTrie(store, root)
      for (let miniBlock = 0; miniBlock < 15; miniBlock++) {
        const writes: StateWrites = { accounts: new Map(), storage: new Map(), storageResets: new Set() }
        for (let n = 0; n < 4; n++) {
          // Addresses 0–3 are the busy contracts: never wiped, their account listed only now and then.
          const busy = next() < 0.6
          const address = addressOf(busy ? Math.floor(next() * 4) : 4 + Math.floor(next() * 30))
          writeRandomly(next, full, writes, address, {
            wipes: !busy,
            listed: (exists, roll) => !busy || !exists || roll < 0.3,
            slots: 2,
            slotRange: 40,
            zeroChance: 0.2,
          })
        }
        trie.apply(writes)
        const look = next()
        if (look < 0.2) expect(trie.root()).toBe(computeStateRoot(full.entries()))
        else if (look < 0.4) expectAccount(trie, addressOf(Math.floor(next() * 6)))
        else if (look < 0.5) {
          const address = addressOf(Math.floor(next() * 4))
          if (full.has(address)) {
            const proof = trie.proveAccount(address).map(hexToBytes)
            expect(verifyProof(hexToBytes(trie.root()), keccak256(hexToBytes(address)), proof)).toBeDefined()
          }
        }
      }
      root = trie.commit()
      expect(root).toBe(computeStateRoot(full.entries()))
    }
  })

  it("moves an account's storage root when only its storage is written", () => {
    const store = new MemoryNodeStore()
    const address = addressOf(1)
    const trie = new StateTrie(store)
    trie.apply({
      accounts: new Map([[address, { nonce: 1n, balance: 0n, codeHash: EMPTY_CODE_HASH }]]),
      storage: new Map(),
      storageResets: new Set(),
    })
    trie.apply({
      accounts: new Map(),
      storage: new Map([[address, new Map([[3n, 9n]])]]),
      storageResets: new Set(),
    })
    expect(trie.root()).toBe(
      computeStateRoot([
        [address, { nonce: 1n, balance: 0n, codeHash: EMPTY_CODE_HASH, storage: new Map([[3n, 9n]]) }],
      ]),
    )
    expect(trie.storage(address, 3n)).toBe(9n)
  })

  it('lists the accounts whose leaf is new or changed since an earlier state, in trie order', () => {
    const store = new MemoryNodeStore()
    const [kept, funded, stored, restored, deleted, created, untouched] = [1, 2, 3, 4, 5, 6, 7].map(
      addressOf,
    ) as [Address, Address, Address, Address, Address, Address, Address]
    const account = (balance: bigint) => ({ nonce: 0n, balance, codeHash: EMPTY_CODE_HASH })
    const writes = (
      accounts: [Address, ReturnType<typeof account> | null][],
      storage: [Address, bigint, bigint][] = [],
    ): StateWrites => {
      const slots = new Map<Address, Map<bigint, bigint>>()
      for (const [address, slot, value] of storage) slots.set(address, new Map([[slot, value]]))
      return { accounts: new Map(accounts), storage: slots, storageResets: new Set() }
    }
    const genesis = new StateTrie(store)
    genesis.apply(
      writes(
        [kept, funded, stored, restored, deleted, untouched].map((address) => [address, account(5n)]),
        [[restored, 1n, 7n]],
      ),
    )
    const startRoot = genesis.commit()
    // Two blocks: the second rewrites `kept` as it was and puts `restored`'s slot back.
    const first = new StateTrie(store, startRoot)
    first.apply(
      writes(
        [
          [kept, account(6n)],
          [funded, account(9n)],
          [deleted, null],
          [created, account(1n)],
        ],
        [
          [stored, 2n, 3n],
          [restored, 1n, 8n],
        ],
      ),
    )
    const middleRoot = first.commit()
    const second = new StateTrie(store, middleRoot)
    second.apply(writes([[kept, account(5n)]], [[restored, 1n, 7n]]))
    const endRoot = second.commit()

    const candidates = [kept, funded, stored, restored, deleted, created, untouched]
    const inTrieOrder = (addresses: Address[]) =>
      [...addresses].sort((a, b) =>
        bytesToHex(keccak256(hexToBytes(a))).localeCompare(bytesToHex(keccak256(hexToBytes(b)))),
      )
    const between = (from: Hash, to: Hash) =>
      new StateTrie(store, to).modifiedSince(new StateTrie(store, from), candidates)
    // Over both blocks: what ended where it began (kept, restored) is not modified, nor is the deleted.
    expect(between(startRoot, endRoot)).toEqual(inTrieOrder([funded, stored, created]))
    expect(between(startRoot, middleRoot)).toEqual(inTrieOrder([kept, funded, stored, restored, created]))
    expect(between(middleRoot, endRoot)).toEqual(inTrieOrder([kept, restored]))
    expect(between(endRoot, endRoot)).toEqual([])
    // Many at a time or a few: the same accounts, in the same order.
    for (const perTrie of [1, 2, 3, 100])
      expect(
        modifiedAccounts(
          () => new StateTrie(store, middleRoot),
          () => new StateTrie(store, startRoot),
          candidates,
          perTrie,
        ),
        `${perTrie} at a time`,
      ).toEqual(between(startRoot, middleRoot))
  })
})
