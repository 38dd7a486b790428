import type { Address } from 'viem'
import { describe, expect, it } from 'vitest'
import { EvmState } from '../../evm/evmState.ts'
import { processTransaction } from '../processTransaction.ts'
import type { CallFrameJson } from './callTracer.ts'
import { parseTraceConfig } from './parseTraceConfig.ts'
import type { StructLoggerResult } from './structLogger.ts'
import { TraceTimeoutError } from './traceDeadline.ts'
import { TracingFailedError, traceTransaction } from './traceTransaction.ts'
import { chain, OPTIONS, SENDER, trace, transaction } from './tracingFixture.ts'

const CONTRACT: Address = '0x00000000000000000000000000000000000000c0'
const LOOP = 'JUMPDEST PUSH1 0 JUMP'

describe('traceTransaction', () => {
  it('runs the transaction with the named tracer and leaves its changes in the state', () => {
    const reader = chain({ [CONTRACT]: { code: 'PUSH1 1 PUSH1 0 SSTORE STOP' } })
    const { result, receipt, state } = trace(reader, transaction({ to: CONTRACT }), { tracer: 'callTracer' })
    expect((result as CallFrameJson).gasUsed).toBe(`0x${receipt.gasUsed.toString(16)}`)
    expect(state.getStorage(CONTRACT, 0n)).toBe(1n)
    expect(state.getNonce(SENDER)).toBe(1n)
  })

  it('executes as processTransaction does without a tracer', () => {
    const reader = chain({
      [CONTRACT]: { code: 'PUSH1 1 PUSH1 0 SSTORE PUSH1 0 SLOAD PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN' },
    })
    const tx = transaction({ to: CONTRACT })
    const plain = processTransaction(new EvmState(reader), tx, OPTIONS)
    for (const config of [{}, { tracer: 'callTracer' }, { tracer: 'prestateTracer' }])
      expect(trace(reader, tx, config).receipt).toEqual(plain)
  })

  it("refuses a transaction that cannot run, in geth's words", () => {
    const reader = chain({})
    const run = () => trace(reader, transaction({ to: CONTRACT, nonce: 3n }), {})
    expect(run).toThrow(TracingFailedError)
    expect(run).toThrow(`tracing failed: nonce too high: address ${SENDER}, tx: 3 state: 0`)
  })

  it('stops a trace that runs past its timeout', () => {
    const reader = chain({ [CONTRACT]: { code: LOOP } })
    const tx = transaction({ to: CONTRACT, gasLimit: 10_000_000n })
    for (const tracer of [undefined, 'callTracer', 'prestateTracer']) {
      const config = parseTraceConfig({ tracer, timeout: '0s' })
      expect(() => traceTransaction(new EvmState(reader), tx, OPTIONS, config)).toThrow(TraceTimeoutError)
    }
    const short = transaction({ to: CONTRACT, gasLimit: 200_000n })
    const finished = trace(reader, short, { timeout: '1m' }).result as StructLoggerResult
    expect(finished.failed).toBe(true)
  })
})
