import { readFileSync } from 'node:fs'
import { useBlake2fCompress } from './blake2f.ts'
import { createWasmBlake2fCompress } from './blake2fWasm.ts'

/** Node (CLI, benchmarks, tests): compiles the checked-in module and makes blake2f use it. */
export function useWasmBlake2f(): void {
  useBlake2fCompress(createWasmBlake2fCompress(loadBlake2fModule()))
}

export function loadBlake2fModule(): WebAssembly.Module {
  return new WebAssembly.Module(readFileSync(new URL('./blake2f.wasm', import.meta.url)))
}
