import type { Fork } from '../evm/evm.ts'

/**
 * EIP-4844 (Cancun) and EIP-7691 (Prague): blobs a block targets and holds at most, and how fast
 * the blob base fee follows excess blob gas (eth_config reports it, EIP-7910).
 */
export const BLOB_SCHEDULE: Record<Fork, { target: number; max: number; baseFeeUpdateFraction: number }> = {
  cancun: { target: 3, max: 6, baseFeeUpdateFraction: 3_338_477 },
  prague: { target: 6, max: 9, baseFeeUpdateFraction: 5_007_716 },
}
/** EIP-4844: the blob base fee's floor, in wei. */
const MIN_BLOB_BASE_FEE = 1n

/** EIP-4844's fake_exponential(MIN_BLOB_BASE_FEE, excess blob gas, update fraction). */
export function blobBaseFee(excessBlobGas: bigint, fork: Fork): bigint {
  const denominator = BigInt(BLOB_SCHEDULE[fork].baseFeeUpdateFraction)
  let output = 0n
  let accumulator = MIN_BLOB_BASE_FEE * denominator
  for (let i = 1n; accumulator > 0n; i++) {
    output += accumulator
    accumulator = (accumulator * excessBlobGas) / (denominator * i)
  }
  return output / denominator
}
