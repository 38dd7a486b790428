import { OUT_OF_GAS } from './result.ts'
import type { Precompile } from './types.ts'
import { wordPrice } from './wordPrice.ts'

/** geth params.IdentityBaseGas and IdentityPerWordGas. */
export const IDENTITY_BASE_GAS = 15
export const IDENTITY_WORD_GAS = 3

/**
 * 0x04: the input itself. Copied, as geth does: the input is often a view of the caller's memory,
 * which may change while the output lives on as return data.
 */
export const identityPrecompile: Precompile = (input, gasLimit) => {
  const gasUsed = wordPrice(input.length, IDENTITY_BASE_GAS, IDENTITY_WORD_GAS)
  if (gasUsed > gasLimit) return OUT_OF_GAS
  return { ok: true, gasUsed, output: input.slice() }
}
