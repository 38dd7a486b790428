/**
 * The opcode table of the Cancun and Prague rules (the two have the same instruction set): for each
 * defined opcode, its name, the gas charged before it runs (the dynamic part is charged by the
 * interpreter), and how many stack items it takes and leaves.
 */

type OpcodeInfo = readonly [name: string, staticGas: number, stackIn: number, stackOut: number]

const DEFINED: Record<number, OpcodeInfo> = {
  0: ['STOP', 0, 0, 0],
  1: ['ADD', 3, 2, 1],
  2: ['MUL', 5, 2, 1],
  3: ['SUB', 3, 2, 1],
  4: ['DIV', 5, 2, 1],
  5: ['SDIV', 5, 2, 1],
  6: ['MOD', 5, 2, 1],
  7: ['SMOD', 5, 2, 1],
  8: ['ADDMOD', 8, 3, 1],
  9: ['MULMOD', 8, 3, 1],
  10: ['EXP', 10, 2, 1],
  11: ['SIGNEXTEND', 5, 2, 1],
  16: ['LT', 3, 2, 1],
  17: ['GT', 3, 2, 1],
  18: ['SLT', 3, 2, 1],
  19: ['SGT', 3, 2, 1],
  20: ['EQ', 3, 2, 1],
  21: ['ISZERO', 3, 1, 1],
  22: ['AND', 3, 2, 1],
  23: ['OR', 3, 2, 1],
  24: ['XOR', 3, 2, 1],
  25: ['NOT', 3, 1, 1],
  26: ['BYTE', 3, 2, 1],
  27: ['SHL', 3, 2, 1],
  28: ['SHR', 3, 2, 1],
  29: ['SAR', 3, 2, 1],
  32: ['KECCAK256', 30, 2, 1],
  48: ['ADDRESS', 2, 0, 1],
  49: ['BALANCE', 0, 1, 1],
  50: ['ORIGIN', 2, 0, 1],
  51: ['CALLER', 2, 0, 1],
  52: ['CALLVALUE', 2, 0, 1],
  53: ['CALLDATALOAD', 3, 1, 1],
  54: ['CALLDATASIZE', 2, 0, 1],
  55: ['CALLDATACOPY', 3, 3, 0],
  56: ['CODESIZE', 2, 0, 1],
  57: ['CODECOPY', 3, 3, 0],
  58: ['GASPRICE', 2, 0, 1],
  59: ['EXTCODESIZE', 0, 1, 1],
  60: ['EXTCODECOPY', 0, 4, 0],
  61: ['RETURNDATASIZE', 2, 0, 1],
  62: ['RETURNDATACOPY', 3, 3, 0],
  63: ['EXTCODEHASH', 0, 1, 1],
  64: ['BLOCKHASH', 20, 1, 1],
  65: ['COINBASE', 2, 0, 1],
  66: ['TIMESTAMP', 2, 0, 1],
  67: ['NUMBER', 2, 0, 1],
  68: ['PREVRANDAO', 2, 0, 1],
  69: ['GASLIMIT', 2, 0, 1],
  70: ['CHAINID', 2, 0, 1],
  71: ['SELFBALANCE', 5, 0, 1],
  72: ['BASEFEE', 2, 0, 1],
  73: ['BLOBHASH', 3, 1, 1],
  74: ['BLOBBASEFEE', 2, 0, 1],
  80: ['POP', 2, 1, 0],
  81: ['MLOAD', 3, 1, 1],
  82: ['MSTORE', 3, 2, 0],
  83: ['MSTORE8', 3, 2, 0],
  84: ['SLOAD', 0, 1, 1],
  85: ['SSTORE', 0, 2, 0],
  86: ['JUMP', 8, 1, 0],
  87: ['JUMPI', 10, 2, 0],
  88: ['PC', 2, 0, 1],
  89: ['MSIZE', 2, 0, 1],
  90: ['GAS', 2, 0, 1],
  91: ['JUMPDEST', 1, 0, 0],
  92: ['TLOAD', 100, 1, 1],
  93: ['TSTORE', 100, 2, 0],
  94: ['MCOPY', 3, 3, 0],
  95: ['PUSH0', 2, 0, 1],
  240: ['CREATE', 32000, 3, 1],
  241: ['CALL', 0, 7, 1],
  242: ['CALLCODE', 0, 7, 1],
  243: ['RETURN', 0, 2, 0],
  244: ['DELEGATECALL', 0, 6, 1],
  245: ['CREATE2', 32000, 4, 1],
  250: ['STATICCALL', 0, 6, 1],
  253: ['REVERT', 0, 2, 0],
  254: ['INVALID', 0, 0, 0],
  255: ['SELFDESTRUCT', 5000, 1, 0],
}
for (let n = 1; n <= 32; n++) DEFINED[0x5f + n] = [`PUSH${n}`, 3, 0, 1]
for (let n = 1; n <= 16; n++) DEFINED[0x7f + n] = [`DUP${n}`, 3, n, n + 1]
for (let n = 1; n <= 16; n++) DEFINED[0x8f + n] = [`SWAP${n}`, 3, n + 1, n + 1]
for (let n = 0; n <= 4; n++) DEFINED[0xa0 + n] = [`LOG${n}`, 375 + 375 * n, n + 2, 0]

/** -1 for an undefined opcode (INVALID is defined: it is the designated invalid instruction). */
export const STATIC_GAS = new Int32Array(256).fill(-1)
/** Stack items an opcode needs. */
export const STACK_IN = new Uint8Array(256)
/** Highest stack height before the opcode that does not overflow after it. */
export const STACK_MAX_BEFORE = new Int16Array(256)
export const OPCODE_NAMES: string[] = new Array(256).fill('')

for (const [code, [name, gas, stackIn, stackOut]] of Object.entries(DEFINED)) {
  const op = Number(code)
  STATIC_GAS[op] = gas
  STACK_IN[op] = stackIn
  STACK_MAX_BEFORE[op] = 1024 - Math.max(0, stackOut - stackIn)
  OPCODE_NAMES[op] = name
}
for (let op = 0; op < 256; op++)
  if (!OPCODE_NAMES[op]) OPCODE_NAMES[op] = `0x${op.toString(16).padStart(2, '0')}`
