import { BASE_FEE_MAX_CHANGE_DENOMINATOR, ELASTICITY_MULTIPLIER } from './chainConfig.ts'

/** EIP-1559 base fee of a child block, from its parent's gas use; never below `minBaseFee`. */
export function calcNextBaseFee(parent: {
  baseFeePerGas: bigint
  gasUsed: bigint
  gasLimit: bigint
  minBaseFee: bigint
}): bigint {
  const { baseFeePerGas, gasUsed, gasLimit, minBaseFee } = parent
  const target = gasLimit / ELASTICITY_MULTIPLIER
  let next: bigint
  if (gasUsed === target) next = baseFeePerGas
  else if (gasUsed > target) {
    const delta = (baseFeePerGas * (gasUsed - target)) / target / BASE_FEE_MAX_CHANGE_DENOMINATOR
    next = baseFeePerGas + (delta > 1n ? delta : 1n)
  } else {
    const delta = (baseFeePerGas * (target - gasUsed)) / target / BASE_FEE_MAX_CHANGE_DENOMINATOR
    next = baseFeePerGas - delta
  }
  return next < minBaseFee ? minBaseFee : next
}
