/**
 * geth's flatCallTracer (eth/tracers/native/call_flat.go): the callTracer's frames as Parity's flat
 * list, each with its trace address (child indices from the top), number of subtraces and where
 * the transaction sits. Calls and staticcalls to the fork's precompiles are left out unless
 * `includePrecompiles`; `convertParityErrors` gives errors Parity's words.
 *
 *   CallTracer (default options) ──▶ result ──▶ flattenCallFrames ──▶ [top, child 0, its children, …]
 */
import type { Address, Hash, Hex } from 'viem'
import type { CallFrameJson } from './callTracer.ts'
import type { FlatCallTracerConfig } from './parseTraceConfig.ts'

/** geth's tracers.Context: where the traced transaction is. debug_traceCall has none of it. */
export type TracePosition = {
  blockHash: Hash | null
  blockNumber: bigint
  transactionHash: Hash | null
  transactionIndex: number
}

export const NO_TRACE_POSITION: TracePosition = {
  blockHash: null,
  blockNumber: 0n,
  transactionHash: null,
  transactionIndex: 0,
}

/** gen_flatcallaction_json.go's fields, in its order (objects here are built in it). */
export type FlatCallActionJson = {
  address?: Address
  balance?: Hex
  callType?: string
  creationMethod?: string
  from?: Address
  gas?: Hex
  init?: Hex
  input?: Hex
  refundAddress?: Address | undefined
  to?: Address | undefined
  value?: Hex
}

export type FlatCallFrameJson = {
  action: FlatCallActionJson
  blockHash: Hash | null
  /** Numbers, not quantities: geth writes these two as JSON numbers. */
  blockNumber: number
  error?: string
  /** An address left undefined (a create that failed) is left out of the JSON. */
  result?: { address?: Address | undefined; code?: Hex; gasUsed?: Hex; output?: Hex }
  subtraces: number
  traceAddress: number[]
  transactionHash: Hash | null
  transactionPosition: number
  type: string
}

/** geth's parityErrorMapping, then its prefixes (parityErrorMappingStartingWith). */
const PARITY_ERRORS: Record<string, string> = {
  'contract creation code storage out of gas': 'Out of gas',
  'out of gas': 'Out of gas',
  'gas uint64 overflow': 'Out of gas',
  'max code size exceeded': 'Out of gas',
  'invalid jump destination': 'Bad jump destination',
  'execution reverted': 'Reverted',
  'return data out of bounds': 'Out of bounds',
  'stack limit reached 1024 (1023)': 'Out of stack',
  'precompiled failed': 'Built-in failed',
  'invalid input length': 'Built-in failed',
}
const PARITY_ERROR_PREFIXES: [prefix: string, parity: string][] = [
  ['out of gas:', 'Out of gas'],
  ['invalid opcode:', 'Bad instruction'],
  ['stack underflow', 'Stack underflow'],
]

export function flattenCallFrames(
  top: CallFrameJson,
  config: FlatCallTracerConfig,
  position: TracePosition,
  precompiles: ReadonlySet<Address>,
): FlatCallFrameJson[] {
  const frames: FlatCallFrameJson[] = []
  // Depth-first, parent before children, as geth's flatFromNested; an explicit stack keeps a deep
  // call tree (1,024 frames) off the JS stack.
  const pending: { frame: CallFrameJson; traceAddress: number[] }[] = [{ frame: top, traceAddress: [] }]
  while (pending.length > 0) {
    const { frame, traceAddress } = pending.pop()!
    const children = (frame.calls ?? []).filter(
      (child) =>
        config.includePrecompiles ||
        !((child.type === 'CALL' || child.type === 'STATICCALL') && child.to && precompiles.has(child.to)),
    )
    frames.push(flatFrame(frame, traceAddress, children.length, config, position))
    for (let i = children.length - 1; i >= 0; i--)
      pending.push({ frame: children[i]!, traceAddress: [...traceAddress, i] })
  }
  return frames
}

function flatFrame(
  frame: CallFrameJson,
  traceAddress: number[],
  subtraces: number,
  config: FlatCallTracerConfig,
  position: TracePosition,
): FlatCallFrameJson {
  let type: string
  let action: FlatCallActionJson
  let result: FlatCallFrameJson['result']
  if (frame.type === 'CREATE' || frame.type === 'CREATE2') {
    type = 'create'
    action = {
      creationMethod: frame.type.toLowerCase(),
      from: frame.from,
      gas: frame.gas,
      init: frame.input,
      value: frame.value ?? '0x0',
    }
    result = { address: frame.to, code: frame.output ?? '0x', gasUsed: frame.gasUsed }
  } else if (frame.type === 'SELFDESTRUCT') {
    type = 'suicide'
    action = { address: frame.from, balance: frame.value ?? '0x0', refundAddress: frame.to }
  } else {
    type = 'call'
    action = {
      callType: frame.type.toLowerCase(),
      from: frame.from,
      gas: frame.gas,
      input: frame.input,
      to: frame.to,
      // A staticcall has no value in the callTracer's frame; Parity's has zero.
      value: frame.value ?? '0x0',
    }
    result = { gasUsed: frame.gasUsed, output: frame.output ?? '0x' }
  }
  // A failure keeps its result only when it reverted: the revert data says why.
  if (frame.error !== undefined && frame.error !== 'execution reverted') result = undefined
  const error =
    frame.error === undefined || !config.convertParityErrors ? frame.error : parityError(frame.error)
  return {
    action,
    blockHash: position.blockHash,
    blockNumber: Number(position.blockNumber),
    ...(error === undefined ? {} : { error }),
    ...(result === undefined ? {} : { result }),
    subtraces,
    traceAddress,
    transactionHash: position.transactionHash,
    transactionPosition: position.transactionIndex,
    type,
  }
}

function parityError(error: string): string {
  return (
    PARITY_ERRORS[error] ?? PARITY_ERROR_PREFIXES.find(([prefix]) => error.startsWith(prefix))?.[1] ?? error
  )
}
