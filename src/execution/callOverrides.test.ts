import type { Address } from 'viem'
import { describe, expect, it } from 'vitest'
import type { BlockContext } from '../evm/evm.ts'
import { precompilesFor } from '../evm/precompiles/index.ts'
import { TEST_BLOCK } from '../evm/testBlock.ts'
import { hexToBytes } from '../primitives/hex.ts'
import { MemoryState } from '../state/memoryState.ts'
import {
  type AccountOverride,
  OverriddenState,
  overrideBlock,
  precompileRelocationsOf,
} from './callOverrides.ts'
import { simulateCall } from './simulateCall.ts'

const FROM: Address = '0x00000000000000000000000000000000000f4011'
const CONTRACT: Address = '0x00000000000000000000000000000000000c0de0'
/** Returns SLOAD(calldata[0]) + NUMBER. */
const READER = hexToBytes('0x60003554430160005260206000f3')

describe('call overrides', () => {
  const base = new MemoryState()
  base.setAccount(FROM, { balance: 5n, nonce: 3n })
  base.setAccount(CONTRACT, {
    code: READER,
    storage: new Map([
      [1n, 100n],
      [2n, 200n],
    ]),
  })
  const context = {
    fork: 'prague' as const,
    precompiles: precompilesFor('prague'),
    blockGasLimit: 30_000_000n,
    block: { ...TEST_BLOCK, number: 7n, coinbase: FROM },
  }
  const read = (state: MemoryState | OverriddenState, slot: number, block: BlockContext = context.block) => {
    const data = new Uint8Array(32)
    data[31] = slot
    const receipt = simulateCall(
      state,
      {
        from: FROM,
        to: CONTRACT,
        gas: undefined,
        gasPrice: undefined,
        maxFeePerGas: undefined,
        maxPriorityFeePerGas: undefined,
        value: 0n,
        data,
        accessList: [],
      },
      { ...context, block },
    )
    return BigInt(`0x${Buffer.from(receipt.output).toString('hex')}`)
  }

  it('stateDiff changes listed slots, state replaces the whole storage', () => {
    expect(read(base, 1)).toBe(107n)
    const diff = new OverriddenState(base, new Map([[CONTRACT, { stateDiff: new Map([[1n, 1n]]) }]]))
    expect([read(diff, 1), read(diff, 2)]).toEqual([8n, 207n])
    const whole = new OverriddenState(base, new Map([[CONTRACT, { state: new Map([[1n, 1n]]) }]]))
    expect([read(whole, 1), read(whole, 2)]).toEqual([8n, 7n])
  })

  it('balance, nonce and code override the account; a block override the context', () => {
    const state = new OverriddenState(
      base,
      new Map([
        [FROM, { balance: 10n ** 20n }],
        [CONTRACT, { code: hexToBytes('0x4360005260206000f3'), nonce: 9n }],
      ]),
    )
    expect(state.getAccount(FROM)).toMatchObject({ balance: 10n ** 20n, nonce: 3n })
    expect(state.getAccount(CONTRACT)?.nonce).toBe(9n)
    expect(read(state, 0, overrideBlock(context.block, { number: 99n }))).toBe(99n)
  })

  describe('precompiles (geth: an overridden precompile is gone, movePrecompileToAddress moves it)', () => {
    const IDENTITY: Address = '0x0000000000000000000000000000000000000004'
    const MOVED_TO: Address = '0x000000000000000000000000000000000000beef'
    /** Returns 42. */
    const FORTY_TWO = hexToBytes('0x602a60005260206000f3')
    /** Returns the gas a STATICCALL of `target` without input took, with the pushes around it. */
    const gasOfCalling = (target: Address) =>
      hexToBytes(`0x5a600060006000600073${target.slice(2)}5afa505a900360005260206000f3`)
    const callWith = (overrides: Map<Address, AccountOverride>, to: Address) =>
      simulateCall(
        new OverriddenState(base, overrides),
        {
          from: FROM,
          to,
          gas: undefined,
          gasPrice: undefined,
          maxFeePerGas: undefined,
          maxPriorityFeePerGas: undefined,
          value: 0n,
          data: hexToBytes('0xabcd'),
          accessList: [],
        },
        { ...context, precompileRelocations: precompileRelocationsOf(overrides, context.precompiles) },
      )
    const output = (overrides: Map<Address, AccountOverride>, to: Address) =>
      Buffer.from(callWith(overrides, to).output).toString('hex')

    it('runs the code given to a precompile address, or nothing when only its balance is', () => {
      expect(output(new Map(), IDENTITY)).toBe('abcd')
      expect(
        precompileRelocationsOf(new Map([[CONTRACT, { balance: 1n }]]), context.precompiles),
      ).toBeUndefined()
      expect(output(new Map([[IDENTITY, { code: FORTY_TWO }]]), IDENTITY)).toBe(`${'00'.repeat(31)}2a`)
      expect(output(new Map([[IDENTITY, { balance: 1n }]]), IDENTITY)).toBe('')
    })

    it('runs a moved precompile at its new address, cold there as geth keeps the fork’s warm set', () => {
      const moved = new Map<Address, AccountOverride>([[IDENTITY, { movePrecompileTo: MOVED_TO }]])
      expect(output(moved, MOVED_TO)).toBe('abcd')
      expect(output(moved, IDENTITY)).toBe('')
      const probe = (overrides: Map<Address, AccountOverride>, target: Address) =>
        BigInt(`0x${output(new Map([...overrides, [CONTRACT, { code: gasOfCalling(target) }]]), CONTRACT)}`)
      // 0x04 warm (EIP-2929): 100 to access, 15 for identity, 21 for the pushes and GASes around it.
      expect(probe(new Map(), IDENTITY)).toBe(136n)
      // Moved: the same precompile, at an address not warm: 2,600 to access it.
      expect(probe(moved, MOVED_TO)).toBe(2_636n)
      // Its old address stays warm, and is now an empty account.
      expect(probe(moved, IDENTITY)).toBe(121n)
    })
  })
})
