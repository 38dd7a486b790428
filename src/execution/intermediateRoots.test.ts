import type { Address } from 'viem'
import { describe, expect, it } from 'vitest'
import { EvmState } from '../evm/evmState.ts'
import { precompilesFor } from '../evm/precompiles/index.ts'
import { hexToBytes } from '../primitives/hex.ts'
import { computeStateRoot } from '../state/computeStateRoot.ts'
import { MemoryState } from '../state/memoryState.ts'
import { StateTrie } from '../state/stateTrie.ts'
import { MemoryNodeStore } from '../state/trie/memoryNodeStore.ts'
import { type ExecutableBlock, executeBlock } from './executeBlock.ts'
import { intermediateRoots } from './intermediateRoots.ts'
import { unsignedTransaction } from './unsignedTransaction.ts'

const CHAIN_ID = 1337n
const ONE_ETHER = 10n ** 18n
const address = (name: string) => `0x${name.padStart(40, '0')}` as Address
const alice = address('a11ce')
const bob = address('b0b')
const carol = address('ca401')
const fresh = '0x0000000000000000000000000000000000000f4e' as Address
/** SSTORE(calldata word 0, calldata word 1). */
const STORE = '0x00000000000000000000000000000000000005e7' as Address
const COINBASE = '0x00000000000000000000000000000000000c0ffe' as Address
const options = {
  fork: 'prague' as const,
  chainId: CHAIN_ID,
  precompiles: precompilesFor('prague'),
  blockHash: () => 0n,
}

function base(): MemoryState {
  const state = new MemoryState()
  for (const sender of [alice, bob, carol]) state.setAccount(sender, { balance: ONE_ETHER })
  state.setAccount(STORE, { code: hexToBytes('0x6020355f355500'), storage: new Map([[1n, 5n]]) })
  return state
}

const word = (n: bigint) => n.toString(16).padStart(64, '0')

function block(): ExecutableBlock {
  const nonces = new Map<Address, bigint>()
  let count = 0
  const tx = (
    sender: Address,
    to: Address,
    value: bigint,
    data: Uint8Array = new Uint8Array(),
    gasLimit = 21_000n,
  ) => {
    const nonce = nonces.get(sender) ?? 0n
    nonces.set(sender, nonce + 1n)
    return unsignedTransaction({
      index: count++,
      chainId: CHAIN_ID,
      sender,
      nonce,
      maxPriorityFeePerGas: 2n,
      maxFeePerGas: 100n,
      to,
      value,
      data,
      gasLimit,
    })
  }
  const store = (sender: Address, slot: bigint, value: bigint) =>
    tx(sender, STORE, 0n, hexToBytes(`0x${word(slot)}${word(value)}`), 100_000n)
  return {
    number: 1n,
    parentHash: `0x${'ab'.repeat(32)}`,
    timestamp: 1_000n,
    coinbase: COINBASE,
    gasLimit: 30_000_000n,
    baseFeePerGas: 7n,
    prevRandao: `0x${'00'.repeat(32)}`,
    blobBaseFee: 1n,
    parentBeaconBlockRoot: `0x${'be'.repeat(32)}`,
    transactions: [
      tx(alice, fresh, 1_000n), // creates an account
      store(bob, 2n, 9n), // a new slot
      store(alice, 1n, 0n), // deletes a slot of the pre-state
      tx(carol, '0x0000000000000000000000000000000000000e3e' as Address, 0n), // touches an empty account: none made
      store(carol, 2n, 10n), // rewrites a slot this block wrote
    ],
    withdrawals: [],
  }
}

describe('intermediateRoots', () => {
  it('gives the state root after each transaction: the root of the block cut after it, run serially', () => {
    const full = block()
    const store = new MemoryNodeStore()
    const parent = new StateTrie(store)
    const accounts = new Map()
    const storage = new Map()
    for (const [address, account] of base().entries()) {
      accounts.set(address, { nonce: account.nonce, balance: account.balance, codeHash: account.codeHash })
      storage.set(address, new Map(account.storage))
    }
    parent.apply({ accounts, storage, storageResets: new Set() })
    const parentRoot = parent.commit()
    expect(parentRoot).toBe(computeStateRoot(base().entries()))

    const state = new EvmState(base())
    const roots = intermediateRoots(state, new StateTrie(store, parentRoot), full, options)
    expect(roots).toHaveLength(full.transactions.length)

    const expected = full.transactions.map((_, index) => {
      const serial = new EvmState(base())
      executeBlock(serial, { ...full, transactions: full.transactions.slice(0, index + 1) }, options)
      const after = base()
      after.apply(serial.changes())
      return computeStateRoot(after.entries())
    })
    expect(roots).toEqual(expected)
    // Every transaction moved the root (each pays fees), and the state is left at the block's end.
    expect(new Set(roots).size).toBe(roots.length)
    const serial = new EvmState(base())
    executeBlock(serial, full, options)
    expect(state.getStorage(STORE, 2n)).toBe(serial.getStorage(STORE, 2n))
  })
})
