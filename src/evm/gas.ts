/**
 * Gas constants of the Cancun and Prague rules, named after the EIP (or Yellow Paper term) that sets
 * them. Per-opcode static costs live in the opcode table in evm.ts; what is priced dynamically is here.
 */

/** Yellow Paper G_memory and the quadratic divisor: cost(words) = 3 * words + words² / 512. */
export const MEMORY_WORD_GAS = 3
export const MEMORY_QUADRATIC_DIVISOR = 512
/** Copy operations (CALLDATACOPY, CODECOPY, RETURNDATACOPY, EXTCODECOPY, MCOPY): per word copied. */
export const COPY_WORD_GAS = 3
/** KECCAK256: 30 + 6 per word hashed. */
export const KECCAK256_GAS = 30
export const KECCAK256_WORD_GAS = 6
/** EXP: 10 + 50 per byte of the exponent (EIP-160). */
export const EXP_GAS = 10
export const EXP_BYTE_GAS = 50
/** LOG: 375 + 375 per topic + 8 per data byte. */
export const LOG_GAS = 375
export const LOG_TOPIC_GAS = 375
export const LOG_DATA_BYTE_GAS = 8

/** EIP-2929: first access to an account or a slot in a transaction, and every later (warm) one. */
export const COLD_ACCOUNT_ACCESS_GAS = 2600
export const COLD_SLOAD_GAS = 2100
export const WARM_STORAGE_READ_GAS = 100

/** EIP-2200 / EIP-3529 SSTORE. */
export const SSTORE_SET_GAS = 20000
export const SSTORE_RESET_GAS = 5000 - COLD_SLOAD_GAS
/** EIP-3529: refund for clearing a slot (SSTORE_RESET_GAS + ACCESS_LIST_STORAGE_KEY_COST). */
export const SSTORE_CLEARS_SCHEDULE = 4800
/** EIP-2200: SSTORE fails when no more than the call stipend is left. */
export const SSTORE_SENTRY_GAS = 2300

/** EIP-1153 TLOAD / TSTORE. */
export const TRANSIENT_STORAGE_GAS = 100

/** CALL family. */
export const CALL_VALUE_TRANSFER_GAS = 9000
export const CALL_NEW_ACCOUNT_GAS = 25000
export const CALL_STIPEND = 2300

/** CREATE / CREATE2. */
export const CREATE_GAS = 32000
/** EIP-3860: per 32-byte word of initcode, for CREATE, CREATE2 and creation transactions. */
export const INITCODE_WORD_GAS = 2
/** Per byte of deployed code. */
export const CODE_DEPOSIT_BYTE_GAS = 200

/** SELFDESTRUCT (EIP-150), plus CALL_NEW_ACCOUNT_GAS when it funds an empty account. */
export const SELFDESTRUCT_GAS = 5000

/** BLOCKHASH. */
export const BLOCKHASH_GAS = 20

/** EIP-3529: the refund is capped at a fifth of the gas used. */
export const MAX_REFUND_QUOTIENT = 5

/** EIP-170: deployed code size limit; EIP-3860: initcode size limit (twice that). */
export const MAX_CODE_SIZE = 24576
export const MAX_INITCODE_SIZE = 2 * MAX_CODE_SIZE

/** Call depth limit and stack limit. */
export const MAX_CALL_DEPTH = 1024
export const STACK_LIMIT = 1024

/** Gas cost of `words` words of memory, from zero (Yellow Paper C_mem). */
export function memoryCost(words: number): number {
  return MEMORY_WORD_GAS * words + Math.floor((words * words) / MEMORY_QUADRATIC_DIVISOR)
}

/** EIP-150: all but one 64th of the gas left may be forwarded to a call or create. */
export function allButOne64th(gas: number): number {
  return gas - Math.floor(gas / 64)
}
