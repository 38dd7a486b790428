/**
 * The contract between the interpreter and the precompiled contracts. A precompile is a pure
 * function of its input: it prices the call, and either answers with its output and the gas it used
 * or fails, in which case the caller loses all the gas it gave (as geth's RunPrecompiledContract).
 */
export type PrecompileResult =
  | { ok: true; gasUsed: number; output: Uint8Array }
  /** Out of gas or invalid input: the call fails and consumes `gasLimit` entirely. */
  | { ok: false; reason: string }

/**
 * `gasLimit` is what the caller gave the call (after the 63/64 rule), at most 2^53 - 1. A price
 * above it (computed without overflow: modexp's can be astronomically large) fails the call.
 */
export type Precompile = (input: Uint8Array, gasLimit: number) => PrecompileResult

export type PrecompileFork = 'cancun' | 'prague'
