import type { Address } from 'viem'
import { describe, expect, it } from 'vitest'
import { hexToBytes } from '../primitives/hex.ts'
import type { ContractStateReader } from '../state/stateView.ts'
import { create2Address, createAddress, delegationTarget, Evm, type Message } from './evm.ts'
import { EvmState } from './evmState.ts'
import { ecrecoverPrecompile } from './precompiles/ecrecover.ts'
import type { Precompile } from './precompiles/types.ts'
import { TEST_BLOCK } from './testBlock.ts'
import {
  CALL_TIMEOUT_MS,
  CODE_ANALYSIS_UNITS_PER_BYTE,
  ExecutionTimeoutError,
  FRAME_UNITS,
  MESSAGE_UNITS,
  precompileWork,
  WorkBudget,
} from './workBudget.ts'

const emptyState: ContractStateReader = {
  getAccount: () => undefined,
  getStorage: () => 0n,
  getCode: () => undefined,
  hasStorage: () => false,
}

describe('contract addresses', () => {
  it('CREATE: keccak256(rlp([sender, nonce]))', () => {
    const sender = '0x6ac7ea33f8831ea9dcc53393aaa88b25a785dbf0'
    expect(createAddress(sender, 0n)).toBe('0xcd234a471b72ba2f1ccf0a70fcaba648a5eecd8d')
    expect(createAddress(sender, 1n)).toBe('0x343c43a37d37dff08ae8c4a11544c718abb4fcf8')
  })

  it('CREATE2: the examples of EIP-1014', () => {
    expect(create2Address('0x0000000000000000000000000000000000000000', 0n, hexToBytes('0x00'))).toBe(
      '0x4d1a2e2bb4f88f0250f26ffff098b0b30b26bf38',
    )
    expect(create2Address('0xdeadbeef00000000000000000000000000000000', 0n, hexToBytes('0x00'))).toBe(
      '0xb928f69bb1d91cd65274e3c79d8986362984fda3',
    )
  })
})

describe('EIP-7702 delegation designator', () => {
  it('is 0xef0100 followed by an address, and nothing else', () => {
    expect(delegationTarget(hexToBytes('0xef0100000000000000000000000000000000000000beef'))).toBe(
      '0x000000000000000000000000000000000000beef',
    )
    expect(delegationTarget(hexToBytes('0xef0100000000000000000000000000000000000000be'))).toBeUndefined()
    expect(delegationTarget(hexToBytes('0xef0200000000000000000000000000000000000000beef'))).toBeUndefined()
  })
})

describe('the frame loop', () => {
  const run = (code: string, gas = 1_000_000n) => {
    const target = '0x00000000000000000000000000000000000000c0' as Address
    const state = new EvmState({
      ...emptyState,
      getAccount: (address) =>
        address === target ? { nonce: 1n, balance: 0n, codeHash: '0x01' as `0x${string}` } : undefined,
      getCode: () => hexToBytes(code),
    })
    state.beginTransaction()
    const evm = new Evm(state, {
      fork: 'cancun',
      block: TEST_BLOCK,
      transaction: { origin: target, gasPrice: 0n, blobVersionedHashes: [] },
      precompiles: new Map(),
    })
    const message: Message = {
      kind: 'call',
      caller: target,
      target,
      codeAddress: target,
      value: 0n,
      input: new Uint8Array(0),
      gas,
      depth: 0,
      isStatic: false,
    }
    return Object.assign(evm.execute(message), { storageSlot0: () => state.getStorage(target, 0n) })
  }

  it('returns what RETURN returns and charges exact gas', () => {
    // PUSH1 0x2a PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN: 3 + 3 + (3 + 3 memory) + 3 + 3 = 18 gas
    const result = run('0x602a60005260206000f3')
    expect(result.status).toBe('success')
    expect(result.output[31]).toBe(0x2a)
    expect(1_000_000n - result.gasLeft).toBe(18n)
  })

  it('an invalid jump is an exceptional halt that takes all the gas', () => {
    const result = run('0x600356')
    expect(result.status).toBe('error')
    expect(result.error).toBe('invalid jump destination')
    expect(result.gasLeft).toBe(0n)
  })

  it('counts gas above 2^53 exactly: GAS reports it to the unit', () => {
    // GAS PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN
    const gas = (1n << 63n) + 12_345n
    const result = run('0x5a60005260206000f3', gas)
    let reported = 0n
    for (const byte of result.output) reported = (reported << 8n) | BigInt(byte)
    expect(reported).toBe(gas - 2n)
    expect(gas - result.gasLeft).toBe(2n + 3n + 6n + 3n + 3n)
  })

  it('keeps the storage writes of a successful frame and undoes those of a reverted one', () => {
    // PUSH1 1 PUSH1 0 SSTORE STOP
    const kept = run('0x600160005500')
    expect(kept.status).toBe('success')
    expect(kept.storageSlot0()).toBe(1n)
    // PUSH1 1 PUSH1 0 SSTORE PUSH1 0 PUSH1 0 REVERT
    const reverted = run('0x600160005560006000fd')
    expect(reverted.status).toBe('revert')
    expect(reverted.storageSlot0()).toBe(0n)
  })
})

describe('the work budget', () => {
  const PARENT = '0x00000000000000000000000000000000000000a1' as Address
  const CHILD = '0x00000000000000000000000000000000000000c1' as Address
  const ECRECOVER = '0x0000000000000000000000000000000000000001' as Address
  /** JUMPDEST PUSH0 JUMP: forever, or until the gas runs out. */
  const LOOP_FOREVER = '0x5b5f56'
  /** Counts 100 down to 0, then returns 42: a known amount of work. */
  const LOOP_100_THEN_RETURN = '0x60645b8015600f5760019003600256' + '5b50602a5f5260205ff3'
  /** CALL(all gas, CHILD) then MSTORE(0, success) and RETURN it. */
  const CALL_CHILD = `0x5f5f5f5f5f60c15af15f5260205ff3`
  /** STATICCALL(all gas, 0x01, no input) then RETURN the success flag. */
  const CALL_ECRECOVER = `0x5f5f5f5f60015afa5f5260205ff3`

  const run = (
    codes: Record<Address, string>,
    options: { budget?: WorkBudget; precompiles?: ReadonlyMap<number, Precompile> } = {},
  ) => {
    const state = new EvmState({
      ...emptyState,
      getAccount: (address) =>
        codes[address] ? { nonce: 1n, balance: 0n, codeHash: codes[address] as `0x${string}` } : undefined,
      getCode: (codeHash) => hexToBytes(codeHash),
    })
    state.beginTransaction()
    const evm = new Evm(state, {
      fork: 'cancun',
      block: TEST_BLOCK,
      transaction: { origin: PARENT, gasPrice: 0n, blobVersionedHashes: [] },
      precompiles: options.precompiles ?? new Map(),
      budget: options.budget,
    })
    return evm.execute({
      kind: 'call',
      caller: PARENT,
      target: PARENT,
      codeAddress: PARENT,
      value: 0n,
      input: new Uint8Array(0),
      gas: 10_000_000n,
      depth: 0,
      isStatic: false,
    })
  }
  /** The units a run takes: a budget it cannot exhaust, minus what is left of it. */
  const unitsOf = (codes: Record<Address, string>) => {
    const budget = new WorkBudget(CALL_TIMEOUT_MS, Number.MAX_SAFE_INTEGER)
    run(codes, { budget })
    return Number.MAX_SAFE_INTEGER - budget.left
  }

  it('stops a loop that would run until its gas is gone, with geth’s message', () => {
    // Without a budget the loop ends the way it always did: out of gas.
    expect(run({ [PARENT]: LOOP_FOREVER })).toMatchObject({ status: 'error', error: 'out of gas' })
    const budget = new WorkBudget(CALL_TIMEOUT_MS, 10_000)
    expect(() => run({ [PARENT]: LOOP_FOREVER }, { budget })).toThrow(
      new ExecutionTimeoutError(CALL_TIMEOUT_MS),
    )
    expect(new ExecutionTimeoutError(CALL_TIMEOUT_MS).message).toBe('execution aborted (timeout = 5s)')
    expect(budget.left).toBeLessThan(0)
  })

  it('lets a message that fits its budget finish exactly as it would without one', () => {
    const codes = { [PARENT]: LOOP_100_THEN_RETURN }
    const units = unitsOf(codes)
    // The message, its frame, its code's analysis, and one unit a step: PUSH1, 100 iterations of
    // 10 steps, 5 more to leave the loop, 8 to return.
    const codeLength = (LOOP_100_THEN_RETURN.length - 2) / 2
    expect(units).toBe(
      MESSAGE_UNITS + FRAME_UNITS + CODE_ANALYSIS_UNITS_PER_BYTE * codeLength + 1 + 10 * 100 + 5 + 8,
    )
    const unbudgeted = run(codes)
    const budget = new WorkBudget(CALL_TIMEOUT_MS, units)
    expect(run(codes, { budget })).toEqual(unbudgeted)
    expect(unbudgeted).toMatchObject({ status: 'success', gasLeft: expect.any(BigInt) })
    expect(budget.left).toBe(0)
    expect(() => run(codes, { budget: new WorkBudget(CALL_TIMEOUT_MS, units - 1) })).toThrow(
      ExecutionTimeoutError,
    )
  })

  it('abandons the whole message, not the frame that ran out', () => {
    const codes = { [PARENT]: CALL_CHILD, [CHILD]: LOOP_FOREVER }
    // Without a budget the child runs out of gas and the parent answers 0 with the 64th it kept.
    const unbudgeted = run(codes)
    expect(unbudgeted.status).toBe('success')
    expect(unbudgeted.output[31]).toBe(0)
    expect(() => run(codes, { budget: new WorkBudget(CALL_TIMEOUT_MS, 100_000) })).toThrow(
      ExecutionTimeoutError,
    )
  })

  it('charges a precompile call before it runs, so one it cannot afford never starts', () => {
    let calls = 0
    const precompiles = new Map<number, Precompile>([
      [
        1,
        (input, gasLimit) => {
          calls++
          return ecrecoverPrecompile(input, gasLimit)
        },
      ],
    ])
    const codes = { [PARENT]: CALL_ECRECOVER, [ECRECOVER]: '0x' }
    const work = precompileWork(1, new Uint8Array(0), 1_000_000)
    // Without the precompile, 0x01 is an account without code: the units are the rest of the message.
    const rest = unitsOf(codes)
    expect(work).toBeGreaterThan(rest)
    expect(() => run(codes, { precompiles, budget: new WorkBudget(CALL_TIMEOUT_MS, work - 1) })).toThrow(
      ExecutionTimeoutError,
    )
    expect(calls).toBe(0)
    const budget = new WorkBudget(CALL_TIMEOUT_MS, rest + work)
    expect(run(codes, { precompiles, budget }).output[31]).toBe(1)
    expect(calls).toBe(1)
    expect(budget.left).toBe(0)
  })
})
