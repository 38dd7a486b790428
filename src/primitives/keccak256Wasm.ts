/**
 * keccak256 over the WebAssembly permutation (src/primitives/keccak256.wasm, written by
 * scripts/generateKeccakWasm.ts): a lane is a native i64 there, about 4.5x the JavaScript
 * permutation. The module is handed in compiled — workerd imports it as a module, Node compiles
 * the file (keccak256Wasm.node.ts) — and has no imports, so it is instantiated at once.
 */

/** Where the module keeps its state and reads its input (see the generator's memory map). */
export const WASM_STATE_OFFSET = 192
export const WASM_INPUT_OFFSET = 512
export const WASM_MEMORY_PAGES = 2
const RATE_BYTES = 136
/** Whole blocks the input area holds: longer inputs are absorbed a chunk at a time. */
export const WASM_INPUT_BLOCKS = Math.floor((WASM_MEMORY_PAGES * 65_536 - WASM_INPUT_OFFSET) / RATE_BYTES)
const CHUNK_BYTES = WASM_INPUT_BLOCKS * RATE_BYTES

type Exports = { memory: WebAssembly.Memory; absorb(blocks: number): void }

export function createWasmKeccak256(module: WebAssembly.Module): (bytes: Uint8Array) => Uint8Array {
  const { memory, absorb } = new WebAssembly.Instance(module, {}).exports as unknown as Exports
  // The memory never grows, so this view stays valid.
  const heap = new Uint8Array(memory.buffer)
  return function keccak256Wasm(bytes: Uint8Array): Uint8Array {
    heap.fill(0, WASM_STATE_OFFSET, WASM_STATE_OFFSET + 200)
    const length = bytes.length
    let offset = 0
    for (; length - offset >= CHUNK_BYTES; offset += CHUNK_BYTES) {
      heap.set(bytes.subarray(offset, offset + CHUNK_BYTES), WASM_INPUT_OFFSET)
      absorb(WASM_INPUT_BLOCKS)
    }
    // The rest, then the pad 0x01 … 0x80, in as many blocks as that takes (at most a chunk).
    const rest = length - offset
    const blocks = Math.floor(rest / RATE_BYTES) + 1
    const end = WASM_INPUT_OFFSET + blocks * RATE_BYTES
    heap.set(offset === 0 ? bytes : bytes.subarray(offset), WASM_INPUT_OFFSET)
    heap.fill(0, WASM_INPUT_OFFSET + rest, end)
    heap[WASM_INPUT_OFFSET + rest]! ^= 0x01
    heap[end - 1]! ^= 0x80
    absorb(blocks)
    return heap.slice(WASM_STATE_OFFSET, WASM_STATE_OFFSET + 32)
  }
}
