import { ripemd160 } from '@noble/hashes/legacy.js'
import { OUT_OF_GAS } from './result.ts'
import type { Precompile } from './types.ts'
import { wordPrice } from './wordPrice.ts'

/** geth params.Ripemd160BaseGas and Ripemd160PerWordGas. */
export const RIPEMD160_BASE_GAS = 600
export const RIPEMD160_WORD_GAS = 120

/** 0x03: the RIPEMD-160 digest of the input, left-padded with zeros to a 32-byte word. */
export const ripemd160Precompile: Precompile = (input, gasLimit) => {
  const gasUsed = wordPrice(input.length, RIPEMD160_BASE_GAS, RIPEMD160_WORD_GAS)
  if (gasUsed > gasLimit) return OUT_OF_GAS
  const output = new Uint8Array(32)
  output.set(ripemd160(input), 12)
  return { ok: true, gasUsed, output }
}
