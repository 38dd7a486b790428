import { keccakF1600 } from './keccakF1600.ts'

/** keccak256's rate: 1088 bits, 136 bytes, 34 words of the state absorbed per permutation. */
const RATE_BYTES = 136
const RATE_WORDS = RATE_BYTES / 4

/** One state reused by every call: hashing is synchronous, so no two calls ever share it. */
const state = new Int32Array(50)
const tail = new Uint8Array(RATE_BYTES)

let implementation = keccak256Js

/**
 * Ethereum's hash (Keccak-256, the original padding, not SHA3-256): the JavaScript permutation by
 * default, the WebAssembly one (keccak256Wasm.ts) once an entry point installs it.
 */
export function keccak256(bytes: Uint8Array): Uint8Array {
  return implementation(bytes)
}

/** Chooses the implementation keccak256 uses; both are tested against @noble/hashes. */
export function useKeccak256(hash: (bytes: Uint8Array) => Uint8Array): void {
  implementation = hash
}

/** keccak256 on the unrolled JavaScript permutation in keccakF1600.ts. */
export function keccak256Js(bytes: Uint8Array): Uint8Array {
  state.fill(0)
  const length = bytes.length
  let offset = 0
  for (; offset + RATE_BYTES <= length; offset += RATE_BYTES) {
    absorb(bytes, offset)
    keccakF1600(state)
  }
  // The last block: the remaining bytes, then the pad 0x01 … 0x80.
  tail.fill(0)
  tail.set(bytes.subarray(offset))
  tail[length - offset]! ^= 0x01
  tail[RATE_BYTES - 1]! ^= 0x80
  absorb(tail, 0)
  keccakF1600(state)
  const out = new Uint8Array(32)
  for (let i = 0; i < 8; i++) {
    const word = state[i]!
    out[4 * i] = word
    out[4 * i + 1] = word >>> 8
    out[4 * i + 2] = word >>> 16
    out[4 * i + 3] = word >>> 24
  }
  return out
}

function absorb(bytes: Uint8Array, offset: number): void {
  for (let i = 0; i < RATE_WORDS; i++) {
    const at = offset + 4 * i
    state[i]! ^= bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)
  }
}
