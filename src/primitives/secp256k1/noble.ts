import { secp256k1 } from '@noble/curves/secp256k1.js'
import type { Secp256k1 } from './types.ts'

/** The reference implementation: audited, pure JavaScript, slower. */
export const nobleSecp256k1: Secp256k1 = {
  recoverPublicKey(hash, r, s, recoveryId) {
    const signature = new secp256k1.Signature(r, s, recoveryId)
    return signature.recoverPublicKey(hash).toBytes(false)
  },
}
