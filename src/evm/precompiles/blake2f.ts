import { failure, OUT_OF_GAS } from './result.ts'
import type { Precompile } from './types.ts'

/** EIP-152: rounds (4) ‖ h (64) ‖ m (128) ‖ t (16) ‖ f (1). */
const INPUT_LENGTH = 213
/** EIP-152: the price is the round count, 1 gas a round. */
const GAS_PER_ROUND = 1

const INVALID_LENGTH = failure('blake2f input must be exactly 213 bytes')
const INVALID_FINAL_FLAG = failure('blake2f final-block flag must be 0 or 1')

/**
 * 0x09: BLAKE2b's compression function F with a caller-chosen number of rounds (EIP-152). The
 * output is the new state vector h, eight little-endian 64-bit words.
 */
export const blake2fPrecompile: Precompile = (input, gasLimit) => {
  if (input.length !== INPUT_LENGTH) return INVALID_LENGTH
  const rounds = roundsOf(input)
  const gasUsed = rounds * GAS_PER_ROUND
  if (gasUsed > gasLimit) return OUT_OF_GAS
  const finalFlag = input[212]!
  if (finalFlag > 1) return INVALID_FINAL_FLAG
  return { ok: true, gasUsed, output: compress(rounds, input.subarray(4, 212), finalFlag === 1) }
}

/** What 0x09 charges for `input`: its rounds; 0 for an input of the wrong length, refused unread. */
export function blake2fPrice(input: Uint8Array): number {
  return input.length === INPUT_LENGTH ? roundsOf(input) * GAS_PER_ROUND : 0
}

function roundsOf(input: Uint8Array): number {
  return ((input[0]! << 24) | (input[1]! << 16) | (input[2]! << 8) | input[3]!) >>> 0
}

/**
 * F on h ‖ m ‖ t (the 208 bytes after the round count, little-endian words): the new h, 64 bytes.
 * JavaScript by default; entry points install the WebAssembly F (blake2fWasm.ts), ~5x faster.
 */
export type Blake2fCompress = (rounds: number, hmt: Uint8Array, isFinalBlock: boolean) => Uint8Array

let compress: Blake2fCompress = blake2fCompressJs

export function useBlake2fCompress(implementation: Blake2fCompress): void {
  compress = implementation
}

export function blake2fCompressJs(rounds: number, hmt: Uint8Array, isFinalBlock: boolean): Uint8Array {
  loadWords(hmt, 0, 8, stateHalves)
  loadWords(hmt, 64, 16, messageHalves)
  loadWords(hmt, 192, 2, counterHalves)
  blake2bCompress(rounds, stateHalves, messageHalves, counterHalves, isFinalBlock)
  const output = new Uint8Array(64)
  for (let i = 0; i < 16; i++) {
    const word = stateHalves[i]!
    output[4 * i] = word
    output[4 * i + 1] = word >>> 8
    output[4 * i + 2] = word >>> 16
    output[4 * i + 3] = word >>> 24
  }
  return output
}

// 64-bit words are stored as (low, high) pairs of 32-bit halves: word i is [2i] and [2i + 1].
// One set of buffers serves every call: the EVM is synchronous, so no two calls ever overlap.
const stateHalves = new Uint32Array(16)
const messageHalves = new Uint32Array(32)
const counterHalves = new Uint32Array(4)
/** RFC 7693's work vector v: 16 words. */
const v = new Uint32Array(32)

/** RFC 7693 §2.6: the initialization vector, as (low, high) halves. */
// biome-ignore format: a table
const IV = new Uint32Array([
  0xf3bcc908, 0x6a09e667, 0x84caa73b, 0xbb67ae85, 0xfe94f82b, 0x3c6ef372, 0x5f1d36f1, 0xa54ff53a,
  0xade682d1, 0x510e527f, 0x2b3e6c1f, 0x9b05688c, 0xfb41bd6b, 0x1f83d9ab, 0x137e2179, 0x5be0cd19,
])

/** RFC 7693 §2.7: the message word schedule; round r uses row r mod 10. */
// biome-ignore format: a table
const SIGMA = new Uint8Array([
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
  14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3,
  11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4,
  7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8,
  9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13,
  2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9,
  12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11,
  13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10,
  6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5,
  10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0,
])

/** Reads `count` little-endian 64-bit words at `input[offset]` into (low, high) halves. */
function loadWords(input: Uint8Array, offset: number, count: number, into: Uint32Array): void {
  for (let i = 0; i < 2 * count; i++) {
    const at = offset + 4 * i
    into[i] = (input[at]! | (input[at + 1]! << 8) | (input[at + 2]! << 16) | (input[at + 3]! << 24)) >>> 0
  }
}

/**
 * RFC 7693 §3.2's F, with `rounds` rounds instead of 12: mixes `message` (m, 16 words) into `state`
 * (h, 8 words, updated in place) with the offset `counter` (t, 2 words) and the final-block flag.
 */
function blake2bCompress(
  rounds: number,
  state: Uint32Array,
  message: Uint32Array,
  counter: Uint32Array,
  isFinalBlock: boolean,
): void {
  v.set(state, 0)
  v.set(IV, 16)
  v[24]! ^= counter[0]!
  v[25]! ^= counter[1]!
  v[26]! ^= counter[2]!
  v[27]! ^= counter[3]!
  if (isFinalBlock) {
    v[28] = ~v[28]!
    v[29] = ~v[29]!
  }
  for (let round = 0; round < rounds; round++) {
    const s = (round % 10) * 16
    mix(message, 0, 4, 8, 12, SIGMA[s]!, SIGMA[s + 1]!)
    mix(message, 1, 5, 9, 13, SIGMA[s + 2]!, SIGMA[s + 3]!)
    mix(message, 2, 6, 10, 14, SIGMA[s + 4]!, SIGMA[s + 5]!)
    mix(message, 3, 7, 11, 15, SIGMA[s + 6]!, SIGMA[s + 7]!)
    mix(message, 0, 5, 10, 15, SIGMA[s + 8]!, SIGMA[s + 9]!)
    mix(message, 1, 6, 11, 12, SIGMA[s + 10]!, SIGMA[s + 11]!)
    mix(message, 2, 7, 8, 13, SIGMA[s + 12]!, SIGMA[s + 13]!)
    mix(message, 3, 4, 9, 14, SIGMA[s + 14]!, SIGMA[s + 15]!)
  }
  for (let i = 0; i < 16; i++) state[i]! ^= v[i]! ^ v[i + 16]!
}

/**
 * RFC 7693 §3.1's G on words a, b, c, d of `v` with message words x and y: 64-bit additions carry
 * from the low half into the high half; the rotations right by 32, 24, 16 and 63 move bits across.
 * (An unrolled version over 32 locals, generated, measured ~40% slower than this in V8.)
 */
function mix(message: Uint32Array, a: number, b: number, c: number, d: number, x: number, y: number): void {
  const al = 2 * a
  const bl = 2 * b
  const cl = 2 * c
  const dl = 2 * d
  let aLow = v[al]!
  let aHigh = v[al + 1]!
  let bLow = v[bl]!
  let bHigh = v[bl + 1]!
  let cLow = v[cl]!
  let cHigh = v[cl + 1]!
  let dLow = v[dl]!
  let dHigh = v[dl + 1]!

  // a = a + b + m[x]
  let sum = aLow + bLow + message[2 * x]!
  aHigh = (aHigh + bHigh + message[2 * x + 1]! + ((sum / 0x100000000) | 0)) >>> 0
  aLow = sum >>> 0
  // d = (d ^ a) >>> 32
  let low = dHigh ^ aHigh
  let high = dLow ^ aLow
  dLow = low >>> 0
  dHigh = high >>> 0
  // c = c + d
  sum = cLow + dLow
  cHigh = (cHigh + dHigh + ((sum / 0x100000000) | 0)) >>> 0
  cLow = sum >>> 0
  // b = (b ^ c) >>> 24
  low = bLow ^ cLow
  high = bHigh ^ cHigh
  bLow = ((low >>> 24) | (high << 8)) >>> 0
  bHigh = ((high >>> 24) | (low << 8)) >>> 0
  // a = a + b + m[y]
  sum = aLow + bLow + message[2 * y]!
  aHigh = (aHigh + bHigh + message[2 * y + 1]! + ((sum / 0x100000000) | 0)) >>> 0
  aLow = sum >>> 0
  // d = (d ^ a) >>> 16
  low = dLow ^ aLow
  high = dHigh ^ aHigh
  dLow = ((low >>> 16) | (high << 16)) >>> 0
  dHigh = ((high >>> 16) | (low << 16)) >>> 0
  // c = c + d
  sum = cLow + dLow
  cHigh = (cHigh + dHigh + ((sum / 0x100000000) | 0)) >>> 0
  cLow = sum >>> 0
  // b = (b ^ c) >>> 63, which is a rotation left by 1
  low = bLow ^ cLow
  high = bHigh ^ cHigh
  bLow = ((low << 1) | (high >>> 31)) >>> 0
  bHigh = ((high << 1) | (low >>> 31)) >>> 0

  v[al] = aLow
  v[al + 1] = aHigh
  v[bl] = bLow
  v[bl + 1] = bHigh
  v[cl] = cLow
  v[cl + 1] = cHigh
  v[dl] = dLow
  v[dl + 1] = dHigh
}
