import type { TrieNodeStore } from './merklePatriciaTrie.ts'

/** Trie nodes in a Map: for tests, benchmarks and tools that hold a trie in memory. */
export class MemoryNodeStore implements TrieNodeStore {
  /** By nodeKey(hash). */
  readonly nodes = new Map<string, Uint8Array>()

  get(hash: Uint8Array): Uint8Array | undefined {
    return this.nodes.get(nodeKey(hash))
  }

  put(hash: Uint8Array, encoded: Uint8Array): void {
    this.nodes.set(nodeKey(hash), encoded)
  }
}

/** A node hash as a Map key: one character per byte, several times cheaper to build than hex. */
export function nodeKey(hash: Uint8Array): string {
  return String.fromCharCode.apply(null, hash as unknown as number[])
}
