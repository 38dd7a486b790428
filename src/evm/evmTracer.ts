/**
 * What a tracer (debug_traceTransaction and friends) sees of the interpreter: each frame as it
 * starts and ends, and each opcode just before it runs. Hooks are called synchronously from the
 * frame loop; anything they read of a frame is valid only during the call.
 *
 *   onEnter(message) ─┬─ onStep(frame, op) … (one per opcode; none for a precompile or no code)
 *                     ├─ onFault(frame, reason)   the last opcode halted exceptionally
 *                     ├─ onLog(frame, log), onSelfDestruct(frame, …)
 *                     └─ nested onEnter … onExit
 *   onExit(message, result)
 *
 * An opcode's cost is not known when it is announced: it is the gas before it minus the gas at the
 * next event of its frame (its next step, a child's onEnter, onFault, or the frame's onExit). At a
 * child's onEnter the parent has already paid for it: its gas is net of what it forwards (a
 * CALL's stipend aside, which the parent never pays).
 */
import type { Address } from 'viem'
import type { ExecutionResult, Message } from './evm.ts'
import type { Log } from './evmState.ts'

/** A running frame, as a hook may read it. */
export interface TracedFrame {
  readonly message: Message
  readonly code: Uint8Array
  /** The offset of the opcode announced by onStep. */
  readonly pc: number
  /** Items [0, sp), the top last. */
  readonly stack: readonly bigint[]
  readonly sp: number
  /** Bytes [0, memorySize). */
  readonly memory: Uint8Array
  readonly memorySize: number
  /** What the last child call returned (RETURNDATASIZE's buffer). */
  readonly returnData: Uint8Array
  /**
   * Gas left, counted as a double (see exactGas for frames given more than 2^53). In onFault it may
   * be negative: the charge that failed went past zero, and by that much.
   */
  readonly gas: number
  exactGas(): bigint
}

export interface EvmTracer {
  /**
   * A message starts: the transaction's own (depth 0), a child of CALL, CALLCODE, DELEGATECALL,
   * STATICCALL, CREATE or CREATE2, including one refused before it runs (call depth, balance,
   * address collision), which is reported with its error straight away, as geth does.
   */
  onEnter(message: Message): void
  /** The message ended, with the result its caller sees (a create's code deposit charged). */
  onExit(message: Message, result: ExecutionResult): void
  /** The opcode `op` at frame.pc is about to run; frame.gas is the gas before it. */
  onStep(frame: TracedFrame, op: number): void
  /** The opcode last announced in this frame halted exceptionally; onExit follows. */
  onFault(frame: TracedFrame, reason: string): void
  /** LOG0…LOG4 ran in this frame and added `log` (the last of EvmState.logs). */
  onLog(frame: TracedFrame, log: Log): void
  /** SELFDESTRUCT ran in this frame: `balance` went to `beneficiary`. */
  onSelfDestruct(frame: TracedFrame, beneficiary: Address, balance: bigint): void
}
