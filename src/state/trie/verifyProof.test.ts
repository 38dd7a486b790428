import { describe, expect, it } from 'vitest'
import { bytesToHex } from '../../primitives/hex.ts'
import { keccak256 } from '../../primitives/keccak256.ts'
import { encodeRlp } from '../../primitives/rlp.ts'
import { MerklePatriciaTrie } from './merklePatriciaTrie.ts'
import { InvalidProofError, verifyProof } from './verifyProof.ts'

function randomBytes(length: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(length))
}

describe('Merkle proofs', () => {
  it('prove every present key and the absence of others, in secure and plain tries of any size', () => {
    for (const size of [0, 1, 2, 17, 300]) {
      const trie = new MerklePatriciaTrie()
      const entries: [Uint8Array, Uint8Array][] = []
      for (let i = 0; i < size; i++) {
        // Short values make inline (under 32 bytes) nodes, long ones hashed nodes: both kinds occur.
        const key = i % 2 ? keccak256(randomBytes(8)) : randomBytes(1 + (i % 5))
        const value = randomBytes(1 + (i % 40))
        trie.put(key, value)
        entries.push([key, value])
      }
      const root = trie.root()
      for (const [key] of entries)
        expect(bytesToHex(verifyProof(root, key, trie.proof(key))!)).toBe(bytesToHex(trie.get(key)!))
      for (let i = 0; i < 20; i++) {
        const absent = keccak256(randomBytes(8))
        expect(verifyProof(root, absent, trie.proof(absent))).toBeUndefined()
      }
    }
  })

  it('refuses a proof with a tampered or missing node', () => {
    const trie = new MerklePatriciaTrie()
    const keys = Array.from({ length: 64 }, () => keccak256(randomBytes(8)))
    for (const key of keys) trie.put(key, randomBytes(40))
    const root = trie.root()
    const key = keys[7]!
    const proof = trie.proof(key)
    expect(proof.length).toBeGreaterThan(1)
    const tampered = proof.map((node) => node.slice())
    tampered[tampered.length - 1]![tampered[tampered.length - 1]!.length - 1]! ^= 1
    expect(() => verifyProof(root, key, tampered)).toThrow(InvalidProofError)
    expect(() => verifyProof(root, key, proof.slice(0, -1))).toThrow(InvalidProofError)
    expect(() => verifyProof(keccak256(randomBytes(4)), key, proof)).toThrow(InvalidProofError)
  })

  it('refuses a node whose compact path has flags past 3, and reads the same path with a valid one', () => {
    const key = Uint8Array.of(0x12, 0x34)
    const value = Uint8Array.of(7)
    // A leaf holding the key's whole path (even length: flags 2, then a zero nibble of padding).
    const leaf = encodeRlp([Uint8Array.of(0x20, 0x12, 0x34), value])
    expect(verifyProof(keccak256(leaf), key, [leaf])).toEqual(value)
    const malformed = encodeRlp([Uint8Array.of(0x60, 0x12, 0x34), value])
    expect(() => verifyProof(keccak256(malformed), key, [malformed])).toThrow(InvalidProofError)
  })
})
