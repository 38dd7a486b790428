/**
 * Random but meaningful EVM programs for differential testing. A program is a sequence of snippets,
 * each stack-neutral: it pushes its operands (edge cases such as 0, 1, 2^255 and 2^256-1, random
 * words, or values read from the environment), runs one operation, and sinks the result into memory,
 * storage, transient storage or a log, so that every computed value reaches the return data, the
 * state or the logs both engines are compared on. Snippets cover arithmetic, memory, storage (few
 * slots, so writes collide and EIP-2200/3529 refunds, reset-to-original included, come up), calls of
 * every kind into other programs and precompiles, creates with initcode that deploys, reverts,
 * self-destructs or runs out of gas, jumps and small loops, and rare faults (stack underflow,
 * invalid opcodes and jumps, memory out of gas). A terminator ends the program.
 *
 *   generateProgram(random, world, { kind: 'runtime' | 'initcode', snippets })
 *     └─ ProgramBuilder: snippet() × n ─▶ terminate() or an initcode ending ─▶ Assembler.bytes()
 */
import type { Address } from 'viem'
import type { Fork } from '../../src/evm/evm.ts'
import { Assembler, OP } from './assembler.ts'
import type { Random } from './createRandom.ts'
import { precompileInput } from './precompileInput.ts'

/** The accounts and slots a program may name; fixed per scenario so programs interact. */
export type ProgramWorld = {
  fork: Fork
  /** Accounts worth calling: the generated contracts, helpers, EOAs, absent and soon-created addresses. */
  callTargets: readonly Address[]
  /** Accounts worth inspecting (BALANCE, EXTCODE*) or naming as a SELFDESTRUCT beneficiary. */
  addresses: readonly Address[]
  /** The storage slots programs use: few, so that writes meet. */
  slots: readonly bigint[]
  blockNumber: bigint
}

export type ProgramOptions = {
  /** A contract's code, or initcode (which ends by deploying, reverting, self-destructing or failing). */
  kind: 'runtime' | 'initcode'
  /** Snippets before the ending. */
  snippets: number
  /** How deep in initcode this program is: creates inside creates stop at MAX_CREATE_NESTING. */
  createDepth?: number
}

const MAX_WORD = (1n << 256n) - 1n
const MAX_CREATE_NESTING = 2
/** Sinks write results to words 0..15 of memory, which the terminator returns. */
const RESULT_WORDS = 16
/** Call inputs and initcode are staged here, past the results. */
const STAGING_OFFSET = 0x200
/** EIP-3860's initcode limit, plus one: CREATE of it halts. */
const OVERSIZED_INITCODE = 49_153
/** EIP-170's code limit, plus one: deploying it fails. */
const OVERSIZED_CODE = 24_577

// biome-ignore format: a table
const EDGE_VALUES: readonly bigint[] = [
  0n, 1n, 2n, 3n, 7n, 8n, 16n, 31n, 32n, 33n, 64n, 255n, 256n, 257n, 1n << 63n, 1n << 64n, 1n << 128n,
  (1n << 255n) - 1n, 1n << 255n, (1n << 255n) + 1n, MAX_WORD - 1n, MAX_WORD,
]
// biome-ignore format: a table
const BINARY_OPS = [
  OP.ADD, OP.MUL, OP.SUB, OP.DIV, OP.SDIV, OP.MOD, OP.SMOD, OP.EXP, OP.SIGNEXTEND, OP.LT, OP.GT, OP.SLT,
  OP.SGT, OP.EQ, OP.AND, OP.OR, OP.XOR, OP.BYTE, OP.SHL, OP.SHR, OP.SAR,
]
// biome-ignore format: a table
const ENVIRONMENT_OPS = [
  OP.ADDRESS, OP.ORIGIN, OP.CALLER, OP.CALLVALUE, OP.CALLDATASIZE, OP.CODESIZE, OP.GASPRICE, OP.RETURNDATASIZE,
  OP.COINBASE, OP.TIMESTAMP, OP.NUMBER, OP.PREVRANDAO, OP.GASLIMIT, OP.CHAINID, OP.SELFBALANCE, OP.BASEFEE,
  OP.BLOBBASEFEE, OP.MSIZE, OP.PC, OP.GAS,
]
/** Opcodes no fork Velox runs assigns (0xfe is the designated INVALID). */
// biome-ignore format: a table
const UNDEFINED_OPS = [0x0c, 0x0d, 0x0e, 0x0f, 0x1e, 0x1f, 0x21, 0x2f, 0x4b, 0x4f, 0xa5, 0xb0, 0xc0, 0xe0, 0xef, 0xf6, 0xfb, 0xfc, 0xfe]
const PRECOMPILE_COUNT = { cancun: 0x0a, prague: 0x11 } as const

export function generateProgram(random: Random, world: ProgramWorld, options: ProgramOptions): Uint8Array {
  const builder = new ProgramBuilder(random, world, options.createDepth ?? 0)
  for (let i = 0; i < options.snippets; i++) builder.snippet()
  if (options.kind === 'initcode') builder.endInitcode()
  else builder.terminate()
  return builder.assembler.bytes()
}

type Snippet = () => void

class ProgramBuilder {
  readonly assembler = new Assembler()
  /** Items enclosing constructs (loop counters) keep below the current snippet. */
  private stackDepth = 0

  constructor(
    private readonly random: Random,
    private readonly world: ProgramWorld,
    private readonly createDepth: number,
  ) {}

  snippet(options: { faults?: boolean } = {}): void {
    const r = this.random
    const choices: [number, Snippet][] = [
      [20, () => this.arithmetic()],
      [6, () => this.environment()],
      [6, () => this.inspectAccount()],
      [9, () => this.memory()],
      [3, () => this.returnData()],
      [13, () => this.storage()],
      [4, () => this.transient()],
      [4, () => this.log()],
      [9, () => this.call()],
      [6, () => this.callPrecompile()],
      [4, () => this.jump()],
      [2, () => this.loop()],
      [1, () => this.blockLookup()],
    ]
    if (this.createDepth < MAX_CREATE_NESTING) choices.push([4, () => this.create()])
    if (options.faults !== false) choices.push([1, () => this.fault()])
    r.weighted(choices)()
  }

  // ---- operands and sinks ----------------------------------------------------------------------

  private value(): bigint {
    const r = this.random
    return r.weighted<() => bigint>([
      [50, () => r.pick(EDGE_VALUES)],
      [20, () => BigInt(r.int(300))],
      [15, () => r.word()],
      [10, () => (1n << BigInt(r.int(256))) + BigInt(r.int(3)) - 1n],
      [5, () => r.word() >> BigInt(8 * r.int(32))],
    ])()
  }

  /** Pushes one operand: a constant, or a value read from the environment. */
  private operand(): void {
    const r = this.random
    const a = this.assembler
    if (r.chance(0.85)) {
      const value = this.value()
      // Sometimes a wider push than needed: PUSH32 of a small value must read the same.
      a.push(value, r.chance(0.1) ? 32 : undefined)
      return
    }
    r.pick<Snippet>([
      () => a.op(OP.CALLVALUE),
      () => a.op(OP.CALLDATASIZE),
      () => a.push(r.pick([0, 4, 31, 32, 64])).op(OP.CALLDATALOAD),
      () => a.push(r.pick(this.world.slots)).op(OP.SLOAD),
      () => a.push(r.pick(this.world.slots)).op(OP.TLOAD),
      () => a.push(32 * r.int(RESULT_WORDS)).op(OP.MLOAD),
      () => a.op(OP.GAS),
      () => a.op(OP.RETURNDATASIZE),
      () => a.op(OP.SELFBALANCE),
      () => a.op(OP.CALLER),
      () => a.op(OP.MSIZE),
    ])()
  }

  /** Consumes the value on top of the stack where the comparison will see it. */
  private sink(): void {
    const r = this.random
    const a = this.assembler
    r.weighted<Snippet>([
      [45, () => a.push(32 * r.int(RESULT_WORDS)).op(OP.MSTORE)],
      [10, () => a.push(r.int(32 * RESULT_WORDS - 32)).op(OP.MSTORE)],
      [20, () => a.push(r.pick(this.world.slots)).op(OP.SSTORE)],
      [8, () => a.push(r.pick(this.world.slots)).op(OP.TSTORE)],
      [
        7,
        () =>
          a
            .push(r.pick([0, 32]))
            .push(32 * r.int(RESULT_WORDS))
            .op(OP.LOG0 + 1),
      ],
      [10, () => a.op(OP.POP)],
    ])()
  }

  private memoryOffset(): number {
    const r = this.random
    return r.weighted<() => number>([
      [70, () => 32 * r.int(32)],
      [25, () => r.int(0x400)],
      [5, () => 0x10000 + r.int(32)],
    ])()
  }

  private memorySize(): number {
    const r = this.random
    return r.weighted<() => number>([
      [90, () => r.pick([0, 1, 31, 32, 33, 64, r.int(200)])],
      [10, () => r.int(0x1000)],
    ])()
  }

  private address(): void {
    const r = this.random
    const a = this.assembler
    r.weighted<Snippet>([
      [75, () => a.pushAddress(r.pick(this.world.addresses))],
      [10, () => a.op(OP.ADDRESS)],
      [5, () => a.op(OP.CALLER)],
      [10, () => a.push(1 + r.int(PRECOMPILE_COUNT[this.world.fork] + 2))],
    ])()
  }

  // ---- snippets --------------------------------------------------------------------------------

  private arithmetic(): void {
    const r = this.random
    const a = this.assembler
    const arity = r.weighted([
      [75, 2],
      [10, 3],
      [15, 1],
    ])
    for (let i = 0; i < arity; i++) this.operand()
    if (arity === 1) a.op(r.pick([OP.ISZERO, OP.NOT]))
    else if (arity === 3) a.op(r.pick([OP.ADDMOD, OP.MULMOD]))
    else a.op(r.pick(BINARY_OPS))
    this.sink()
  }

  private environment(): void {
    const r = this.random
    const a = this.assembler
    if (r.chance(0.1)) a.push(r.int(3)).op(OP.BLOBHASH)
    else a.op(r.pick(ENVIRONMENT_OPS))
    this.sink()
  }

  private inspectAccount(): void {
    const r = this.random
    const a = this.assembler
    if (r.chance(0.25)) {
      // EXTCODECOPY(address, destination, offset, size)
      a.push(this.memorySize()).push(r.pick([0, 1, 20, 1000]))
      a.push(32 * r.int(RESULT_WORDS))
      this.address()
      a.op(OP.EXTCODECOPY)
      return
    }
    this.address()
    a.op(r.pick([OP.BALANCE, OP.EXTCODESIZE, OP.EXTCODEHASH]))
    this.sink()
  }

  private memory(): void {
    const r = this.random
    const a = this.assembler
    r.pick<Snippet>([
      () => {
        a.push(this.memoryOffset()).op(OP.MLOAD)
        this.sink()
      },
      () => {
        this.operand()
        a.push(this.memoryOffset()).op(OP.MSTORE8)
      },
      () => a.push(this.memorySize()).push(this.memoryOffset()).push(this.memoryOffset()).op(OP.MCOPY),
      () => {
        a.push(this.memorySize()).push(this.memoryOffset()).op(OP.KECCAK256)
        this.sink()
      },
      () => {
        a.push(r.pick([0n, 1n, 4n, 32n, 100n, MAX_WORD])).op(OP.CALLDATALOAD)
        this.sink()
      },
      () =>
        a
          .push(this.memorySize())
          .push(r.pick([0n, 2n, 64n, MAX_WORD]))
          .push(this.memoryOffset())
          .op(OP.CALLDATACOPY),
      () =>
        a
          .push(this.memorySize())
          .push(r.pick([0, 5, 5000]))
          .push(this.memoryOffset())
          .op(OP.CODECOPY),
    ])()
  }

  private returnData(): void {
    const r = this.random
    const a = this.assembler
    if (r.chance(0.6)) {
      // All of it: always in bounds.
      a.op(OP.RETURNDATASIZE)
        .push(0)
        .push(32 * r.int(RESULT_WORDS))
        .op(OP.RETURNDATACOPY)
      return
    }
    // Arbitrary bounds: reading past the end halts (EIP-211).
    a.push(r.pick([0, 1, 32, 33]))
      .push(r.pick([0, 1, 31, 32]))
      .push(32 * r.int(RESULT_WORDS))
    a.op(OP.RETURNDATACOPY)
  }

  private storage(): void {
    const r = this.random
    const a = this.assembler
    const slot = r.pick(this.world.slots)
    r.weighted<Snippet>([
      // A write of an interesting value: zero (a clear), one, or anything.
      [
        40,
        () =>
          a
            .push(r.pick([0n, 0n, 1n, 2n, this.value()]))
            .push(slot)
            .op(OP.SSTORE),
      ],
      [
        25,
        () =>
          a
            .push(slot)
            .op(OP.SLOAD)
            .push(r.int(RESULT_WORDS) * 32)
            .op(OP.MSTORE),
      ],
      // Change the slot, then put its value back (EIP-2200's reset to original).
      [
        20,
        () => {
          a.push(slot).op(OP.SLOAD)
          a.push(r.pick([0n, 1n, this.value()]))
            .push(slot)
            .op(OP.SSTORE)
          a.push(slot).op(OP.SSTORE)
        },
      ],
      // Write twice: set, then clear.
      [15, () => a.push(this.value()).push(slot).op(OP.SSTORE).push(0).push(slot).op(OP.SSTORE)],
    ])()
  }

  private transient(): void {
    const r = this.random
    const a = this.assembler
    const slot = r.pick(this.world.slots)
    if (r.chance(0.5)) {
      this.operand()
      a.push(slot).op(OP.TSTORE)
    } else {
      a.push(slot).op(OP.TLOAD)
      this.sink()
    }
  }

  private log(): void {
    const r = this.random
    const a = this.assembler
    const topics = r.int(5)
    for (let i = 0; i < topics; i++) this.operand()
    a.push(r.pick([0, 1, 32, 64, r.int(100)])).push(
      r.weighted([
        [95, 32 * r.int(RESULT_WORDS)],
        [5, this.memoryOffset()],
      ]),
    )
    a.op(OP.LOG0 + topics)
  }

  private call(): void {
    const r = this.random
    const a = this.assembler
    const op = r.weighted([
      [50, OP.CALL],
      [20, OP.STATICCALL],
      [15, OP.DELEGATECALL],
      [15, OP.CALLCODE],
    ])
    let argsSize = 0
    if (r.chance(0.5)) {
      const input = r.bytes(r.pick([1, 4, 32, 64, r.int(100)]))
      a.storeBytes(STAGING_OFFSET, input)
      argsSize = input.length
    }
    a.push(r.pick([0, 32, 64, r.int(100)])).push(32 * r.int(RESULT_WORDS))
    a.push(argsSize).push(STAGING_OFFSET)
    if (op === OP.CALL || op === OP.CALLCODE) this.callValue()
    if (r.chance(0.85)) a.pushAddress(r.pick(this.world.callTargets))
    else a.op(OP.ADDRESS)
    this.callGas([0, 1, 100, 2300, 2600, 5000, 9000, 25_000, 50_000, 100_000])
    a.op(op)
    this.sink()
    if (r.chance(0.3)) {
      a.op(OP.RETURNDATASIZE)
      this.sink()
    }
  }

  private callValue(): void {
    const r = this.random
    const a = this.assembler
    r.weighted<Snippet>([
      [60, () => a.push(0)],
      [25, () => a.push(1 + r.int(1000))],
      [10, () => a.push(10n ** 24n)],
      [5, () => a.op(OP.SELFBALANCE)],
    ])()
  }

  /** Gas for a call: all of it (capped by the 63/64 rule), a fixed amount, or absurdly much. */
  private callGas(amounts: readonly number[]): void {
    const r = this.random
    const a = this.assembler
    r.weighted<Snippet>([
      [15, () => a.op(OP.GAS)],
      [70, () => a.push(r.pick(amounts))],
      [8, () => a.push(MAX_WORD)],
      [7, () => this.operand()],
    ])()
  }

  private callPrecompile(): void {
    const r = this.random
    const a = this.assembler
    // Past the last precompile too: those addresses are plain (absent) accounts.
    const index = 1 + r.int(PRECOMPILE_COUNT[this.world.fork] + 2)
    const input = precompileInput(r, index)
    const op = r.weighted([
      [40, OP.STATICCALL],
      [40, OP.CALL],
      [10, OP.DELEGATECALL],
      [10, OP.CALLCODE],
    ])
    a.storeBytes(STAGING_OFFSET, input)
    a.push(r.pick([0, 32, 64, 128, 256])).push(32 * r.int(RESULT_WORDS / 2))
    a.push(
      Math.max(
        0,
        input.length +
          r.weighted([
            [90, 0],
            [10, r.int(5) - 2],
          ]),
      ),
    )
    a.push(STAGING_OFFSET)
    if (op === OP.CALL || op === OP.CALLCODE) a.push(r.chance(0.8) ? 0 : 1)
    a.push(index)
    this.callGas([0, 100, 3000, 3450, 6000, 15_000, 45_000, 50_000, 100_000, 200_000])
    a.op(op)
    this.sink()
  }

  private create(): void {
    const r = this.random
    const a = this.assembler
    const isCreate2 = r.chance(0.5)
    const oversized = r.chance(0.02)
    const initcode = oversized
      ? new Uint8Array(0)
      : generateProgram(r, this.world, {
          kind: 'initcode',
          snippets: r.int(4),
          createDepth: this.createDepth + 1,
        })
    a.storeBytes(STAGING_OFFSET, initcode)
    // Few salts, so a second CREATE2 of the same initcode collides.
    if (isCreate2) a.push(r.pick([0, 1]))
    a.push(oversized ? OVERSIZED_INITCODE : initcode.length).push(STAGING_OFFSET)
    r.weighted<Snippet>([
      [70, () => a.push(0)],
      [25, () => a.push(1 + r.int(1000))],
      [5, () => a.push(10n ** 24n)],
    ])()
    a.op(isCreate2 ? OP.CREATE2 : OP.CREATE)
    if (r.chance(0.5)) {
      // Call what was created (or address zero, when the create failed).
      a.push(32)
        .push(32 * r.int(RESULT_WORDS))
        .push(0)
        .push(0)
        .push(0)
      a.op(OP.DUP1 + 5)
      this.callGas([0, 5000, 50_000])
      a.op(OP.CALL)
      this.sink()
    }
    this.sink()
  }

  private jump(): void {
    const r = this.random
    const a = this.assembler
    r.weighted<Snippet>([
      // Over dead bytes, which may be anything, even a PUSH that swallows the JUMPDEST.
      [
        30,
        () => {
          const target = a.label()
          a.pushLabel(target)
            .op(OP.JUMP)
            .raw(r.bytes(r.int(6)))
          a.mark(target)
        },
      ],
      // Conditional, over a snippet that runs only when the condition is zero.
      [
        45,
        () => {
          const target = a.label()
          this.operand()
          a.pushLabel(target).op(OP.JUMPI)
          this.snippet({ faults: false })
          a.mark(target)
        },
      ],
      // A JUMPI not taken may name any destination.
      [
        15,
        () =>
          a
            .push(0)
            .push(r.pick([0n, 3n, MAX_WORD]))
            .op(OP.JUMPI),
      ],
      // Into push data that reads 0x5b: not a JUMPDEST.
      [
        10,
        () => {
          const data = a.length + 1
          a.push(0x5b).op(OP.POP).push(data, 2).op(OP.JUMP)
        },
      ],
    ])()
  }

  private loop(): void {
    const a = this.assembler
    const top = a.label()
    a.push(1 + this.random.int(3))
    a.mark(top)
    this.stackDepth++
    this.snippet({ faults: false })
    this.stackDepth--
    a.push(1).op(OP.SWAP1, OP.SUB, OP.DUP1).pushLabel(top).op(OP.JUMPI, OP.POP)
  }

  private blockLookup(): void {
    const number = this.world.blockNumber
    const candidates = [
      number,
      number + 1n,
      0n,
      number > 0n ? number - 1n : 0n,
      number > 256n ? number - 256n : 0n,
    ]
    this.assembler.push(this.random.pick(candidates)).op(OP.BLOCKHASH)
    this.sink()
  }

  private fault(): void {
    const r = this.random
    const a = this.assembler
    r.pick<Snippet>([
      // One item fewer than DUPn needs.
      () => a.op(OP.DUP1 + Math.min(this.stackDepth, 15)),
      () => a.op(r.pick(UNDEFINED_OPS)),
      () => a.push(r.pick([1n << 32n, MAX_WORD])).op(OP.MLOAD),
      () => a.push(r.pick([a.length + 1000, 1n << 64n, MAX_WORD])).op(OP.JUMP),
      () => {
        for (let i = 0; i <= 1024 - this.stackDepth; i++) a.op(OP.PUSH0)
      },
    ])()
  }

  // ---- endings ---------------------------------------------------------------------------------

  terminate(): void {
    const r = this.random
    const a = this.assembler
    r.weighted<Snippet>([
      [
        35,
        () =>
          a
            .push(32 * r.int(RESULT_WORDS + 1))
            .push(0)
            .op(OP.RETURN),
      ],
      [15, () => a.op(OP.STOP)],
      [10, () => {}],
      [
        15,
        () =>
          a
            .push(32 * r.int(4))
            .push(0)
            .op(OP.REVERT),
      ],
      [
        18,
        () => {
          this.address()
          a.op(OP.SELFDESTRUCT)
        },
      ],
      [4, () => a.op(OP.INVALID)],
      [
        3,
        () =>
          a
            .push(32)
            .push(1n << 40n)
            .op(OP.RETURN),
      ],
    ])()
  }

  /** Initcode ends by deploying a runtime (often itself generated), or by failing in some way. */
  endInitcode(): void {
    const r = this.random
    const a = this.assembler
    r.weighted<Snippet>([
      [50, () => this.deploy(this.runtime())],
      [
        12,
        () => {
          // Revert data never starts with 0xef: ethereumjs applies EIP-3541 to it (see README.md).
          a.storeBytes(0, r.bytes(r.int(64)))
            .push(r.int(0xef))
            .push(0)
            .op(OP.MSTORE8)
          a.push(r.int(64)).push(0).op(OP.REVERT)
        },
      ],
      [
        6,
        () => {
          const top = a.label()
          a.mark(top).pushLabel(top).op(OP.JUMP)
        },
      ],
      [4, () => a.op(OP.INVALID)],
      [
        10,
        () => {
          this.address()
          a.op(OP.SELFDESTRUCT)
        },
      ],
      [3, () => a.push(OVERSIZED_CODE).push(0).op(OP.RETURN)],
      [5, () => a.op(OP.STOP)],
    ])()
  }

  private runtime(): Uint8Array {
    const r = this.random
    return r.weighted<() => Uint8Array>([
      [
        45,
        () =>
          generateProgram(r, this.world, {
            kind: 'runtime',
            snippets: 1 + r.int(5),
            createDepth: this.createDepth + 1,
          }),
      ],
      // Self-destructs when called: in the creating transaction, that deletes it (EIP-6780).
      [20, () => new Assembler().op(OP.CALLER, OP.SELFDESTRUCT).bytes()],
      [10, () => new Assembler().push(r.word()).push(0).op(OP.MSTORE).push(32).push(0).op(OP.RETURN).bytes()],
      // EIP-3541: code starting with 0xef is rejected.
      [10, () => Uint8Array.of(0xef, ...r.bytes(r.int(4)))],
      [10, () => new Uint8Array(0)],
      [5, () => r.bytes(1 + r.int(40))],
    ])()
  }

  /** CODECOPY the runtime (appended after this tail) to memory, and RETURN it. */
  private deploy(runtime: Uint8Array): void {
    const a = this.assembler
    const tailLength = 13
    const runtimeOffset = a.length + tailLength
    a.push(runtime.length, 2).push(runtimeOffset, 2).op(OP.PUSH0, OP.CODECOPY)
    a.push(runtime.length, 2).op(OP.PUSH0, OP.RETURN)
    if (a.length !== runtimeOffset) throw new Error('deploy tail length changed')
    a.raw(runtime)
  }
}
