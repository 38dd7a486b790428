import type { Hex } from 'viem'
import { describe, expect, it } from 'vitest'
import { bytesToHex, hexToBytes } from '../../primitives/hex.ts'
import { keccak256 } from '../../primitives/keccak256.ts'
import { seededRandom } from '../../primitives/seededRandom.ts'
import { MemoryNodeStore } from './memoryNodeStore.ts'
import { EMPTY_TRIE_ROOT_BYTES, MerklePatriciaTrie } from './merklePatriciaTrie.ts'
import { verifyProof } from './verifyProof.ts'

/** A TrieNodeStore in a Map, counting writes and checking each node is stored under its hash. */
class MapStore extends MemoryNodeStore {
  writes = 0
  override put(hash: Uint8Array, encoded: Uint8Array): void {
    this.writes++
    expect(bytesToHex(keccak256(encoded))).toBe(bytesToHex(hash))
    super.put(hash, encoded)
  }
}

/** Seeded numbers and bytes, so a failure reproduces. */
function random(seed: number) {
  const next = seededRandom(seed)
  const bytes = (length: number) => Uint8Array.from({ length }, () => Math.floor(next() * 256))
  return { next, bytes }
}

describe('a stored trie (nodes in a TrieNodeStore)', () => {
  it('reaches the in-memory root across reopen-update-commit rounds, and reads what was written', () => {
    for (const seed of [1, 2, 3]) {
      const r = random(seed)
      const store = new MapStore()
      const reference = new MerklePatriciaTrie()
      const values = new Map<string, Uint8Array>()
      const keys: Uint8Array[] = []
      let root = EMPTY_TRIE_ROOT_BYTES
      for (let round = 0; round < 20; round++) {
        const trie = new MerklePatriciaTrie(store, root)
        for (let op = 0; op < 60; op++) {
          // Short keys share prefixes (extensions, branch values); hashed keys spread out.
          const fresh = r.next() < 0.5 ? keccak256(r.bytes(4)) : r.bytes(1 + Math.floor(r.next() * 3))
          const key = keys.length > 0 && r.next() < 0.4 ? keys[Math.floor(r.next() * keys.length)]! : fresh
          if (key === fresh) keys.push(key)
          if (r.next() < 0.3) {
            trie.delete(key)
            reference.delete(key)
            values.delete(bytesToHex(key))
          } else {
            const value = r.bytes(1 + Math.floor(r.next() * 40))
            trie.put(key, value)
            reference.put(key, value)
            values.set(bytesToHex(key), value)
          }
        }
        root = trie.commit()
        expect(bytesToHex(root), `seed ${seed} round ${round}`).toBe(bytesToHex(reference.root()))
        const reopened = new MerklePatriciaTrie(store, root)
        for (const key of keys)
          expect(reopened.get(key) && bytesToHex(reopened.get(key)!)).toBe(
            values.has(bytesToHex(key)) ? bytesToHex(values.get(bytesToHex(key))!) : undefined,
          )
      }
    }
  })

  it('keeps every committed root readable and provable after later updates', () => {
    const store = new MapStore()
    const key = (i: number) => keccak256(Uint8Array.of(i))
    const roots: Uint8Array[] = []
    let root = EMPTY_TRIE_ROOT_BYTES
    for (let block = 0; block < 5; block++) {
      const trie = new MerklePatriciaTrie(store, root)
      for (let i = 0; i < 50; i++) trie.put(key(i), Uint8Array.of(block, i))
      if (block > 0) trie.delete(key(block))
      root = trie.commit()
      roots.push(root)
    }
    for (const [block, blockRoot] of roots.entries()) {
      const old = new MerklePatriciaTrie(store, blockRoot)
      expect(old.get(key(7))).toEqual(Uint8Array.of(block, 7))
      expect(verifyProof(blockRoot, key(7), old.proof(key(7)))).toEqual(Uint8Array.of(block, 7))
      // A key deleted in this block: its absence is proven too.
      if (block > 0) expect(verifyProof(blockRoot, key(block), old.proof(key(block)))).toBeUndefined()
    }
  })

  it('writes only the changed path: one update in a 2,000-key trie stores a handful of nodes', () => {
    const store = new MapStore()
    const trie = new MerklePatriciaTrie(store)
    for (let i = 0; i < 2000; i++) trie.put(keccak256(Uint8Array.of(i >> 8, i & 255)), Uint8Array.of(1, 2, 3))
    const root = trie.commit()
    const before = store.writes
    const next = new MerklePatriciaTrie(store, root)
    next.put(keccak256(Uint8Array.of(0, 7)), Uint8Array.of(9))
    next.commit()
    // The path to one of 2,000 hashed keys is about log16(2000) + 1 nodes deep.
    expect(store.writes - before).toBeGreaterThan(0)
    expect(store.writes - before).toBeLessThanOrEqual(5)
  })

  it('stores a root whose encoding is under 32 bytes, and names a missing node', () => {
    const store = new MapStore()
    const tiny = new MerklePatriciaTrie(store)
    tiny.put(Uint8Array.of(1), Uint8Array.of(2))
    const root = tiny.commit()
    expect(new MerklePatriciaTrie(store, root).get(Uint8Array.of(1))).toEqual(Uint8Array.of(2))
    expect(() => new MerklePatriciaTrie(new MapStore(), root).get(Uint8Array.of(1))).toThrow(
      /missing trie node 0x[0-9a-f]{64}/,
    )
  })
})

describe('the in-memory trie', () => {
  it('re-hashes every ancestor of a deletion that leaves a branch in place (regression)', () => {
    // Three keys under one branch, hashed before the delete, so the ancestors have cached encodings.
    const keys = [0x10, 0x11, 0x12].map((byte) => Uint8Array.of(0xab, byte, 0xcd))
    const trie = new MerklePatriciaTrie()
    for (const key of keys) trie.put(key, new Uint8Array(40).fill(key[1]!))
    trie.root()
    trie.delete(keys[0]!)
    const fresh = new MerklePatriciaTrie()
    for (const key of keys.slice(1)) fresh.put(key, new Uint8Array(40).fill(key[1]!))
    expect(bytesToHex(trie.root())).toBe(bytesToHex(fresh.root()))
  })
})

/** Byte strings in the order `range` walks: bytewise, a prefix before what extends it. */
function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!
  return a.length - b.length
}

describe('range: entries in key order from a start key', () => {
  it('gives what sorting every key gives, page after page, stored or in memory', () => {
    for (const seed of [4, 5, 6, 7]) {
      const r = random(seed)
      const store = new MapStore()
      const written = new MerklePatriciaTrie(store)
      const values = new Map<string, Uint8Array>()
      for (let i = 0; i < 300; i++) {
        // Short keys share prefixes (extensions, branch values); hashed keys spread out.
        const key = r.next() < 0.5 ? keccak256(r.bytes(4)) : r.bytes(1 + Math.floor(r.next() * 3))
        const value = r.bytes(1 + Math.floor(r.next() * 40))
        written.put(key, value)
        values.set(bytesToHex(key), value)
      }
      const sorted = [...values.keys()].map((key) => hexToBytes(key as Hex)).sort(compareBytes)
      const stored = new MerklePatriciaTrie(store, written.commit())
      for (const trie of [written, stored]) {
        for (let probe = 0; probe < 40; probe++) {
          const start =
            probe === 0
              ? new Uint8Array()
              : r.next() < 0.5
                ? sorted[Math.floor(r.next() * sorted.length)]!.slice(0, 1 + Math.floor(r.next() * 3))
                : r.bytes(Math.floor(r.next() * 34))
          const limit = Math.floor(r.next() * 20)
          const expected = sorted.filter((key) => compareBytes(key, start) >= 0)
          const page = trie.range(start, limit)
          const context = `seed ${seed} start ${bytesToHex(start)} limit ${limit}`
          expect(
            page.entries.map((entry) => bytesToHex(entry.key)),
            context,
          ).toEqual(expected.slice(0, limit).map((key) => bytesToHex(key)))
          for (const entry of page.entries)
            expect(bytesToHex(entry.value)).toBe(bytesToHex(values.get(bytesToHex(entry.key))!))
          expect(page.next && bytesToHex(page.next), context).toBe(
            expected[limit] ? bytesToHex(expected[limit]) : null,
          )
        }
        // Page by page from the empty start, following `next`, gives every key once.
        const seen: string[] = []
        let start: Uint8Array | null = new Uint8Array()
        while (start) {
          const page = trie.range(start, 7)
          seen.push(...page.entries.map((entry) => bytesToHex(entry.key)))
          start = page.next
        }
        expect(seen).toEqual(sorted.map((key) => bytesToHex(key)))
      }
    }
    expect(new MerklePatriciaTrie().range(new Uint8Array(), 10)).toEqual({ entries: [], next: null })
  })
})
