import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import type { Secp256k1 } from './types.ts'
import { createWasmSecp256k1 } from './wasm.ts'

/** Node (tests, CLI, benchmarks): compile the package's WASM file once. */
export function loadWasmSecp256k1(): Secp256k1 {
  const entry = createRequire(import.meta.url).resolve('tiny-secp256k1')
  // `entry` is lib/cjs/index.cjs under require: the WASM file sits in lib/.
  const file = path.join(
    path.dirname(entry),
    entry.includes(`${path.sep}cjs${path.sep}`) ? '..' : '.',
    'secp256k1.wasm',
  )
  return createWasmSecp256k1(new WebAssembly.Module(readFileSync(file)))
}
