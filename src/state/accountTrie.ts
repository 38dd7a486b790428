import type { Address, Hash, Hex } from 'viem'
import { bigintToBytes, bytesToHex, hexToBytes } from '../primitives/hex.ts'
import { keccak256 } from '../primitives/keccak256.ts'
import { encodeRlp } from '../primitives/rlp.ts'
import type { AccountData } from './stateView.ts'
import { EMPTY_TRIE_ROOT_BYTES, MerklePatriciaTrie, type TrieNodeStore } from './trie/merklePatriciaTrie.ts'

/**
 * The state trie: keccak256(address) → rlp([nonce, balance, storageRoot, codeHash]). Updated with
 * each write set, so the state root of a block costs only the changed paths. In memory, or over a
 * TrieNodeStore: opened at a committed root, it loads the paths it touches, and `commit` stores
 * what changed.
 *
 * Storage roots are the empty trie's: nothing writes contract storage until the EVM executes code,
 * and this class must take per-account storage roots when it does.
 */
export class AccountTrie {
  private readonly trie: MerklePatriciaTrie

  constructor(store?: TrieNodeStore, root?: Hash) {
    this.trie = new MerklePatriciaTrie(store, root && hexToBytes(root))
  }

  set(address: Address, account: AccountData | null): void {
    const key = keccak256(hexToBytes(address))
    if (account === null) {
      this.trie.delete(key)
      return
    }
    this.trie.put(
      key,
      encodeRlp([
        bigintToBytes(account.nonce),
        bigintToBytes(account.balance),
        EMPTY_TRIE_ROOT_BYTES,
        hexToBytes(account.codeHash),
      ]),
    )
  }

  root(): Hash {
    return bytesToHex(this.trie.root())
  }

  /** EIP-1186's accountProof: the nodes on keccak256(address)'s path, root first. */
  proof(address: Address): Hex[] {
    return this.trie.proof(keccak256(hexToBytes(address))).map(bytesToHex)
  }

  /** Stores the nodes changed since it was opened or last committed; returns the root. */
  commit(): Hash {
    return bytesToHex(this.trie.commit())
  }
}
