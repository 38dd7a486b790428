/**
 * debug_traceTransaction's engine: runs one transaction through processTransaction with the tracer
 * a TraceConfig names, and returns that tracer's result in geth's JSON. The caller positions the
 * EvmState at the transaction (the block's earlier transactions replayed on it) and owns it: the
 * transaction's changes stay in it, and after an error (timeout, oversized struct log) it is left
 * mid-transaction and must be dropped.
 *
 *   TraceConfig ──▶ StructLogger | CallTracer | PrestateTracer ──▶ processTransaction(…, { tracer })
 *                                                             ──▶ tracer.result(receipt) ──▶ JSON
 */

import { VeloxError } from '../../errors/base.ts'
import type { EvmState } from '../../evm/evmState.ts'
import { ExecutionTimeoutError, WorkBudget } from '../../evm/workBudget.ts'
import { InvalidTransactionError } from '../executableTransaction.ts'
import {
  type EvmTransaction,
  type ProcessTransactionOptions,
  processTransaction,
  type TransactionReceiptData,
} from '../processTransaction.ts'
import { type CallFrameJson, CallTracer } from './callTracer.ts'
import type { TraceConfig } from './parseTraceConfig.ts'
import { type PrestateDiffJson, type PrestateJson, PrestateTracer } from './prestateTracer.ts'
import { StructLogger, type StructLoggerResult } from './structLogger.ts'
import { TraceDeadline, TraceTimeoutError } from './traceDeadline.ts'

export type TraceResult = StructLoggerResult | CallFrameJson | PrestateJson | PrestateDiffJson

export type TraceTransactionOptions = Omit<ProcessTransactionOptions, 'tracer'> & {
  /**
   * The block-level index of the transaction's first log: how many logs the block's earlier
   * transactions emitted (the callTracer's log `index`, as geth's). 0 when omitted.
   */
  firstLogIndex?: number
}

export type TracedTransaction = { result: TraceResult; receipt: TransactionReceiptData }

/** The transaction could not run at all (geth: "tracing failed: …"); the state is untouched. */
export class TracingFailedError extends VeloxError {
  override name = 'TracingFailedError'
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
  const { firstLogIndex, ...processOptions } = options
  const run = (tracer: ProcessTransactionOptions['tracer']): TransactionReceiptData => {
    try {
      return processTransaction(state, tx, { ...processOptions, tracer, budget })
    } catch (error) {
      if (error instanceof InvalidTransactionError)
        throw new TracingFailedError('tracing failed', { details: error.message, cause: error })
      if (error instanceof ExecutionTimeoutError) throw new TraceTimeoutError()
      throw error
    }
  }
  switch (config.tracer) {
    case 'structLogger': {
      const logger = new StructLogger(state, config.config, deadline)
      const receipt = run(logger)
      return { result: logger.result(receipt.gasUsed), receipt }
    }
    case 'callTracer': {
      const tracer = new CallTracer(state, config.config, deadline, firstLogIndex ?? 0)
      const receipt = run(tracer)
      return { result: tracer.result(tx.gasLimit, receipt.gasUsed), receipt }
    }
    case 'prestateTracer': {
      const tracer = new PrestateTracer(state, config.config, deadline, {
        fork: options.fork,
        coinbase: options.block.coinbase,
        chainId: options.block.chainId,
      })
      tracer.begin(tx)
      const receipt = run(tracer)
      return { result: tracer.result(), receipt }
    }
  }
}
