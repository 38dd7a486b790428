import type { Address } from 'viem'
import { describe, expect, it } from 'vitest'
import { MemoryState } from '../state/memoryState.ts'
import { EvmState } from './evmState.ts'

const ABSENT: Address = '0x00000000000000000000000000000000000000a0'
const EMPTY: Address = '0x00000000000000000000000000000000000000e0'
const FUNDED: Address = '0x00000000000000000000000000000000000000f0'

function blockState() {
  const base = new MemoryState()
  base.setAccount(EMPTY, {})
  base.setAccount(FUNDED, { balance: 5n })
  return new EvmState(base)
}

describe('EvmState write sets', () => {
  it('report an existing empty account that a transaction touched as deleted (EIP-161)', () => {
    const state = blockState()
    state.beginTransaction()
    state.touch(EMPTY)
    state.finalizeTransaction()
    expect(state.changes().accounts.get(EMPTY)).toBeNull()
  })

  it('leave out an account that was touched and deleted without ever existing', () => {
    const state = blockState()
    state.beginTransaction()
    state.touch(ABSENT)
    state.addBalance(ABSENT, 0n)
    state.finalizeTransaction()
    expect(state.changes().accounts.has(ABSENT)).toBe(false)
    // It was still read: the read set keeps it (a witness must prove its absence).
    expect(state.changes().reads.accounts.has(ABSENT)).toBe(true)
  })

  it('report an account created in the block, and the new values of changed ones', () => {
    const state = blockState()
    state.beginTransaction()
    state.subtractBalance(FUNDED, 2n)
    state.addBalance(ABSENT, 2n)
    state.finalizeTransaction()
    const { accounts } = state.changes()
    expect(accounts.get(ABSENT)).toMatchObject({ balance: 2n, nonce: 0n })
    expect(accounts.get(FUNDED)).toMatchObject({ balance: 3n })
  })
})
