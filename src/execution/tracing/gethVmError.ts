/**
 * The interpreter's halt reasons in geth's words (core/vm/errors.go, geth v1.17), and where geth
 * raises each: before its opcode hook (stack checks, and the opcode's gas function, which since
 * v1.17 also refuses writes in a static call) or while the opcode runs. Tracers need both: geth's
 * struct log shows an `error` only on a step that failed before its hook, and the prestate tracer
 * ignores such a step.
 */
import { OPCODE_NAMES, STACK_IN, STACK_MAX_BEFORE, STATIC_GAS } from '../../evm/opcodes.ts'

const SSTORE = 0x55
/** EIP-2200's reentrancy sentry: SSTORE needs more gas than this left. */
const SSTORE_SENTRY_GAS = 2300n
/** EIP-3860: initcode may be at most twice EIP-170's code size. */
const MAX_INITCODE_SIZE = 49_152
/** EIP-2929: geth charges the warm price of an account access as the opcode's constant gas. */
const WARM_ACCESS_GAS = 100n
/** BALANCE, EXTCODESIZE, EXTCODECOPY, EXTCODEHASH, CALL, CALLCODE, DELEGATECALL, STATICCALL. */
const ACCOUNT_ACCESS_OPS = new Set([0x31, 0x3b, 0x3c, 0x3f, 0xf1, 0xf2, 0xf4, 0xfa])
/** SSTORE, CREATE, CALL, CREATE2, SELFDESTRUCT: their gas function refuses a static call (geth #33281). */
const STATIC_REFUSED_BY_GAS = new Set([SSTORE, 0xf0, 0xf1, 0xf5, 0xff])

/**
 * geth's OpCode.String() where it differs from our table: 0x44 keeps its pre-merge name, and
 * opcodes of later forks or of EOF are named though Prague does not define them.
 */
const GETH_ONLY_NAMES: Record<number, string> = {
  30: 'CLZ',
  68: 'DIFFICULTY',
  75: 'SLOTNUM',
  208: 'DATALOAD',
  209: 'DATALOADN',
  210: 'DATASIZE',
  211: 'DATACOPY',
  224: 'RJUMP',
  225: 'RJUMPI',
  226: 'RJUMPV',
  227: 'CALLF',
  228: 'RETF',
  229: 'JUMPF',
  230: 'DUPN',
  231: 'SWAPN',
  232: 'EXCHANGE',
  236: 'EOFCREATE',
  238: 'RETURNCONTRACT',
  247: 'RETURNDATALOAD',
  248: 'EXTCALL',
  249: 'EXTDELEGATECALL',
  251: 'EXTSTATICCALL',
}

const GETH_NAMES: string[] = OPCODE_NAMES.map(
  (name, op) =>
    GETH_ONLY_NAMES[op] ?? (STATIC_GAS[op]! < 0 ? `opcode 0x${op.toString(16)} not defined` : name),
)

/** geth's name of an opcode: the mnemonic, or "opcode 0xc not defined" (no zero padding). */
export function gethOpcodeName(op: number): string {
  return GETH_NAMES[op]!
}

export type GethFault = {
  /** The error as geth words it. */
  message: string
  /** geth raises it before the opcode hook runs, so the step carries it. */
  beforeStep: boolean
}

/**
 * The fault of opcode `op` that halted with our `reason`, in a frame whose stack held `stackHeight`
 * items (the top is `stack[stackHeight - 1]`) and `gasBefore` gas before the opcode.
 */
export function gethFault(
  op: number,
  reason: string,
  stack: readonly bigint[],
  stackHeight: number,
  gasBefore: bigint,
): GethFault {
  switch (reason) {
    case 'stack underflow':
      return { message: `stack underflow (${stackHeight} <=> ${STACK_IN[op]})`, beforeStep: true }
    case 'stack overflow':
      return { message: `stack limit reached ${stackHeight} (${STACK_MAX_BEFORE[op]})`, beforeStep: true }
    case 'out of gas':
      return {
        message:
          op === SSTORE && gasBefore <= SSTORE_SENTRY_GAS
            ? 'out of gas: not enough gas for reentrancy sentry'
            : 'out of gas',
        beforeStep: true,
      }
    case 'write protection':
      return STATIC_REFUSED_BY_GAS.has(op)
        ? { message: 'out of gas: write protection', beforeStep: true }
        : { message: 'write protection', beforeStep: false }
    case 'max initcode size exceeded':
      // CREATE and CREATE2 both take the size third from the top.
      return {
        message: `out of gas: max initcode size exceeded: code size ${stack[stackHeight - 3]} limit ${MAX_INITCODE_SIZE}`,
        beforeStep: true,
      }
  }
  if (reason.startsWith('invalid opcode'))
    return { message: `invalid opcode: ${gethOpcodeName(op)}`, beforeStep: false }
  // 'invalid jump destination', 'return data out of bounds': the same words, raised while running.
  return { message: reason, beforeStep: false }
}

/**
 * The cost geth reports for a step that faulted, given what our interpreter had charged by then
 * (`charged`: gas before minus gas at the halt). geth charges an opcode's constant gas, then its
 * whole dynamic gas in one piece, and reports what it tried to charge; we charge piece by piece, so
 * an out-of-gas step in the middle of its dynamic charges may report less than geth would.
 */
export function gethFaultCost(op: number, fault: GethFault, gasBefore: bigint, charged: bigint): bigint {
  const constant = gethConstantGas(op)
  if (!fault.beforeStep) return charged > constant ? charged : constant
  if (fault.message === 'out of gas') return gasBefore < constant ? constant : charged
  // Stack checks and gas functions that refuse outright: only the constant gas was counted.
  return constant
}

/** A frame's error that no opcode raised (code deposit, precompile, refused frame), in geth's words. */
export function gethExitError(reason: string | undefined): string {
  if (reason === undefined) return 'execution reverted'
  if (reason === 'code store out of gas') return 'contract creation code storage out of gas'
  return reason
}

/**
 * geth's constant gas of an opcode. It differs from STATIC_GAS for account accesses, which geth
 * splits into a warm constant and a cold surcharge.
 */
function gethConstantGas(op: number): bigint {
  if (ACCOUNT_ACCESS_OPS.has(op)) return WARM_ACCESS_GAS
  const gas = STATIC_GAS[op]!
  return gas < 0 ? 0n : BigInt(gas)
}
