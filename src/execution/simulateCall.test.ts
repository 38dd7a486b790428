import { concatBytes } from '@noble/hashes/utils.js'
import type { Address } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { signAuthorization } from '../../test/differential/signAuthorization.ts'
import type { BlockContext } from '../evm/evm.ts'
import { EvmState } from '../evm/evmState.ts'
import { precompilesFor } from '../evm/precompiles/index.ts'
import { CALL_TIMEOUT_MS, ExecutionTimeoutError, WorkBudget } from '../evm/workBudget.ts'
import { hexToBytes } from '../primitives/hex.ts'
import { MemoryState } from '../state/memoryState.ts'
import { processTransaction } from './processTransaction.ts'
import { revertReason } from './revertReason.ts'
import {
  CALL_GAS_CAP,
  type CallRequest,
  callAsTransaction,
  estimateGas,
  simulateBundles,
  simulateCall,
} from './simulateCall.ts'
import { callRequest } from './tracing/tracingFixture.ts'

const KEY = `0x${'42'.repeat(32)}` as const
const FROM: Address = '0x00000000000000000000000000000000000f4011'
const BURNER: Address = '0x0000000000000000000000000000000000b04e40'
const REVERTER: Address = '0x0000000000000000000000000000000000de7e47'
const SSTORER: Address = '0x00000000000000000000000000000000005705e5'
const BLOCK: BlockContext = {
  number: 10n,
  timestamp: 1_000n,
  coinbase: '0x0000000000000000000000000000000000000c0b',
  gasLimit: 30_000_000n,
  baseFeePerGas: 1_000n,
  prevRandao: 0n,
  blobBaseFee: 1n,
  chainId: 7077n,
  blockHash: () => 0n,
}
const CONTEXT = {
  fork: 'prague' as const,
  block: BLOCK,
  precompiles: precompilesFor('prague'),
  blockGasLimit: 30_000_000n,
}

/** Loops calldata[0] times (a gas use one run cannot read off), then returns BASEFEE. */
const BURNER_CODE = hexToBytes('0x6000355b801560105760019003600356' + '5b48600052' + '60206000f3')
/** Reverts with Error("nope"). */
const REVERTER_CODE = hexToBytes(
  '0x6308c379a060e01b600052' + '6020600452' + '6004602452' + '636e6f706560e01b604452' + '60646000fd',
)
/** Returns ADDRESS: which account's code is running. */
const ECHO: Address = '0x00000000000000000000000000000000000ec400'
const ECHO_CODE = hexToBytes('0x305f5260205ff3')
/** SSTORE(0, 1) then SSTORE(0, 0): a refund that makes gasUsed lower than the gas it needs. */
const SSTORER_CODE = hexToBytes('0x6001600055600060005500')

function state(): MemoryState {
  const memory = new MemoryState()
  memory.setAccount(FROM, { balance: 10n ** 18n })
  memory.setAccount(BURNER, { code: BURNER_CODE })
  memory.setAccount(REVERTER, { code: REVERTER_CODE })
  memory.setAccount(SSTORER, { code: SSTORER_CODE })
  return memory
}

const request = (fields: Partial<CallRequest>): CallRequest => callRequest(FROM, fields)

describe('simulateCall (eth_call)', () => {
  it('runs without fees on BASEFEE zero, and with fees on the block base fee', () => {
    const rounds = new Uint8Array(32)
    rounds[31] = 3
    const free = simulateCall(state(), request({ to: BURNER, data: rounds }), CONTEXT)
    expect(free.status).toBe(1)
    expect(free.output[31]).toBe(0)
    const paid = simulateCall(state(), request({ to: BURNER, data: rounds, maxFeePerGas: 5_000n }), CONTEXT)
    expect(BigInt(`0x${Buffer.from(paid.output).toString('hex')}`)).toBe(1_000n)
  })

  it('installs an authorization list first, as a set-code transaction', () => {
    const authority = privateKeyToAccount(KEY)
    const owner = authority.address.toLowerCase() as Address
    // The sender is its own authority: its nonce is taken first, so the authorization names the next.
    const authorization = signAuthorization(KEY, { address: ECHO, nonce: 1n, chainId: CONTEXT.block.chainId })
    const memory = state()
    memory.setAccount(ECHO, { code: ECHO_CODE })
    memory.setAccount(owner, { balance: 10n ** 18n })
    const call = (authorizationList: CallRequest['authorizationList']) =>
      simulateCall(memory, callRequest(owner, { to: owner, authorizationList }), CONTEXT)
    // Without the delegation the account has no code; with it, ECHO's code runs as the account.
    expect(call(undefined).output).toEqual(new Uint8Array())
    const delegated = call([authorization])
    expect(delegated.status).toBe(1)
    expect(BigInt(`0x${Buffer.from(delegated.output).toString('hex')}`)).toBe(BigInt(owner))
    // The intrinsic gas counts the authorization (25,000 each, 12,500 back for an existing account).
    expect(delegated.gasUsed).toBeGreaterThan(call(undefined).gasUsed + 12_500n)
    expect(() => call([])).toThrow('EIP-7702 transaction with empty auth list')
  })

  it('answers a revert with its data, and geth reads the reason', () => {
    const reverted = simulateCall(state(), request({ to: REVERTER }), CONTEXT)
    expect(reverted).toMatchObject({ status: 0, error: 'execution reverted' })
    expect(revertReason(reverted.output)).toBe('nope')
    const panic = hexToBytes(`0x4e487b71${'00'.repeat(31)}11`)
    expect(revertReason(panic)).toBe('arithmetic underflow or overflow')
    expect(revertReason(hexToBytes('0xdeadbeef'))).toBeUndefined()
  })

  it('caps gas at 50,000,000', () => {
    const receipt = simulateCall(
      state(),
      request({ to: BURNER, gas: 10n ** 12n, data: new Uint8Array(32).fill(255) }),
      CONTEXT,
    )
    expect(receipt).toMatchObject({ status: 0, error: 'out of gas', gasUsed: CALL_GAS_CAP })
  })
})

describe('estimateGas', () => {
  /** The least gas limit that succeeds, by exact bisection: the reference the estimate is held to. */
  function exactMinimum(call: CallRequest): bigint {
    let lo = 21_000n
    let hi = CALL_GAS_CAP
    while (lo + 1n < hi) {
      const mid = (lo + hi) / 2n
      let ok = false
      try {
        ok = simulateCall(state(), { ...call, gas: mid }, CONTEXT).status === 1
      } catch {}
      if (ok) hi = mid
      else lo = mid
    }
    return hi
  }

  it('finds the gas a message needs, within 1.5% above the exact minimum', () => {
    for (const rounds of [0, 1, 50, 2_000]) {
      const data = new Uint8Array(32)
      new DataView(data.buffer).setUint32(28, rounds)
      const call = request({ to: BURNER, data })
      const outcome = estimateGas(state(), call, CONTEXT)
      if (!outcome.ok) throw new Error('estimate failed')
      const minimum = exactMinimum(call)
      expect(outcome.gas).toBeGreaterThanOrEqual(minimum)
      expect(outcome.gas * 1000n).toBeLessThanOrEqual(minimum * 1015n + 1000n)
      expect(simulateCall(state(), { ...call, gas: outcome.gas }, CONTEXT).status).toBe(1)
    }
  })

  it('gives a message whose refund hides its need the gas it needs, not what it used', () => {
    const call = request({ to: SSTORER })
    const outcome = estimateGas(state(), call, CONTEXT)
    if (!outcome.ok) throw new Error('estimate failed')
    const used = simulateCall(state(), call, CONTEXT).gasUsed
    expect(outcome.gas).toBeGreaterThan(used)
    expect(simulateCall(state(), { ...call, gas: outcome.gas }, CONTEXT).status).toBe(1)
  })

  it('says why there is no estimate: a revert, too little allowance, too little balance', () => {
    expect(estimateGas(state(), request({ to: REVERTER }), CONTEXT)).toMatchObject({ ok: false })
    const reverted = estimateGas(state(), request({ to: REVERTER }), CONTEXT)
    expect(!reverted.ok && reverted.reverted && revertReason(reverted.reverted)).toBe('nope')
    const rounds = new Uint8Array(32).fill(255)
    expect(estimateGas(state(), request({ to: BURNER, data: rounds, gas: 100_000n }), CONTEXT)).toEqual({
      ok: false,
      reverted: undefined,
      message: 'gas required exceeds allowance (100000)',
    })
    expect(
      estimateGas(state(), request({ to: BURNER, value: 10n ** 19n, maxFeePerGas: 1_000n }), CONTEXT),
    ).toEqual({
      ok: false,
      reverted: undefined,
      message: 'insufficient funds for transfer',
    })
  })
})

describe('the time cap (geth RPCEVMTimeout, as a work budget)', () => {
  /** JUMPDEST PUSH0 JUMP: loops until its gas is gone. */
  const LOOPER: Address = '0x000000000000000000000000000000000000100f'
  /**
   * Stores calldata word 0 at slot 0 unless it is 0, loops forever if word 1 is not 0, and returns
   * slot 0.
   */
  const STORE_THEN_MAYBE_LOOP: Address = '0x0000000000000000000000000000000000005701'
  const timed = (): MemoryState => {
    const memory = state()
    memory.setAccount(LOOPER, { code: hexToBytes('0x5b5f56') })
    memory.setAccount(STORE_THEN_MAYBE_LOOP, {
      code: hexToBytes('0x6020355f358015600d57805f555b505b80600f575f545f5260205ff3'),
    })
    return memory
  }
  const words = (...values: bigint[]) =>
    concatBytes(...values.map((value) => hexToBytes(`0x${value.toString(16).padStart(64, '0')}`)))
  const rounds = (count: number) => words(BigInt(count))
  /** The work units a call takes: run as simulateCall runs it, with a budget it cannot exhaust. */
  const unitsOf = (call: CallRequest): number => {
    const evmState = new EvmState(timed())
    const { message, options } = callAsTransaction(evmState, call, CONTEXT.block, CONTEXT)
    const budget = new WorkBudget(CALL_TIMEOUT_MS, Number.MAX_SAFE_INTEGER)
    processTransaction(evmState, message, { ...options, budget })
    return Number.MAX_SAFE_INTEGER - budget.left
  }

  it('aborts a call that loops within the gas cap, with geth’s message', () => {
    const loop = request({ to: LOOPER, gas: 1_000_000n })
    expect(simulateCall(timed(), loop, CONTEXT)).toMatchObject({ status: 0, error: 'out of gas' })
    expect(() => simulateCall(timed(), loop, { ...CONTEXT, callWorkUnits: 10_000 })).toThrow(
      'execution aborted (timeout = 5s)',
    )
    expect(() => simulateCall(timed(), loop, { ...CONTEXT, callWorkUnits: 10_000 })).toThrow(
      ExecutionTimeoutError,
    )
  })

  it('lets a call just inside its budget finish with the result it has without one', () => {
    const call = request({ to: BURNER, data: rounds(300) })
    const units = unitsOf(call)
    const unbudgeted = simulateCall(timed(), call, CONTEXT)
    expect(unbudgeted.status).toBe(1)
    expect(simulateCall(timed(), call, { ...CONTEXT, callWorkUnits: units })).toEqual(unbudgeted)
    expect(() => simulateCall(timed(), call, { ...CONTEXT, callWorkUnits: units - 1 })).toThrow(
      ExecutionTimeoutError,
    )
  })

  it('shares one budget among an estimate’s runs', () => {
    const call = request({ to: BURNER, data: rounds(300) })
    const units = unitsOf(call)
    const unbudgeted = estimateGas(timed(), call, CONTEXT)
    expect(unbudgeted.ok).toBe(true)
    expect(estimateGas(timed(), call, { ...CONTEXT, callWorkUnits: 100 * units })).toEqual(unbudgeted)
    // Room for the first run and a half: the search, not any one run, runs out.
    expect(estimateGas(timed(), call, { ...CONTEXT, callWorkUnits: Math.ceil(1.5 * units) })).toEqual({
      ok: false,
      reverted: undefined,
      message: 'execution aborted (timeout = 5s)',
    })
    expect(estimateGas(timed(), request({ to: LOOPER }), { ...CONTEXT, callWorkUnits: 10_000 })).toEqual({
      ok: false,
      reverted: undefined,
      message: 'execution aborted (timeout = 5s)',
    })
  })

  it('eth_callMany: all its messages draw on one budget, and past it the request fails', () => {
    const store = (value: bigint, loop: boolean) =>
      request({ to: STORE_THEN_MAYBE_LOOP, data: words(value, loop ? 1n : 0n) })
    // What one message that does not loop costs.
    const probe = new WorkBudget(CALL_TIMEOUT_MS, 1e9)
    const { message, options } = callAsTransaction(new EvmState(timed()), store(1n, false), BLOCK, CONTEXT)
    processTransaction(new EvmState(timed()), message, { ...options, budget: probe })
    const one = 1e9 - probe.left
    const bundles = (count: number) => [
      {
        transactions: Array.from({ length: count }, (_, i) => store(BigInt(i + 1), false)),
        blockOverride: {},
      },
    ]
    const context = { ...CONTEXT, callWorkUnits: Math.ceil(1.5 * one) }
    expect(simulateBundles(new EvmState(timed()), bundles(1), context)).toEqual([
      [{ ok: true, output: words(1n) }],
    ])
    // Each of two would fit the budget alone; together they do not.
    expect(() => simulateBundles(new EvmState(timed()), bundles(2), context)).toThrow(ExecutionTimeoutError)
    expect(() =>
      simulateBundles(
        new EvmState(timed()),
        [{ transactions: [store(1n, false), store(2n, true)], blockOverride: {} }],
        { ...CONTEXT, callWorkUnits: 50_000 },
      ),
    ).toThrow('execution aborted (timeout = 5s)')
  })
})
