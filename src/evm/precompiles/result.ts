import { VeloxError } from '../../errors/base.ts'
import type { PrecompileResult } from './types.ts'

/** A failed call: the caller loses all the gas it gave. Frozen, so a constant failure is shared safely. */
export function failure(reason: string): PrecompileResult {
  return Object.freeze({ ok: false, reason })
}

/** Every precompile's answer when its price exceeds the gas the caller gave. */
export const OUT_OF_GAS = failure('out of gas')

/**
 * Thrown by the decoders of curve points and field elements, deep in a call, when the input breaks
 * the precompile's spec; the precompile turns it into a failed call with {@link failureFromError}.
 */
export class InvalidPrecompileInputError extends VeloxError {
  override name = 'InvalidPrecompileInputError'
}

/** A failed call for invalid input; anything else thrown is a bug and goes on up. */
export function failureFromError(error: unknown): PrecompileResult {
  if (error instanceof InvalidPrecompileInputError) return failure(error.shortMessage)
  throw error
}
