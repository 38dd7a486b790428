import type { Address, Hex } from 'viem'
import { describe, expect, it } from 'vitest'
import { type BlockContext, Evm, type Fork } from '../evm/evm.ts'
import { EvmState } from '../evm/evmState.ts'
import { precompilesFor } from '../evm/precompiles/index.ts'
import { bytesToHex, hexToBytes } from '../primitives/hex.ts'
import { keccak256 } from '../primitives/keccak256.ts'
import { MemoryState } from '../state/memoryState.ts'
import {
  applySystemCalls,
  BEACON_ROOTS_ADDRESS,
  BEACON_ROOTS_CODE,
  HISTORY_STORAGE_ADDRESS,
  HISTORY_STORAGE_CODE,
  SYSTEM_ADDRESS,
  systemContractsOf,
} from './applySystemCalls.ts'

/** Both contracts keep 8,191 entries (EIP-4788 HISTORY_BUFFER_LENGTH, EIP-2935 HISTORY_SERVE_WINDOW). */
const RING = 8191n
const CALLER: Address = '0x00000000000000000000000000000000000ca11e'
const PARENT_HASH: Hex = `0x${'ab'.repeat(32)}`
const BEACON_ROOT: Hex = `0x${'be'.repeat(32)}`

function blockAt(number: bigint, timestamp: bigint): BlockContext {
  return {
    number,
    timestamp,
    coinbase: '0x0000000000000000000000000000000000000000',
    gasLimit: 30_000_000n,
    baseFeePerGas: 7n,
    prevRandao: 0n,
    blobBaseFee: 1n,
    chainId: 1n,
    blockHash: () => 0n,
  }
}

function chainWith(fork: Fork, deployed = true) {
  const base = new MemoryState()
  if (deployed)
    for (const contract of systemContractsOf(fork))
      base.setAccount(contract.address, { nonce: 1n, code: hexToBytes(contract.code) })
  return new EvmState(base)
}

/** An ordinary caller's view of a system contract: its output, or undefined when it reverts. */
function read(state: EvmState, fork: Fork, block: BlockContext, contract: Address, input: bigint) {
  state.beginTransaction()
  const result = new Evm(state, {
    fork,
    block,
    transaction: { origin: CALLER, gasPrice: 0n, blobVersionedHashes: [] },
    precompiles: precompilesFor(fork),
  }).execute({
    kind: 'staticcall',
    caller: CALLER,
    target: contract,
    codeAddress: contract,
    value: 0n,
    input: hexToBytes(`0x${input.toString(16).padStart(64, '0')}`),
    gas: 100_000n,
    depth: 0,
    isStatic: true,
  })
  state.finalizeTransaction()
  return result.status === 'success' ? bytesToHex(result.output) : undefined
}

describe('system contracts', () => {
  it('carry the runtime code the EIPs publish (by code hash)', () => {
    expect(bytesToHex(keccak256(hexToBytes(BEACON_ROOTS_CODE)))).toBe(
      '0xf57acd40259872606d76197ef052f3d35588dadf919ee1f0e3cb9b62d3f4b02c',
    )
    expect(bytesToHex(keccak256(hexToBytes(HISTORY_STORAGE_CODE)))).toBe(
      '0x6e49e66782037c0555897870e29fa5e552daf4719552131a0abce779daec0a5d',
    )
    expect(systemContractsOf('cancun').map((contract) => contract.address)).toEqual([BEACON_ROOTS_ADDRESS])
    expect(systemContractsOf('prague')).toHaveLength(2)
  })

  it('EIP-4788: the block stores its parent beacon root by timestamp, and contracts read it back', () => {
    const state = chainWith('cancun')
    const block = blockAt(20n, 1_700_000_012n)
    applySystemCalls(state, {
      fork: 'cancun',
      block,
      precompiles: precompilesFor('cancun'),
      parentHash: PARENT_HASH,
      parentBeaconBlockRoot: BEACON_ROOT,
    })
    const index = block.timestamp % RING
    expect(state.getStorage(BEACON_ROOTS_ADDRESS, index)).toBe(block.timestamp)
    expect(state.getStorage(BEACON_ROOTS_ADDRESS, index + RING)).toBe(BigInt(BEACON_ROOT))
    expect(read(state, 'cancun', block, BEACON_ROOTS_ADDRESS, block.timestamp)).toBe(BEACON_ROOT)
    expect(read(state, 'cancun', block, BEACON_ROOTS_ADDRESS, block.timestamp + 1n)).toBeUndefined()
    // Cancun has no history contract call: nothing stored there.
    expect(state.getStorage(HISTORY_STORAGE_ADDRESS, 19n)).toBe(0n)
    expect(state.exists(SYSTEM_ADDRESS)).toBe(false)
  })

  it('EIP-2935: under Prague the block also stores its parent hash, readable for the last 8,191 blocks', () => {
    const state = chainWith('prague')
    const block = blockAt(8_200n, 1_700_000_012n)
    applySystemCalls(state, {
      fork: 'prague',
      block,
      precompiles: precompilesFor('prague'),
      parentHash: PARENT_HASH,
      parentBeaconBlockRoot: BEACON_ROOT,
    })
    expect(state.getStorage(HISTORY_STORAGE_ADDRESS, (block.number - 1n) % RING)).toBe(BigInt(PARENT_HASH))
    expect(read(state, 'prague', block, HISTORY_STORAGE_ADDRESS, block.number - 1n)).toBe(PARENT_HASH)
    // The current block and anything older than the window are out of range: the contract reverts.
    expect(read(state, 'prague', block, HISTORY_STORAGE_ADDRESS, block.number)).toBeUndefined()
    expect(read(state, 'prague', block, HISTORY_STORAGE_ADDRESS, block.number - 1n - RING)).toBeUndefined()
    expect(state.getStorage(BEACON_ROOTS_ADDRESS, block.timestamp % RING)).toBe(block.timestamp)
  })

  it('skip the parent-hash call at genesis, and change nothing where the contracts are not deployed', () => {
    const genesis = chainWith('prague')
    applySystemCalls(genesis, {
      fork: 'prague',
      block: blockAt(0n, 1n),
      precompiles: precompilesFor('prague'),
      parentHash: PARENT_HASH,
      parentBeaconBlockRoot: BEACON_ROOT,
    })
    expect(genesis.getStorage(HISTORY_STORAGE_ADDRESS, RING - 1n)).toBe(0n)

    const empty = chainWith('prague', false)
    applySystemCalls(empty, {
      fork: 'prague',
      block: blockAt(5n, 1n),
      precompiles: precompilesFor('prague'),
      parentHash: PARENT_HASH,
      parentBeaconBlockRoot: BEACON_ROOT,
    })
    const written = [...empty.changes().accounts.values()].filter((account) => account !== null)
    expect(written).toEqual([])
  })
})
