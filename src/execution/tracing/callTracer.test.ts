import { sha256 } from '@noble/hashes/sha2.js'
import type { Address } from 'viem'
import { describe, expect, it } from 'vitest'
import { createAddress } from '../../evm/evm.ts'
import { bytesToHex } from '../../primitives/hex.ts'
import type { CallFrameJson } from './callTracer.ts'
import { assemble, chain, SENDER, trace, transaction } from './tracingFixture.ts'

const CONTRACT: Address = '0x00000000000000000000000000000000000000c0'
const CHILD: Address = '0x00000000000000000000000000000000000000c1'
const OTHER: Address = '0x00000000000000000000000000000000000000c2'

/** Calls `to` with `kind` (CALL/CALLCODE with `value`), all gas, no calldata. */
const call = (kind: string, to: Address, value = 0) =>
  kind === 'CALL' || kind === 'CALLCODE'
    ? `PUSH1 0 PUSH1 0 PUSH1 0 PUSH1 0 PUSH1 ${value} PUSH20 ${to} GAS ${kind} POP`
    : `PUSH1 0 PUSH1 0 PUSH1 0 PUSH1 0 PUSH20 ${to} GAS ${kind} POP`
/** Reverts with Error("nope"). */
const REVERT_NOPE =
  'PUSH4 0x08c379a0 PUSH1 0xe0 SHL PUSH1 0 MSTORE PUSH1 0x20 PUSH1 4 MSTORE PUSH1 4 PUSH1 0x24 MSTORE PUSH4 0x6e6f7065 PUSH1 0xe0 SHL PUSH1 0x44 MSTORE PUSH1 0x64 PUSH1 0 REVERT'

function callTrace(
  accounts: Parameters<typeof chain>[0],
  config: object = {},
  fields: Partial<Parameters<typeof transaction>[0]> = {},
  options: { firstLogIndex?: number } = {},
): CallFrameJson {
  const tx = transaction({ to: CONTRACT, ...fields })
  return trace(chain(accounts), tx, { tracer: 'callTracer', tracerConfig: config }, options)
    .result as CallFrameJson
}

describe('callTracer', () => {
  it("reports the transaction's frame with its gas limit and the receipt's gas used", () => {
    const result = callTrace(
      { [CONTRACT]: { code: 'PUSH1 0x2a PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN' } },
      {},
      { value: 5n },
    )
    expect(result).toEqual({
      from: SENDER,
      gas: '0x186a0',
      gasUsed: `0x${(21_000 + 3 * 4 + 3 + 3).toString(16)}`,
      to: CONTRACT,
      input: '0x',
      output: `0x${'2a'.padStart(64, '0')}`,
      value: '0x5',
      type: 'CALL',
    })
  })

  it('names the parties of each call kind as geth does', () => {
    const code = [
      call('CALL', CHILD, 1),
      call('CALLCODE', CHILD),
      call('DELEGATECALL', CHILD),
      call('STATICCALL', CHILD),
    ]
    const result = callTrace(
      { [CONTRACT]: { code: `${code.join(' ')} STOP`, balance: 10n }, [CHILD]: { code: 'STOP' } },
      {},
      { value: 3n },
    )
    expect(result.calls?.map(({ type, from, to, value }) => ({ type, from, to, value }))).toEqual([
      { type: 'CALL', from: CONTRACT, to: CHILD, value: '0x1' },
      { type: 'CALLCODE', from: CONTRACT, to: CHILD, value: '0x0' },
      // A DELEGATECALL carries its caller's value and acts for the calling contract.
      { type: 'DELEGATECALL', from: CONTRACT, to: CHILD, value: '0x3' },
      { type: 'STATICCALL', from: CONTRACT, to: CHILD, value: undefined },
    ])
    // The stipend of a value-carrying CALL is part of the gas it gives.
    const first = result.calls![0]!
    expect(BigInt(first.gas) - BigInt(result.calls![1]!.gas)).toBeGreaterThan(0n)
  })

  it('decodes a revert reason and keeps the revert data', () => {
    const result = callTrace({
      [CONTRACT]: { code: `${call('CALL', CHILD)} STOP` },
      [CHILD]: { code: REVERT_NOPE },
    })
    expect(result.calls![0]).toMatchObject({
      error: 'execution reverted',
      revertReason: 'nope',
      type: 'CALL',
    })
    expect(result.calls![0]!.output).toMatch(/^0x08c379a0/)
    expect(result).not.toHaveProperty('error')
  })

  it("words exceptional halts as geth's errors", () => {
    const halts: [string, string][] = [
      ['0xfe', 'invalid opcode: INVALID'],
      ['0x0c', 'invalid opcode: opcode 0xc not defined'],
      ['PUSH1 3 JUMP', 'invalid jump destination'],
      ['ADD', 'stack underflow (0 <=> 2)'],
      ['PUSH1 1 PUSH1 0 RETURNDATACOPY', 'stack underflow (2 <=> 3)'],
      ['PUSH1 1 PUSH1 0 PUSH1 0 RETURNDATACOPY', 'return data out of bounds'],
    ]
    for (const [code, error] of halts) {
      const result = callTrace({ [CONTRACT]: { code: `${call('CALL', CHILD)} STOP` }, [CHILD]: { code } })
      expect(result.calls![0]!.error, code).toBe(error)
      expect(result.calls![0]!.gasUsed, code).toBe(result.calls![0]!.gas)
    }
  })

  it('reports a write in a static call as geth v1.17 does', () => {
    const sstore = callTrace({
      [CONTRACT]: { code: `${call('STATICCALL', CHILD)} STOP` },
      [CHILD]: { code: 'PUSH1 1 PUSH1 0 SSTORE' },
    })
    expect(sstore.calls![0]!.error).toBe('out of gas: write protection')
    const log = callTrace({
      [CONTRACT]: { code: `${call('STATICCALL', CHILD)} STOP` },
      [CHILD]: { code: 'PUSH1 0 PUSH1 0 LOG0' },
    })
    expect(log.calls![0]!.error).toBe('write protection')
  })

  it('reports refused calls and creates, and address collisions, as failed frames', () => {
    const refusedCall = callTrace({ [CONTRACT]: { code: `${call('CALL', CHILD, 100)} STOP`, balance: 1n } })
    expect(refusedCall.calls).toEqual([
      {
        from: CONTRACT,
        gas: refusedCall.calls![0]!.gas,
        gasUsed: '0x0',
        to: CHILD,
        input: '0x',
        error: 'insufficient balance for transfer',
        value: '0x64',
        type: 'CALL',
      },
    ])
    const refusedCreate = callTrace({ [CONTRACT]: { code: 'PUSH1 0 PUSH1 0 PUSH1 9 CREATE STOP' } })
    expect(refusedCreate.calls).toEqual([
      {
        from: CONTRACT,
        gas: refusedCreate.calls![0]!.gas,
        gasUsed: '0x0',
        input: '0x',
        error: 'insufficient balance for transfer',
        value: '0x9',
        type: 'CREATE',
      },
    ])
    // CONTRACT's first CREATE (nonce 1) lands on an account that already has code.
    const taken = createAddress(CONTRACT, 1n)
    const collision = callTrace({
      [CONTRACT]: { code: 'PUSH1 0 PUSH1 0 PUSH1 0 CREATE STOP' },
      [taken]: { code: 'STOP' },
    })
    expect(collision.calls![0]).toMatchObject({ type: 'CREATE', error: 'contract address collision' })
    expect(collision.calls![0]!.gasUsed).toBe(collision.calls![0]!.gas)
    expect(collision.calls![0]).not.toHaveProperty('to')
  })

  it('reports a transaction whose creation collides, and a creation that fails, without `to`', () => {
    const taken = createAddress(SENDER, 0n)
    const collision = callTrace({ [taken]: { code: 'STOP' } }, {}, { to: null, data: assemble('STOP') })
    expect(collision).toEqual({
      from: SENDER,
      gas: '0x186a0',
      gasUsed: '0x186a0',
      input: '0x00',
      error: 'contract address collision',
      value: '0x0',
      type: 'CREATE',
    })
    const created = callTrace(
      {},
      {},
      { to: null, data: assemble('PUSH1 0xfe PUSH1 0 MSTORE8 PUSH1 1 PUSH1 0 RETURN') },
    )
    expect(created).toMatchObject({ to: taken, output: '0xfe', type: 'CREATE' })
    const deposit = callTrace(
      {},
      {},
      { to: null, data: assemble('PUSH1 0xef PUSH1 0 MSTORE8 PUSH1 1 PUSH1 0 RETURN') },
    )
    expect(deposit).toMatchObject({ error: 'invalid code: must not begin with 0xef', type: 'CREATE' })
    expect(deposit).not.toHaveProperty('to')
  })

  it('reports SELFDESTRUCT as a frame with the balance it moved', () => {
    const result = callTrace({
      [CONTRACT]: { code: `${call('CALL', CHILD)} STOP` },
      [CHILD]: { code: `PUSH20 ${OTHER} SELFDESTRUCT`, balance: 77n },
    })
    expect(result.calls![0]!.calls).toEqual([
      {
        from: CHILD,
        gas: '0x0',
        gasUsed: '0x0',
        to: OTHER,
        input: '0x',
        value: '0x4d',
        type: 'SELFDESTRUCT',
      },
    ])
  })

  it('lists logs with their block-level index and position, and drops those of failed frames', () => {
    const accounts = {
      // LOG1(tag 1), call CHILD (which logs then reverts), call OTHER (which logs), LOG1(tag 2).
      [CONTRACT]: {
        code: `PUSH1 1 PUSH1 0 PUSH1 0 LOG1 ${call('CALL', CHILD)} ${call('CALL', OTHER)} PUSH1 2 PUSH1 0 PUSH1 0 LOG1 STOP`,
      },
      [CHILD]: { code: 'PUSH1 0 PUSH1 0 LOG0 PUSH1 0 PUSH1 0 REVERT' },
      [OTHER]: { code: 'PUSH1 0 PUSH1 0 LOG0 STOP' },
    }
    const result = callTrace(accounts, { withLog: true }, {}, { firstLogIndex: 5 })
    const topic = (tag: number) => `0x${tag.toString(16).padStart(64, '0')}`
    expect(result.logs).toEqual([
      { address: CONTRACT, topics: [topic(1)], data: '0x', index: '0x5', position: '0x0' },
      // CHILD's log was undone, so this is the block's seventh.
      { address: CONTRACT, topics: [topic(2)], data: '0x', index: '0x7', position: '0x2' },
    ])
    expect(result.calls![0]).not.toHaveProperty('logs')
    expect(result.calls![1]!.logs).toEqual([
      { address: OTHER, topics: [], data: '0x', index: '0x6', position: '0x0' },
    ])
    expect(callTrace(accounts)).not.toHaveProperty('logs')
  })

  it('with onlyTopCall, reports the transaction frame alone', () => {
    const result = callTrace(
      {
        [CONTRACT]: { code: `PUSH1 0 PUSH1 0 LOG0 ${call('CALL', CHILD)} STOP` },
        [CHILD]: { code: 'PUSH1 0 PUSH1 0 LOG0 STOP' },
      },
      { onlyTopCall: true, withLog: true },
    )
    expect(result).not.toHaveProperty('calls')
    expect(result.logs).toHaveLength(1)
  })

  it('reports a call to a precompile, and to an account without code', () => {
    const result = callTrace({
      [CONTRACT]: {
        code: `PUSH1 0xaa PUSH1 0 MSTORE8 PUSH1 32 PUSH1 0 PUSH1 1 PUSH1 0 PUSH1 2 GAS STATICCALL POP ${call('CALL', OTHER)} STOP`,
      },
    })
    expect(
      result.calls!.map(({ type, to, input, output, gasUsed }) => ({ type, to, input, output, gasUsed })),
    ).toEqual([
      {
        type: 'STATICCALL',
        to: '0x0000000000000000000000000000000000000002',
        input: '0xaa',
        output: bytesToHex(sha256(Uint8Array.of(0xaa))),
        gasUsed: '0x48',
      },
      { type: 'CALL', to: OTHER, input: '0x', output: undefined, gasUsed: '0x0' },
    ])
  })
})
