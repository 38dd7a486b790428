import type { Address } from 'viem'
import { describe, expect, it } from 'vitest'
import { MAX_STRUCT_LOG_BYTES, type StructLoggerResult, StructLogTooLargeError } from './structLogger.ts'
import { chain, trace, transaction, word } from './tracingFixture.ts'

const CONTRACT: Address = '0x00000000000000000000000000000000000000c0'
const CHILD: Address = '0x00000000000000000000000000000000000000c1'
/** What a 100,000-gas call to CONTRACT has left once the intrinsic 21,000 is paid. */
const GAS = 79_000

function structLog(
  code: string,
  config: object = {},
  gasLimit = 100_000n,
  accounts = {},
): StructLoggerResult {
  const reader = chain({ [CONTRACT]: { code }, ...accounts })
  return trace(reader, transaction({ to: CONTRACT, gasLimit }), config).result as StructLoggerResult
}

describe('struct logger', () => {
  it('logs each opcode with its gas, cost, depth, stack and the slots it touched', () => {
    const result = structLog('PUSH1 0x2a PUSH1 0 SSTORE PUSH1 0 SLOAD STOP')
    const slot = { [word(0n)]: word(0x2an) }
    expect(result).toEqual({
      gas: 21_000 + 3 + 3 + 22_100 + 3 + 100,
      failed: false,
      returnValue: '0x',
      structLogs: [
        { pc: 0, op: 'PUSH1', gas: GAS, gasCost: 3, depth: 1, stack: [] },
        { pc: 2, op: 'PUSH1', gas: GAS - 3, gasCost: 3, depth: 1, stack: ['0x2a'] },
        {
          pc: 4,
          op: 'SSTORE',
          gas: GAS - 6,
          gasCost: 22_100,
          depth: 1,
          stack: ['0x2a', '0x0'],
          storage: slot,
        },
        { pc: 5, op: 'PUSH1', gas: GAS - 22_106, gasCost: 3, depth: 1, stack: [] },
        { pc: 7, op: 'SLOAD', gas: GAS - 22_109, gasCost: 100, depth: 1, stack: ['0x0'], storage: slot },
        { pc: 8, op: 'STOP', gas: GAS - 22_209, gasCost: 0, depth: 1, stack: ['0x2a'] },
      ],
    })
  })

  it('shows the refund counter from the SSTORE that changed it on', () => {
    const { structLogs, gas } = structLog('PUSH1 1 PUSH1 0 SSTORE PUSH1 0 PUSH1 0 SSTORE STOP')
    expect(structLogs.map((log) => [log.op, log.refund])).toEqual([
      ['PUSH1', undefined],
      ['PUSH1', undefined],
      ['SSTORE', undefined],
      ['PUSH1', undefined],
      ['PUSH1', undefined],
      ['SSTORE', 19_900],
      ['STOP', 19_900],
    ])
    // The receipt's gas: a fifth of the gas used at most comes back (EIP-3529).
    const used = 21_000 + 4 * 3 + 22_100 + 100
    expect(gas).toBe(used - Math.min(19_900, Math.floor(used / 5)))
  })

  it('charges a CALL with the gas it forwards, and logs the callee one level deeper', () => {
    const call = `PUSH1 0 PUSH1 0 PUSH1 0 PUSH1 0 PUSH1 0 PUSH20 ${CHILD} GAS CALL STOP`
    const { structLogs } = structLog(call, {}, 100_000n, { [CHILD]: { code: 'PUSH1 1 POP STOP' } })
    const callStep = structLogs.find((log) => log.op === 'CALL')!
    const childSteps = structLogs.filter((log) => log.depth === 2)
    expect(childSteps.map((log) => log.op)).toEqual(['PUSH1', 'POP', 'STOP'])
    // Cold account access, then all but a 64th of the rest.
    const forwarded = childSteps[0]!.gas
    expect(forwarded).toBe(callStep.gas - 2600 - Math.floor((callStep.gas - 2600) / 64))
    expect(structLogs[structLogs.indexOf(callStep) - 1]!.op).toBe('GAS')
    expect(callStep.gasCost).toBe(2600 + forwarded)
    const after = structLogs[structLogs.length - 1]!
    // The child used 5 of what it was given.
    expect(after).toMatchObject({ op: 'STOP', depth: 1, gas: callStep.gas - 2600 - 5 })
  })

  it("leaves the gas a CREATE forwards out of its cost, as geth's opCreate takes it while running", () => {
    // Initcode: the single byte 0x00 (STOP), at memory 31.
    const { structLogs } = structLog('PUSH1 1 PUSH1 31 PUSH1 0 CREATE STOP')
    const create = structLogs.find((log) => log.op === 'CREATE')!
    // 32,000, one word of initcode (2), one word of memory (3).
    expect(create.gasCost).toBe(32_000 + 2 + 3)
    const child = structLogs.find((log) => log.depth === 2)!
    expect(child.op).toBe('STOP')
    expect(child.gas).toBe(create.gas - create.gasCost - Math.floor((create.gas - create.gasCost) / 64))
  })

  it("puts a failure that geth raises before the opcode runs on its step, in geth's words", () => {
    const underflow = structLog('ADD')
    expect(underflow).toEqual({
      gas: 100_000,
      failed: true,
      returnValue: '0x',
      structLogs: [
        { pc: 0, op: 'ADD', gas: GAS, gasCost: 3, depth: 1, stack: [], error: 'stack underflow (0 <=> 2)' },
      ],
    })
    // SLOAD, cold: 2,100 is what geth tried to charge.
    const outOfGas = structLog('PUSH1 0 SLOAD', {}, 21_000n + 3n + 50n)
    expect(outOfGas.structLogs[1]).toMatchObject({ op: 'SLOAD', gas: 50, gasCost: 2100, error: 'out of gas' })
    // BALANCE with less than its warm price left fails on geth's constant gas.
    const balance = structLog('PUSH1 0 BALANCE', {}, 21_000n + 3n + 50n)
    expect(balance.structLogs[1]).toMatchObject({ op: 'BALANCE', gasCost: 100, error: 'out of gas' })
    const sentry = structLog('PUSH1 1 PUSH1 0 SSTORE', {}, 21_000n + 6n + 2300n)
    expect(sentry.structLogs[2]).toMatchObject({
      op: 'SSTORE',
      gas: 2300,
      gasCost: 0,
      error: 'out of gas: not enough gas for reentrancy sentry',
    })
  })

  it('leaves a failure that geth raises while the opcode runs off its step', () => {
    const jump = structLog('PUSH1 5 JUMP')
    expect(jump.structLogs[1]).toEqual({
      pc: 2,
      op: 'JUMP',
      gas: GAS - 3,
      gasCost: 8,
      depth: 1,
      stack: ['0x5'],
    })
    expect(jump.failed).toBe(true)
    const invalid = structLog('0xfe')
    expect(invalid.structLogs).toEqual([{ pc: 0, op: 'INVALID', gas: GAS, gasCost: 0, depth: 1, stack: [] }])
    const undefinedOpcode = structLog('0x0c')
    expect(undefinedOpcode.structLogs[0]!.op).toBe('opcode 0xc not defined')
  })

  it('returns the revert data of a reverted transaction, and nothing after an exceptional halt', () => {
    const reverted = structLog('PUSH1 0xaa PUSH1 0 MSTORE8 PUSH1 1 PUSH1 0 REVERT')
    expect(reverted).toMatchObject({ failed: true, returnValue: '0xaa' })
    expect(reverted.structLogs.at(-1)).not.toHaveProperty('error')
    const returned = structLog('PUSH1 0xbb PUSH1 0 MSTORE8 PUSH1 1 PUSH1 0 RETURN')
    expect(returned).toMatchObject({ failed: false, returnValue: '0xbb' })
  })

  it('honours disableStack, disableStorage, enableMemory and enableReturnData', () => {
    const code = `PUSH1 0x2a PUSH1 0 MSTORE PUSH1 1 PUSH1 0 SSTORE PUSH1 0 PUSH1 0 PUSH1 0 PUSH1 0 PUSH20 ${CHILD} GAS STATICCALL STOP`
    const child = { [CHILD]: { code: 'PUSH1 0xcc PUSH1 0 MSTORE8 PUSH1 1 PUSH1 0 RETURN' } }
    const bare = structLog(code, { disableStack: true, disableStorage: true }, 100_000n, child)
    for (const log of bare.structLogs) {
      expect(log).not.toHaveProperty('stack')
      expect(log).not.toHaveProperty('storage')
      expect(log).not.toHaveProperty('memory')
      expect(log).not.toHaveProperty('returnData')
    }
    const full = structLog(code, { enableMemory: true, enableReturnData: true }, 100_000n, child)
    const mstore = full.structLogs.find((log) => log.op === 'MSTORE')!
    // Memory before the opcode: none yet.
    expect(mstore).not.toHaveProperty('memory')
    expect(full.structLogs.find((log) => log.op === 'SSTORE')!.memory).toEqual([word(0x2an)])
    expect(full.structLogs.at(-1)).toMatchObject({ op: 'STOP', returnData: '0xcc' })
  })

  it("stops logging past geth's `limit` in bytes", () => {
    const limited = structLog('PUSH1 1 PUSH1 2 ADD STOP', { limit: 1 })
    expect(limited.structLogs).toHaveLength(1)
  })

  it('refuses to build a struct log larger than MAX_STRUCT_LOG_BYTES', () => {
    // Memory of 64 KiB, then a loop: every step carries 2,048 words of memory.
    const code = 'PUSH2 0xffe0 MLOAD POP JUMPDEST PUSH1 5 JUMP'
    expect(() => structLog(code, { enableMemory: true }, 1_000_000n)).toThrow(StructLogTooLargeError)
    // A smaller `limit` of its own keeps it bounded, as geth's would.
    const limited = structLog(code, { enableMemory: true, limit: 1_000_000 }, 1_000_000n)
    expect(JSON.stringify(limited.structLogs).length).toBeLessThan(MAX_STRUCT_LOG_BYTES)
  })
})
