import type { Address, Hash, Hex } from 'viem'
import type { StateChanges } from '../evm/evmState.ts'
import {
  bigintToBytes,
  bytesToBigInt,
  bytesToHex,
  compareBytes,
  equalBytes,
  hexToBytes,
} from '../primitives/hex.ts'
import { keccak256 } from '../primitives/keccak256.ts'
import { decodeRlp, encodeRlp } from '../primitives/rlp.ts'
import { writeWordTo } from '../primitives/words.ts'
import type { AccountData } from './stateView.ts'
import {
  EMPTY_TRIE_ROOT,
  EMPTY_TRIE_ROOT_BYTES,
  MerklePatriciaTrie,
  type TrieNodeStore,
} from './trie/merklePatriciaTrie.ts'

/** An account as the state trie holds it: what execution sees, and the root of its storage trie. */
export type TrieAccount = AccountData & { storageRoot: Hash }

/** What a block wrote: the part of StateChanges the commitment follows. */
export type StateWrites = Pick<StateChanges, 'accounts' | 'storage' | 'storageResets'>

/** An unwritten leaf whose account values are the leaf's own: only its storage root moves. */
const KEEP_LEAF = Symbol('keep the leaf')

/**
 * Ethereum's state commitment over a TrieNodeStore: the secure account trie
 * keccak256(address) → rlp([nonce, balance, storageRoot, codeHash]), and under each account its
 * secure storage trie keccak256(slot) → rlp(value). Opened at a committed root, it loads only the
 * paths it touches; `apply` takes a write set, `root` hashes what changed, `commit` stores it.
 *
 * The same class serves the sequencer (over SQLite's trie nodes), `eth_getProof`, and the stateless
 * validator (over a witness's nodes): reading through it before `apply` reads the opened state.
 */
export class StateTrie {
  private readonly accounts: MerklePatriciaTrie
  /** Storage tries opened so far, by account; one left out is at the root its account leaf holds. */
  private readonly storageTries = new Map<Address, MerklePatriciaTrie>()
  /** Each address's key in the account trie, keccak256(address), hashed once. */
  private readonly accountKeys = new Map<Address, Uint8Array>()
  /**
   * Storage roots read from account leaves, for accounts whose storage trie is not open: a block's
   * accounts are rewritten mini-block after mini-block, and only a storage trie moves its root.
   */
  private readonly leafStorageRoots = new Map<Address, Uint8Array>()
  /** Code hashes as bytes: a block's accounts share a few (most, the empty code's). */
  private readonly codeHashBytes = new Map<Hex, Uint8Array>()
  /**
   * Leaves not written yet, of accounts whose storage trie is open: writing one takes its storage
   * root, which hashes the storage trie. A contract written mini-block after mini-block (a token)
   * would have it hashed at every `apply`; instead its leaf is written once something reads the
   * account trie (`flushAccounts`). The account's values to write, or KEEP_LEAF for the leaf's own
   * (only its storage changed).
   */
  private readonly unwrittenLeaves = new Map<Address, AccountData | typeof KEEP_LEAF>()

  constructor(
    private readonly store: TrieNodeStore,
    root?: Hash,
  ) {
    this.accounts = new MerklePatriciaTrie(store, root && hexToBytes(root))
  }

  account(address: Address): TrieAccount | undefined {
    this.flushAccounts()
    const encoded = this.accounts.get(this.accountKey(address))
    return encoded && decodeTrieAccount(encoded)
  }

  /** The slot's value, 0n when it is not in the account's storage trie. */
  storage(address: Address, slot: bigint): bigint {
    const encoded = this.storageTrieOf(address).get(slotKey(slot))
    return encoded ? storageValue(address, encoded) : 0n
  }

  /**
   * Up to `limit` of the account's slots in storage-trie order (by keccak256 of the slot), from
   * the first key at or after `start`: each slot's hashed key and value, and the key that follows
   * the last one given (null when none does). Slots are not named: the trie holds their hashes only.
   */
  storageRange(
    address: Address,
    start: Uint8Array,
    limit: number,
  ): { slots: { hashedKey: Hash; value: bigint }[]; next: Hash | null } {
    const { entries, next } = this.storageTrieOf(address).range(start, limit)
    return {
      slots: entries.map(({ key, value }) => ({
        hashedKey: bytesToHex(key),
        value: storageValue(address, value),
      })),
      next: next && bytesToHex(next),
    }
  }

  /**
   * Applies a write set: storage first (a reset account starts from the empty trie), then each
   * touched account's leaf with its new storage root; a deleted account loses its leaf and storage.
   */
  apply(writes: StateWrites): void {
    for (const address of writes.storageResets)
      this.storageTries.set(address, new MerklePatriciaTrie(this.store))
    for (const [address, slots] of writes.storage) {
      const trie = this.storageTrieOf(address)
      for (const [slot, value] of slots)
        if (value === 0n) trie.delete(slotKey(slot))
        else trie.put(slotKey(slot), encodeRlp(bigintToBytes(value)))
    }
    for (const [address, account] of writes.accounts) {
      if (account !== null && this.storageTries.has(address)) this.unwrittenLeaves.set(address, account)
      else {
        this.unwrittenLeaves.delete(address)
        this.writeAccount(address, account)
      }
    }
    // Storage written to an account the write set does not list still moves its storage root.
    for (const address of writes.storage.keys())
      if (!writes.accounts.has(address) && !this.unwrittenLeaves.has(address))
        this.unwrittenLeaves.set(address, KEEP_LEAF)
  }

  root(): Hash {
    this.flushAccounts()
    return bytesToHex(this.accounts.root())
  }

  /** Stores every node changed since the trie was opened (storage tries first); returns the root. */
  commit(): Hash {
    this.flushAccounts()
    for (const trie of this.storageTries.values()) trie.commit()
    return bytesToHex(this.accounts.commit())
  }

  /** Nodes its open tries have read from the store: a measure of the memory it holds. */
  get loadedNodeCount(): number {
    let count = this.accounts.loadedNodeCount
    for (const trie of this.storageTries.values()) count += trie.loadedNodeCount
    return count
  }

  /**
   * Of `addresses`, those whose leaf here is new or differs from their leaf in `before` (nonce,
   * balance, storage root or code hash), in trie order (by keccak256 of the address): geth's
   * debug_getModifiedAccounts between two states. An account without a leaf here (deleted) is not
   * listed, as geth's difference iterator yields only the newer trie's leaves.
   */
  modifiedSince(before: StateTrie, addresses: Iterable<Address>): Address[] {
    this.flushAccounts()
    before.flushAccounts()
    const modified: { key: Uint8Array; address: Address }[] = []
    for (const address of addresses) {
      const key = this.accountKey(address)
      const leaf = this.accounts.get(key)
      if (!leaf) continue
      const earlier = before.accounts.get(key)
      if (!earlier || !equalBytes(leaf, earlier)) modified.push({ key, address })
    }
    return modified.sort((a, b) => compareBytes(a.key, b.key)).map(({ address }) => address)
  }

  /** EIP-1186's accountProof: the nodes on keccak256(address)'s path, root first. */
  proveAccount(address: Address): Hex[] {
    this.flushAccounts()
    return this.accounts.proof(this.accountKey(address)).map(bytesToHex)
  }

  /** EIP-1186's storageProof of one slot, in the account's storage trie. */
  proveStorage(address: Address, slot: bigint): Hex[] {
    return this.storageTrieOf(address).proof(slotKey(slot)).map(bytesToHex)
  }

  /**
   * Writes the leaves `apply` left unwritten, each with its storage trie's root now. Reads of the
   * account trie do it first; a trie recording what its writes load (a witness) calls it itself.
   */
  flushAccounts(): void {
    if (this.unwrittenLeaves.size === 0) return
    for (const [address, account] of this.unwrittenLeaves) {
      if (account !== KEEP_LEAF) {
        this.writeAccount(address, account)
        continue
      }
      // An account without a leaf gets none from its storage alone, as a write set never lists it.
      const encoded = this.accounts.get(this.accountKey(address))
      if (encoded) this.writeAccount(address, decodeTrieAccount(encoded))
    }
    this.unwrittenLeaves.clear()
  }

  private writeAccount(address: Address, account: AccountData | null): void {
    const key = this.accountKey(address)
    if (account === null) {
      this.accounts.delete(key)
      this.storageTries.delete(address)
      this.leafStorageRoots.delete(address)
      return
    }
    const storageRoot = this.storageTries.get(address)?.root() ?? this.leafStorageRoot(address, key)
    let codeHash = this.codeHashBytes.get(account.codeHash)
    if (!codeHash) this.codeHashBytes.set(account.codeHash, (codeHash = hexToBytes(account.codeHash)))
    this.accounts.put(
      key,
      encodeRlp([bigintToBytes(account.nonce), bigintToBytes(account.balance), storageRoot, codeHash]),
    )
  }

  private accountKey(address: Address): Uint8Array {
    let key = this.accountKeys.get(address)
    if (!key) this.accountKeys.set(address, (key = keccak256(hexToBytes(address))))
    return key
  }

  /** The storage root the account's leaf holds (the empty trie's without a leaf). */
  private leafStorageRoot(address: Address, key: Uint8Array): Uint8Array {
    let root = this.leafStorageRoots.get(address)
    if (!root) {
      const encoded = this.accounts.get(key)
      root = encoded ? trieAccountFields(encoded)[2] : EMPTY_TRIE_ROOT_BYTES
      this.leafStorageRoots.set(address, root)
    }
    return root
  }

  private storageTrieOf(address: Address): MerklePatriciaTrie {
    let trie = this.storageTries.get(address)
    if (!trie) {
      // From the leaf as it is: an account whose leaf waits to be written has its trie open.
      trie = new MerklePatriciaTrie(this.store, this.leafStorageRoot(address, this.accountKey(address)))
      this.storageTries.set(address, trie)
    }
    return trie
  }
}

/** A storage trie leaf's value: the RLP string of the slot's value. */
function storageValue(address: Address, encoded: Uint8Array): bigint {
  const value = decodeRlp(encoded)
  if (!(value instanceof Uint8Array)) throw new Error(`storage value of ${address} is not an RLP string`)
  return bytesToBigInt(value)
}

/** A leaf of the account trie; anything but a four-field list of strings is refused. */
export function decodeTrieAccount(encoded: Uint8Array): TrieAccount {
  const [nonce, balance, storageRoot, codeHash] = trieAccountFields(encoded)
  return {
    nonce: bytesToBigInt(nonce),
    balance: bytesToBigInt(balance),
    storageRoot: bytesToHex(storageRoot),
    codeHash: bytesToHex(codeHash),
  }
}

/**
 * A leaf's fields as bytes (views into `encoded`), checked as decodeTrieAccount checks them. What
 * needs only the storage root takes it from here: the leaf's numbers and hashes are not converted.
 */
function trieAccountFields(encoded: Uint8Array): [Uint8Array, Uint8Array, Uint8Array, Uint8Array] {
  const fields = decodeRlp(encoded)
  if (!Array.isArray(fields) || fields.length !== 4 || !fields.every((field) => field instanceof Uint8Array))
    throw new Error('account leaf is not rlp([nonce, balance, storageRoot, codeHash])')
  const [nonce, balance, storageRoot, codeHash] = fields as Uint8Array[]
  if (storageRoot!.length !== 32 || codeHash!.length !== 32)
    throw new Error('account leaf has a storage root or code hash that is not 32 bytes')
  return [nonce!, balance!, storageRoot!, codeHash!]
}

/** Whether an account has storage, from its leaf alone (EIP-7610's collision check needs no slot). */
/**
 * StateTrie.modifiedSince over many accounts, `perTrie` at a time in trie order, each chunk on a
 * freshly opened pair of tries: the nodes held are those of one chunk's paths, and the chunks'
 * answers follow one another in order.
 */
export function modifiedAccounts(
  openAfter: () => StateTrie,
  openBefore: () => StateTrie,
  addresses: Iterable<Address>,
  perTrie: number,
): Address[] {
  const inTrieOrder = [...addresses]
    .map((address) => ({ address, key: keccak256(hexToBytes(address)) }))
    .sort((a, b) => compareBytes(a.key, b.key))
  const modified: Address[] = []
  for (let from = 0; from < inTrieOrder.length; from += perTrie) {
    const chunk = inTrieOrder.slice(from, from + perTrie).map(({ address }) => address)
    modified.push(...openAfter().modifiedSince(openBefore(), chunk))
  }
  return modified
}

export function hasStorageRoot(account: TrieAccount): boolean {
  return account.storageRoot !== EMPTY_TRIE_ROOT
}

const slotKeyBuffer = new Uint8Array(32)

/**
 * keccak256 of the slot as a 32-byte big-endian word: its key in the storage trie. Written as four
 * 64-bit limbs: byte by byte took 64 BigInt operations, a tenth of the sequencer's allocation.
 */
export function slotKey(slot: bigint): Uint8Array {
  writeWordTo(slotKeyBuffer, 0, slot)
  return keccak256(slotKeyBuffer)
}
