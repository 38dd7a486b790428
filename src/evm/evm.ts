import type { Address } from 'viem'
import { bigintToBytes, bytesToHex, hexToBytes } from '../primitives/hex.ts'
import { keccak256 } from '../primitives/keccak256.ts'
import { encodeRlp } from '../primitives/rlp.ts'
import { bytes32ToWord, readWord, readWordPadded, writeWord, writeWordTo } from '../primitives/words.ts'
import type { EvmState, Snapshot } from './evmState.ts'
import type { EvmTracer } from './evmTracer.ts'
import {
  allButOne64th,
  CALL_NEW_ACCOUNT_GAS,
  CALL_STIPEND,
  CALL_VALUE_TRANSFER_GAS,
  CODE_DEPOSIT_BYTE_GAS,
  COLD_ACCOUNT_ACCESS_GAS,
  COLD_SLOAD_GAS,
  COPY_WORD_GAS,
  EXP_BYTE_GAS,
  INITCODE_WORD_GAS,
  KECCAK256_WORD_GAS,
  LOG_DATA_BYTE_GAS,
  MAX_CALL_DEPTH,
  MAX_CODE_SIZE,
  MAX_INITCODE_SIZE,
  memoryCost,
  SSTORE_CLEARS_SCHEDULE,
  SSTORE_RESET_GAS,
  SSTORE_SENTRY_GAS,
  SSTORE_SET_GAS,
  WARM_STORAGE_READ_GAS,
} from './gas.ts'
import { STACK_IN, STACK_MAX_BEFORE, STATIC_GAS } from './opcodes.ts'
import type { Precompile } from './precompiles/types.ts'
import {
  CALL_INPUT_UNITS_PER_WORD,
  CODE_ANALYSIS_UNITS_PER_BYTE,
  EXP_UNITS_PER_BYTE,
  ExecutionTimeoutError,
  FRAME_UNITS,
  KECCAK256_UNITS,
  KECCAK256_UNITS_PER_WORD,
  MESSAGE_UNITS,
  precompileWork,
  type WorkBudget,
} from './workBudget.ts'

const WORD_MASK = (1n << 256n) - 1n
const SIGN_BIT = 1n << 255n
const TWO_256 = 1n << 256n
const ADDRESS_MASK = (1n << 160n) - 1n
/** Offsets and sizes past this cost more memory gas than any block holds: treated as out of gas. */
const MAX_MEMORY_BYTES = 0xffffffff
const MAX_MEMORY_WORD = BigInt(MAX_MEMORY_BYTES)
const EMPTY_BYTES = new Uint8Array(0)
/** EIP-2681: a nonce is a 64-bit number and may not reach its maximum. */
export const MAX_NONCE = 0xffffffffffffffffn
/** The most gas a frame counts in a double (see Frame.setGas). */
const MAX_COUNTED_GAS = BigInt(Number.MAX_SAFE_INTEGER)
/** EIP-7702: code 0xef0100 ‖ address delegates execution to that address. */
const DELEGATION_PREFIX = [0xef, 0x01, 0x00] as const
const DELEGATION_CODE_LENGTH = 23
/** Work units an Evm without a budget starts with, and refills to: more than any message takes. */
const UNBUDGETED_WORK = Number.MAX_SAFE_INTEGER

/** The rule sets Velox executes. Prague is the chain's default; Cancun is what Ethereum's fixtures test. */
export type Fork = 'cancun' | 'prague'

export type BlockContext = {
  number: bigint
  timestamp: bigint
  coinbase: Address
  gasLimit: bigint
  baseFeePerGas: bigint
  prevRandao: bigint
  blobBaseFee: bigint
  chainId: bigint
  /** BLOCKHASH: the hash of an ancestor within the last 256 blocks, 0n when unknown. */
  blockHash: (number: bigint) => bigint
}

export type TransactionContext = {
  origin: Address
  gasPrice: bigint
  blobVersionedHashes: readonly bigint[]
}

export type CallKind = 'call' | 'callcode' | 'delegatecall' | 'staticcall' | 'create' | 'create2'

export type Message = {
  kind: CallKind
  caller: Address
  /** The account whose balance and storage the code acts on; for a create, the new address. */
  target: Address
  /**
   * Whose code runs: the target's, or for callcode and delegatecall the called account's. A
   * precompile is chosen by this address; an EIP-7702 delegation in its code is followed one
   * level when the code is loaded (a delegation to a precompile runs no code).
   */
  codeAddress: Address
  value: bigint
  /** Calldata, or the initcode of a create. */
  input: Uint8Array
  /** Exact, as a 64-bit quantity: tests give transactions up to 2^63 gas. */
  gas: bigint
  depth: number
  isStatic: boolean
}

export type ExecutionResult = {
  status: 'success' | 'revert' | 'error'
  gasLeft: bigint
  output: Uint8Array
  /** Why an exceptional halt happened (out of gas, stack underflow, …). */
  error?: string
  /** The address a successful create deployed to. */
  createdAddress?: Address
}

/**
 * eth_call's state overrides of precompiles, as geth applies them: by address, the index (in the
 * fork's table) of the precompile that runs there instead, or 0 for none. A precompile moved away
 * (`movePrecompileToAddress`) runs at its new address; an overridden one's address runs the
 * account's code. What starts warm is still the fork's precompiles (EIP-2929), as in geth.
 */
export type PrecompileRelocations = ReadonlyMap<Address, number>

export type EvmOptions = {
  fork: Fork
  block: BlockContext
  transaction: TransactionContext
  /** The fork's precompiles, by index (the address 0x00…<index>). */
  precompiles: ReadonlyMap<number, Precompile>
  /** Calls with state overrides only: precompiles moved or removed. */
  precompileRelocations?: PrecompileRelocations | undefined
  /** debug_trace*: hooks called as frames start and end and before every opcode (evmTracer.ts). */
  tracer?: EvmTracer | undefined
  /**
   * Parallel execution's access prediction: every 64-byte KECCAK256 (a mapping's storage key is
   * keccak256(key . slot)) is recorded here, hash to preimage, so slots read can be explained.
   */
  slotKeyPreimages?: Map<bigint, Uint8Array> | undefined
  /**
   * eth_call and its kin: the work the message may do (workBudget.ts); past it, execute throws
   * ExecutionTimeoutError. Block execution passes none.
   */
  budget?: WorkBudget | undefined
}

/**
 * Stacks by call depth, reused: frames at one depth never live at the same time, execution never
 * awaits, and slots above the stack pointer are never read, so a frame needs no fresh 1024 slots.
 */
const stacksByDepth: bigint[][] = []

/**
 * Memory buffers by call depth, reused for the same reason as the stacks. A buffer holds what an
 * earlier frame left in it, so memory is zeroed as it is expanded (never read before then).
 */
const memoriesByDepth: { bytes: Uint8Array; view: DataView }[] = []
const INITIAL_MEMORY_BYTES = 4096
/** Larger buffers are left to the garbage collector rather than kept for every later frame. */
const MAX_POOLED_MEMORY_BYTES = 1 << 20

/** A call or create in progress. */
class Frame {
  pc = 0
  sp = 0
  readonly stack: bigint[]
  memory: Uint8Array
  /** A view of `memory`, replaced whenever memory grows. */
  memoryView: DataView
  /** Active memory in bytes, always a multiple of 32. */
  memorySize = 0
  returnData: Uint8Array = EMPTY_BYTES
  /** Where the pending child call's output goes in this frame's memory. */
  returnOffset = 0
  returnSize = 0
  constructor(
    readonly message: Message,
    readonly code: Uint8Array,
    readonly analysis: CodeAnalysis,
    gas: bigint,
    readonly snapshot: Snapshot,
  ) {
    this.stack = stacksByDepth[message.depth] ??= new Array(1024).fill(0n)
    const buffer = (memoriesByDepth[message.depth] ??= pooledMemory(new Uint8Array(INITIAL_MEMORY_BYTES)))
    this.memory = buffer.bytes
    this.memoryView = buffer.view
    this.setGas(gas)
  }

  /**
   * The frame's gas is `gas + gasExcess`. The interpreter counts in `gas`, a double, which is exact
   * up to 2^53; a frame given more (only tests do) keeps the rest in `gasExcess`, consulted at call
   * boundaries and by GAS, so the hot path never touches a bigint.
   */
  gas = 0
  gasExcess = 0n

  exactGas(): bigint {
    return BigInt(this.gas) + this.gasExcess
  }

  setGas(exact: bigint): void {
    if (exact <= MAX_COUNTED_GAS) {
      this.gas = Number(exact)
      this.gasExcess = 0n
    } else {
      this.gas = Number(MAX_COUNTED_GAS)
      this.gasExcess = exact - MAX_COUNTED_GAS
    }
  }

  // The interpreter loop keeps pc, sp and gas in locals and calls these with them rather than
  // closing over them: a closure per frame would move those locals to the heap, and under esbuild's
  // keepNames (tsx, wrangler) name each closure with Object.defineProperty, a fifth of step's time.

  /** Stores the interpreter's registers, for a tracer, a child frame or the frame's result. */
  saveRegisters(pc: number, sp: number, gas: number): void {
    this.pc = pc
    this.sp = sp
    this.gas = gas
  }

  /** The exceptional halt to throw, `gas` kept for a tracer (negative when a charge went past zero). */
  halt(gas: number, reason: string): ExceptionalHalt {
    this.gas = gas
    return new ExceptionalHalt(reason)
  }

  /** `gas` went negative: out of gas, unless the frame has gas beyond what it counts; the gas left. */
  overdrawn(gas: number): number {
    const exact = BigInt(gas) + this.gasExcess
    if (exact < 0n) throw this.halt(gas, 'out of gas')
    this.setGas(exact)
    return this.gas
  }

  /**
   * Charges memory expansion to cover [offset, offset + size) from `this.gas` (the interpreter
   * stores its count there first); size 0 needs none. Returns the offset as a number.
   */
  expandMemory(offset: bigint, size: bigint): number {
    if (size === 0n) return 0
    if (offset > MAX_MEMORY_WORD || size > MAX_MEMORY_WORD) throw this.halt(this.gas, 'out of gas')
    const end = Number(offset) + Number(size)
    if (end > MAX_MEMORY_BYTES) throw this.halt(this.gas, 'out of gas')
    if (end > this.memorySize) {
      const newSize = words(end) * 32
      this.gas -= memoryCost(newSize / 32) - memoryCost(this.memorySize / 32)
      if (this.gas < 0) this.gas = this.overdrawn(this.gas)
      if (newSize > this.memory.length) {
        const grown = pooledMemory(new Uint8Array(Math.max(newSize, this.memory.length * 2)))
        grown.bytes.set(this.memory.subarray(0, this.memorySize))
        this.memory = grown.bytes
        this.memoryView = grown.view
        if (grown.bytes.length <= MAX_POOLED_MEMORY_BYTES) memoriesByDepth[this.message.depth] = grown
      } else this.memory.fill(0, this.memorySize, newSize)
      this.memorySize = newSize
    }
    return Number(offset)
  }
}

/** What touching an account costs: cold the first time in the transaction, warm after. */
function accessGas(state: EvmState, address: Address): number {
  return state.warmAddress(address) ? COLD_ACCOUNT_ACCESS_GAS : WARM_STORAGE_READ_GAS
}

function pooledMemory(bytes: Uint8Array): { bytes: Uint8Array; view: DataView } {
  return { bytes, view: new DataView(bytes.buffer) }
}

class ExceptionalHalt extends Error {}

/** What the interpreter needs to know about a code, worked out once per code. */
type CodeAnalysis = {
  /** Bit i set when code[i] is a JUMPDEST opcode (not push data). */
  jumpdests: Uint8Array
  /** At the offset of each PUSH1…PUSH32, its value (bytes past the code's end read as zero). */
  pushValues: bigint[]
  /** The code's length as a word, for jump bounds. */
  length: bigint
}

const analysisCache = new WeakMap<Uint8Array, CodeAnalysis>()

/** Works out a code's analysis and caches it (callers look in analysisCache first). */
function analyze(code: Uint8Array): CodeAnalysis {
  const jumpdests = new Uint8Array((code.length >>> 3) + 1)
  const pushValues = new Array<bigint>(code.length).fill(0n)
  for (let i = 0; i < code.length; i++) {
    const op = code[i]!
    if (op === 0x5b) jumpdests[i >>> 3]! |= 1 << (i & 7)
    else if (op >= 0x60 && op <= 0x7f) {
      const size = op - 0x5f
      let value = 0n
      for (let j = 1; j <= size; j++) value = (value << 8n) | BigInt(code[i + j] ?? 0)
      pushValues[i] = value
      i += size
    }
  }
  const analysis = { jumpdests, pushValues, length: BigInt(code.length) }
  analysisCache.set(code, analysis)
  return analysis
}

/** Recent addresses as words: CALLER and ADDRESS run in nearly every call, and parsing is the cost. */
const addressWords = new Map<Address, bigint>()
const MAX_CACHED_ADDRESS_WORDS = 4096

export function addressToWord(address: Address): bigint {
  let word = addressWords.get(address)
  if (word === undefined) {
    if (addressWords.size >= MAX_CACHED_ADDRESS_WORDS) addressWords.clear()
    word = BigInt(address)
    addressWords.set(address, word)
  }
  return word
}

export function wordToAddress(word: bigint): Address {
  return `0x${(word & ADDRESS_MASK).toString(16).padStart(40, '0')}` as Address
}

function precompileIndex(address: Address): number {
  // Precompiles are 0x00…01 to 0x00…11: 38 zero digits, then the index.
  if (!address.startsWith('0x00000000000000000000000000000000000000')) return 0
  return Number.parseInt(address.slice(40), 16)
}

/** EIP-7702: the address a delegation designator points at, if the code is one. */
export function delegationTarget(code: Uint8Array): Address | undefined {
  if (
    code.length !== DELEGATION_CODE_LENGTH ||
    code[0] !== DELEGATION_PREFIX[0] ||
    code[1] !== DELEGATION_PREFIX[1] ||
    code[2] !== DELEGATION_PREFIX[2]
  )
    return undefined
  return bytesToHex(code.subarray(3))
}

/** CREATE: keccak256(rlp([sender, nonce]))[12:]. */
export function createAddress(sender: Address, nonce: bigint): Address {
  return bytesToHex(keccak256(encodeRlp([hexToBytes(sender), bigintToBytes(nonce)])).subarray(12))
}

/** CREATE2 (EIP-1014): keccak256(0xff ‖ sender ‖ salt ‖ keccak256(initcode))[12:]. */
export function create2Address(sender: Address, salt: bigint, initcode: Uint8Array): Address {
  const preimage = new Uint8Array(85)
  preimage[0] = 0xff
  preimage.set(hexToBytes(sender), 1)
  writeWordTo(preimage, 21, salt)
  preimage.set(keccak256(initcode), 53)
  return bytesToHex(keccak256(preimage).subarray(12))
}

/** Bytes [offset, offset + size) of `source`, zero past its end (calldata, code). */
function sliceZeroPadded(source: Uint8Array, offset: bigint, size: number): Uint8Array {
  const out = new Uint8Array(size)
  if (offset < BigInt(source.length)) {
    const start = Number(offset)
    out.set(source.subarray(start, Math.min(source.length, start + size)))
  }
  return out
}

function toSigned(value: bigint): bigint {
  return value & SIGN_BIT ? value - TWO_256 : value
}

function expMod256(base: bigint, exponent: bigint): bigint {
  let result = 1n
  base &= WORD_MASK
  while (exponent > 0n) {
    if (exponent & 1n) result = (result * base) & WORD_MASK
    base = (base * base) & WORD_MASK
    exponent >>= 1n
  }
  return result
}

function byteLength(value: bigint): number {
  return value === 0n ? 0 : Math.ceil(value.toString(16).length / 2)
}

function words(size: number): number {
  return Math.ceil(size / 32)
}

/**
 * The interpreter. One Evm per transaction: it runs a message to completion against an EvmState,
 * calls and creates included, without recursion and without awaiting.
 */
export class Evm {
  private readonly frames: Frame[] = []
  private readonly tracer: EvmTracer | undefined
  /**
   * Work units left (workBudget.ts), spent whether or not there is a budget: one a step, more for a
   * message, a frame, KECCAK256, EXP, a CALL's input. In a one-slot Float64Array because it holds
   * the count as a raw double: a number field holding one (UNBUDGETED_WORK is no small integer) is
   * boxed, and decrementing it every step cost ~8% of the interpreter's speed.
   */
  private readonly work = new Float64Array(1)
  /** With a budget: the codes this message has run, each charged its analysis once. */
  private readonly analyzedCodes: WeakSet<Uint8Array> | undefined

  constructor(
    private readonly state: EvmState,
    private readonly options: EvmOptions,
  ) {
    this.tracer = options.tracer
    this.work[0] = options.budget?.left ?? UNBUDGETED_WORK
    this.analyzedCodes = options.budget === undefined ? undefined : new WeakSet()
  }

  /** Runs a transaction's top-level message (value transfer and account creation included). */
  execute(message: Message): ExecutionResult {
    const started = this.begin(message)
    const result = started instanceof Frame ? this.run(started) : started
    if (this.options.budget !== undefined) this.options.budget.left = this.work[0]!
    return result
  }

  /** `work` went below zero: the budget is spent and the whole message stops (without one, refill). */
  private outOfWork(): void {
    const budget = this.options.budget
    if (budget === undefined) {
      this.work[0] = UNBUDGETED_WORK
      return
    }
    budget.left = this.work[0]!
    throw new ExecutionTimeoutError(budget.timeoutMs)
  }

  /**
   * Starts a message: snapshot, value transfer, account creation. Returns the frame to run, or the
   * result straight away (precompile, no code, or a create that cannot proceed).
   */
  private begin(message: Message): Frame | ExecutionResult {
    const tracer = this.tracer
    if (tracer === undefined) return this.start(message)
    tracer.onEnter(message)
    const started = this.start(message)
    if (!(started instanceof Frame)) tracer.onExit(message, started)
    return started
  }

  private start(message: Message): Frame | ExecutionResult {
    const state = this.state
    this.work[0]! -= MESSAGE_UNITS
    const snapshot = state.snapshot()
    const isCreate = message.kind === 'create' || message.kind === 'create2'
    if (isCreate) {
      state.createContractAccount(message.target)
      state.subtractBalance(message.caller, message.value)
      state.addBalance(message.target, message.value)
      if (message.input.length === 0) return { status: 'success', gasLeft: message.gas, output: EMPTY_BYTES }
      return this.frameFor(message, message.input, snapshot)
    }
    if (message.kind === 'call' || message.kind === 'callcode') {
      if (message.kind === 'call') {
        state.subtractBalance(message.caller, message.value)
        state.addBalance(message.target, message.value)
      } else state.touch(message.target)
    } else if (message.kind === 'staticcall') state.touch(message.target)
    const index =
      this.options.precompileRelocations?.get(message.codeAddress) ?? precompileIndex(message.codeAddress)
    const precompile = this.options.precompiles.get(index)
    if (precompile) {
      const gasLimit = message.gas < MAX_COUNTED_GAS ? Number(message.gas) : Number.MAX_SAFE_INTEGER
      // Charged before it runs: a call the budget cannot afford never starts.
      if (this.options.budget !== undefined) {
        this.work[0]! -= precompileWork(index, message.input, gasLimit)
        if (this.work[0]! < 0) this.outOfWork()
      }
      const result = precompile(message.input, gasLimit)
      if (!result.ok) {
        state.revert(snapshot)
        return { status: 'error', gasLeft: 0n, output: EMPTY_BYTES, error: result.reason }
      }
      return { status: 'success', gasLeft: message.gas - BigInt(result.gasUsed), output: result.output }
    }
    let code = state.getCode(message.codeAddress)
    if (this.options.fork === 'prague') {
      const delegate = delegationTarget(code)
      if (delegate) code = state.getCode(delegate)
    }
    if (code.length === 0) return { status: 'success', gasLeft: message.gas, output: EMPTY_BYTES }
    return this.frameFor(message, code, snapshot)
  }

  private frameFor(message: Message, code: Uint8Array, snapshot: Snapshot): Frame {
    this.work[0]! -= FRAME_UNITS
    if (this.analyzedCodes !== undefined && !this.analyzedCodes.has(code)) {
      this.analyzedCodes.add(code)
      this.work[0]! -= CODE_ANALYSIS_UNITS_PER_BYTE * code.length
    }
    return new Frame(message, code, analysisCache.get(code) ?? analyze(code), message.gas, snapshot)
  }

  /** Ends a message: state changes kept or reverted, and for a create, the code deposited. */
  private end(frame: Frame, raw: ExecutionResult): ExecutionResult {
    const result = this.finish(frame, raw)
    this.tracer?.onExit(frame.message, result)
    return result
  }

  private finish(frame: Frame, result: ExecutionResult): ExecutionResult {
    const message = frame.message
    if (result.status === 'success' && (message.kind === 'create' || message.kind === 'create2')) {
      const code = result.output
      let failure: string | undefined
      if (code.length > MAX_CODE_SIZE) failure = 'max code size exceeded'
      else if (code.length > 0 && code[0] === 0xef) failure = 'invalid code: must not begin with 0xef'
      else if (result.gasLeft < BigInt(code.length * CODE_DEPOSIT_BYTE_GAS)) failure = 'code store out of gas'
      if (failure) {
        this.state.revert(frame.snapshot)
        return { status: 'error', gasLeft: 0n, output: EMPTY_BYTES, error: failure }
      }
      this.state.setCode(message.target, code)
      return {
        status: 'success',
        gasLeft: result.gasLeft - BigInt(code.length * CODE_DEPOSIT_BYTE_GAS),
        output: code,
        createdAddress: message.target,
      }
    }
    if (result.status !== 'success') this.state.revert(frame.snapshot)
    return result
  }

  private run(top: Frame): ExecutionResult {
    const frames = this.frames
    frames.length = 0
    frames.push(top)
    let frame = top
    let result: ExecutionResult | undefined
    for (;;) {
      let child: Frame | ExecutionResult
      try {
        child = this.step(frame)
      } catch (error) {
        if (!(error instanceof ExceptionalHalt)) throw error
        this.tracer?.onFault(frame, error.message)
        child = { status: 'error', gasLeft: 0n, output: EMPTY_BYTES, error: error.message }
      }
      if (child instanceof Frame) {
        frames.push(child)
        frame = child
        continue
      }
      // The frame finished: hand its result to its parent, or return it.
      result = this.end(frame, child)
      frames.pop()
      const parent = frames[frames.length - 1]
      if (!parent) return result
      this.resume(parent, frame.message, result)
      frame = parent
    }
  }

  /** A child call or create finished: its result lands on the parent's stack and memory. */
  private resume(parent: Frame, message: Message, result: ExecutionResult): void {
    if (parent.gasExcess === 0n && result.gasLeft <= MAX_COUNTED_GAS - BigInt(parent.gas))
      parent.gas += Number(result.gasLeft)
    else parent.setGas(parent.exactGas() + result.gasLeft)
    const isCreate = message.kind === 'create' || message.kind === 'create2'
    if (isCreate) {
      parent.returnData = result.status === 'revert' ? result.output : EMPTY_BYTES
      parent.stack[parent.sp++] = result.status === 'success' ? addressToWord(message.target) : 0n
      return
    }
    parent.returnData = result.status === 'error' ? EMPTY_BYTES : result.output
    const copied = Math.min(parent.returnSize, result.output.length)
    if (copied > 0 && result.status !== 'error')
      parent.memory.set(result.output.subarray(0, copied), parent.returnOffset)
    parent.stack[parent.sp++] = result.status === 'success' ? 1n : 0n
  }

  /**
   * Runs `frame` until it halts (returns its raw result) or starts a child (returns the child's
   * frame). Throws ExceptionalHalt for every exceptional halt: all the frame's gas is then lost.
   */
  private step(frame: Frame): Frame | ExecutionResult {
    const state = this.state
    const options = this.options
    const message = frame.message
    const code = frame.code
    const codeLength = code.length
    const { jumpdests, pushValues, length: codeLengthWord } = frame.analysis
    const stack = frame.stack
    // Initcode runs with empty calldata: its input is its code.
    const calldata = message.kind === 'create' || message.kind === 'create2' ? EMPTY_BYTES : message.input
    const tracer = this.tracer
    const slotKeyPreimages = this.options.slotKeyPreimages
    const work = this.work
    // Read once per frame: where modules are loaded through an exports object (vitest's runner,
    // tsx compiling to CommonJS) every read of an import is a getter call, which cost opcode loops
    // up to two thirds of their time when read per opcode.
    const staticGasOf = STATIC_GAS
    const stackInOf = STACK_IN
    const stackMaxBeforeOf = STACK_MAX_BEFORE
    let pc = frame.pc
    let sp = frame.sp
    let gas = frame.gas

    for (;;) {
      const op = pc < codeLength ? code[pc]! : 0x00
      if (tracer !== undefined) {
        frame.saveRegisters(pc, sp, gas)
        tracer.onStep(frame, op)
      }
      if (--work[0]! < 0) this.outOfWork()
      const staticGas = staticGasOf[op]!
      if (staticGas < 0) throw frame.halt(gas, `invalid opcode 0x${op.toString(16).padStart(2, '0')}`)
      if (sp < stackInOf[op]!) throw frame.halt(gas, 'stack underflow')
      if (sp > stackMaxBeforeOf[op]!) throw frame.halt(gas, 'stack overflow')
      gas -= staticGas
      if (gas < 0) gas = frame.overdrawn(gas)
      pc++

      switch (op) {
        case 0x00: // STOP
          frame.saveRegisters(pc, sp, gas)
          return { status: 'success', gasLeft: frame.exactGas(), output: EMPTY_BYTES }
        case 0x01: {
          sp--
          // A comparison instead of a mask: one BigInt allocated instead of two.
          const sum = stack[sp - 1]! + stack[sp]!
          stack[sp - 1] = sum > WORD_MASK ? sum - TWO_256 : sum
          break
        }
        case 0x02: {
          sp--
          stack[sp - 1] = (stack[sp - 1]! * stack[sp]!) & WORD_MASK
          break
        }
        case 0x03: {
          sp--
          const difference = stack[sp]! - stack[sp - 1]!
          stack[sp - 1] = difference < 0n ? difference + TWO_256 : difference
          break
        }
        case 0x04: {
          sp--
          const divisor = stack[sp - 1]!
          stack[sp - 1] = divisor === 0n ? 0n : stack[sp]! / divisor
          break
        }
        case 0x05: {
          sp--
          const divisor = toSigned(stack[sp - 1]!)
          stack[sp - 1] = divisor === 0n ? 0n : (toSigned(stack[sp]!) / divisor) & WORD_MASK
          break
        }
        case 0x06: {
          sp--
          const modulus = stack[sp - 1]!
          stack[sp - 1] = modulus === 0n ? 0n : stack[sp]! % modulus
          break
        }
        case 0x07: {
          sp--
          const modulus = toSigned(stack[sp - 1]!)
          stack[sp - 1] = modulus === 0n ? 0n : (toSigned(stack[sp]!) % modulus) & WORD_MASK
          break
        }
        case 0x08: {
          sp -= 2
          const modulus = stack[sp - 1]!
          stack[sp - 1] = modulus === 0n ? 0n : (stack[sp + 1]! + stack[sp]!) % modulus
          break
        }
        case 0x09: {
          sp -= 2
          const modulus = stack[sp - 1]!
          stack[sp - 1] = modulus === 0n ? 0n : (stack[sp + 1]! * stack[sp]!) % modulus
          break
        }
        case 0x0a: {
          sp--
          const exponent = stack[sp - 1]!
          const exponentBytes = byteLength(exponent)
          gas -= EXP_BYTE_GAS * exponentBytes
          if (gas < 0) gas = frame.overdrawn(gas)
          work[0]! -= EXP_UNITS_PER_BYTE * exponentBytes
          stack[sp - 1] = expMod256(stack[sp]!, exponent)
          break
        }
        case 0x0b: {
          sp--
          const byteIndex = stack[sp]!
          if (byteIndex < 31n) {
            const bit = Number(byteIndex) * 8 + 7
            const value = stack[sp - 1]!
            const lowMask = (1n << BigInt(bit + 1)) - 1n
            stack[sp - 1] = (value >> BigInt(bit)) & 1n ? value | (WORD_MASK ^ lowMask) : value & lowMask
          }
          break
        }
        case 0x10: {
          sp--
          stack[sp - 1] = stack[sp]! < stack[sp - 1]! ? 1n : 0n
          break
        }
        case 0x11: {
          sp--
          stack[sp - 1] = stack[sp]! > stack[sp - 1]! ? 1n : 0n
          break
        }
        case 0x12: {
          sp--
          stack[sp - 1] = toSigned(stack[sp]!) < toSigned(stack[sp - 1]!) ? 1n : 0n
          break
        }
        case 0x13: {
          sp--
          stack[sp - 1] = toSigned(stack[sp]!) > toSigned(stack[sp - 1]!) ? 1n : 0n
          break
        }
        case 0x14: {
          sp--
          stack[sp - 1] = stack[sp]! === stack[sp - 1]! ? 1n : 0n
          break
        }
        case 0x15:
          stack[sp - 1] = stack[sp - 1]! === 0n ? 1n : 0n
          break
        case 0x16: {
          sp--
          stack[sp - 1] = stack[sp]! & stack[sp - 1]!
          break
        }
        case 0x17: {
          sp--
          stack[sp - 1] = stack[sp]! | stack[sp - 1]!
          break
        }
        case 0x18: {
          sp--
          stack[sp - 1] = stack[sp]! ^ stack[sp - 1]!
          break
        }
        case 0x19:
          stack[sp - 1] = WORD_MASK ^ stack[sp - 1]!
          break
        case 0x1a: {
          sp--
          const index = stack[sp]!
          stack[sp - 1] = index < 32n ? (stack[sp - 1]! >> (8n * (31n - index))) & 0xffn : 0n
          break
        }
        case 0x1b: {
          sp--
          const shift = stack[sp]!
          stack[sp - 1] = shift < 256n ? (stack[sp - 1]! << shift) & WORD_MASK : 0n
          break
        }
        case 0x1c: {
          sp--
          const shift = stack[sp]!
          stack[sp - 1] = shift < 256n ? stack[sp - 1]! >> shift : 0n
          break
        }
        case 0x1d: {
          sp--
          const shift = stack[sp]!
          const value = toSigned(stack[sp - 1]!)
          stack[sp - 1] = (shift < 256n ? value >> shift : value < 0n ? -1n : 0n) & WORD_MASK
          break
        }
        case 0x20: {
          sp--
          const size = stack[sp - 1]!
          frame.gas = gas
          const offset = frame.expandMemory(stack[sp]!, size)
          gas = frame.gas
          const length = Number(size)
          gas -= KECCAK256_WORD_GAS * words(length)
          if (gas < 0) gas = frame.overdrawn(gas)
          work[0]! -= KECCAK256_UNITS + KECCAK256_UNITS_PER_WORD * words(length)
          const hash = keccak256(frame.memory.subarray(offset, offset + length))
          stack[sp - 1] = bytes32ToWord(hash)
          if (length === 64 && slotKeyPreimages !== undefined)
            slotKeyPreimages.set(stack[sp - 1]!, frame.memory.slice(offset, offset + 64))
          break
        }
        case 0x30:
          stack[sp++] = addressToWord(message.target)
          break
        case 0x31: {
          const address = wordToAddress(stack[sp - 1]!)
          gas -= accessGas(state, address)
          if (gas < 0) gas = frame.overdrawn(gas)
          stack[sp - 1] = state.getBalance(address)
          break
        }
        case 0x32:
          stack[sp++] = addressToWord(options.transaction.origin)
          break
        case 0x33:
          stack[sp++] = addressToWord(message.caller)
          break
        case 0x34:
          stack[sp++] = message.value
          break
        case 0x35:
          stack[sp - 1] = readWordPadded(calldata, stack[sp - 1]!)
          break
        case 0x36:
          stack[sp++] = BigInt(calldata.length)
          break
        case 0x37:
        case 0x39: {
          sp -= 3
          const size = stack[sp]!
          frame.gas = gas
          const destination = frame.expandMemory(stack[sp + 2]!, size)
          gas = frame.gas
          const length = Number(size)
          gas -= COPY_WORD_GAS * words(length)
          if (gas < 0) gas = frame.overdrawn(gas)
          if (length > 0)
            frame.memory.set(
              sliceZeroPadded(op === 0x37 ? calldata : code, stack[sp + 1]!, length),
              destination,
            )
          break
        }
        case 0x38:
          stack[sp++] = codeLengthWord
          break
        case 0x3a:
          stack[sp++] = options.transaction.gasPrice
          break
        case 0x3b: {
          const address = wordToAddress(stack[sp - 1]!)
          gas -= accessGas(state, address)
          if (gas < 0) gas = frame.overdrawn(gas)
          stack[sp - 1] = BigInt(state.getCode(address).length)
          break
        }
        case 0x3c: {
          sp -= 4
          const address = wordToAddress(stack[sp + 3]!)
          const size = stack[sp]!
          gas -= accessGas(state, address)
          if (gas < 0) gas = frame.overdrawn(gas)
          frame.gas = gas
          const destination = frame.expandMemory(stack[sp + 2]!, size)
          gas = frame.gas
          const length = Number(size)
          gas -= COPY_WORD_GAS * words(length)
          if (gas < 0) gas = frame.overdrawn(gas)
          if (length > 0)
            frame.memory.set(sliceZeroPadded(state.getCode(address), stack[sp + 1]!, length), destination)
          break
        }
        case 0x3d:
          stack[sp++] = BigInt(frame.returnData.length)
          break
        case 0x3e: {
          sp -= 3
          const size = stack[sp]!
          const sourceOffset = stack[sp + 1]!
          if (sourceOffset + size > BigInt(frame.returnData.length))
            throw frame.halt(gas, 'return data out of bounds')
          frame.gas = gas
          const destination = frame.expandMemory(stack[sp + 2]!, size)
          gas = frame.gas
          const length = Number(size)
          gas -= COPY_WORD_GAS * words(length)
          if (gas < 0) gas = frame.overdrawn(gas)
          if (length > 0) {
            const start = Number(sourceOffset)
            frame.memory.set(frame.returnData.subarray(start, start + length), destination)
          }
          break
        }
        case 0x3f: {
          const address = wordToAddress(stack[sp - 1]!)
          gas -= accessGas(state, address)
          if (gas < 0) gas = frame.overdrawn(gas)
          stack[sp - 1] = state.isDead(address) ? 0n : BigInt(state.getCodeHash(address))
          break
        }
        case 0x40: {
          const number = stack[sp - 1]!
          const current = options.block.number
          stack[sp - 1] = number < current && number + 256n >= current ? options.block.blockHash(number) : 0n
          break
        }
        case 0x41:
          stack[sp++] = addressToWord(options.block.coinbase)
          break
        case 0x42:
          stack[sp++] = options.block.timestamp
          break
        case 0x43:
          stack[sp++] = options.block.number
          break
        case 0x44:
          stack[sp++] = options.block.prevRandao
          break
        case 0x45:
          stack[sp++] = options.block.gasLimit
          break
        case 0x46:
          stack[sp++] = options.block.chainId
          break
        case 0x47:
          stack[sp++] = state.getBalance(message.target)
          break
        case 0x48:
          stack[sp++] = options.block.baseFeePerGas
          break
        case 0x49: {
          const index = stack[sp - 1]!
          const hashes = options.transaction.blobVersionedHashes
          stack[sp - 1] = index < BigInt(hashes.length) ? hashes[Number(index)]! : 0n
          break
        }
        case 0x4a:
          stack[sp++] = options.block.blobBaseFee
          break
        case 0x50:
          sp--
          break
        case 0x51: {
          frame.gas = gas
          const offset = frame.expandMemory(stack[sp - 1]!, 32n)
          gas = frame.gas
          stack[sp - 1] = readWord(frame.memoryView, offset)
          break
        }
        case 0x52: {
          sp -= 2
          frame.gas = gas
          const offset = frame.expandMemory(stack[sp + 1]!, 32n)
          gas = frame.gas
          writeWord(frame.memoryView, offset, stack[sp]!)
          break
        }
        case 0x53: {
          sp -= 2
          frame.gas = gas
          const offset = frame.expandMemory(stack[sp + 1]!, 1n)
          gas = frame.gas
          frame.memory[offset] = Number(stack[sp]! & 0xffn)
          break
        }
        case 0x54: {
          const slot = stack[sp - 1]!
          gas -= state.warmSlot(message.target, slot) ? COLD_SLOAD_GAS : WARM_STORAGE_READ_GAS
          if (gas < 0) gas = frame.overdrawn(gas)
          stack[sp - 1] = state.getStorage(message.target, slot)
          break
        }
        case 0x55: {
          if (message.isStatic) throw frame.halt(gas, 'write protection')
          if (gas <= SSTORE_SENTRY_GAS && frame.gasExcess === 0n) throw frame.halt(gas, 'out of gas')
          sp -= 2
          const slot = stack[sp + 1]!
          const value = stack[sp]!
          const address = message.target
          let cost = state.warmSlot(address, slot) ? COLD_SLOAD_GAS : 0
          const current = state.getStorage(address, slot)
          const original = state.getCommittedStorage(address, slot)
          if (current === value) cost += WARM_STORAGE_READ_GAS
          else if (original === current) {
            cost += original === 0n ? SSTORE_SET_GAS : SSTORE_RESET_GAS
            if (original !== 0n && value === 0n) state.addRefund(SSTORE_CLEARS_SCHEDULE)
          } else {
            cost += WARM_STORAGE_READ_GAS
            if (original !== 0n) {
              if (current === 0n) state.addRefund(-SSTORE_CLEARS_SCHEDULE)
              else if (value === 0n) state.addRefund(SSTORE_CLEARS_SCHEDULE)
            }
            if (original === value)
              state.addRefund(
                original === 0n
                  ? SSTORE_SET_GAS - WARM_STORAGE_READ_GAS
                  : SSTORE_RESET_GAS - WARM_STORAGE_READ_GAS,
              )
          }
          gas -= cost
          if (gas < 0) gas = frame.overdrawn(gas)
          state.setStorage(address, slot, value)
          break
        }
        case 0x56: {
          sp--
          pc = this.jumpTarget(stack[sp]!, codeLengthWord, jumpdests)
          break
        }
        case 0x57: {
          sp -= 2
          if (stack[sp]! !== 0n) pc = this.jumpTarget(stack[sp + 1]!, codeLengthWord, jumpdests)
          break
        }
        case 0x58:
          stack[sp++] = BigInt(pc - 1)
          break
        case 0x59:
          stack[sp++] = BigInt(frame.memorySize)
          break
        case 0x5a:
          stack[sp++] = BigInt(gas) + frame.gasExcess
          break
        case 0x5b:
          break
        case 0x5c:
          stack[sp - 1] = state.getTransient(message.target, stack[sp - 1]!)
          break
        case 0x5d: {
          if (message.isStatic) throw frame.halt(gas, 'write protection')
          sp -= 2
          state.setTransient(message.target, stack[sp + 1]!, stack[sp]!)
          break
        }
        case 0x5e: {
          sp -= 3
          const size = stack[sp]!
          if (size > 0n) {
            const source = stack[sp + 1]!
            const destination = stack[sp + 2]!
            frame.gas = gas
            frame.expandMemory(source > destination ? source : destination, size)
            gas = frame.gas
            const length = Number(size)
            gas -= COPY_WORD_GAS * words(length)
            if (gas < 0) gas = frame.overdrawn(gas)
            const from = Number(source)
            frame.memory.copyWithin(Number(destination), from, from + length)
          }
          break
        }
        case 0x5f:
          stack[sp++] = 0n
          break
        case 0xf3:
        case 0xfd: {
          sp -= 2
          const size = stack[sp]!
          frame.gas = gas
          const offset = frame.expandMemory(stack[sp + 1]!, size)
          gas = frame.gas
          const output = frame.memory.slice(offset, offset + Number(size))
          frame.saveRegisters(pc, sp, gas)
          return { status: op === 0xf3 ? 'success' : 'revert', gasLeft: frame.exactGas(), output }
        }
        case 0xfe:
          throw frame.halt(gas, 'invalid opcode 0xfe')
        case 0xf0:
        case 0xf5: {
          if (message.isStatic) throw frame.halt(gas, 'write protection')
          const isCreate2 = op === 0xf5
          sp -= isCreate2 ? 4 : 3
          const top = isCreate2 ? sp + 3 : sp + 2
          const value = stack[top]!
          const size = stack[top - 2]!
          frame.gas = gas
          const offset = frame.expandMemory(stack[top - 1]!, size)
          gas = frame.gas
          const length = Number(size)
          if (length > MAX_INITCODE_SIZE) throw frame.halt(gas, 'max initcode size exceeded')
          gas -= INITCODE_WORD_GAS * words(length) + (isCreate2 ? KECCAK256_WORD_GAS * words(length) : 0)
          if (gas < 0) gas = frame.overdrawn(gas)
          const salt = isCreate2 ? stack[sp]! : 0n
          const initcode = frame.memory.slice(offset, offset + length)
          frame.returnData = EMPTY_BYTES
          const childGas = this.allButOne64thOf(frame, gas)
          const creator = message.target
          const nonce = state.getNonce(creator)
          // Pure functions of the creator, its nonce before this create, and the initcode: the same
          // address whether the create goes ahead or is refused (a tracer reports both).
          const target = isCreate2 ? create2Address(creator, salt, initcode) : createAddress(creator, nonce)
          const create: Message = {
            kind: isCreate2 ? 'create2' : 'create',
            caller: creator,
            target,
            codeAddress: target,
            value,
            input: initcode,
            gas: childGas,
            depth: message.depth + 1,
            isStatic: false,
          }
          if (message.depth >= MAX_CALL_DEPTH || state.getBalance(creator) < value || nonce >= MAX_NONCE) {
            if (tracer !== undefined) {
              // As geth: the parent pays, the refused frame is reported, and the gas comes back.
              gas = this.takeGas(frame, gas, childGas)
              frame.saveRegisters(pc, sp, gas)
              const reason =
                message.depth >= MAX_CALL_DEPTH
                  ? 'max call depth exceeded'
                  : state.getBalance(creator) < value
                    ? 'insufficient balance for transfer'
                    : 'nonce uint64 overflow'
              this.traceRefused(tracer, create, reason, childGas)
              gas = this.takeGas(frame, gas, -childGas)
            }
            stack[sp++] = 0n
            break
          }
          gas = this.takeGas(frame, gas, childGas)
          state.setNonce(creator, nonce + 1n)
          state.warmAddress(target)
          if (state.collidesWithCreate(target)) {
            // Address collision: the create fails and its gas is gone.
            if (tracer !== undefined) {
              frame.saveRegisters(pc, sp, gas)
              this.traceRefused(tracer, create, 'contract address collision', 0n)
            }
            stack[sp++] = 0n
            break
          }
          frame.saveRegisters(pc, sp, gas)
          const started = this.begin(create)
          if (started instanceof Frame) return started
          // Empty initcode: an account without code, created at once.
          this.resume(frame, create, started)
          gas = frame.gas
          sp = frame.sp
          break
        }
        case 0xf1:
        case 0xf2:
        case 0xf4:
        case 0xfa: {
          const hasValue = op === 0xf1 || op === 0xf2
          sp -= hasValue ? 7 : 6
          const requestedGas = stack[sp + (hasValue ? 6 : 5)]!
          const address = wordToAddress(stack[sp + (hasValue ? 5 : 4)]!)
          const value = hasValue ? stack[sp + 4]! : 0n
          const argsOffset = stack[sp + 3]!
          const argsSize = stack[sp + 2]!
          const returnOffset = stack[sp + 1]!
          const returnSize = stack[sp]!
          if (op === 0xf1 && value !== 0n && message.isStatic) throw frame.halt(gas, 'write protection')
          let cost = accessGas(state, address)
          // EIP-7702: a delegated account's code is its delegate's, whose access is paid here too;
          // begin() loads it, one designator deep.
          if (options.fork === 'prague') {
            const delegate = delegationTarget(state.getCode(address))
            if (delegate) cost += accessGas(state, delegate)
          }
          // Memory for both regions, then the rest of the price, then the 63/64 rule.
          frame.gas = gas
          const inputOffset = frame.expandMemory(argsOffset, argsSize)
          gas = frame.gas
          frame.gas = gas
          const outputOffset = frame.expandMemory(returnOffset, returnSize)
          gas = frame.gas
          if (value !== 0n) {
            cost += CALL_VALUE_TRANSFER_GAS
            if (op === 0xf1 && state.isDead(address)) cost += CALL_NEW_ACCOUNT_GAS
          }
          gas -= cost
          if (gas < 0) gas = frame.overdrawn(gas)
          const available = this.allButOne64thOf(frame, gas)
          const childGas = requestedGas < available ? requestedGas : available
          gas = this.takeGas(frame, gas, childGas)
          const stipend = value !== 0n ? BigInt(CALL_STIPEND) : 0n
          frame.returnData = EMPTY_BYTES
          const input = frame.memory.slice(inputOffset, inputOffset + Number(argsSize))
          work[0]! -= Math.ceil(CALL_INPUT_UNITS_PER_WORD * words(input.length))
          const kind: CallKind =
            op === 0xf1 ? 'call' : op === 0xf2 ? 'callcode' : op === 0xf4 ? 'delegatecall' : 'staticcall'
          const child: Message = {
            kind,
            caller: op === 0xf4 ? message.caller : message.target,
            target: op === 0xf1 || op === 0xfa ? address : message.target,
            codeAddress: address,
            value: op === 0xf4 ? message.value : value,
            input,
            gas: childGas + stipend,
            depth: message.depth + 1,
            isStatic: message.isStatic || op === 0xfa,
          }
          if (message.depth >= MAX_CALL_DEPTH || (value !== 0n && state.getBalance(message.target) < value)) {
            if (tracer !== undefined) {
              frame.saveRegisters(pc, sp, gas)
              const reason =
                message.depth >= MAX_CALL_DEPTH
                  ? 'max call depth exceeded'
                  : 'insufficient balance for transfer'
              this.traceRefused(tracer, child, reason, childGas + stipend)
            }
            // geth hands back the stipend too.
            gas = this.takeGas(frame, gas, -(childGas + stipend))
            stack[sp++] = 0n
            break
          }
          frame.returnOffset = outputOffset
          frame.returnSize = Number(returnSize)
          frame.saveRegisters(pc, sp, gas)
          const started = this.begin(child)
          if (started instanceof Frame) return started
          // Precompile or code-less account: finished already.
          this.resume(frame, child, started)
          gas = frame.gas
          sp = frame.sp
          break
        }
        case 0xff: {
          if (message.isStatic) throw frame.halt(gas, 'write protection')
          sp--
          const beneficiary = wordToAddress(stack[sp]!)
          let cost = state.isWarm(beneficiary) ? 0 : COLD_ACCOUNT_ACCESS_GAS
          state.warmAddress(beneficiary)
          const balance = state.getBalance(message.target)
          if (balance !== 0n && state.isDead(beneficiary)) cost += CALL_NEW_ACCOUNT_GAS
          gas -= cost
          if (gas < 0) gas = frame.overdrawn(gas)
          state.subtractBalance(message.target, balance)
          state.addBalance(beneficiary, balance)
          state.selfDestruct(message.target)
          frame.saveRegisters(pc, sp, gas)
          tracer?.onSelfDestruct(frame, beneficiary, balance)
          return { status: 'success', gasLeft: frame.exactGas(), output: EMPTY_BYTES }
        }
        default: {
          if (op >= 0x60 && op <= 0x7f) {
            stack[sp++] = pushValues[pc - 1]!
            pc += op - 0x5f
          } else if (op >= 0x80 && op <= 0x8f) {
            stack[sp] = stack[sp - (op - 0x7f)]!
            sp++
          } else if (op >= 0x90 && op <= 0x9f) {
            const other = sp - 1 - (op - 0x8f)
            const top = stack[sp - 1]!
            stack[sp - 1] = stack[other]!
            stack[other] = top
          } else if (op >= 0xa0 && op <= 0xa4) {
            if (message.isStatic) throw frame.halt(gas, 'write protection')
            const topicCount = op - 0xa0
            sp -= 2
            const size = stack[sp]!
            frame.gas = gas
            const offset = frame.expandMemory(stack[sp + 1]!, size)
            gas = frame.gas
            const length = Number(size)
            gas -= LOG_DATA_BYTE_GAS * length
            if (gas < 0) gas = frame.overdrawn(gas)
            const topics: bigint[] = []
            for (let i = 0; i < topicCount; i++) topics.push(stack[sp - 1 - i]!)
            sp -= topicCount
            const log = { address: message.target, topics, data: frame.memory.slice(offset, offset + length) }
            state.addLog(log)
            if (tracer !== undefined) tracer.onLog(frame, log)
          } else throw frame.halt(gas, `invalid opcode 0x${op.toString(16)}`)
        }
      }
    }
  }

  /** For a tracer: a child its parent paid for that never ran (geth reports it as a failed frame). */
  private traceRefused(tracer: EvmTracer, message: Message, error: string, gasLeft: bigint): void {
    tracer.onEnter(message)
    tracer.onExit(message, { status: 'error', gasLeft, output: EMPTY_BYTES, error })
  }

  /** EIP-150's all but one 64th of the frame's gas, exactly. */
  private allButOne64thOf(frame: Frame, gas: number): bigint {
    if (frame.gasExcess === 0n) return BigInt(allButOne64th(gas))
    const exact = BigInt(gas) + frame.gasExcess
    return exact - exact / 64n
  }

  /** Takes `amount` (negative: gives back) from the frame whose counted gas is `gas`; returns the new count. */
  private takeGas(frame: Frame, gas: number, amount: bigint): number {
    if (frame.gasExcess === 0n && amount <= BigInt(gas) && BigInt(gas) - amount <= MAX_COUNTED_GAS)
      return gas - Number(amount)
    frame.setGas(BigInt(gas) + frame.gasExcess - amount)
    return frame.gas
  }

  private jumpTarget(destination: bigint, codeLength: bigint, jumpdests: Uint8Array): number {
    if (destination >= codeLength) throw new ExceptionalHalt('invalid jump destination')
    const target = Number(destination)
    if (!((jumpdests[target >>> 3]! >> (target & 7)) & 1))
      throw new ExceptionalHalt('invalid jump destination')
    return target
  }
}
