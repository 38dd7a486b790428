import type { Fork } from '../evm/evm.ts'

/** EIP-4844 (Cancun) and EIP-7691 (Prague): how fast the blob base fee follows excess blob gas. */
const BLOB_BASE_FEE_UPDATE_FRACTION: Record<Fork, bigint> = { cancun: 3_338_477n, prague: 5_007_716n }
/** EIP-4844: the blob base fee's floor, in wei. */
const MIN_BLOB_BASE_FEE = 1n

/** EIP-4844's fake_exponential(MIN_BLOB_BASE_FEE, excess blob gas, update fraction). */
export function blobBaseFee(excessBlobGas: bigint, fork: Fork): bigint {
  const denominator = BLOB_BASE_FEE_UPDATE_FRACTION[fork]
  let output = 0n
  let accumulator = MIN_BLOB_BASE_FEE * denominator
  for (let i = 1n; accumulator > 0n; i++) {
    output += accumulator
    accumulator = (accumulator * excessBlobGas) / (denominator * i)
  }
  return output / denominator
}
