import type { Address } from 'viem'
import type { Fork } from '../evm/evm.ts'
import { parseIntegerSetting } from '../primitives/integerSetting.ts'

export type { Fork }

/** What a chain is: fixed at genesis, read from the deployment's vars. */
export type ChainConfig = {
  chainId: bigint
  fork: Fork
  /** Gas limit of every EVM block; a transaction above it is refused ("exceeds block gas limit"). */
  blockGasLimit: bigint
  /** Minimum spacing of mini-blocks while there is work. */
  miniBlockIntervalMs: number
  /** Spacing of sealed EVM blocks. Header timestamps are in seconds, so it is at least 1,000. */
  blockIntervalMs: number
  feeRecipient: Address
  /** Floor of the EIP-1559 base fee so that it never decays to a value that no longer moves (OP Stack's minBaseFee). */
  minBaseFee: bigint
}

/** EIP-1559: the base fee moves by at most 1/8 per block... */
export const BASE_FEE_MAX_CHANGE_DENOMINATOR = 8n
/** ...around a target of half the gas limit. */
export const ELASTICITY_MULTIPLIER = 2n
/** geth's InitialBaseFee (params.InitialBaseFee): 1 gwei. */
export const INITIAL_BASE_FEE = 1_000_000_000n
/** 0.001 gwei: low enough to be free on a dev chain, high enough to keep moving. */
export const DEFAULT_MIN_BASE_FEE = 1_000_000n

export type ChainConfigVars = {
  CHAIN_ID?: string | undefined
  FORK?: string | undefined
  BLOCK_GAS_LIMIT?: string | undefined
  MINI_BLOCK_INTERVAL_MS?: string | undefined
  BLOCK_INTERVAL_MS?: string | undefined
  FEE_RECIPIENT?: string | undefined
  MIN_BASE_FEE?: string | undefined
}

/** Reads the chain config from string vars, refusing values that would make a broken chain. */
export function parseChainConfig(vars: ChainConfigVars, defaults: { blockGasLimit: bigint }): ChainConfig {
  const chainId = parseBigIntVar('CHAIN_ID', vars.CHAIN_ID ?? '7077')
  if (chainId <= 0n || chainId >= 2n ** 64n) throw new Error(`CHAIN_ID must be in 1..2^64-1, got ${chainId}`)
  const fork = vars.FORK ?? 'prague'
  if (fork !== 'cancun' && fork !== 'prague') throw new Error(`FORK must be cancun or prague, got ${fork}`)
  const blockGasLimit = vars.BLOCK_GAS_LIMIT
    ? parseBigIntVar('BLOCK_GAS_LIMIT', vars.BLOCK_GAS_LIMIT)
    : defaults.blockGasLimit
  if (blockGasLimit < 5000n) throw new Error(`BLOCK_GAS_LIMIT must be at least 5000 (geth MinGasLimit)`)
  const miniBlockIntervalMs = parseIntegerSetting(
    'MINI_BLOCK_INTERVAL_MS',
    vars.MINI_BLOCK_INTERVAL_MS ?? '10',
    { min: 1, max: 1000 },
  )
  const blockIntervalMs = parseIntegerSetting('BLOCK_INTERVAL_MS', vars.BLOCK_INTERVAL_MS ?? '1000', {
    min: 1000,
  })
  if (blockIntervalMs % 1000 !== 0)
    throw new Error(
      `BLOCK_INTERVAL_MS must be a whole number of seconds in ms, got ${vars.BLOCK_INTERVAL_MS}`,
    )
  const feeRecipient = (vars.FEE_RECIPIENT ?? '0x0000000000000000000000000000000000000000').toLowerCase()
  if (!/^0x[0-9a-f]{40}$/.test(feeRecipient))
    throw new Error(`FEE_RECIPIENT is not an address: ${feeRecipient}`)
  const minBaseFee = vars.MIN_BASE_FEE
    ? parseBigIntVar('MIN_BASE_FEE', vars.MIN_BASE_FEE)
    : DEFAULT_MIN_BASE_FEE
  return {
    chainId,
    fork,
    blockGasLimit,
    miniBlockIntervalMs,
    blockIntervalMs,
    feeRecipient: feeRecipient as Address,
    minBaseFee,
  }
}

function parseBigIntVar(name: string, value: string): bigint {
  if (!/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(value)) throw new Error(`${name} is not a number: ${value}`)
  return BigInt(value)
}
