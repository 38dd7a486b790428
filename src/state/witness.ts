/**
 * Execution witnesses: everything a block's execution reads of its parent state, so that a node
 * without the state can re-execute the block and recompute its state root. The shape is the one
 * reth serves from `debug_executionWitness` (all byte strings):
 *
 *   state    trie nodes on the path of every account and slot the block read or wrote, in the
 *            parent state (with the siblings a deletion folds into its parent)
 *   codes    bytecodes the block loaded from the parent state
 *   keys     the unhashed keys: addresses (20 bytes) and storage slots (32 bytes)
 *   headers  RLP headers: the parent first, then older ancestors BLOCKHASH reached
 *
 * The nodes are gathered by committing the block's writes through a RecordingNodeStore: every node
 * a trie operation loads from the parent state is, by construction, one the validator will need.
 */
import type { Address, Hash, Hex } from 'viem'
import { bytesToHex, hexToBytes } from '../primitives/hex.ts'
import { readBounded } from '../primitives/readBounded.ts'
import { decodeRlp, encodeRlp } from '../primitives/rlp.ts'
import { wordHex } from '../primitives/words.ts'
import { StateTrie, type StateWrites } from './stateTrie.ts'
import type { TrieNodeStore } from './trie/merklePatriciaTrie.ts'

export type ExecutionWitness = {
  state: Uint8Array[]
  codes: Uint8Array[]
  keys: Uint8Array[]
  headers: Uint8Array[]
}

/** What a block read of its parent state: accounts, slots, and code (by hash). */
export type StateReads = {
  accounts: ReadonlySet<Address>
  storage: ReadonlyMap<Address, ReadonlySet<bigint>>
  codes: ReadonlySet<Hex>
}

/** A witness of more than this many bytes (RLP) is refused when decoding: 256 MiB. */
export const MAX_WITNESS_BYTES = 256 * 1024 * 1024

/** A TrieNodeStore that remembers every node read through it, once, in the order first read. */
export class RecordingNodeStore implements TrieNodeStore {
  readonly read = new Map<string, Uint8Array>()

  constructor(private readonly inner: TrieNodeStore) {}

  get(hash: Uint8Array): Uint8Array | undefined {
    const node = this.inner.get(hash)
    if (node) this.read.set(bytesToHex(hash), node)
    return node
  }

  put(hash: Uint8Array, encoded: Uint8Array): void {
    this.inner.put(hash, encoded)
  }
}

/**
 * Commits a block's writes onto its parent state root in `store`, and gathers its witness on the
 * way: first the paths of everything the block read (as the parent state has them), then the
 * writes, whose paths (and the siblings a deletion folds) load the rest. Returns the new root
 * (its nodes are in `store`) and the witness without headers, which only the chain knows.
 * (BlockCommitment does the same work spread over a block's mini-blocks.)
 */
export function commitBlockState(options: {
  store: TrieNodeStore
  parentRoot: Hash
  reads: StateReads
  writes: StateWrites
  /** Code by hash from the parent state; a hash it does not know was deployed by the block itself. */
  codeOf: (codeHash: Hex) => Uint8Array | undefined
}): { root: Hash; witness: Omit<ExecutionWitness, 'headers'> } {
  const recorder = new RecordingNodeStore(options.store)
  const trie = new StateTrie(recorder, options.parentRoot)
  const parentCodeHashes = new Set<Hex>()
  for (const address of options.reads.accounts) loadAccountPath(trie, address, parentCodeHashes)
  for (const [address, slots] of options.reads.storage) for (const slot of slots) trie.storage(address, slot)
  trie.apply(options.writes)
  const root = trie.commit()
  return { root, witness: witnessOf(recorder, options, parentCodeHashes) }
}

/** Loads an account's path in the parent state, noting the code hash of an account that exists. */
export function loadAccountPath(trie: StateTrie, address: Address, parentCodeHashes: Set<Hex>): void {
  const account = trie.account(address)
  if (account) parentCodeHashes.add(account.codeHash)
}

/**
 * A witness from the parent-state nodes `recorder` saw, with the block's keys (reads first, then
 * writes) and the code it loaded from the parent state.
 */
export function witnessOf(
  recorder: RecordingNodeStore,
  block: {
    reads: StateReads
    writes: StateWrites
    codeOf: (codeHash: Hex) => Uint8Array | undefined
  },
  parentCodeHashes: ReadonlySet<Hex>,
): Omit<ExecutionWitness, 'headers'> {
  const keys = new Map<string, Uint8Array>()
  const addKey = (key: Hex) => {
    if (!keys.has(key)) keys.set(key, hexToBytes(key))
  }
  for (const address of block.reads.accounts) addKey(address)
  for (const [address, slots] of block.reads.storage) {
    addKey(address)
    for (const slot of slots) addKey(wordHex(slot))
  }
  for (const address of block.writes.accounts.keys()) addKey(address)
  for (const [address, slots] of block.writes.storage) {
    addKey(address)
    for (const slot of slots.keys()) addKey(wordHex(slot))
  }
  const codes: Uint8Array[] = []
  for (const codeHash of block.reads.codes) {
    if (!parentCodeHashes.has(codeHash)) continue
    const code = block.codeOf(codeHash)
    if (code) codes.push(code)
  }
  return { state: [...recorder.read.values()], codes, keys: [...keys.values()] }
}

/** rlp([state, codes, keys, headers]): how a witness is stored (then compressed). */
export function encodeWitness(witness: ExecutionWitness): Uint8Array {
  return encodeRlp([witness.state, witness.codes, witness.keys, witness.headers])
}

export function decodeWitness(bytes: Uint8Array): ExecutionWitness {
  if (bytes.length > MAX_WITNESS_BYTES) throw new Error(`witness of ${bytes.length} bytes is over the limit`)
  const item = decodeRlp(bytes)
  if (!Array.isArray(item) || item.length !== 4)
    throw new Error('witness is not rlp([state, codes, keys, headers])')
  const [state, codes, keys, headers] = item.map((part, index) => {
    if (!Array.isArray(part) || !part.every((entry) => entry instanceof Uint8Array))
      throw new Error(`witness part ${index} is not a list of byte strings`)
    return part as Uint8Array[]
  }) as [Uint8Array[], Uint8Array[], Uint8Array[], Uint8Array[]]
  return { state, codes, keys, headers }
}

/** The JSON of `debug_executionWitness`: every part a list of 0x-prefixed hex strings. */
export function witnessToJson(witness: ExecutionWitness): Record<keyof ExecutionWitness, Hex[]> {
  return {
    state: witness.state.map(bytesToHex),
    codes: witness.codes.map(bytesToHex),
    keys: witness.keys.map(bytesToHex),
    headers: witness.headers.map(bytesToHex),
  }
}

export function witnessFromJson(json: unknown): ExecutionWitness {
  const parts = json as Record<string, unknown> | null
  const part = (name: keyof ExecutionWitness): Uint8Array[] => {
    const value = parts?.[name]
    if (!Array.isArray(value) || !value.every((entry) => typeof entry === 'string'))
      throw new Error(`witness field "${name}" is not a list of hex strings`)
    return value.map((entry) => hexToBytes(entry))
  }
  return { state: part('state'), codes: part('codes'), keys: part('keys'), headers: part('headers') }
}

/** Witness bytes, gzip-compressed (the R2 object's form). */
export function compressWitness(encoded: Uint8Array): Promise<Uint8Array> {
  return transform(encoded, new CompressionStream('gzip'))
}

/** The inverse, refusing to inflate past MAX_WITNESS_BYTES (a small object must not fill memory). */
export function decompressWitness(compressed: Uint8Array): Promise<Uint8Array> {
  return transform(compressed, new DecompressionStream('gzip'))
}

function transform(bytes: Uint8Array, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  return readBounded(
    new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(stream),
    MAX_WITNESS_BYTES,
    () => new Error(`witness inflates past ${MAX_WITNESS_BYTES} bytes`),
  )
}
