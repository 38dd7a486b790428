import type { Address, Hash } from 'viem'
import { describe, expect, it } from 'vitest'
import { StateOverlay } from '../state/stateOverlay.ts'
import { type AccountData, EMPTY_CODE_HASH, type StateReader } from '../state/stateView.ts'
import {
  applyTransfer,
  type BlockEnv,
  type ExecutableTransaction,
  InvalidTransactionError,
} from './applyTransfer.ts'

const alice = '0x00000000000000000000000000000000000a11ce' as Address
const bob = '0x0000000000000000000000000000000000000b0b' as Address
const coinbase = '0x000000000000000000000000000000000000c0b1' as Address
const gwei = 1_000_000_000n

function stateWith(accounts: Record<string, Partial<AccountData>>): StateOverlay {
  const map = new Map<Address, AccountData>()
  for (const [address, account] of Object.entries(accounts))
    map.set(address as Address, { nonce: 0n, balance: 0n, codeHash: EMPTY_CODE_HASH, ...account })
  const reader: StateReader = { getAccount: (address) => map.get(address) }
  return new StateOverlay(reader)
}

const env: BlockEnv = {
  number: 1n,
  timestamp: 1n,
  baseFeePerGas: 10n * gwei,
  gasLimit: 30_000_000n,
  coinbase,
}

function transfer(overrides: Partial<ExecutableTransaction> = {}): ExecutableTransaction {
  return {
    hash: `0x${'11'.repeat(32)}` as Hash,
    type: 2,
    sender: alice,
    nonce: 0n,
    gasLimit: 50_000n,
    to: bob,
    value: 1_000n,
    maxFeePerGas: 30n * gwei,
    maxPriorityFeePerGas: 2n * gwei,
    transferGas: 21_000n,
    ...overrides,
  }
}

describe('applyTransfer', () => {
  it('charges exactly gasUsed * effective price, burns the base fee and returns the tip for the fee recipient', () => {
    const state = stateWith({ [alice]: { balance: 10n ** 18n } })
    const outcome = applyTransfer(state, transfer(), env)
    expect(outcome).toEqual({
      gasUsed: 21_000n,
      effectiveGasPrice: 12n * gwei,
      priorityFee: 21_000n * 2n * gwei,
    })
    expect(state.writes.get(alice)).toEqual({
      nonce: 1n,
      balance: 10n ** 18n - 21_000n * 12n * gwei - 1_000n,
      codeHash: EMPTY_CODE_HASH,
    })
    expect(state.writes.get(bob)).toEqual({ nonce: 0n, balance: 1_000n, codeHash: EMPTY_CODE_HASH })
    // The fee recipient is not written by the transaction itself.
    expect(state.writes.has(coinbase)).toBe(false)
  })

  it('caps the tip at maxFeePerGas - baseFee', () => {
    const state = stateWith({ [alice]: { balance: 10n ** 18n } })
    const outcome = applyTransfer(
      state,
      transfer({ maxFeePerGas: 11n * gwei, maxPriorityFeePerGas: 5n * gwei }),
      env,
    )
    expect(outcome.effectiveGasPrice).toBe(11n * gwei)
    expect(outcome.priorityFee).toBe(21_000n * gwei)
  })

  it('does not create an empty account on a zero-value transfer (EIP-161)', () => {
    const state = stateWith({ [alice]: { balance: 10n ** 18n } })
    applyTransfer(state, transfer({ value: 0n }), env)
    expect(state.writes.has(bob)).toBe(false)
  })

  it('handles a transfer to oneself', () => {
    const state = stateWith({ [alice]: { balance: 10n ** 18n } })
    applyTransfer(state, transfer({ to: alice, value: 5n }), env)
    expect(state.writes.get(alice)?.balance).toBe(10n ** 18n - 21_000n * 12n * gwei)
  })

  it('refuses wrong nonces, short balances and fee caps under the base fee', () => {
    const state = stateWith({ [alice]: { balance: 10n ** 18n, nonce: 3n } })
    expect(() => applyTransfer(state, transfer({ nonce: 2n }), env)).toThrow(/nonce too low/)
    expect(() => applyTransfer(state, transfer({ nonce: 4n }), env)).toThrow(/nonce too high/)
    expect(() => applyTransfer(state, transfer({ nonce: 3n, maxFeePerGas: gwei }), env)).toThrow(
      /max fee per gas less than block base fee/,
    )
    const poor = stateWith({ [alice]: { balance: 21_000n * 30n * gwei } })
    expect(() => applyTransfer(poor, transfer(), env)).toThrow(InvalidTransactionError)
    expect(() => applyTransfer(poor, transfer(), env)).toThrow(/insufficient funds for gas \* price \+ value/)
  })
})
