import { sha256 } from '@noble/hashes/sha2.js'
import { OUT_OF_GAS } from './result.ts'
import type { Precompile } from './types.ts'
import { wordPrice } from './wordPrice.ts'

/** geth params.Sha256BaseGas and Sha256PerWordGas. */
export const SHA256_BASE_GAS = 60
export const SHA256_WORD_GAS = 12

/** 0x02: the SHA-256 digest of the input. */
export const sha256Precompile: Precompile = (input, gasLimit) => {
  const gasUsed = wordPrice(input.length, SHA256_BASE_GAS, SHA256_WORD_GAS)
  if (gasUsed > gasLimit) return OUT_OF_GAS
  return { ok: true, gasUsed, output: sha256(input) }
}
