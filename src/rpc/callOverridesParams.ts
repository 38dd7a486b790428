import { type Address, getAddress } from 'viem'
import type { Fork } from '../evm/evm.ts'
import { precompilesFor } from '../evm/precompiles/index.ts'
import type { AccountOverride, BlockOverrides, StateOverride } from '../execution/callOverrides.ts'
import { precompileAddressSet } from '../execution/processTransaction.ts'
import { hexToBytes } from '../primitives/hex.ts'
import { MAX_INITCODE_SIZE } from '../primitives/transactionLimits.ts'
import { InvalidParamsError, ServerError } from './errors.ts'
import { parseAddress, parseData, parseHash, parseQuantity } from './params.ts'

/** Accounts one call may override, and slots across them: bounded work per request. */
export const MAX_OVERRIDDEN_ACCOUNTS = 1_000
export const MAX_OVERRIDDEN_SLOTS = 10_000

/**
 * eth_call's third parameter: address → { balance, nonce, code, state | stateDiff,
 * movePrecompileToAddress }, checked as geth's StateOverride.Apply checks it (against `fork`'s
 * precompiles).
 */
export function parseStateOverride(value: unknown, index: number, fork: Fork): StateOverride {
  const entries = objectEntries(value, index, 'state override set')
  if (entries.length > MAX_OVERRIDDEN_ACCOUNTS)
    throw new InvalidParamsError(
      `invalid argument ${index}: more than ${MAX_OVERRIDDEN_ACCOUNTS} accounts overridden`,
    )
  const overrides = new Map<Address, AccountOverride>()
  let slots = 0
  for (const [key, fields] of entries) {
    const address = parseAddress(key, index)
    const account = Object.fromEntries(objectEntries(fields, index, 'account override'))
    const override: AccountOverride = {}
    if (account.movePrecompileToAddress !== undefined && account.movePrecompileToAddress !== null)
      override.movePrecompileTo = parseAddress(account.movePrecompileToAddress, index)
    if (account.state !== undefined && account.stateDiff !== undefined)
      throw new ServerError(`account ${getAddress(address)} has both 'state' and 'stateDiff'`)
    if (account.balance !== undefined) override.balance = parseQuantity(account.balance, index)
    if (account.nonce !== undefined) override.nonce = parseQuantity(account.nonce, index, 64)
    if (account.code !== undefined)
      override.code = hexToBytes(parseData(account.code, index, MAX_INITCODE_SIZE))
    for (const kind of ['state', 'stateDiff'] as const) {
      if (account[kind] === undefined) continue
      const storage = new Map<bigint, bigint>()
      for (const [slot, slotValue] of objectEntries(account[kind], index, kind))
        storage.set(BigInt(parseHash(slot, index)), BigInt(parseHash(slotValue, index)))
      slots += storage.size
      override[kind] = storage
    }
    if (slots > MAX_OVERRIDDEN_SLOTS)
      throw new InvalidParamsError(
        `invalid argument ${index}: more than ${MAX_OVERRIDDEN_SLOTS} slots overridden`,
      )
    overrides.set(address, override)
  }
  const precompiles = precompileAddressSet(precompilesFor(fork))
  for (const [address, { movePrecompileTo }] of overrides) {
    if (!movePrecompileTo) continue
    if (!precompiles.has(address)) throw new ServerError(`account ${getAddress(address)} is not a precompile`)
    // A destination overridden too would be ambiguous: geth refuses it.
    if (overrides.has(movePrecompileTo))
      throw new ServerError(`account ${getAddress(movePrecompileTo)} is already overridden`)
  }
  return overrides
}

/** eth_call's fourth parameter: the block fields the call sees instead of its block's. */
export function parseBlockOverrides(value: unknown, index: number): BlockOverrides {
  const fields = Object.fromEntries(objectEntries(value, index, 'block overrides'))
  const overrides: BlockOverrides = {}
  if (fields.number !== undefined) overrides.number = parseQuantity(fields.number, index, 64)
  if (fields.time !== undefined) overrides.timestamp = parseQuantity(fields.time, index, 64)
  if (fields.gasLimit !== undefined) overrides.gasLimit = parseQuantity(fields.gasLimit, index, 64)
  if (fields.feeRecipient !== undefined) overrides.coinbase = parseAddress(fields.feeRecipient, index)
  if (fields.prevRandao !== undefined) overrides.prevRandao = BigInt(parseHash(fields.prevRandao, index))
  if (fields.baseFeePerGas !== undefined) overrides.baseFeePerGas = parseQuantity(fields.baseFeePerGas, index)
  if (fields.blobBaseFee !== undefined) overrides.blobBaseFee = parseQuantity(fields.blobBaseFee, index)
  return overrides
}

/**
 * eth_callMany's per-bundle blockOverride (Erigon's names): blockNumber, timestamp, coinbase,
 * gasLimit, baseFee. A BLOCKHASH table is not taken.
 */
export function parseBundleBlockOverride(value: unknown, index: number): BlockOverrides {
  const fields = Object.fromEntries(objectEntries(value, index, 'blockOverride'))
  if (fields.blockHash !== undefined)
    throw new InvalidParamsError(`invalid argument ${index}: blockHash overrides are not supported`)
  const overrides: BlockOverrides = {}
  if (fields.blockNumber !== undefined) overrides.number = parseQuantity(fields.blockNumber, index, 64)
  if (fields.timestamp !== undefined) overrides.timestamp = parseQuantity(fields.timestamp, index, 64)
  if (fields.gasLimit !== undefined) overrides.gasLimit = parseQuantity(fields.gasLimit, index, 64)
  if (fields.coinbase !== undefined) overrides.coinbase = parseAddress(fields.coinbase, index)
  if (fields.baseFee !== undefined) overrides.baseFeePerGas = parseQuantity(fields.baseFee, index)
  return overrides
}

function objectEntries(value: unknown, index: number, what: string): [string, unknown][] {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new InvalidParamsError(`invalid argument ${index}: ${what} must be an object`)
  return Object.entries(value).filter(([, field]) => field !== undefined && field !== null)
}
