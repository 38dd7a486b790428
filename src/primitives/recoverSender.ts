import type { Address } from 'viem'
import { bytesToHex } from './hex.ts'
import { keccak256 } from './keccak256.ts'
import { nobleSecp256k1 } from './secp256k1/noble.ts'
import type { Secp256k1 } from './secp256k1/types.ts'
import type { DecodedTransaction } from './transaction.ts'

let backend: Secp256k1 = nobleSecp256k1

/**
 * Chooses the implementation sender recovery uses: noble (pure JS, the reference) by default;
 * deployments install libsecp256k1's WASM build, several times faster.
 */
export function useSecp256k1(implementation: Secp256k1): void {
  backend = implementation
}

/** The address that signed `tx`: the last 20 bytes of keccak256 of the recovered public key, lowercase. */
export function recoverSender(tx: Pick<DecodedTransaction, 'signingHash' | 'r' | 's' | 'yParity'>): Address {
  return recoverAddress(tx.signingHash, tx.r, tx.s, tx.yParity)
}

/** The address whose key signed `hash` with (r, s, yParity); throws if no key did. */
export function recoverAddress(hash: Uint8Array, r: bigint, s: bigint, yParity: number): Address {
  const publicKey = backend.recoverPublicKey(hash, r, s, yParity)
  return bytesToHex(keccak256(publicKey.subarray(1)).subarray(12))
}
