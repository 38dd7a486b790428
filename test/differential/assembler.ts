import type { Address } from 'viem'

/** The opcodes the generator and the hand-written test programs use, by mnemonic. */
export const OP = {
  STOP: 0x00,
  ADD: 0x01,
  MUL: 0x02,
  SUB: 0x03,
  DIV: 0x04,
  SDIV: 0x05,
  MOD: 0x06,
  SMOD: 0x07,
  ADDMOD: 0x08,
  MULMOD: 0x09,
  EXP: 0x0a,
  SIGNEXTEND: 0x0b,
  LT: 0x10,
  GT: 0x11,
  SLT: 0x12,
  SGT: 0x13,
  EQ: 0x14,
  ISZERO: 0x15,
  AND: 0x16,
  OR: 0x17,
  XOR: 0x18,
  NOT: 0x19,
  BYTE: 0x1a,
  SHL: 0x1b,
  SHR: 0x1c,
  SAR: 0x1d,
  KECCAK256: 0x20,
  ADDRESS: 0x30,
  BALANCE: 0x31,
  ORIGIN: 0x32,
  CALLER: 0x33,
  CALLVALUE: 0x34,
  CALLDATALOAD: 0x35,
  CALLDATASIZE: 0x36,
  CALLDATACOPY: 0x37,
  CODESIZE: 0x38,
  CODECOPY: 0x39,
  GASPRICE: 0x3a,
  EXTCODESIZE: 0x3b,
  EXTCODECOPY: 0x3c,
  RETURNDATASIZE: 0x3d,
  RETURNDATACOPY: 0x3e,
  EXTCODEHASH: 0x3f,
  BLOCKHASH: 0x40,
  COINBASE: 0x41,
  TIMESTAMP: 0x42,
  NUMBER: 0x43,
  PREVRANDAO: 0x44,
  GASLIMIT: 0x45,
  CHAINID: 0x46,
  SELFBALANCE: 0x47,
  BASEFEE: 0x48,
  BLOBHASH: 0x49,
  BLOBBASEFEE: 0x4a,
  POP: 0x50,
  MLOAD: 0x51,
  MSTORE: 0x52,
  MSTORE8: 0x53,
  SLOAD: 0x54,
  SSTORE: 0x55,
  JUMP: 0x56,
  JUMPI: 0x57,
  PC: 0x58,
  MSIZE: 0x59,
  GAS: 0x5a,
  JUMPDEST: 0x5b,
  TLOAD: 0x5c,
  TSTORE: 0x5d,
  MCOPY: 0x5e,
  PUSH0: 0x5f,
  DUP1: 0x80,
  SWAP1: 0x90,
  LOG0: 0xa0,
  CREATE: 0xf0,
  CALL: 0xf1,
  CALLCODE: 0xf2,
  RETURN: 0xf3,
  DELEGATECALL: 0xf4,
  CREATE2: 0xf5,
  STATICCALL: 0xfa,
  REVERT: 0xfd,
  INVALID: 0xfe,
  SELFDESTRUCT: 0xff,
} as const

/** A jump target; its position is known once `mark` placed it. */
export type Label = { position: number | undefined; uses: number[] }

/** Width in bytes of a label reference: every label is pushed with PUSH2. */
const LABEL_WIDTH = 2

/**
 * Builds EVM bytecode: opcodes, minimal-width pushes, and forward or backward jumps to labels whose
 * PUSH2 operands are patched in `bytes()`.
 */
export class Assembler {
  private readonly code: number[] = []
  private readonly labels: Label[] = []

  get length(): number {
    return this.code.length
  }

  op(...opcodes: number[]): this {
    for (const opcode of opcodes) this.code.push(opcode)
    return this
  }

  /** Raw bytes, not necessarily valid code (dead code, data, initcode tails). */
  raw(bytes: ArrayLike<number>): this {
    for (let i = 0; i < bytes.length; i++) this.code.push(bytes[i]!)
    return this
  }

  /** PUSH0 for zero, otherwise the narrowest PUSHn; `width` forces a wider push. */
  push(value: bigint | number, width?: number): this {
    const word = BigInt(value)
    if (word < 0n || word >= 1n << 256n) throw new Error(`push of a value outside 0..2^256-1: ${word}`)
    let bytes = word === 0n ? 0 : Math.ceil(word.toString(16).length / 2)
    if (width !== undefined) {
      if (width < bytes) throw new Error(`push of ${word} does not fit in ${width} bytes`)
      bytes = width
    }
    if (bytes === 0) return this.op(OP.PUSH0)
    this.code.push(0x5f + bytes)
    for (let i = bytes - 1; i >= 0; i--) this.code.push(Number((word >> BigInt(8 * i)) & 0xffn))
    return this
  }

  pushAddress(address: Address): this {
    return this.push(BigInt(address), 20)
  }

  label(): Label {
    const label: Label = { position: undefined, uses: [] }
    this.labels.push(label)
    return label
  }

  /** Places the label here, as a JUMPDEST. */
  mark(label: Label): this {
    if (label.position !== undefined) throw new Error('label marked twice')
    label.position = this.code.length
    return this.op(OP.JUMPDEST)
  }

  pushLabel(label: Label): this {
    this.code.push(0x5f + LABEL_WIDTH)
    label.uses.push(this.code.length)
    for (let i = 0; i < LABEL_WIDTH; i++) this.code.push(0)
    return this
  }

  /** Writes `bytes` to memory at `offset`: whole words with MSTORE, the tail byte by byte. */
  storeBytes(offset: number, bytes: Uint8Array): this {
    let i = 0
    for (; i + 32 <= bytes.length; i += 32) {
      let word = 0n
      for (let j = 0; j < 32; j++) word = (word << 8n) | BigInt(bytes[i + j]!)
      this.push(word, 32)
        .push(offset + i)
        .op(OP.MSTORE)
    }
    for (; i < bytes.length; i++)
      this.push(bytes[i]!)
        .push(offset + i)
        .op(OP.MSTORE8)
    return this
  }

  bytes(): Uint8Array {
    const out = Uint8Array.from(this.code)
    for (const label of this.labels) {
      if (label.uses.length === 0) continue
      if (label.position === undefined) throw new Error('jump to a label never marked')
      for (const use of label.uses) {
        out[use] = label.position >> 8
        out[use + 1] = label.position & 0xff
      }
    }
    return out
  }
}

/** Opcodes by mnemonic, with the numbered families (DUP1..16, SWAP1..16, LOG0..4) spelled out. */
const MNEMONICS: ReadonlyMap<string, number> = new Map([
  ...Object.entries(OP),
  ...Array.from({ length: 16 }, (_, i): [string, number] => [`DUP${i + 1}`, OP.DUP1 + i]),
  ...Array.from({ length: 16 }, (_, i): [string, number] => [`SWAP${i + 1}`, OP.SWAP1 + i]),
  ...Array.from({ length: 5 }, (_, i): [string, number] => [`LOG${i}`, OP.LOG0 + i]),
])

/**
 * Bytecode from a line of mnemonics and numbers, for hand-written test programs:
 * `assemble('1 0 SLOAD ADD 0 SSTORE')`. A number (decimal or 0x-hex) is pushed at its narrowest
 * width (PUSH0 for zero).
 */
export function assemble(source: string): Uint8Array {
  const a = new Assembler()
  for (const token of source.trim().split(/\s+/)) {
    const opcode = MNEMONICS.get(token)
    if (opcode !== undefined) a.op(opcode)
    else if (/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(token)) a.push(BigInt(token))
    else throw new Error(`unknown mnemonic ${token}`)
  }
  return a.bytes()
}
