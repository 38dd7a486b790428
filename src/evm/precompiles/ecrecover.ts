import { secp256k1 } from '@noble/curves/secp256k1.js'
import { keccak256 } from '../../primitives/keccak256.ts'
import { isZeroRange, readBigEndian } from './bigEndian.ts'
import { OUT_OF_GAS } from './result.ts'
import type { Precompile } from './types.ts'

/** geth params.EcrecoverGas. */
export const ECRECOVER_GAS = 3000

const SECP256K1_ORDER = secp256k1.Point.Fn.ORDER
/** What ecrecover answers when there is no signer: no bytes at all, the gas still charged. */
const NO_SIGNER = new Uint8Array(0)

/**
 * 0x01: the address that signed a hash. Input (hash, v, r, s), 32 bytes each, zero-padded to 128
 * and anything beyond ignored. v is 27 or 28 in a word whose other 31 bytes are zero; r and s lie in
 * 1..n-1 with no low-s rule (that is for transactions only). Output: the address left-padded to 32
 * bytes, or nothing when the signature is malformed or recovers no key.
 */
export const ecrecoverPrecompile: Precompile = (input, gasLimit) => {
  if (ECRECOVER_GAS > gasLimit) return OUT_OF_GAS
  return { ok: true, gasUsed: ECRECOVER_GAS, output: recoverSignerWord(input) }
}

function recoverSignerWord(input: Uint8Array): Uint8Array {
  const v = input[63] ?? 0
  if ((v !== 27 && v !== 28) || !isZeroRange(input, 32, 31)) return NO_SIGNER
  const r = readBigEndian(input, 64, 32)
  const s = readBigEndian(input, 96, 32)
  if (r === 0n || r >= SECP256K1_ORDER || s === 0n || s >= SECP256K1_ORDER) return NO_SIGNER
  let hash = input.subarray(0, 32)
  if (hash.length < 32) {
    hash = new Uint8Array(32)
    hash.set(input)
  }
  let publicKey: Uint8Array
  try {
    publicKey = new secp256k1.Signature(r, s, v - 27).recoverPublicKey(hash).toBytes(false)
  } catch {
    // r is no x-coordinate on the curve, or the key is the point at infinity: per the spec (and
    // geth) that is a successful call with no output, not a failure.
    return NO_SIGNER
  }
  const output = new Uint8Array(32)
  output.set(keccak256(publicKey.subarray(1)).subarray(12), 12)
  return output
}
