// workerd imports the WASM as a compiled module (wrangler.toml's CompiledWasm rule): nothing is compiled at run time.
import secp256k1Module from '../../node_modules/tiny-secp256k1/lib/secp256k1.wasm'
import { useSecp256k1 } from '../../src/primitives/recoverSender.ts'
import { createWasmSecp256k1 } from '../../src/primitives/secp256k1/wasm.ts'

/** Installs libsecp256k1 (WASM) as the sender-recovery implementation of this isolate. */
export function useWasmSecp256k1(): void {
  useSecp256k1(createWasmSecp256k1(secp256k1Module))
}
