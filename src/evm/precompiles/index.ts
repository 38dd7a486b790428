/**
 * The precompiled contracts, by address, for each fork Velox runs. The interpreter looks a call's
 * code address up here; a precompile prices its input, then answers or fails (see types.ts):
 *
 *   CALL 0x01..0x11 ──► precompilesFor(fork).get(address) ──► (input, gasLimit) ──► { ok, gasUsed, output }
 *
 * Cancun has 0x01..0x0a; Prague adds EIP-2537's BLS12-381 operations at 0x0b..0x11.
 */
import { blake2fPrecompile } from './blake2f.ts'
import {
  bls12G1AddPrecompile,
  bls12G1MsmPrecompile,
  bls12G2AddPrecompile,
  bls12G2MsmPrecompile,
  bls12MapFp2ToG2Precompile,
  bls12MapFpToG1Precompile,
  bls12PairingCheckPrecompile,
} from './bls12381.ts'
import { bn254AddPrecompile, bn254MulPrecompile, bn254PairingPrecompile } from './bn254.ts'
import { ecrecoverPrecompile } from './ecrecover.ts'
import { identityPrecompile } from './identity.ts'
import { kzgPointEvaluationPrecompile } from './kzgPointEvaluation.ts'
import { modexpPrecompile } from './modexp.ts'
import { ripemd160Precompile } from './ripemd160.ts'
import { sha256Precompile } from './sha256.ts'
import type { Precompile, PrecompileFork } from './types.ts'

const CANCUN_PRECOMPILES: ReadonlyMap<number, Precompile> = new Map([
  [0x01, ecrecoverPrecompile],
  [0x02, sha256Precompile],
  [0x03, ripemd160Precompile],
  [0x04, identityPrecompile],
  [0x05, modexpPrecompile],
  [0x06, bn254AddPrecompile],
  [0x07, bn254MulPrecompile],
  [0x08, bn254PairingPrecompile],
  [0x09, blake2fPrecompile],
  [0x0a, kzgPointEvaluationPrecompile],
])

const PRAGUE_PRECOMPILES: ReadonlyMap<number, Precompile> = new Map([
  ...CANCUN_PRECOMPILES,
  [0x0b, bls12G1AddPrecompile],
  [0x0c, bls12G1MsmPrecompile],
  [0x0d, bls12G2AddPrecompile],
  [0x0e, bls12G2MsmPrecompile],
  [0x0f, bls12PairingCheckPrecompile],
  [0x10, bls12MapFpToG1Precompile],
  [0x11, bls12MapFp2ToG2Precompile],
])

/** The precompiles active in `fork`, keyed by address (the 20-byte address read as a number). */
export function precompilesFor(fork: PrecompileFork): ReadonlyMap<number, Precompile> {
  return fork === 'prague' ? PRAGUE_PRECOMPILES : CANCUN_PRECOMPILES
}

/** Whether `address` (as a number) holds a precompile in `fork`. */
export function isPrecompile(address: number, fork: PrecompileFork): boolean {
  return precompilesFor(fork).has(address)
}

export type { Precompile, PrecompileFork, PrecompileResult } from './types.ts'
