/**
 * debug_traceCall's engine: a call object run as eth_call runs it (simulateCall's rules: the gas
 * cap, no nonce or sender checks, and when it offers no fee, no base fee and BASEFEE reading zero),
 * traced as debug_traceTransaction traces a transaction. `state` may hold changes already (a block
 * replayed in part); the call's changes are left in it.
 */
import type { EvmState } from '../../evm/evmState.ts'
import { type CallContext, type CallRequest, callAsTransaction } from '../simulateCall.ts'
import type { TraceConfig } from './parseTraceConfig.ts'
import { type TracedTransaction, traceTransaction } from './traceTransaction.ts'

export function traceCall(
  state: EvmState,
  request: CallRequest,
  context: CallContext,
  config: TraceConfig,
): TracedTransaction {
  const { message, options } = callAsTransaction(state, request, context.block, context)
  return traceTransaction(state, message, options, config)
}
