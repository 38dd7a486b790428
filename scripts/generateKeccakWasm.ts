/**
 * Writes src/primitives/keccak256.wasm: Keccak-f[1600] absorbing in WebAssembly, where a lane is
 * one native i64 (the JavaScript permutation needs two 32-bit halves per lane and twice the
 * operations). The module is emitted byte by byte here, so there is no toolchain to install; run
 * `npx tsx scripts/generateKeccakWasm.ts` after changing this file. The output is checked in,
 * imported by the workers as a compiled module, and tested against @noble/hashes.
 *
 * Memory (one exported memory of two 64 KiB pages; offsets shared with keccak256Wasm.ts):
 *   [0, 192)       the 24 round constants
 *   [192, 392)     the state: 25 little-endian lanes, lane (x, y) at 192 + 8·(x + 5y)
 *   [512, end)     input blocks, already padded by the caller
 * Export `absorb(blocks)`: XORs each 136-byte block from the input area into the state and
 * permutes. The caller zeroes the state, writes blocks, calls, and reads the hash at [192, 224).
 */
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import {
  WASM_INPUT_BLOCKS,
  WASM_INPUT_OFFSET,
  WASM_MEMORY_PAGES,
  WASM_STATE_OFFSET,
} from '../src/primitives/keccak256Wasm.ts'
import { ROTATION, roundConstants } from './keccakSpec.ts'
import {
  EMPTY_BLOCK_TYPE,
  encodeModule,
  FunctionBody,
  I32,
  I64,
  memarg,
  op,
  signedLeb,
} from './wasmEncoder.ts'

const STATE_OFFSET = WASM_STATE_OFFSET
const INPUT_OFFSET = WASM_INPUT_OFFSET
const RATE_BYTES = 136
const PAGES = WASM_MEMORY_PAGES

// ---- absorb(blocks) -------------------------------------------------------------------------

// Locals: 0 = blocks (parameter); 1 = input pointer; 2 = round; then the i64s.
const BLOCKS = 0
const POINTER = 1
const ROUND = 2
const A = (x: number, y: number) => 3 + x + 5 * y
const B = (x: number, y: number) => 28 + x + 5 * y
const C = (x: number) => 53 + x
const D = 58
const I64_LOCALS = 56

const absorb = new FunctionBody()
const emit = absorb.emit.bind(absorb)
const get = absorb.get.bind(absorb)
const set = absorb.set.bind(absorb)
const i32 = absorb.i32.bind(absorb)

// Load the state into locals.
for (let lane = 0; lane < 25; lane++) {
  i32(0)
  emit(op.i64Load, ...memarg(STATE_OFFSET + 8 * lane))
  set(3 + lane)
}
i32(INPUT_OFFSET)
set(POINTER)
emit(op.block, EMPTY_BLOCK_TYPE)
emit(op.loop, EMPTY_BLOCK_TYPE)
get(BLOCKS)
emit(op.i32Eqz, op.brIf, 1)
// XOR the block's 17 lanes in.
for (let lane = 0; lane < RATE_BYTES / 8; lane++) {
  get(3 + lane)
  get(POINTER)
  emit(op.i64Load, ...memarg(8 * lane))
  emit(op.i64Xor)
  set(3 + lane)
}
i32(0)
set(ROUND)
emit(op.loop, EMPTY_BLOCK_TYPE)
// theta: C[x] = A[x,0] ^ … ^ A[x,4]
for (let x = 0; x < 5; x++) {
  get(A(x, 0))
  for (let y = 1; y < 5; y++) {
    get(A(x, y))
    emit(op.i64Xor)
  }
  set(C(x))
}
// D[x] = C[x-1] ^ rotl(C[x+1], 1); rho and pi: B[y, 2x+3y] = rotl(A[x,y] ^ D[x], r[x][y])
for (let x = 0; x < 5; x++) {
  get(C((x + 4) % 5))
  get(C((x + 1) % 5))
  emit(op.i64Const, ...signedLeb(1n), op.i64Rotl, op.i64Xor)
  set(D)
  for (let y = 0; y < 5; y++) {
    get(A(x, y))
    get(D)
    emit(op.i64Xor)
    const rotation = ROTATION[x]![y]!
    if (rotation !== 0) emit(op.i64Const, ...signedLeb(BigInt(rotation)), op.i64Rotl)
    set(B(y, (2 * x + 3 * y) % 5))
  }
}
// chi: A[x,y] = B[x,y] ^ (~B[x+1,y] & B[x+2,y])
for (let y = 0; y < 5; y++)
  for (let x = 0; x < 5; x++) {
    get(B(x, y))
    get(B((x + 1) % 5, y))
    emit(op.i64Const, ...signedLeb(-1n), op.i64Xor)
    get(B((x + 2) % 5, y))
    emit(op.i64And, op.i64Xor)
    set(A(x, y))
  }
// iota: A[0,0] ^= RC[round], from the table at address 0
get(A(0, 0))
get(ROUND)
i32(3)
emit(op.i32Shl, op.i64Load, ...memarg(0), op.i64Xor)
set(A(0, 0))
get(ROUND)
i32(1)
emit(op.i32Add)
set(ROUND)
get(ROUND)
i32(24)
emit(op.i32Ne, op.brIf, 0, op.end)
// Next block.
get(POINTER)
i32(RATE_BYTES)
emit(op.i32Add)
set(POINTER)
get(BLOCKS)
i32(1)
emit(op.i32Sub)
set(BLOCKS)
emit(op.br, 0, op.end, op.end)
// Store the state back.
for (let lane = 0; lane < 25; lane++) {
  i32(0)
  get(3 + lane)
  emit(op.i64Store, ...memarg(STATE_OFFSET + 8 * lane))
}
emit(op.end)

const constants = roundConstants().flatMap((constant) =>
  Array.from({ length: 8 }, (_, byte) => Number((constant >> BigInt(8 * byte)) & 0xffn)),
)
const module = encodeModule({
  params: [I32],
  pages: PAGES,
  functionName: 'absorb',
  body: absorb.encode([
    [2, I32],
    [I64_LOCALS, I64],
  ]),
  data: constants,
})

const out = path.resolve(import.meta.dirname, '../src/primitives/keccak256.wasm')
writeFileSync(out, module)
console.log(
  `wrote ${path.relative(process.cwd(), out)} (${module.length} bytes, ${WASM_INPUT_BLOCKS} blocks per call)`,
)
