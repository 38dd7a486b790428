import type { Address } from 'viem'
import { describe, expect, it } from 'vitest'
import { hexToBytes } from '../../primitives/hex.ts'
import type { CallFrameJson } from './callTracer.ts'
import type { FlatCallFrameJson } from './flatCallTracer.ts'
import { chain, SENDER, trace, transaction } from './tracingFixture.ts'

const CONTRACT: Address = '0x00000000000000000000000000000000000000c0'
const CHILD: Address = '0x00000000000000000000000000000000000000c1'
const OTHER: Address = '0x00000000000000000000000000000000000000c2'
const IDENTITY: Address = '0x0000000000000000000000000000000000000004'

/** Writes selector 0xaabbccdd at memory 0, then calls `to` with `size` bytes of it (CALL with 0 value). */
const callWith = (kind: 'CALL' | 'STATICCALL' | 'DELEGATECALL', to: Address, size: number) =>
  `PUSH4 0xaabbccdd PUSH1 0xe0 SHL PUSH1 0 MSTORE PUSH1 0 PUSH1 0 PUSH1 ${size} PUSH1 0 ${kind === 'CALL' ? 'PUSH1 0 ' : ''}PUSH20 ${to} GAS ${kind} POP`
const REVERT_EMPTY = 'PUSH1 0 PUSH1 0 REVERT'

/** CONTRACT: a CALL to CHILD, a STATICCALL to the identity precompile, a DELEGATECALL to OTHER (reverts). */
const NESTED = {
  [CONTRACT]: {
    code: `${callWith('CALL', CHILD, 36)} ${callWith('STATICCALL', IDENTITY, 8)} ${callWith('DELEGATECALL', OTHER, 0)} STOP`,
  },
  [CHILD]: { code: `${callWith('CALL', OTHER, 4)} STOP` },
  [OTHER]: { code: REVERT_EMPTY },
}

/** Traces a call of CONTRACT with 3 wei and `data`, as debug_traceCall would (no block position). */
function run(accounts: Parameters<typeof chain>[0], config: object, data: `0x${string}` = '0x') {
  return trace(chain(accounts), transaction({ to: CONTRACT, value: 3n, data: hexToBytes(data) }), config)
    .result
}

describe('flatCallTracer', () => {
  it("lists the callTracer's frames depth first, with trace addresses, leaving out precompile calls", () => {
    const nested = run(NESTED, { tracer: 'callTracer' }) as CallFrameJson
    const flat = run(NESTED, { tracer: 'flatCallTracer' }) as FlatCallFrameJson[]
    const [toChild, , toOther] = nested.calls!
    const position = { blockHash: null, blockNumber: 0, transactionHash: null, transactionPosition: 0 }
    expect(flat).toEqual([
      {
        action: { callType: 'call', from: SENDER, gas: nested.gas, input: '0x', to: CONTRACT, value: '0x3' },
        ...position,
        result: { gasUsed: nested.gasUsed, output: '0x' },
        subtraces: 2,
        traceAddress: [],
        type: 'call',
      },
      {
        action: {
          callType: 'call',
          from: CONTRACT,
          gas: toChild!.gas,
          input: toChild!.input,
          to: CHILD,
          value: '0x0',
        },
        ...position,
        result: { gasUsed: toChild!.gasUsed, output: '0x' },
        subtraces: 1,
        traceAddress: [0],
        type: 'call',
      },
      {
        action: {
          callType: 'call',
          from: CHILD,
          gas: toChild!.calls![0]!.gas,
          input: '0xaabbccdd',
          to: OTHER,
          value: '0x0',
        },
        ...position,
        error: 'execution reverted',
        // A revert keeps its result: its output says why.
        result: { gasUsed: toChild!.calls![0]!.gasUsed, output: '0x' },
        subtraces: 0,
        traceAddress: [0, 0],
        type: 'call',
      },
      {
        action: {
          callType: 'delegatecall',
          from: CONTRACT,
          gas: toOther!.gas,
          input: '0x',
          to: OTHER,
          value: '0x3',
        },
        ...position,
        error: 'execution reverted',
        result: { gasUsed: toOther!.gasUsed, output: '0x' },
        subtraces: 0,
        traceAddress: [1],
        type: 'call',
      },
    ])
    // geth's key order, which JSON keeps.
    expect(Object.keys(flat[2]!)).toEqual([
      'action',
      'blockHash',
      'blockNumber',
      'error',
      'result',
      'subtraces',
      'traceAddress',
      'transactionHash',
      'transactionPosition',
      'type',
    ])

    const withPrecompiles = run(NESTED, {
      tracer: 'flatCallTracer',
      tracerConfig: { includePrecompiles: true, convertParityErrors: true },
    }) as FlatCallFrameJson[]
    expect(withPrecompiles.map((frame) => [frame.traceAddress, frame.action.callType, frame.error])).toEqual([
      [[], 'call', undefined],
      [[0], 'call', undefined],
      [[0, 0], 'call', 'Reverted'],
      // A staticcall's value is zero in Parity's format.
      [[1], 'staticcall', undefined],
      [[2], 'delegatecall', 'Reverted'],
    ])
    expect(withPrecompiles[3]!.action).toMatchObject({ to: IDENTITY, value: '0x0' })
  })

  it('writes creates, self-destructs and halted frames as Parity does', () => {
    const initcode = '0x600a600c600039600a6000f3602a60005260206000f3'
    const created = trace(chain({}), transaction({ to: null, data: hexToBytes(initcode) }), {
      tracer: 'flatCallTracer',
    }).result as FlatCallFrameJson[]
    expect(created).toHaveLength(1)
    expect(created[0]).toMatchObject({
      action: { creationMethod: 'create', from: SENDER, init: initcode, value: '0x0' },
      result: { code: '0x602a60005260206000f3' },
      type: 'create',
    })
    expect(created[0]!.result!.address).toMatch(/^0x[0-9a-f]{40}$/)

    const destroyed = run(
      {
        [CONTRACT]: { code: `${callWith('CALL', CHILD, 0)} STOP` },
        [CHILD]: { code: `PUSH20 ${OTHER} SELFDESTRUCT`, balance: 77n },
      },
      { tracer: 'flatCallTracer' },
    ) as FlatCallFrameJson[]
    expect(destroyed[2]).toEqual({
      action: { address: CHILD, balance: '0x4d', refundAddress: OTHER },
      blockHash: null,
      blockNumber: 0,
      subtraces: 0,
      traceAddress: [0, 0],
      transactionHash: null,
      transactionPosition: 0,
      type: 'suicide',
    })

    // A frame that halts has no result; Parity calls running out of gas "Out of gas".
    const halted = (config: object) =>
      run(
        {
          [CONTRACT]: {
            code: `PUSH1 0 PUSH1 0 PUSH1 0 PUSH1 0 PUSH1 0 PUSH20 ${CHILD} PUSH2 0x1000 CALL STOP`,
          },
          [CHILD]: { code: 'JUMPDEST PUSH1 0 JUMP' },
        },
        { tracer: 'flatCallTracer', tracerConfig: config },
      ) as FlatCallFrameJson[]
    expect(halted({})[1]).toMatchObject({ error: 'out of gas', traceAddress: [0] })
    expect(halted({})[1]!.result).toBeUndefined()
    expect(halted({ convertParityErrors: true })[1]!.error).toBe('Out of gas')
  })
})

describe('4byteTracer', () => {
  it('counts selectors with their argument sizes, the transaction’s own included, precompiles not', () => {
    const counts = run(
      {
        ...NESTED,
        [CONTRACT]: {
          code: `${callWith('CALL', CHILD, 36)} ${callWith('CALL', CHILD, 36)} ${callWith('STATICCALL', IDENTITY, 8)} STOP`,
        },
      },
      { tracer: '4byteTracer' },
      '0x1234567800',
    )
    expect(counts).toEqual({ '0x12345678-1': 1, '0xaabbccdd-0': 2, '0xaabbccdd-32': 2 })
    expect(Object.keys(counts)).toEqual(['0x12345678-1', '0xaabbccdd-0', '0xaabbccdd-32'])
  })
})

describe('muxTracer and noopTracer', () => {
  it('runs several tracers over one execution, each result as it would be alone, by name', () => {
    const mux = run(NESTED, {
      tracer: 'muxTracer',
      tracerConfig: {
        noopTracer: {},
        callTracer: { onlyTopCall: true },
        '4byteTracer': {},
        flatCallTracer: {},
      },
    }) as Record<string, unknown>
    expect(Object.keys(mux)).toEqual(['4byteTracer', 'callTracer', 'flatCallTracer', 'noopTracer'])
    expect(mux).toEqual({
      '4byteTracer': run(NESTED, { tracer: '4byteTracer' }),
      callTracer: run(NESTED, { tracer: 'callTracer', tracerConfig: { onlyTopCall: true } }),
      flatCallTracer: run(NESTED, { tracer: 'flatCallTracer' }),
      noopTracer: {},
    })
    expect(run(NESTED, { tracer: 'noopTracer' })).toEqual({})
  })
})
