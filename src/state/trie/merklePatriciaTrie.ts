/**
 * Ethereum's Merkle-Patricia trie, hashing lazily: puts and deletes only mark the touched path
 * dirty, and `root()` hashes each dirty node once. This is what turns the flat state into a state
 * root once per block.
 *
 * In memory by default. Given a TrieNodeStore and a root, it opens that trie and loads nodes by
 * hash as paths reach them; `commit()` writes the nodes changed since, and returns the new root.
 * Nodes are immutable by hash, so every committed root stays readable (and provable) until pruned.
 */
import { VeloxError } from '../../errors/base.ts'
import { bytesToHex } from '../../primitives/hex.ts'
import { keccak256 } from '../../primitives/keccak256.ts'
import { decodeRlp, type RlpItem } from '../../primitives/rlp.ts'

/** Where a stored trie keeps its nodes: keccak256(encoding) → encoding. Synchronous, as SQLite is. */
export interface TrieNodeStore {
  get(hash: Uint8Array): Uint8Array | undefined
  put(hash: Uint8Array, encoded: Uint8Array): void
}

/**
 * A path reached a node the store does not hold: the store was pruned, or (for a witness) the
 * witness left the node out. The message is geth's.
 */
export class MissingTrieNodeError extends VeloxError {
  override name = 'MissingTrieNodeError'
  readonly hash: Uint8Array

  constructor(hash: Uint8Array) {
    super(`missing trie node ${bytesToHex(hash)}`)
    this.hash = hash
  }
}

// `encoded` and `hash` cache the node's encoding and its keccak256 until the node changes;
// `stored`: the node's current encoding is in the store (or inside a stored parent).
type Leaf = {
  kind: 'leaf'
  path: Uint8Array
  value: Uint8Array
  encoded: Uint8Array | undefined
  hash: Uint8Array | undefined
  stored: boolean
}
type Extension = {
  kind: 'extension'
  path: Uint8Array
  child: TrieNode
  encoded: Uint8Array | undefined
  hash: Uint8Array | undefined
  stored: boolean
}
type Branch = {
  kind: 'branch'
  children: (TrieNode | null)[]
  value: Uint8Array | null
  encoded: Uint8Array | undefined
  hash: Uint8Array | undefined
  stored: boolean
}
/** A stored node not loaded yet: only its hash is known. */
type HashReference = { kind: 'hash'; hash: Uint8Array }
type TrieNode = Leaf | Extension | Branch | HashReference
type LoadedNode = Leaf | Extension | Branch

/** One key and its value, as `range` gives them. */
export type TrieEntry = { key: Uint8Array; value: Uint8Array }

/** keccak256(rlp('')): the root of the empty trie. */
export const EMPTY_TRIE_ROOT_BYTES = keccak256(Uint8Array.of(0x80))
/** The same, as hex: the storage root of an account with no storage, and the root of every empty list. */
export const EMPTY_TRIE_ROOT = '0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421' as const

export class MerklePatriciaTrie {
  private rootNode: TrieNode | null = null
  private loadedNodes = 0

  /** Opens the trie with root `root` in `store` (the empty trie when no root is given). */
  constructor(
    private readonly store?: TrieNodeStore,
    root?: Uint8Array,
  ) {
    if (root && !sameBytes(root, EMPTY_TRIE_ROOT_BYTES)) {
      if (!store) throw new Error('a trie opened at a root needs the store that holds its nodes')
      this.rootNode = { kind: 'hash', hash: root }
    }
  }

  /** The key's value. Nodes loaded on the way stay in place of their hashes: a second read is free. */
  get(key: Uint8Array): Uint8Array | undefined {
    const nibbles = toNibbles(key)
    if (!this.rootNode) return undefined
    let node = (this.rootNode = this.load(this.rootNode))
    let offset = 0
    for (;;) {
      if (node.kind === 'leaf')
        return matches(node.path, nibbles, offset) && offset + node.path.length === nibbles.length
          ? node.value
          : undefined
      if (node.kind === 'extension') {
        if (!startsWith(nibbles, offset, node.path)) return undefined
        offset += node.path.length
        node = node.child = this.load(node.child)
        continue
      }
      if (offset === nibbles.length) return node.value ?? undefined
      const index = nibbles[offset]!
      const child = node.children[index]
      if (!child) return undefined
      node = node.children[index] = this.load(child)
      offset++
    }
  }

  /** Sets a key; an empty value deletes it, as in Ethereum. */
  put(key: Uint8Array, value: Uint8Array): void {
    const nibbles = toNibbles(key)
    if (value.length === 0) this.removeNibbles(nibbles)
    else this.rootNode = insert(this.loader, this.rootNode, nibbles, 0, value)
  }

  delete(key: Uint8Array): void {
    this.removeNibbles(toNibbles(key))
  }

  private removeNibbles(nibbles: Uint8Array): void {
    const result = remove(this.loader, this.rootNode, nibbles, 0)
    if (result !== UNCHANGED) this.rootNode = result
  }

  root(): Uint8Array {
    if (!this.rootNode) return EMPTY_TRIE_ROOT_BYTES
    if (this.rootNode.kind === 'hash') return this.rootNode.hash
    return hashOf(this.rootNode)
  }

  /**
   * Writes every node changed since the trie was opened or last committed to the store, and
   * returns the root. The root node is stored even when its encoding is under 32 bytes, so the
   * trie can be opened at it.
   */
  commit(): Uint8Array {
    const store = this.store
    if (!store) throw new Error('commit needs a TrieNodeStore')
    const root = this.rootNode
    if (!root) return EMPTY_TRIE_ROOT_BYTES
    if (root.kind === 'hash') return root.hash
    const visit = (node: TrieNode): void => {
      if (node.kind === 'hash' || node.stored) return
      if (node.kind === 'extension') visit(node.child)
      else if (node.kind === 'branch') for (const child of node.children) if (child) visit(child)
      const encoded = encodeNode(node)
      if (encoded.length >= 32 || node === root) store.put(hashOf(node), encoded)
      node.stored = true
    }
    visit(root)
    return hashOf(root)
  }

  /**
   * The Merkle proof of `key` (EIP-1186's accountProof / storageProof): the encoded nodes from the
   * root along the key's path, each one its parent refers to by hash (the root always; nodes under
   * 32 bytes sit inside their parent). It proves the value, or, ending where the path leaves the
   * trie, that the key is absent.
   */
  proof(key: Uint8Array): Uint8Array[] {
    const nibbles = toNibbles(key)
    const nodes: Uint8Array[] = []
    let node = this.rootNode && this.load(this.rootNode)
    let offset = 0
    while (node) {
      const encoded = encodeNode(node)
      if (nodes.length === 0 || encoded.length >= 32) nodes.push(encoded)
      if (node.kind === 'leaf') break
      if (node.kind === 'extension') {
        if (!startsWith(nibbles, offset, node.path)) break
        offset += node.path.length
        node = this.load(node.child)
        continue
      }
      if (offset === nibbles.length) break
      const child = node.children[nibbles[offset]!] ?? null
      node = child && this.load(child)
      offset++
    }
    return nodes
  }

  /**
   * Up to `limit` entries in key order, from the first key at or after `start` (bytes compared as
   * strings: a shorter key that is a prefix of a longer one sorts first), and the key after the
   * last one given, or null when none is left. Only the paths walked are loaded, so a page costs
   * about `limit` paths whatever the trie's size.
   */
  range(start: Uint8Array, limit: number): { entries: TrieEntry[]; next: Uint8Array | null } {
    const entries: TrieEntry[] = []
    let next: Uint8Array | null = null
    const startNibbles = toNibbles(start)
    const path: number[] = []
    // Depth-first in nibble order. `bounded`: the path so far equals the start's prefix, so keys
    // below may still sort before it; once the path passes the start, everything below counts.
    const visit = (stub: TrieNode, bounded: boolean): boolean => {
      const node = this.load(stub)
      const depth = path.length
      let stillBounded = bounded
      if (node.kind !== 'branch') {
        for (const nibble of node.path) path.push(nibble)
        if (bounded) {
          const order = comparePrefix(path, startNibbles, depth)
          if (order < 0) {
            path.length = depth
            return true
          }
          stillBounded = order === 0
        }
        if (node.kind === 'extension') {
          const more = visit(node.child, stillBounded)
          path.length = depth
          return more
        }
      }
      // A value here is the key `path` itself, which sorts before every key below it.
      const value = node.value
      if (value !== null && (!stillBounded || path.length >= startNibbles.length)) {
        const key = fromNibbles(path)
        if (entries.length === limit) {
          next = key
          path.length = depth
          return false
        }
        entries.push({ key, value })
      }
      if (node.kind === 'branch') {
        const first = stillBounded && depth < startNibbles.length ? startNibbles[depth]! : 0
        for (let index = first; index < 16; index++) {
          const child = node.children[index]
          if (!child) continue
          path.push(index)
          const more = visit(child, stillBounded && index === first && depth < startNibbles.length)
          path.length = depth
          if (!more) return false
        }
      }
      path.length = depth
      return true
    }
    if (this.rootNode) visit(this.rootNode, true)
    return { entries, next }
  }

  /** Nodes read from the store since the trie was opened: about what it holds in memory beyond its writes. */
  get loadedNodeCount(): number {
    return this.loadedNodes
  }

  private readonly loader: Load = (node) => this.load(node)

  /** The node itself: a hash reference is read from the store and decoded. */
  private load(node: TrieNode): LoadedNode {
    if (node.kind !== 'hash') return node
    const encoded = this.store?.get(node.hash)
    if (!encoded) throw new MissingTrieNodeError(node.hash)
    const loaded = decodeNode(decodeRlp(encoded), encoded)
    loaded.hash = node.hash
    this.loadedNodes++
    return loaded
  }
}

function toNibbles(key: Uint8Array): Uint8Array {
  const nibbles = new Uint8Array(key.length * 2)
  for (let i = 0; i < key.length; i++) {
    nibbles[2 * i] = key[i]! >> 4
    nibbles[2 * i + 1] = key[i]! & 15
  }
  return nibbles
}

/** Bytes from an even number of nibbles. */
function fromNibbles(nibbles: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(nibbles.length >> 1)
  for (let i = 0; i < bytes.length; i++) bytes[i] = (nibbles[2 * i]! << 4) | nibbles[2 * i + 1]!
  return bytes
}

/**
 * How `path` orders against `start` where both have nibbles, from `from` on (the nibbles before it
 * are equal): -1 before it, 1 after it, 0 when one is a prefix of the other.
 */
function comparePrefix(path: readonly number[], start: Uint8Array, from: number): -1 | 0 | 1 {
  const end = Math.min(path.length, start.length)
  for (let i = from; i < end; i++) if (path[i] !== start[i]) return path[i]! < start[i]! ? -1 : 1
  return 0
}

function startsWith(nibbles: Uint8Array, offset: number, path: Uint8Array): boolean {
  if (offset + path.length > nibbles.length) return false
  for (let i = 0; i < path.length; i++) if (nibbles[offset + i] !== path[i]) return false
  return true
}

function matches(path: Uint8Array, nibbles: Uint8Array, offset: number): boolean {
  return startsWith(nibbles, offset, path)
}

function commonPrefixLength(path: Uint8Array, nibbles: Uint8Array, offset: number): number {
  let i = 0
  while (i < path.length && offset + i < nibbles.length && path[i] === nibbles[offset + i]) i++
  return i
}

type Load = (node: TrieNode) => LoadedNode

function newBranch(): Branch {
  return {
    kind: 'branch',
    children: new Array(16).fill(null),
    value: null,
    encoded: undefined,
    hash: undefined,
    stored: false,
  }
}

function newLeaf(path: Uint8Array, value: Uint8Array): Leaf {
  return { kind: 'leaf', path, value, encoded: undefined, hash: undefined, stored: false }
}

function newExtension(path: Uint8Array, child: TrieNode): Extension {
  return { kind: 'extension', path, child, encoded: undefined, hash: undefined, stored: false }
}

/** A node about to change: its encoding is stale and the store does not have the new one. */
function touch(node: LoadedNode): void {
  node.encoded = undefined
  node.hash = undefined
  node.stored = false
}

function insert(
  load: Load,
  stub: TrieNode | null,
  nibbles: Uint8Array,
  offset: number,
  value: Uint8Array,
): TrieNode {
  if (!stub) return newLeaf(nibbles.slice(offset), value)
  const node = load(stub)
  if (node.kind === 'branch') {
    touch(node)
    if (offset === nibbles.length) node.value = value
    else {
      const index = nibbles[offset]!
      node.children[index] = insert(load, node.children[index] ?? null, nibbles, offset + 1, value)
    }
    return node
  }
  const common = commonPrefixLength(node.path, nibbles, offset)
  if (node.kind === 'leaf' && common === node.path.length && offset + common === nibbles.length) {
    touch(node)
    node.value = value
    return node
  }
  if (node.kind === 'extension' && common === node.path.length) {
    touch(node)
    node.child = insert(load, node.child, nibbles, offset + common, value)
    return node
  }
  // Split at the first differing nibble: a branch, preceded by an extension for the shared part.
  const branch = newBranch()
  const rest = node.path.subarray(common)
  if (node.kind === 'leaf') {
    if (rest.length === 0) branch.value = node.value
    else branch.children[rest[0]!] = newLeaf(rest.slice(1), node.value)
  } else if (rest.length === 1) branch.children[rest[0]!] = node.child
  else branch.children[rest[0]!] = newExtension(rest.slice(1), node.child)
  const after = offset + common
  if (after === nibbles.length) branch.value = value
  else branch.children[nibbles[after]!] = newLeaf(nibbles.slice(after + 1), value)
  if (common === 0) return branch
  return newExtension(node.path.slice(0, common), branch)
}

/** What `remove` answers when the key was not there: nothing on the path changed. */
const UNCHANGED: unique symbol = Symbol('unchanged')

/**
 * Deletes the key under `stub`: the subtree that replaces it, or UNCHANGED. A node changed in place
 * is returned as itself, so identity cannot tell "unchanged" (every ancestor must drop its cached
 * encoding when anything below changed).
 */
function remove(
  load: Load,
  stub: TrieNode | null,
  nibbles: Uint8Array,
  offset: number,
): TrieNode | null | typeof UNCHANGED {
  if (!stub) return UNCHANGED
  const node = load(stub)
  if (node.kind === 'leaf')
    return startsWith(nibbles, offset, node.path) && offset + node.path.length === nibbles.length
      ? null
      : UNCHANGED
  if (node.kind === 'extension') {
    if (!startsWith(nibbles, offset, node.path)) return UNCHANGED
    const child = remove(load, node.child, nibbles, offset + node.path.length)
    if (child === UNCHANGED) return UNCHANGED
    return child ? joinPath(load, node.path, child) : null
  }
  if (offset === nibbles.length) {
    if (node.value === null) return UNCHANGED
    touch(node)
    node.value = null
  } else {
    const index = nibbles[offset]!
    const updated = remove(load, node.children[index] ?? null, nibbles, offset + 1)
    if (updated === UNCHANGED) return UNCHANGED
    touch(node)
    node.children[index] = updated
  }
  return normalizeBranch(load, node)
}

/** A branch left with one entry collapses into the leaf or extension that entry makes. */
function normalizeBranch(load: Load, branch: Branch): TrieNode | null {
  let only = -1
  let count = 0
  for (let i = 0; i < 16; i++)
    if (branch.children[i]) {
      count++
      only = i
    }
  if (count === 0) return branch.value === null ? null : newLeaf(new Uint8Array(), branch.value)
  if (count > 1 || branch.value !== null) return branch
  return joinPath(load, Uint8Array.of(only), branch.children[only]!)
}

/** Prefixes `path` to a node, merging with its own path where it has one. */
function joinPath(load: Load, path: Uint8Array, stub: TrieNode): TrieNode {
  const node = load(stub)
  if (node.kind === 'branch') return newExtension(path, node)
  const joined = new Uint8Array(path.length + node.path.length)
  joined.set(path)
  joined.set(node.path, path.length)
  return node.kind === 'leaf' ? newLeaf(joined, node.value) : newExtension(joined, node.child)
}

// ---- encoding -----------------------------------------------------------------------------------

/**
 * A node's RLP, kept on the node. Each is written straight into one buffer: building it from
 * encoded parts copied every part, path and hash, and the tries the sequencer hashes for every
 * block made a large share of its allocation.
 */
function encodeNode(node: LoadedNode): Uint8Array {
  node.encoded ??= node.kind === 'branch' ? encodeBranch(node) : encodeShortNode(node)
  return node.encoded
}

/**
 * A branch: the sixteen child references (empty, a 32-byte hash, or a child under 32 bytes inline)
 * and the value.
 */
function encodeBranch(node: Branch): Uint8Array {
  let payload = node.value === null ? 1 : stringLength(node.value)
  for (let i = 0; i < 16; i++) payload += referenceLength(node.children[i] ?? null)
  const out = listOf(payload)
  let at = out.length - payload
  for (let i = 0; i < 16; i++) at = writeReference(out, at, node.children[i] ?? null)
  if (node.value === null) out[at] = 0x80
  else writeString(out, at, node.value)
  return out
}

/** A leaf [compact path, value] or an extension [compact path, child reference]. */
function encodeShortNode(node: Leaf | Extension): Uint8Array {
  const { path } = node
  const leaf = node.kind === 'leaf'
  // Hex-prefix encoding (yellow paper appendix C): a flags nibble, then the path's nibbles packed.
  // Its first byte is under 0x80, so a one-byte compact path is its own RLP string.
  const compactLength = 1 + (path.length >> 1)
  const pathItemLength = compactLength === 1 ? 1 : 1 + compactLength
  const payload = pathItemLength + (leaf ? stringLength(node.value) : referenceLength(node.child))
  const out = listOf(payload)
  let at = out.length - payload
  if (compactLength > 1) out[at++] = 0x80 + compactLength
  const odd = path.length % 2
  let i = 0
  out[at++] = (((leaf ? 2 : 0) + odd) << 4) | (odd ? path[i++]! : 0)
  for (; i < path.length; at++, i += 2) out[at] = (path[i]! << 4) | path[i + 1]!
  if (leaf) writeString(out, at, node.value)
  else writeReference(out, at, node.child)
  return out
}

function referenceLength(child: TrieNode | null): number {
  if (!child) return 1
  if (child.kind === 'hash') return 33
  const encoded = encodeNode(child)
  return encoded.length < 32 ? encoded.length : 33
}

function writeReference(out: Uint8Array, at: number, child: TrieNode | null): number {
  if (!child) {
    out[at] = 0x80
    return at + 1
  }
  const encoded = child.kind === 'hash' ? undefined : encodeNode(child)
  if (encoded && encoded.length < 32) {
    out.set(encoded, at)
    return at + encoded.length
  }
  out[at] = 0xa0
  out.set(child.kind === 'hash' ? child.hash : hashOf(child), at + 1)
  return at + 33
}

/** A buffer for an RLP list of `payload` bytes: its header written, the payload left to fill. */
function listOf(payload: number): Uint8Array {
  const headerLength = payload < 56 ? 1 : 1 + bytesOfLength(payload)
  const out = new Uint8Array(headerLength + payload)
  if (payload < 56) out[0] = 0xc0 + payload
  else writeLongHeader(out, 0, 0xf7, headerLength, payload)
  return out
}

/** The RLP string of `bytes`' length, header included. */
function stringLength(bytes: Uint8Array): number {
  if (bytes.length === 1 && bytes[0]! < 0x80) return 1
  return bytes.length < 56 ? 1 + bytes.length : 1 + bytesOfLength(bytes.length) + bytes.length
}

/** Writes `bytes` as an RLP string at `at`; returns the offset after it. */
function writeString(out: Uint8Array, at: number, bytes: Uint8Array): number {
  if (bytes.length === 1 && bytes[0]! < 0x80) {
    out[at] = bytes[0]!
    return at + 1
  }
  let headerLength = 1
  if (bytes.length < 56) out[at] = 0x80 + bytes.length
  else {
    headerLength = 1 + bytesOfLength(bytes.length)
    writeLongHeader(out, at, 0xb7, headerLength, bytes.length)
  }
  out.set(bytes, at + headerLength)
  return at + headerLength + bytes.length
}

/** A long RLP header: `base` plus the length's byte count, then the length big-endian. */
function writeLongHeader(
  out: Uint8Array,
  at: number,
  base: number,
  headerLength: number,
  length: number,
): void {
  out[at] = base + headerLength - 1
  for (let i = headerLength - 1, rest = length; i >= 1; i--, rest = Math.floor(rest / 256))
    out[at + i] = rest & 0xff
}

function bytesOfLength(length: number): number {
  let bytes = 0
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes++
  return bytes
}

/** keccak256 of the node's encoding, computed once while the node stays unchanged. */
function hashOf(node: LoadedNode): Uint8Array {
  node.hash ??= keccak256(encodeNode(node))
  return node.hash
}

// ---- decoding (nodes read from a store) ----------------------------------------------------------

/** A node from its RLP: children held by hash stay references until a path reaches them. */
function decodeNode(item: RlpItem, encoded: Uint8Array | undefined): LoadedNode {
  if (!Array.isArray(item)) throw new Error('a trie node must be an RLP list')
  if (item.length === 17) {
    const children: (TrieNode | null)[] = new Array(16)
    for (let i = 0; i < 16; i++) children[i] = decodeReference(item[i]!)
    const value = item[16] as Uint8Array
    return {
      kind: 'branch',
      children,
      value: value.length === 0 ? null : value,
      encoded,
      hash: undefined,
      stored: true,
    }
  }
  if (item.length !== 2) throw new Error(`a trie node has 2 or 17 items, not ${item.length}`)
  const { path, leaf } = expandPath(item[0] as Uint8Array)
  if (leaf)
    return { kind: 'leaf', path, value: item[1] as Uint8Array, encoded, hash: undefined, stored: true }
  const child = decodeReference(item[1]!)
  if (!child) throw new Error('an extension node must have a child')
  return { kind: 'extension', path, child, encoded, hash: undefined, stored: true }
}

/** A child slot: empty, a 32-byte hash, or a node under 32 bytes embedded whole. */
function decodeReference(item: RlpItem): TrieNode | null {
  if (Array.isArray(item)) return decodeNode(item, undefined)
  if (item.length === 0) return null
  if (item.length !== 32) throw new Error(`a trie child reference is 32 bytes, not ${item.length}`)
  return { kind: 'hash', hash: item }
}

/**
 * Hex-prefix decoding (yellow paper appendix C): a compact path's nibbles, and whether it ends in a
 * leaf. The flags nibble is not checked: a caller decoding untrusted nodes checks it is under 4.
 */
export function expandPath(compact: Uint8Array): { path: Uint8Array; leaf: boolean } {
  const flags = (compact[0] ?? 0) >> 4
  const odd = flags & 1
  const path = new Uint8Array((compact.length - 1) * 2 + odd)
  let i = 0
  if (odd) path[i++] = compact[0]! & 15
  for (let j = 1; j < compact.length; j++) {
    path[i++] = compact[j]! >> 4
    path[i++] = compact[j]! & 15
  }
  return { path, leaf: (flags & 2) !== 0 }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
