import { VeloxError } from '../../errors/base.ts'
import { bytesToHex } from '../../primitives/hex.ts'
import { keccak256 } from '../../primitives/keccak256.ts'
import { decodeRlp, type RlpItem } from '../../primitives/rlp.ts'
import { EMPTY_TRIE_ROOT, expandPath } from './merklePatriciaTrie.ts'

export class InvalidProofError extends VeloxError {
  override name = 'InvalidProofError'
}

/**
 * Checks a Merkle proof against a root, as a light client does: walks `key`'s path from the root,
 * each node found by the hash (or inline encoding) its parent holds, and returns the value at the
 * key, or undefined when the proof shows the key is absent. A node that is missing or does not hash
 * to its reference is an InvalidProofError.
 */
export function verifyProof(
  root: Uint8Array,
  key: Uint8Array,
  proof: readonly Uint8Array[],
): Uint8Array | undefined {
  if (proof.length === 0 && bytesToHex(root) === EMPTY_TRIE_ROOT) return undefined
  const byHash = new Map<string, Uint8Array>()
  for (const node of proof) byHash.set(bytesToHex(keccak256(node)), node)
  const nibbles: number[] = []
  for (const byte of key) nibbles.push(byte >> 4, byte & 15)

  let reference: RlpItem = root
  let offset = 0
  for (;;) {
    let node: RlpItem
    if (Array.isArray(reference))
      node = reference // an inline node, already decoded
    else if (reference.length === 0)
      return undefined // an empty slot of a branch
    else {
      const encoded = byHash.get(bytesToHex(reference))
      if (!encoded) throw new InvalidProofError(`proof is missing the node ${bytesToHex(reference)}`)
      node = decodeRlp(encoded)
    }
    if (!Array.isArray(node)) throw new InvalidProofError('a trie node must be a list')
    if (node.length === 17) {
      if (offset === nibbles.length) {
        const value = node[16] as Uint8Array
        return value.length === 0 ? undefined : value
      }
      reference = node[nibbles[offset]!]!
      offset++
      continue
    }
    if (node.length !== 2) throw new InvalidProofError(`a trie node has 2 or 17 items, not ${node.length}`)
    const compact = node[0] as Uint8Array
    if (compact.length === 0 || compact[0]! >> 4 > 3)
      throw new InvalidProofError('a trie node has a malformed compact path')
    const { path, leaf: isLeaf } = expandPath(compact)
    for (let i = 0; i < path.length; i++) if (nibbles[offset + i] !== path[i]) return undefined
    offset += path.length
    if (isLeaf) return offset === nibbles.length ? (node[1] as Uint8Array) : undefined
    reference = node[1]!
  }
}
