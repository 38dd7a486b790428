/**
 * geth's default tracer (eth/tracers/logger, StructLogger): one entry per opcode executed, with the
 * gas before it and what it cost, its depth (1 for the transaction's own frame), and, as asked, the
 * stack, memory, return data and the storage slots the contract has touched so far.
 *
 *   onStep ──▶ pending entry (pc, op, gas, stack, memory, storage, refund)
 *                 │ its cost is known at the next event of its frame:
 *   next onStep, a child's onEnter, onFault, onExit ──▶ gasCost (and error) ──▶ structLogs[]
 *
 * A struct log grows with every opcode (and, with memory or storage, with their size at each), so
 * it is bounded: past MAX_STRUCT_LOG_BYTES of JSON the trace stops with StructLogTooLargeError,
 * unless geth's own `limit` (bytes) is smaller, in which case logging just stops there, as geth's.
 */
import type { Address, Hex } from 'viem'
import { VeloxError } from '../../errors/base.ts'
import type { ExecutionResult, Message } from '../../evm/evm.ts'
import type { EvmState } from '../../evm/evmState.ts'
import type { EvmTracer, TracedFrame } from '../../evm/evmTracer.ts'
import { bytesToHex } from '../../primitives/hex.ts'
import { wordHex } from '../../primitives/words.ts'
import { gethFault, gethFaultCost, gethOpcodeName } from './gethVmError.ts'
import type { StructLoggerConfig } from './parseTraceConfig.ts'
import type { TraceDeadline } from './traceDeadline.ts'

/**
 * The most JSON a struct log may hold (16 MiB). A Worker has 128 MiB; the entries, their JSON and
 * the response body are all alive at once while the result is sent.
 */
export const MAX_STRUCT_LOG_BYTES = 16 * 1024 * 1024

const SLOAD = 0x54
const SSTORE = 0x55

/** A step as geth's JSON has it (structLogLegacy), keys in geth's order. */
export type StructLogEntry = {
  pc: number
  op: string
  gas: number
  gasCost: number
  depth: number
  error?: string
  stack?: Hex[]
  returnData?: Hex
  memory?: Hex[]
  storage?: Record<Hex, Hex>
  refund?: number
}

export type StructLoggerResult = {
  /** The receipt's gas used. */
  gas: number
  failed: boolean
  /** The output, or the revert data; "0x" after an exceptional halt. */
  returnValue: Hex
  structLogs: StructLogEntry[]
}

/** The struct log passed MAX_STRUCT_LOG_BYTES; the state it ran on is left mid-transaction. */
export class StructLogTooLargeError extends VeloxError {
  override name = 'StructLogTooLargeError'
  constructor() {
    super(`struct log exceeds ${MAX_STRUCT_LOG_BYTES} bytes`, {
      details:
        'pass a smaller "limit", set "disableStack"/"disableStorage" or drop "enableMemory", or use the callTracer',
    })
  }
}

type PendingStep = {
  frame: TracedFrame
  pc: number
  op: number
  gasBefore: bigint
  depth: number
  stack: Hex[] | undefined
  returnData: Hex | undefined
  memory: Hex[] | undefined
  storage: Record<Hex, Hex> | undefined
  refund: number
}

export class StructLogger implements EvmTracer {
  private readonly logs: StructLogEntry[] = []
  /** JSON bytes of the entries in `logs`, as geth counts them for `limit`. */
  private size = 0
  /** The step whose cost is not known yet; at most one, as every event finishes it first. */
  private pending: PendingStep | undefined
  /** Per contract, the slots SLOAD and SSTORE have shown so far (geth's cumulative view). */
  private readonly storage = new Map<Address, Map<bigint, bigint>>()
  private topResult: ExecutionResult | undefined

  constructor(
    private readonly state: EvmState,
    private readonly config: StructLoggerConfig,
    private readonly deadline: TraceDeadline,
  ) {}

  onEnter(message: Message): void {
    const pending = this.pending
    if (pending === undefined) return
    // The parent paid for the child already; a CREATE's forwarded gas is not part of geth's cost.
    const forwarded = message.kind === 'create' || message.kind === 'create2' ? message.gas : 0n
    this.finish(pending, pending.gasBefore - pending.frame.exactGas() - forwarded, undefined)
  }

  onExit(message: Message, result: ExecutionResult): void {
    const pending = this.pending
    if (pending !== undefined && pending.frame.message === message)
      this.finish(pending, pending.gasBefore - pending.frame.exactGas(), undefined)
    if (message.depth === 0) this.topResult = result
  }

  onFault(frame: TracedFrame, reason: string): void {
    const pending = this.pending
    if (pending === undefined || pending.frame !== frame) return
    const fault = gethFault(pending.op, reason, frame.stack, frame.sp, pending.gasBefore)
    const cost = gethFaultCost(pending.op, fault, pending.gasBefore, pending.gasBefore - frame.exactGas())
    if (pending.op === SSTORE) pending.refund = this.state.refund
    this.finish(pending, cost, fault.beforeStep ? fault.message : undefined)
  }

  onLog(): void {}

  onSelfDestruct(): void {}

  onStep(frame: TracedFrame, op: number): void {
    this.deadline.check()
    const pending = this.pending
    if (pending !== undefined) {
      // SSTORE changes the refund counter in what geth counts as its gas; show it after.
      if (pending.op === SSTORE) pending.refund = this.state.refund
      this.finish(pending, pending.gasBefore - frame.exactGas(), undefined)
    }
    const { limit } = this.config
    if (limit !== 0 && this.size > limit) return
    const { stack, sp } = frame
    this.pending = {
      frame,
      pc: frame.pc,
      op,
      gasBefore: frame.exactGas(),
      depth: frame.message.depth + 1,
      stack: this.config.disableStack ? undefined : stackOf(stack, sp),
      returnData:
        this.config.enableReturnData && frame.returnData.length > 0
          ? bytesToHex(frame.returnData)
          : undefined,
      memory:
        this.config.enableMemory && frame.memorySize > 0
          ? memoryOf(frame.memory, frame.memorySize)
          : undefined,
      storage: this.config.disableStorage ? undefined : this.storageAt(frame, op),
      refund: this.state.refund,
    }
  }

  /** The trace as geth's debug_traceTransaction returns it, given the receipt's gas used. */
  result(gasUsed: bigint): StructLoggerResult {
    const top = this.topResult
    const failed = top !== undefined && top.status !== 'success'
    return {
      gas: Number(gasUsed),
      failed,
      returnValue: top === undefined || top.status === 'error' ? '0x' : bytesToHex(top.output),
      structLogs: this.logs,
    }
  }

  /** geth's storage capture: the slot SLOAD reads or SSTORE writes joins the contract's map. */
  private storageAt(frame: TracedFrame, op: number): Record<Hex, Hex> | undefined {
    if (op !== SLOAD && op !== SSTORE) return undefined
    const { stack, sp } = frame
    const needed = op === SLOAD ? 1 : 2
    if (sp < needed) return undefined
    const address = frame.message.target
    let slots = this.storage.get(address)
    if (!slots) this.storage.set(address, (slots = new Map()))
    const slot = stack[sp - 1]!
    slots.set(slot, op === SLOAD ? this.state.getStorage(address, slot) : stack[sp - 2]!)
    // geth's JSON sorts map keys; slot words of equal width sort as numbers do.
    const sorted = [...slots.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    const storage: Record<Hex, Hex> = {}
    for (const key of sorted) storage[wordHex(key)] = wordHex(slots.get(key)!)
    return storage
  }

  private finish(pending: PendingStep, cost: bigint, error: string | undefined): void {
    this.pending = undefined
    const entry: StructLogEntry = {
      pc: pending.pc,
      op: gethOpcodeName(pending.op),
      gas: Number(pending.gasBefore),
      gasCost: Number(cost),
      depth: pending.depth,
    }
    if (error !== undefined) entry.error = error
    if (pending.stack !== undefined) entry.stack = pending.stack
    if (pending.returnData !== undefined) entry.returnData = pending.returnData
    if (pending.memory !== undefined) entry.memory = pending.memory
    if (pending.storage !== undefined) entry.storage = pending.storage
    if (pending.refund !== 0) entry.refund = pending.refund
    this.size += JSON.stringify(entry).length
    this.logs.push(entry)
    if (
      this.size > MAX_STRUCT_LOG_BYTES &&
      (this.config.limit === 0 || this.config.limit > MAX_STRUCT_LOG_BYTES)
    )
      throw new StructLogTooLargeError()
  }
}

/** uint256.Hex(): the shortest hex, "0x0" for zero. */
function stackOf(stack: readonly bigint[], sp: number): Hex[] {
  const items = new Array<Hex>(sp)
  for (let i = 0; i < sp; i++) items[i] = `0x${stack[i]!.toString(16)}`
  return items
}

/** Memory as 32-byte words, each 0x-prefixed (geth's legacy struct log format). */
function memoryOf(memory: Uint8Array, size: number): Hex[] {
  const words = new Array<Hex>(size / 32)
  for (let i = 0; i < size; i += 32) words[i / 32] = bytesToHex(memory.subarray(i, i + 32))
  return words
}
