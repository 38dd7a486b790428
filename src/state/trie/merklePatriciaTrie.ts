/**
 * Ethereum's Merkle-Patricia trie, in memory, hashing lazily: puts and deletes only mark the
 * touched path dirty, and `root()` hashes each dirty node once. This is what turns the flat state
 * into a state root once per block.
 */
import { keccak256 } from '../../primitives/keccak256.ts'

type Leaf = { kind: 'leaf'; path: Uint8Array; value: Uint8Array; encoded: Uint8Array | undefined }
type Extension = { kind: 'extension'; path: Uint8Array; child: TrieNode; encoded: Uint8Array | undefined }
type Branch = {
  kind: 'branch'
  children: (TrieNode | null)[]
  value: Uint8Array | null
  encoded: Uint8Array | undefined
}
type TrieNode = Leaf | Extension | Branch

/** keccak256(rlp('')): the root of the empty trie. */
export const EMPTY_TRIE_ROOT_BYTES = keccak256(Uint8Array.of(0x80))

export class MerklePatriciaTrie {
  private rootNode: TrieNode | null = null

  get(key: Uint8Array): Uint8Array | undefined {
    const nibbles = toNibbles(key)
    let node = this.rootNode
    let offset = 0
    while (node) {
      if (node.kind === 'leaf')
        return matches(node.path, nibbles, offset) && offset + node.path.length === nibbles.length
          ? node.value
          : undefined
      if (node.kind === 'extension') {
        if (!startsWith(nibbles, offset, node.path)) return undefined
        offset += node.path.length
        node = node.child
        continue
      }
      if (offset === nibbles.length) return node.value ?? undefined
      node = node.children[nibbles[offset]!] ?? null
      offset++
    }
    return undefined
  }

  /** Sets a key; an empty value deletes it, as in Ethereum. */
  put(key: Uint8Array, value: Uint8Array): void {
    const nibbles = toNibbles(key)
    this.rootNode =
      value.length === 0 ? remove(this.rootNode, nibbles, 0) : insert(this.rootNode, nibbles, 0, value)
  }

  delete(key: Uint8Array): void {
    this.rootNode = remove(this.rootNode, toNibbles(key), 0)
  }

  root(): Uint8Array {
    if (!this.rootNode) return EMPTY_TRIE_ROOT_BYTES
    return keccak256(encodeNode(this.rootNode))
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
    let node = this.rootNode
    let offset = 0
    while (node) {
      const encoded = encodeNode(node)
      if (nodes.length === 0 || encoded.length >= 32) nodes.push(encoded)
      if (node.kind === 'leaf') break
      if (node.kind === 'extension') {
        if (!startsWith(nibbles, offset, node.path)) break
        offset += node.path.length
        node = node.child
        continue
      }
      if (offset === nibbles.length) break
      node = node.children[nibbles[offset]!] ?? null
      offset++
    }
    return nodes
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

function newBranch(): Branch {
  return { kind: 'branch', children: new Array(16).fill(null), value: null, encoded: undefined }
}

/** A node holding `value` at the end of `path` (a leaf, or a branch value when the path is used up). */
function leafOrValue(path: Uint8Array, value: Uint8Array): TrieNode {
  return { kind: 'leaf', path, value, encoded: undefined }
}

function insert(node: TrieNode | null, nibbles: Uint8Array, offset: number, value: Uint8Array): TrieNode {
  if (!node) return leafOrValue(nibbles.slice(offset), value)
  if (node.kind === 'branch') {
    node.encoded = undefined
    if (offset === nibbles.length) node.value = value
    else {
      const index = nibbles[offset]!
      node.children[index] = insert(node.children[index] ?? null, nibbles, offset + 1, value)
    }
    return node
  }
  const common = commonPrefixLength(node.path, nibbles, offset)
  if (node.kind === 'leaf' && common === node.path.length && offset + common === nibbles.length) {
    node.value = value
    node.encoded = undefined
    return node
  }
  if (node.kind === 'extension' && common === node.path.length) {
    node.child = insert(node.child, nibbles, offset + common, value)
    node.encoded = undefined
    return node
  }
  // Split at the first differing nibble: a branch, preceded by an extension for the shared part.
  const branch = newBranch()
  const rest = node.path.subarray(common)
  if (node.kind === 'leaf') {
    if (rest.length === 0) branch.value = node.value
    else
      branch.children[rest[0]!] = { kind: 'leaf', path: rest.slice(1), value: node.value, encoded: undefined }
  } else if (rest.length === 1) branch.children[rest[0]!] = node.child
  else
    branch.children[rest[0]!] = {
      kind: 'extension',
      path: rest.slice(1),
      child: node.child,
      encoded: undefined,
    }
  const after = offset + common
  if (after === nibbles.length) branch.value = value
  else branch.children[nibbles[after]!] = leafOrValue(nibbles.slice(after + 1), value)
  if (common === 0) return branch
  return { kind: 'extension', path: node.path.slice(0, common), child: branch, encoded: undefined }
}

function remove(node: TrieNode | null, nibbles: Uint8Array, offset: number): TrieNode | null {
  if (!node) return null
  if (node.kind === 'leaf')
    return startsWith(nibbles, offset, node.path) && offset + node.path.length === nibbles.length
      ? null
      : node
  if (node.kind === 'extension') {
    if (!startsWith(nibbles, offset, node.path)) return node
    const child = remove(node.child, nibbles, offset + node.path.length)
    if (child === node.child) return node
    return child ? joinPath(node.path, child) : null
  }
  if (offset === nibbles.length) {
    if (node.value === null) return node
    node.value = null
  } else {
    const index = nibbles[offset]!
    const child = node.children[index] ?? null
    const updated = remove(child, nibbles, offset + 1)
    if (updated === child) return node
    node.children[index] = updated
  }
  node.encoded = undefined
  return normalizeBranch(node)
}

/** A branch left with one entry collapses into the leaf or extension that entry makes. */
function normalizeBranch(branch: Branch): TrieNode | null {
  let only = -1
  let count = 0
  for (let i = 0; i < 16; i++)
    if (branch.children[i]) {
      count++
      only = i
    }
  if (count === 0)
    return branch.value === null
      ? null
      : { kind: 'leaf', path: new Uint8Array(), value: branch.value, encoded: undefined }
  if (count > 1 || branch.value !== null) return branch
  return joinPath(Uint8Array.of(only), branch.children[only]!)
}

/** Prefixes `path` to a node, merging with its own path where it has one. */
function joinPath(path: Uint8Array, node: TrieNode): TrieNode {
  if (node.kind === 'branch') return { kind: 'extension', path, child: node, encoded: undefined }
  const joined = new Uint8Array(path.length + node.path.length)
  joined.set(path)
  joined.set(node.path, path.length)
  return node.kind === 'leaf'
    ? { kind: 'leaf', path: joined, value: node.value, encoded: undefined }
    : { kind: 'extension', path: joined, child: node.child, encoded: undefined }
}

// ---- encoding -----------------------------------------------------------------------------------

function encodeNode(node: TrieNode): Uint8Array {
  if (node.encoded) return node.encoded
  let encoded: Uint8Array
  if (node.kind === 'leaf')
    encoded = encodeList([encodeString(compactPath(node.path, true)), encodeString(node.value)])
  else if (node.kind === 'extension')
    encoded = encodeList([encodeString(compactPath(node.path, false)), reference(node.child)])
  else {
    const parts: Uint8Array[] = new Array(17)
    for (let i = 0; i < 16; i++) {
      const child = node.children[i]
      parts[i] = child ? reference(child) : EMPTY_STRING
    }
    parts[16] = node.value === null ? EMPTY_STRING : encodeString(node.value)
    encoded = encodeList(parts)
  }
  node.encoded = encoded
  return encoded
}

/** How a parent refers to a child: inline when its encoding is under 32 bytes, else by hash. */
function reference(node: TrieNode): Uint8Array {
  const encoded = encodeNode(node)
  return encoded.length < 32 ? encoded : encodeString(keccak256(encoded))
}

/** Hex-prefix encoding (yellow paper appendix C). */
function compactPath(path: Uint8Array, leaf: boolean): Uint8Array {
  const odd = path.length % 2
  const out = new Uint8Array(1 + (path.length >> 1))
  out[0] = ((leaf ? 2 : 0) + odd) << 4
  let i = 0
  if (odd) out[0] |= path[i++]!
  for (let j = 1; i < path.length; j++, i += 2) out[j] = (path[i]! << 4) | path[i + 1]!
  return out
}

const EMPTY_STRING = Uint8Array.of(0x80)

function encodeString(bytes: Uint8Array): Uint8Array {
  if (bytes.length === 1 && bytes[0]! < 0x80) return bytes
  const header = lengthHeader(bytes.length, 0x80)
  const out = new Uint8Array(header.length + bytes.length)
  out.set(header)
  out.set(bytes, header.length)
  return out
}

function encodeList(parts: Uint8Array[]): Uint8Array {
  let length = 0
  for (const part of parts) length += part.length
  const header = lengthHeader(length, 0xc0)
  const out = new Uint8Array(header.length + length)
  out.set(header)
  let offset = header.length
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

function lengthHeader(length: number, base: number): Uint8Array {
  if (length < 56) return Uint8Array.of(base + length)
  const bytes: number[] = []
  for (let v = length; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff)
  return Uint8Array.of(base + 55 + bytes.length, ...bytes)
}
