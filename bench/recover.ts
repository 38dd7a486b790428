/**
 * `npm run bench:recover`: sender recovery per second on one core, libsecp256k1 (WASM, what the
 * RPC worker runs) against @noble/curves (the reference). Writes bench/results/recover.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { nobleSecp256k1 } from '../src/primitives/secp256k1/noble.ts'
import type { Secp256k1 } from '../src/primitives/secp256k1/types.ts'
import { loadWasmSecp256k1 } from '../src/primitives/secp256k1/wasm.node.ts'

const SIGNATURES = 2_000
const samples = Array.from({ length: SIGNATURES }, () => {
  const hash = crypto.getRandomValues(new Uint8Array(32))
  const signature = secp256k1.Signature.fromBytes(
    secp256k1.sign(hash, secp256k1.utils.randomSecretKey(), { prehash: false, format: 'recovered' }),
    'recovered',
  )
  return { hash, r: signature.r, s: signature.s, recovery: signature.recovery! }
})

function measure(implementation: Secp256k1): number {
  for (const sample of samples.slice(0, 200))
    implementation.recoverPublicKey(sample.hash, sample.r, sample.s, sample.recovery)
  const started = performance.now()
  for (const sample of samples)
    implementation.recoverPublicKey(sample.hash, sample.r, sample.s, sample.recovery)
  return SIGNATURES / ((performance.now() - started) / 1000)
}

const results = { wasm: measure(loadWasmSecp256k1()), noble: measure(nobleSecp256k1) }
console.log('| implementation | recoveries/s |\n|---|---:|')
console.log(
  `| libsecp256k1 (WASM) | ${results.wasm.toFixed(0)} |\n| @noble/curves | ${results.noble.toFixed(0)} |`,
)
console.log(`WASM / noble: ${(results.wasm / results.noble).toFixed(2)}x`)
const file = path.join(import.meta.dirname, 'results/recover.json')
mkdirSync(path.dirname(file), { recursive: true })
writeFileSync(
  file,
  `${JSON.stringify({ date: new Date().toISOString(), signatures: SIGNATURES, recoveriesPerSecond: results }, null, 2)}\n`,
)
