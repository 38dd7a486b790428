/**
 * `npm run bench:recover`: sender recovery per second on one core. Velox's libsecp256k1 WASM build
 * (src/primitives/secp256k1/secp256k1.wasm, what the workers run) against tiny-secp256k1's build of
 * the same library (what they ran before: its 5x52 field emulates 128-bit products in WASM) and
 * @noble/curves (the reference). Writes bench/results/recover.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { recover as tinyRecover } from 'tiny-secp256k1'
import { nobleSecp256k1 } from '../src/primitives/secp256k1/noble.ts'
import type { Secp256k1 } from '../src/primitives/secp256k1/types.ts'
import { loadWasmSecp256k1 } from '../src/primitives/secp256k1/wasm.node.ts'
import { writeWord } from '../src/primitives/words.ts'
import { describeMachine, machineLine, probeSpeed } from './machine.ts'

const SIGNATURES = 2_000
const samples = Array.from({ length: SIGNATURES }, () => {
  const hash = crypto.getRandomValues(new Uint8Array(32))
  const signature = secp256k1.Signature.fromBytes(
    secp256k1.sign(hash, secp256k1.utils.randomSecretKey(), { prehash: false, format: 'recovered' }),
    'recovered',
  )
  return { hash, r: signature.r, s: signature.s, recovery: signature.recovery! }
})

/** tiny-secp256k1 behind the same interface (its own API takes r and s as 64 bytes). */
const tinySecp256k1: Secp256k1 = {
  recoverPublicKey(hash, r, s, recoveryId) {
    const signature = new Uint8Array(64)
    const view = new DataView(signature.buffer)
    writeWord(view, 0, r)
    writeWord(view, 32, s)
    const key = tinyRecover(hash, signature, recoveryId as 0 | 1, false)
    if (!key) throw new Error('no public key recovers')
    return key
  },
}

function measure(implementation: Secp256k1): number {
  for (const sample of samples.slice(0, 200))
    implementation.recoverPublicKey(sample.hash, sample.r, sample.s, sample.recovery)
  const started = performance.now()
  for (const sample of samples)
    implementation.recoverPublicKey(sample.hash, sample.r, sample.s, sample.recovery)
  return SIGNATURES / ((performance.now() - started) / 1000)
}

const speedAtStart = probeSpeed()
const results = {
  wasm: measure(loadWasmSecp256k1()),
  tinySecp256k1: measure(tinySecp256k1),
  noble: measure(nobleSecp256k1),
}
console.log('| implementation | recoveries/s | µs each |\n|---|---:|---:|')
for (const [name, perSecond] of [
  ['libsecp256k1, Velox build (WASM, 10x26 field)', results.wasm],
  ['libsecp256k1, tiny-secp256k1 build (WASM, 5x52 field)', results.tinySecp256k1],
  ['@noble/curves', results.noble],
] as const)
  console.log(`| ${name} | ${perSecond.toFixed(0)} | ${(1e6 / perSecond).toFixed(0)} |`)
console.log(
  `Velox build / tiny-secp256k1: ${(results.wasm / results.tinySecp256k1).toFixed(2)}x; / noble: ${(results.wasm / results.noble).toFixed(2)}x`,
)
const machine = describeMachine(speedAtStart)
console.log(machineLine(machine))
const file = path.join(import.meta.dirname, 'results/recover.json')
mkdirSync(path.dirname(file), { recursive: true })
writeFileSync(
  file,
  `${JSON.stringify({ date: new Date().toISOString(), machine, signatures: SIGNATURES, recoveriesPerSecond: results }, null, 2)}\n`,
)
