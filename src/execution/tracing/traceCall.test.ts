import type { Address } from 'viem'
import { describe, expect, it, vi } from 'vitest'
import { EvmState } from '../../evm/evmState.ts'
import type { CallRequest } from '../simulateCall.ts'
import type { CallFrameJson } from './callTracer.ts'
import { parseTraceConfig } from './parseTraceConfig.ts'
import { traceCall } from './traceCall.ts'
import { TraceTimeoutError } from './traceDeadline.ts'
import { BLOCK, CALL_CONTEXT, callRequest, chain, SENDER } from './tracingFixture.ts'

const CONTRACT: Address = '0x00000000000000000000000000000000000000c0'
const NOBODY: Address = '0x0000000000000000000000000000000000000b0d'
/** Returns BASEFEE. */
const CODE = 'BASEFEE PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN'

const request = (fields: Partial<CallRequest>): CallRequest =>
  callRequest(NOBODY, { to: CONTRACT, ...fields })
const context = CALL_CONTEXT

describe('traceCall', () => {
  it('traces a call as eth_call runs it: from anyone, capped gas, no base fee when it offers none', () => {
    const state = new EvmState(chain({ [CONTRACT]: { code: CODE } }))
    const { result } = traceCall(state, request({}), context, parseTraceConfig({ tracer: 'callTracer' }))
    expect(result).toMatchObject({
      from: NOBODY,
      to: CONTRACT,
      gas: '0x2faf080',
      output: `0x${'0'.repeat(64)}`,
      type: 'CALL',
    } satisfies Partial<CallFrameJson>)
  })

  it('charges a call that offers a fee the block base fee', () => {
    const state = new EvmState(chain({ [CONTRACT]: { code: CODE } }))
    const paid = request({ from: SENDER, gas: 50_000n, maxFeePerGas: 100n, maxPriorityFeePerGas: 1n })
    const { result } = traceCall(state, paid, context, parseTraceConfig({ tracer: 'callTracer' }))
    expect(result).toMatchObject({
      gas: '0xc350',
      output: `0x${BLOCK.baseFeePerGas.toString(16).padStart(64, '0')}`,
    })
  })

  it('stops a call that loops past its timeout even where the clock stands still (workerd)', () => {
    const clock = vi.spyOn(performance, 'now').mockReturnValue(0)
    try {
      for (const tracer of ['callTracer', 'prestateTracer', undefined]) {
        const state = new EvmState(chain({ [CONTRACT]: { code: 'JUMPDEST PUSH0 JUMP' } }))
        const config = parseTraceConfig({ tracer, timeout: '1ms' })
        expect(() => traceCall(state, request({}), context, config)).toThrow(new TraceTimeoutError())
      }
    } finally {
      clock.mockRestore()
    }
  })
})
