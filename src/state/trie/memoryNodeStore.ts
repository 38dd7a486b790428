import { bytesToHex } from '../../primitives/hex.ts'
import type { TrieNodeStore } from './merklePatriciaTrie.ts'

/** Trie nodes in a Map, by hex hash: for tests, benchmarks and tools that hold a trie in memory. */
export class MemoryNodeStore implements TrieNodeStore {
  readonly nodes = new Map<string, Uint8Array>()

  get(hash: Uint8Array): Uint8Array | undefined {
    return this.nodes.get(bytesToHex(hash))
  }

  put(hash: Uint8Array, encoded: Uint8Array): void {
    this.nodes.set(bytesToHex(hash), encoded)
  }
}
