import type { Blake2fCompress } from './blake2f.ts'

type Exports = { memory: WebAssembly.Memory; compress(rounds: number, flags: number): void }

/** The module's flags (see scripts/generateBlake2fWasm.ts). */
const FINAL = 1
const START = 2
const FINISH = 4
/**
 * Rounds per call, a multiple of the schedule's ten rows: V8 optimizes a WebAssembly function
 * between calls, never during one, so a 2^32-round input must not be one call.
 */
const ROUNDS_PER_CALL = 100_000

/**
 * BLAKE2b's F over the WebAssembly module scripts/generateBlake2fWasm.ts writes (blake2f.wasm),
 * whose memory starts with h ‖ m ‖ t exactly as the precompile's input carries them. The module is
 * handed in compiled: workerd imports it, Node compiles the file (blake2fWasm.node.ts).
 */
export function createWasmBlake2fCompress(module: WebAssembly.Module): Blake2fCompress {
  const { memory, compress } = new WebAssembly.Instance(module, {}).exports as unknown as Exports
  const heap = new Uint8Array(memory.buffer)
  return function blake2fCompressWasm(rounds, hmt, isFinalBlock) {
    heap.set(hmt, 0)
    let flags = START | (isFinalBlock ? FINAL : 0)
    let left = rounds
    while (left > ROUNDS_PER_CALL) {
      compress(ROUNDS_PER_CALL, flags)
      flags = 0
      left -= ROUNDS_PER_CALL
    }
    compress(left, flags | FINISH)
    return heap.slice(0, 64)
  }
}
