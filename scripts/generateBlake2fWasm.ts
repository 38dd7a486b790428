/**
 * Writes src/evm/precompiles/blake2f.wasm: BLAKE2b's compression function F (RFC 7693 §3.2) with
 * a caller-chosen round count, for the blake2f precompile (EIP-152). A word is a native i64 there;
 * the JavaScript F needs two 32-bit halves and carries, and a block can ask for 2^32 - 1 rounds.
 * Run `npx tsx scripts/generateBlake2fWasm.ts` after changing this file; the output is checked in
 * and tested against the JavaScript F and @noble/hashes.
 *
 * Memory (one page): h at [0, 64), m at [64, 192), t at [192, 208), all little-endian words, and
 * the work vector v at [256, 384) between calls.
 * Export `compress(rounds, flags)`: runs `rounds` rounds of F. Flags: START sets v up from h, the IV,
 * t and FINAL first; FINISH folds v into h afterwards (the new h at [0, 64)). Without them v is
 * loaded from and stored back to memory, so a caller can split a huge round count into calls —
 * V8 tiers a WebAssembly function up between calls, never during one — each a multiple of ten
 * rounds but the last, which keeps the message schedule in step.
 */
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { EMPTY_BLOCK_TYPE, encodeModule, FunctionBody, I32, I64, memarg, op } from './wasmEncoder.ts'

/** RFC 7693 §2.6: BLAKE2b's initialization vector. */
const IV = [
  0x6a09e667f3bcc908n,
  0xbb67ae8584caa73bn,
  0x3c6ef372fe94f82bn,
  0xa54ff53a5f1d36f1n,
  0x510e527fade682d1n,
  0x9b05688c2b3e6c1fn,
  0x1f83d9abfb41bd6bn,
  0x5be0cd19137e2179n,
]

/** RFC 7693 §2.7: the message schedule; round r uses row r mod 10. */
const SIGMA = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
  [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
  [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
  [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
  [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
  [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
  [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
  [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
  [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
  [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
]

const H_OFFSET = 0
const M_OFFSET = 64
const T_OFFSET = 192
const V_OFFSET = 256
const FLAG_FINAL = 1
const FLAG_START = 2
const FLAG_FINISH = 4

// Locals: 0 = rounds left (parameter), 1 = flags (parameter); then v0…v15, m0…m15.
const ROUNDS_LEFT = 0
const FLAGS = 1
const V = (i: number) => 2 + i
const M = (i: number) => 18 + i

const f = new FunctionBody()

/** Emits `if (flags & flag) { then } else { otherwise }`. */
function ifFlag(flag: number, then: () => void, otherwise?: () => void) {
  f.get(FLAGS)
  f.i32(flag)
  f.emit(op.i32And, op.if, EMPTY_BLOCK_TYPE)
  then()
  if (otherwise) {
    f.emit(op.else)
    otherwise()
  }
  f.emit(op.end)
}

ifFlag(
  FLAG_START,
  () => {
    // v = h ‖ IV, v12 ^= t0, v13 ^= t1, and v14 inverted for the final block.
    for (let i = 0; i < 8; i++) {
      f.i32(0)
      f.emit(op.i64Load, ...memarg(H_OFFSET + 8 * i))
      f.set(V(i))
      f.i64(IV[i]!)
      f.set(V(8 + i))
    }
    for (const [word, lane] of [
      [0, 12],
      [1, 13],
    ] as const) {
      f.get(V(lane))
      f.i32(0)
      f.emit(op.i64Load, ...memarg(T_OFFSET + 8 * word), op.i64Xor)
      f.set(V(lane))
    }
    ifFlag(FLAG_FINAL, () => {
      f.get(V(14))
      f.i64(-1n)
      f.emit(op.i64Xor)
      f.set(V(14))
    })
  },
  () => {
    for (let i = 0; i < 16; i++) {
      f.i32(0)
      f.emit(op.i64Load, ...memarg(V_OFFSET + 8 * i))
      f.set(V(i))
    }
  },
)
for (let i = 0; i < 16; i++) {
  f.i32(0)
  f.emit(op.i64Load, ...memarg(M_OFFSET + 8 * i))
  f.set(M(i))
}

/** `target = target + a + b` (b optional). */
function add(target: number, a: number, message?: number) {
  f.get(target)
  f.get(a)
  f.emit(op.i64Add)
  if (message !== undefined) {
    f.get(message)
    f.emit(op.i64Add)
  }
  f.set(target)
}
/** `target = rotr(target ^ other, bits)`. */
function xorRotate(target: number, other: number, bits: number) {
  f.get(target)
  f.get(other)
  f.emit(op.i64Xor)
  f.i64(BigInt(bits))
  f.emit(op.i64Rotr)
  f.set(target)
}
/** RFC 7693 §3.1's G. */
function mix(a: number, b: number, c: number, d: number, x: number, y: number) {
  add(V(a), V(b), M(x))
  xorRotate(V(d), V(a), 32)
  add(V(c), V(d))
  xorRotate(V(b), V(c), 24)
  add(V(a), V(b), M(y))
  xorRotate(V(d), V(a), 16)
  add(V(c), V(d))
  xorRotate(V(b), V(c), 63)
}

// Ten rounds per pass of the loop, one per schedule row, each checking the rounds left first.
f.emit(op.block, EMPTY_BLOCK_TYPE)
f.emit(op.loop, EMPTY_BLOCK_TYPE)
for (const s of SIGMA) {
  f.get(ROUNDS_LEFT)
  f.emit(op.i32Eqz, op.brIf, 1)
  mix(0, 4, 8, 12, s[0]!, s[1]!)
  mix(1, 5, 9, 13, s[2]!, s[3]!)
  mix(2, 6, 10, 14, s[4]!, s[5]!)
  mix(3, 7, 11, 15, s[6]!, s[7]!)
  mix(0, 5, 10, 15, s[8]!, s[9]!)
  mix(1, 6, 11, 12, s[10]!, s[11]!)
  mix(2, 7, 8, 13, s[12]!, s[13]!)
  mix(3, 4, 9, 14, s[14]!, s[15]!)
  f.get(ROUNDS_LEFT)
  f.i32(1)
  f.emit(op.i32Sub)
  f.set(ROUNDS_LEFT)
}
f.emit(op.br, 0, op.end, op.end)

ifFlag(
  FLAG_FINISH,
  () => {
    // h[i] ^= v[i] ^ v[i + 8]
    for (let i = 0; i < 8; i++) {
      f.i32(0)
      f.i32(0)
      f.emit(op.i64Load, ...memarg(H_OFFSET + 8 * i))
      f.get(V(i))
      f.emit(op.i64Xor)
      f.get(V(8 + i))
      f.emit(op.i64Xor)
      f.emit(op.i64Store, ...memarg(H_OFFSET + 8 * i))
    }
  },
  () => {
    for (let i = 0; i < 16; i++) {
      f.i32(0)
      f.get(V(i))
      f.emit(op.i64Store, ...memarg(V_OFFSET + 8 * i))
    }
  },
)
f.emit(op.end)

const module = encodeModule({
  params: [I32, I32],
  pages: 1,
  functionName: 'compress',
  body: f.encode([[32, I64]]),
})
const out = path.resolve(import.meta.dirname, '../src/evm/precompiles/blake2f.wasm')
writeFileSync(out, module)
console.log(`wrote ${path.relative(process.cwd(), out)} (${module.length} bytes)`)
