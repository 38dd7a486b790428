/**
 * debug_traceTransaction's engine: runs one transaction through processTransaction with the tracer
 * a TraceConfig names, and returns that tracer's result in geth's JSON. The caller positions the
 * EvmState at the transaction (the block's earlier transactions replayed on it) and owns it: the
 * transaction's changes stay in it, and after an error (timeout, oversized struct log) it is left
 * mid-transaction and must be dropped.
 *
 *   TraceConfig ──▶ StructLogger | a named tracer (callTracer, prestateTracer, flatCallTracer,
 *                   4byteTracer, noopTracer, or several under muxTracer, each fed every hook)
 *               ──▶ processTransaction(…, { tracer }) ──▶ its result(receipt) ──▶ JSON
 */

import type { Address } from 'viem'
import { VeloxError } from '../../errors/base.ts'
import type { ExecutionResult, Message } from '../../evm/evm.ts'
import type { EvmState, Log } from '../../evm/evmState.ts'
import type { EvmTracer, TracedFrame } from '../../evm/evmTracer.ts'
import { ExecutionTimeoutError, WorkBudget } from '../../evm/workBudget.ts'
import { InvalidTransactionError } from '../executableTransaction.ts'
import {
  type EvmTransaction,
  type ProcessTransactionOptions,
  precompileAddressSet,
  processTransaction,
  type TransactionReceiptData,
} from '../processTransaction.ts'
import { type CallFrameJson, CallTracer } from './callTracer.ts'
import {
  type FlatCallFrameJson,
  flattenCallFrames,
  NO_TRACE_POSITION,
  type TracePosition,
} from './flatCallTracer.ts'
import { FourByteTracer } from './fourByteTracer.ts'
import type { NamedTracerConfig, TraceConfig } from './parseTraceConfig.ts'
import { type PrestateDiffJson, type PrestateJson, PrestateTracer } from './prestateTracer.ts'
import { StructLogger, type StructLoggerResult } from './structLogger.ts'
import { TraceDeadline, TraceTimeoutError } from './traceDeadline.ts'

export type TraceResult =
  | StructLoggerResult
  | CallFrameJson
  | PrestateJson
  | PrestateDiffJson
  | FlatCallFrameJson[]
  /** 4byteTracer's counts; noopTracer's empty object; muxTracer's results by tracer name. */
  | { [key: string]: number | TraceResult }

export type TraceTransactionOptions = Omit<ProcessTransactionOptions, 'tracer'> & {
  /**
   * The block-level index of the transaction's first log: how many logs the block's earlier
   * transactions emitted (the callTracer's log `index`, as geth's). 0 when omitted.
   */
  firstLogIndex?: number
  /** Where the transaction is (flatCallTracer's frames say it); debug_traceCall's has none. */
  position?: TracePosition
}

export type TracedTransaction = { result: TraceResult; receipt: TransactionReceiptData }

/** The transaction could not run at all (geth: "tracing failed: …"); the state is untouched. */
export class TracingFailedError extends VeloxError {
  override name = 'TracingFailedError'
}

/** A tracer set up for one transaction: the hooks it runs with (none for noopTracer), and its result. */
type ActiveTracer = {
  hooks: EvmTracer | undefined
  result(receipt: TransactionReceiptData): TraceResult
}

export function traceTransaction(
  state: EvmState,
  tx: EvmTransaction,
  options: TraceTransactionOptions,
  config: TraceConfig,
): TracedTransaction {
  // The timeout twice over: on the clock where it moves (Node), and as work where it does not (workerd).
  const deadline = new TraceDeadline(config.timeoutMs)
  const budget = new WorkBudget(config.timeoutMs)
  const { firstLogIndex, position, ...processOptions } = options
  let tracer: ActiveTracer
  if (config.tracer === 'structLogger') {
    const logger = new StructLogger(state, config.config, deadline)
    tracer = { hooks: logger, result: (receipt) => logger.result(receipt.gasUsed) }
  } else tracer = startNamedTracer(config, { state, tx, options, deadline })
  let receipt: TransactionReceiptData
  try {
    receipt = processTransaction(state, tx, { ...processOptions, tracer: tracer.hooks, budget })
  } catch (error) {
    if (error instanceof InvalidTransactionError)
      throw new TracingFailedError('tracing failed', { details: error.message, cause: error })
    if (error instanceof ExecutionTimeoutError) throw new TraceTimeoutError()
    throw error
  }
  return { result: tracer.result(receipt), receipt }
}

function startNamedTracer(
  config: NamedTracerConfig,
  setup: { state: EvmState; tx: EvmTransaction; options: TraceTransactionOptions; deadline: TraceDeadline },
): ActiveTracer {
  const { state, tx, options, deadline } = setup
  switch (config.tracer) {
    case 'callTracer': {
      const tracer = new CallTracer(state, config.config, deadline, options.firstLogIndex ?? 0)
      return { hooks: tracer, result: (receipt) => tracer.result(tx.gasLimit, receipt.gasUsed) }
    }
    case 'prestateTracer': {
      const tracer = new PrestateTracer(state, config.config, deadline, {
        fork: options.fork,
        coinbase: options.block.coinbase,
        chainId: options.block.chainId,
      })
      tracer.begin(tx)
      return { hooks: tracer, result: () => tracer.result() }
    }
    case 'flatCallTracer': {
      // geth's: a callTracer with its default options underneath.
      const tracer = new CallTracer(state, { onlyTopCall: false, withLog: false }, deadline, 0)
      return {
        hooks: tracer,
        result: (receipt) =>
          flattenCallFrames(
            tracer.result(tx.gasLimit, receipt.gasUsed),
            config.config,
            options.position ?? NO_TRACE_POSITION,
            precompileAddressSet(options.precompiles),
          ),
      }
    }
    case '4byteTracer': {
      const tracer = new FourByteTracer(precompileAddressSet(options.precompiles))
      return { hooks: tracer, result: () => tracer.result() }
    }
    case 'noopTracer':
      return { hooks: undefined, result: () => ({}) }
    case 'muxTracer': {
      const tracers = config.config.map((named) => startNamedTracer(named, setup))
      const hooks = tracers.flatMap((tracer) => (tracer.hooks ? [tracer.hooks] : []))
      return {
        hooks: hooks.length === 0 ? undefined : new MuxTracer(hooks),
        // By name, in byte order, as Go writes a map.
        result: (receipt) =>
          Object.fromEntries(
            config.config
              .map((named, i) => [named.tracer, tracers[i]!.result(receipt)] as const)
              .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
          ),
      }
    }
  }
}

/** muxTracer's hooks: each event to every tracer, in the order named. */
class MuxTracer implements EvmTracer {
  constructor(private readonly tracers: readonly EvmTracer[]) {}

  onEnter(message: Message): void {
    for (const tracer of this.tracers) tracer.onEnter(message)
  }
  onExit(message: Message, result: ExecutionResult): void {
    for (const tracer of this.tracers) tracer.onExit(message, result)
  }
  onStep(frame: TracedFrame, op: number): void {
    for (const tracer of this.tracers) tracer.onStep(frame, op)
  }
  onFault(frame: TracedFrame, reason: string): void {
    for (const tracer of this.tracers) tracer.onFault(frame, reason)
  }
  onLog(frame: TracedFrame, log: Log): void {
    for (const tracer of this.tracers) tracer.onLog(frame, log)
  }
  onSelfDestruct(frame: TracedFrame, beneficiary: Address, balance: bigint): void {
    for (const tracer of this.tracers) tracer.onSelfDestruct(frame, beneficiary, balance)
  }
}
