/**
 * The EVM's work budget: a deterministic stand-in for geth's RPCEVMTimeout, which aborts an eth_call
 * that runs longer than 5 s. Inside workerd the clock stands still while code runs, so the
 * interpreter counts work instead, in units of about 10 ns of CPU: one a step, and more where an
 * operation's time is not in proportion to its gas (below, measured by bench/callBudget.ts; the
 * figures are in src/evm/README.md). When a budget runs out the whole message is abandoned with
 * ExecutionTimeoutError, as geth's interrupt abandons it. Block execution passes no budget.
 *
 *   new WorkBudget(timeoutMs) ──▶ Evm: 1 unit a step, + messages, frames, code analysis, call
 *                                  input, KECCAK256, EXP, precompiles (before they run)
 *                                   └─ left < 0 ──▶ ExecutionTimeoutError (the message, not the frame)
 */
import { VeloxError } from '../errors/base.ts'
import { readBigEndian } from './precompiles/bigEndian.ts'
import { blake2fPrice } from './precompiles/blake2f.ts'
import {
  BLS12_G1ADD_GAS,
  BLS12_G2ADD_GAS,
  BLS12_MAP_FP_TO_G1_GAS,
  BLS12_MAP_FP2_TO_G2_GAS,
  bls12G1MsmPrice,
  bls12G2MsmPrice,
  bls12PairingPrice,
} from './precompiles/bls12381.ts'
import { BN254_ADD_GAS, BN254_MUL_GAS, bn254PairingPrice } from './precompiles/bn254.ts'
import { ECRECOVER_GAS } from './precompiles/ecrecover.ts'
import { IDENTITY_BASE_GAS, IDENTITY_WORD_GAS } from './precompiles/identity.ts'
import { KZG_POINT_EVALUATION_GAS } from './precompiles/kzgPointEvaluation.ts'
import { modexpIterations, modexpPrice } from './precompiles/modexp.ts'
import { RIPEMD160_BASE_GAS, RIPEMD160_WORD_GAS } from './precompiles/ripemd160.ts'
import { SHA256_BASE_GAS, SHA256_WORD_GAS } from './precompiles/sha256.ts'
import { wordPrice } from './precompiles/wordPrice.ts'

/** geth's RPCEVMTimeout default: how long one eth_call may run. */
export const CALL_TIMEOUT_MS = 5_000

/** A unit is about 10 ns of the reference machine's CPU (src/evm/README.md). */
export const WORK_UNITS_PER_MS = 100_000

/** The budget of one eth_call: the slowest workloads measured stop at about CALL_TIMEOUT_MS. */
export const CALL_WORK_UNITS = CALL_TIMEOUT_MS * WORK_UNITS_PER_MS

// Extra units, beyond the step, for what gas prices below its time (bench/callBudget.ts).
/** Every message begun: a call or create, to code, to a precompile or to an account without code. */
export const MESSAGE_UNITS = 200
/** A message whose code runs: its frame. */
export const FRAME_UNITS = 570
/**
 * Working out a code's jump destinations and push values, by byte, the first time the message runs
 * it (the interpreter caches analyses across messages, but what a message is charged must not
 * depend on what ran before it).
 */
export const CODE_ANALYSIS_UNITS_PER_BYTE = 9
/** The input a CALL copies out of memory, by word: gas prices only the memory's expansion, once. */
export const CALL_INPUT_UNITS_PER_WORD = 0.9
/** KECCAK256: a call into WebAssembly and a word made of its output, then the words hashed. */
export const KECCAK256_UNITS = 60
export const KECCAK256_UNITS_PER_WORD = 8
/** EXP, by byte of exponent: a square-and-multiply over BigInts. */
export const EXP_UNITS_PER_BYTE = 128
/** MODEXP's square-and-multiply, by iteration (EIP-198's count): small moduli cost far more than their price. */
export const MODEXP_UNITS_PER_ITERATION = 9

/** A precompile call's units per gas of its price, by address; one left out costs only its CALL. */
export const PRECOMPILE_UNITS_PER_GAS: ReadonlyMap<number, number> = new Map([
  [0x01, 54.5], // ECRECOVER (@noble/curves: ~1.6 ms a call)
  [0x02, 2.2], // SHA256
  [0x03, 0.3], // RIPEMD160
  [0x04, 0.3], // IDENTITY
  [0x05, 7.1], // MODEXP, with MODEXP_UNITS_PER_ITERATION
  [0x06, 30], // BN254 ADD
  [0x07, 24], // BN254 MUL
  [0x08, 17.3], // BN254 pairing
  [0x09, 0.76], // BLAKE2F
  [0x0a, 47.6], // point evaluation (KZG)
  [0x0b, 16.5], // BLS12 G1ADD
  [0x0c, 29.5], // BLS12 G1MSM
  [0x0d, 15.5], // BLS12 G2ADD
  [0x0e, 41], // BLS12 G2MSM
  [0x0f, 20.4], // BLS12 pairing
  [0x10, 35.6], // BLS12 MAP_FP_TO_G1
  [0x11, 30.6], // BLS12 MAP_FP2_TO_G2
])

/** Units left for one message, or, shared, for several (eth_estimateGas's runs). */
export class WorkBudget {
  left: number

  constructor(
    /** The timeout the budget stands for: what the error names. */
    readonly timeoutMs: number = CALL_TIMEOUT_MS,
    units: number = timeoutMs * WORK_UNITS_PER_MS,
  ) {
    this.left = units
  }
}

/** The message used up its work budget: geth's words for an eth_call past RPCEVMTimeout. */
export class ExecutionTimeoutError extends VeloxError {
  override name = 'ExecutionTimeoutError'
  constructor(readonly timeoutMs: number) {
    super(`execution aborted (timeout = ${goDuration(timeoutMs)})`)
  }
}

/** A whole number of milliseconds as Go's time.Duration prints it: 250ms, 5s, 1.5s, 2m30s, 1h0m0s. */
export function goDuration(ms: number): string {
  if (ms < 1_000) return `${ms}ms`
  if (ms < 60_000) return `${ms / 1_000}s`
  const hours = Math.floor(ms / 3_600_000)
  const minutes = Math.floor(ms / 60_000) % 60
  const seconds = `${(ms % 60_000) / 1_000}s`
  return hours > 0 ? `${hours}h${minutes}m${seconds}` : `${minutes}m${seconds}`
}

/**
 * The units a precompile call will cost, from its input alone, before it runs: its price times its
 * weight, or nothing when the price is over `gasLimit` (it then refuses without doing any work).
 * A call that fails after its work (a point outside its subgroup, a proof that does not verify)
 * costs what it would have had it succeeded.
 */
export function precompileWork(index: number, input: Uint8Array, gasLimit: number): number {
  const weight = PRECOMPILE_UNITS_PER_GAS.get(index)
  if (weight === undefined) return 0
  if (index === 0x05) return modexpWork(input, gasLimit, weight)
  const price = precompilePrice(index, input)
  return price > gasLimit ? 0 : Math.ceil(weight * price)
}

function modexpWork(input: Uint8Array, gasLimit: number, weight: number): number {
  const [baseLength, exponentLength, modulusLength] = [0, 32, 64].map((at) =>
    readBigEndian(input, at, 32),
  ) as [bigint, bigint, bigint]
  const price = modexpPrice(input, baseLength, exponentLength, modulusLength)
  if (price > BigInt(gasLimit)) return 0
  const iterations = Number(modexpIterations(input, baseLength, exponentLength))
  return Math.ceil(weight * Number(price) + MODEXP_UNITS_PER_ITERATION * iterations)
}

/** What precompile `index` charges for `input` (as it prices it, before its work); modexp aside. */
function precompilePrice(index: number, input: Uint8Array): number {
  const length = input.length
  switch (index) {
    case 0x01:
      return ECRECOVER_GAS
    case 0x02:
      return wordPrice(length, SHA256_BASE_GAS, SHA256_WORD_GAS)
    case 0x03:
      return wordPrice(length, RIPEMD160_BASE_GAS, RIPEMD160_WORD_GAS)
    case 0x04:
      return wordPrice(length, IDENTITY_BASE_GAS, IDENTITY_WORD_GAS)
    case 0x06:
      return BN254_ADD_GAS
    case 0x07:
      return BN254_MUL_GAS
    case 0x08:
      return bn254PairingPrice(length)
    case 0x09:
      return blake2fPrice(input)
    case 0x0a:
      return KZG_POINT_EVALUATION_GAS
    case 0x0b:
      return BLS12_G1ADD_GAS
    case 0x0c:
      return bls12G1MsmPrice(length)
    case 0x0d:
      return BLS12_G2ADD_GAS
    case 0x0e:
      return bls12G2MsmPrice(length)
    case 0x0f:
      return bls12PairingPrice(length)
    case 0x10:
      return BLS12_MAP_FP_TO_G1_GAS
    case 0x11:
      return BLS12_MAP_FP2_TO_G2_GAS
    default:
      return 0
  }
}
