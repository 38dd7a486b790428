import { readFileSync } from 'node:fs'
import { useKeccak256 } from './keccak256.ts'
import { createWasmKeccak256 } from './keccak256Wasm.ts'

/** Node (CLI, benchmarks, tests): compiles the checked-in module and makes keccak256 use it. */
export function useWasmKeccak256(): void {
  useKeccak256(createWasmKeccak256(loadKeccak256Module()))
}

export function loadKeccak256Module(): WebAssembly.Module {
  return new WebAssembly.Module(readFileSync(new URL('./keccak256.wasm', import.meta.url)))
}
