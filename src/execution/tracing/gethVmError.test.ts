import { describe, expect, it } from 'vitest'
import { gethExitError, gethFault, gethFaultCost, gethOpcodeName } from './gethVmError.ts'

describe("geth's words for halts", () => {
  it("names opcodes as geth's OpCode.String()", () => {
    expect(gethOpcodeName(0x01)).toBe('ADD')
    expect(gethOpcodeName(0x44)).toBe('DIFFICULTY')
    expect(gethOpcodeName(0x5f)).toBe('PUSH0')
    expect(gethOpcodeName(0xfe)).toBe('INVALID')
    expect(gethOpcodeName(0x0c)).toBe('opcode 0xc not defined')
    expect(gethOpcodeName(0xef)).toBe('opcode 0xef not defined')
    // Named by geth, though Prague does not define it.
    expect(gethOpcodeName(0x1e)).toBe('CLZ')
  })

  it('words each fault and says whether geth raises it before the opcode hook', () => {
    const fault = (op: number, reason: string, stack: bigint[] = [], gas = 100_000n) =>
      gethFault(op, reason, stack, stack.length, gas)
    expect(fault(0x01, 'stack underflow', [1n])).toEqual({
      message: 'stack underflow (1 <=> 2)',
      beforeStep: true,
    })
    expect(fault(0x60, 'stack overflow', new Array(1024).fill(0n))).toEqual({
      message: 'stack limit reached 1024 (1023)',
      beforeStep: true,
    })
    expect(fault(0x54, 'out of gas')).toEqual({ message: 'out of gas', beforeStep: true })
    expect(fault(0x55, 'out of gas', [1n, 0n], 2300n).message).toBe(
      'out of gas: not enough gas for reentrancy sentry',
    )
    expect(fault(0x55, 'out of gas', [1n, 0n], 2301n).message).toBe('out of gas')
    expect(fault(0x55, 'write protection')).toEqual({
      message: 'out of gas: write protection',
      beforeStep: true,
    })
    expect(fault(0xa0, 'write protection')).toEqual({ message: 'write protection', beforeStep: false })
    expect(fault(0xf0, 'max initcode size exceeded', [50_000n, 0n, 0n])).toEqual({
      message: 'out of gas: max initcode size exceeded: code size 50000 limit 49152',
      beforeStep: true,
    })
    expect(fault(0xfe, 'invalid opcode 0xfe')).toEqual({
      message: 'invalid opcode: INVALID',
      beforeStep: false,
    })
    expect(fault(0x56, 'invalid jump destination')).toEqual({
      message: 'invalid jump destination',
      beforeStep: false,
    })
  })

  it('prices a failed step as geth reports it: what it tried to charge', () => {
    const outOfGas = { message: 'out of gas', beforeStep: true }
    // Cold BALANCE with 50 gas: geth's constant 100 fails first.
    expect(gethFaultCost(0x31, outOfGas, 50n, 2600n)).toBe(100n)
    expect(gethFaultCost(0x31, outOfGas, 500n, 2600n)).toBe(2600n)
    expect(gethFaultCost(0x01, { message: 'stack underflow (0 <=> 2)', beforeStep: true }, 50n, 0n)).toBe(3n)
    expect(gethFaultCost(0x56, { message: 'invalid jump destination', beforeStep: false }, 50n, 0n)).toBe(8n)
  })

  it('words the errors of frames no opcode ended', () => {
    expect(gethExitError('code store out of gas')).toBe('contract creation code storage out of gas')
    expect(gethExitError('max code size exceeded')).toBe('max code size exceeded')
    expect(gethExitError(undefined)).toBe('execution reverted')
  })
})
