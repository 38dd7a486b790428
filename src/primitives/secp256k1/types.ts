/** Public-key recovery, the one secp256k1 operation transaction admission needs. */
export interface Secp256k1 {
  /** The uncompressed (65-byte, 0x04-prefixed) public key that signed `hash`; throws if there is none. */
  recoverPublicKey(hash: Uint8Array, r: bigint, s: bigint, recoveryId: number): Uint8Array
}
