/**
 * geth's callTracer (eth/tracers/native/call.go): the tree of call frames a transaction made, each
 * with its type, parties, value, gas given and used, input and output, and why it failed. Refused
 * calls (depth, balance, address collision) and SELFDESTRUCT appear as frames, as in geth; with
 * `withLog`, each frame lists its logs, and those of frames that failed are dropped at the end.
 *
 *   onEnter ──▶ push frame ── onFault (which opcode halted) ── onLog ── onSelfDestruct (child frame)
 *   onExit  ──▶ output / error / revertReason, pop into the parent's `calls`
 */
import type { Address, Hex } from 'viem'
import type { ExecutionResult, Message } from '../../evm/evm.ts'
import type { EvmState, Log } from '../../evm/evmState.ts'
import type { EvmTracer, TracedFrame } from '../../evm/evmTracer.ts'
import { bytesToHex } from '../../primitives/hex.ts'
import { wordHex } from '../../primitives/words.ts'
import { revertReason } from '../revertReason.ts'
import { gethExitError, gethFault } from './gethVmError.ts'
import type { CallTracerConfig } from './parseTraceConfig.ts'
import type { TraceDeadline } from './traceDeadline.ts'

/** A frame as geth's JSON has it (gen_callframe_json.go), keys in geth's order. */
export type CallFrameJson = {
  from: Address
  gas: Hex
  gasUsed: Hex
  to?: Address
  input: Hex
  output?: Hex
  error?: string
  revertReason?: string
  calls?: CallFrameJson[]
  logs?: CallLogJson[]
  value?: Hex
  type: string
}

export type CallLogJson = { address: Address; topics: Hex[]; data: Hex; index: Hex; position: Hex }

type CallFrame = {
  type: string
  from: Address
  to: Address | undefined
  gas: bigint
  gasUsed: bigint
  input: Uint8Array
  output: Uint8Array | undefined
  error: string | undefined
  revertReason: string | undefined
  calls: CallFrame[]
  logs: CallLogJson[]
  value: bigint | undefined
}

const TYPES: Record<Message['kind'], string> = {
  call: 'CALL',
  callcode: 'CALLCODE',
  delegatecall: 'DELEGATECALL',
  staticcall: 'STATICCALL',
  create: 'CREATE',
  create2: 'CREATE2',
}

export class CallTracer implements EvmTracer {
  /** Frames entered and not yet exited; the transaction's own at the bottom. */
  private readonly stack: CallFrame[] = []
  private top: CallFrame | undefined
  /** The last opcode announced, and the gas before it: what a fault is about. */
  private lastOp = 0
  private lastGas = 0
  /** geth's error for the frame whose opcode faulted, until that frame exits. */
  private faultMessage: string | undefined

  /** `firstLogIndex`: the block-level index of this transaction's first log (geth's log.Index). */
  constructor(
    private readonly state: EvmState,
    private readonly config: CallTracerConfig,
    private readonly deadline: TraceDeadline,
    private readonly firstLogIndex: number,
  ) {}

  onEnter(message: Message): void {
    if (message.depth > 0 && this.config.onlyTopCall) return
    // A DELEGATECALL acts for its caller's contract; it and CALLCODE name the code's account as `to`.
    const borrowsCode = message.kind === 'delegatecall' || message.kind === 'callcode'
    this.stack.push({
      type: TYPES[message.kind],
      from: message.kind === 'delegatecall' ? message.target : message.caller,
      to: borrowsCode ? message.codeAddress : message.target,
      gas: message.gas,
      gasUsed: 0n,
      input: message.input,
      output: undefined,
      error: undefined,
      revertReason: undefined,
      calls: [],
      logs: [],
      value: message.kind === 'staticcall' ? undefined : message.value,
    })
  }

  onExit(message: Message, result: ExecutionResult): void {
    const faultMessage = this.faultMessage
    this.faultMessage = undefined
    if (message.depth > 0 && this.config.onlyTopCall) return
    const frame = this.stack.pop()
    if (frame === undefined) return
    frame.gasUsed = message.gas - result.gasLeft
    if (result.status === 'success') frame.output = result.output
    else {
      frame.error =
        result.status === 'revert' ? 'execution reverted' : (faultMessage ?? gethExitError(result.error))
      if (frame.type === 'CREATE' || frame.type === 'CREATE2') frame.to = undefined
      if (result.status === 'revert' && result.output.length > 0) {
        frame.output = result.output
        frame.revertReason = revertReason(result.output)
      }
    }
    const parent = this.stack[this.stack.length - 1]
    if (parent) parent.calls.push(frame)
    else this.top = frame
  }

  onStep(frame: TracedFrame, op: number): void {
    this.deadline.check()
    this.lastOp = op
    this.lastGas = frame.gas
  }

  onFault(frame: TracedFrame, reason: string): void {
    this.faultMessage = gethFault(this.lastOp, reason, frame.stack, frame.sp, BigInt(this.lastGas)).message
  }

  onLog(frame: TracedFrame, log: Log): void {
    if (!this.config.withLog || (this.config.onlyTopCall && frame.message.depth > 0)) return
    const current = this.stack[this.stack.length - 1]
    if (!current) return
    current.logs.push({
      address: log.address,
      topics: log.topics.map(wordHex),
      data: bytesToHex(log.data),
      index: quantity(this.firstLogIndex + this.state.logs.length - 1),
      position: quantity(current.calls.length),
    })
  }

  onSelfDestruct(frame: TracedFrame, beneficiary: Address, balance: bigint): void {
    if (this.config.onlyTopCall) return
    const current = this.stack[this.stack.length - 1]
    current?.calls.push({
      type: 'SELFDESTRUCT',
      from: frame.message.target,
      to: beneficiary,
      gas: 0n,
      gasUsed: 0n,
      input: new Uint8Array(0),
      output: undefined,
      error: undefined,
      revertReason: undefined,
      calls: [],
      logs: [],
      value: balance,
    })
  }

  /**
   * The tree as geth's debug_traceTransaction returns it: the top frame's gas is the transaction's
   * gas limit and its gas used the receipt's (intrinsic gas and refund included).
   */
  result(gasLimit: bigint, gasUsed: bigint): CallFrameJson {
    const top = this.top
    if (top === undefined) throw new Error('callTracer: the transaction ran no message')
    top.gas = gasLimit
    top.gasUsed = gasUsed
    if (this.config.withLog) clearFailedLogs(top, false)
    return frameJson(top)
  }
}

/** Logs of a frame that failed never happened, nor did those of the frames inside it. */
function clearFailedLogs(frame: CallFrame, parentFailed: boolean): void {
  const failed = parentFailed || frame.error !== undefined
  if (failed) frame.logs = []
  for (const call of frame.calls) clearFailedLogs(call, failed)
}

function frameJson(frame: CallFrame): CallFrameJson {
  return {
    from: frame.from.toLowerCase() as Address,
    gas: quantity(frame.gas),
    gasUsed: quantity(frame.gasUsed),
    ...(frame.to !== undefined ? { to: frame.to.toLowerCase() as Address } : {}),
    input: bytesToHex(frame.input),
    ...(frame.output !== undefined && frame.output.length > 0 ? { output: bytesToHex(frame.output) } : {}),
    ...(frame.error !== undefined ? { error: frame.error } : {}),
    ...(frame.revertReason !== undefined ? { revertReason: frame.revertReason } : {}),
    ...(frame.calls.length > 0 ? { calls: frame.calls.map(frameJson) } : {}),
    ...(frame.logs.length > 0 ? { logs: frame.logs } : {}),
    ...(frame.value !== undefined ? { value: quantity(frame.value) } : {}),
    type: frame.type,
  }
}

function quantity(value: bigint | number): Hex {
  return `0x${value.toString(16)}`
}
