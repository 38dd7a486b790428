import type { Address, Hex } from 'viem'
import { bigintToBytes, bytesToHex, hexToBytes } from '../primitives/hex.ts'
import { keccak256 } from '../primitives/keccak256.ts'
import { encodeRlp } from '../primitives/rlp.ts'
import { slotKey } from './stateTrie.ts'
import { MerklePatriciaTrie } from './trie/merklePatriciaTrie.ts'

export type FullAccount = {
  nonce: bigint
  balance: bigint
  codeHash: Hex
  /** Non-zero slots only. */
  storage: ReadonlyMap<bigint, bigint>
}

/** The secure storage trie: keccak256(slot) → rlp(value without leading zeros). */
export function computeStorageRoot(storage: ReadonlyMap<bigint, bigint>): Uint8Array {
  const trie = new MerklePatriciaTrie()
  for (const [slot, value] of storage)
    if (value !== 0n) trie.put(slotKey(slot), encodeRlp(bigintToBytes(value)))
  return trie.root()
}

/**
 * The state root of a whole state, computed from scratch: the secure account trie
 * keccak256(address) → rlp([nonce, balance, storageRoot, codeHash]). For tests and tools that hold
 * a full state; a running chain updates its trie incrementally instead.
 */
export function computeStateRoot(accounts: Iterable<[Address, FullAccount]>): Hex {
  const trie = new MerklePatriciaTrie()
  for (const [address, account] of accounts)
    trie.put(
      keccak256(hexToBytes(address)),
      encodeRlp([
        bigintToBytes(account.nonce),
        bigintToBytes(account.balance),
        computeStorageRoot(account.storage),
        hexToBytes(account.codeHash),
      ]),
    )
  return bytesToHex(trie.root())
}
