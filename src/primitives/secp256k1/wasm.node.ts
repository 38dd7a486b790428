import { readFileSync } from 'node:fs'
import type { Secp256k1 } from './types.ts'
import { createWasmSecp256k1 } from './wasm.ts'

/** Node (tests, CLI, benchmarks): compile the module file once. */
export function loadWasmSecp256k1(): Secp256k1 {
  return createWasmSecp256k1(
    new WebAssembly.Module(readFileSync(new URL('./secp256k1.wasm', import.meta.url))),
  )
}
