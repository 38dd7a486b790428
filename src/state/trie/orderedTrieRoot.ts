import { bigintToBytes } from '../../primitives/hex.ts'
import { encodeRlp } from '../../primitives/rlp.ts'
import { MerklePatriciaTrie } from './merklePatriciaTrie.ts'

/** Root of a trie keyed by rlp(index): a block's transactions root, receipts root or withdrawals root. */
export function orderedTrieRoot(items: Uint8Array[]): Uint8Array {
  const trie = new MerklePatriciaTrie()
  for (let i = 0; i < items.length; i++) trie.put(encodeRlp(bigintToBytes(BigInt(i))), items[i]!)
  return trie.root()
}
