// workerd imports WASM as compiled modules (wrangler.toml's CompiledWasm rule): nothing is compiled at run time.
import { useBlake2fCompress } from '../../src/evm/precompiles/blake2f.ts'
import blake2fModule from '../../src/evm/precompiles/blake2f.wasm'
import { createWasmBlake2fCompress } from '../../src/evm/precompiles/blake2fWasm.ts'
import { useKeccak256 } from '../../src/primitives/keccak256.ts'
import keccak256Module from '../../src/primitives/keccak256.wasm'
import { createWasmKeccak256 } from '../../src/primitives/keccak256Wasm.ts'
import { useSecp256k1 } from '../../src/primitives/recoverSender.ts'
import secp256k1Module from '../../src/primitives/secp256k1/secp256k1.wasm'
import { createWasmSecp256k1 } from '../../src/primitives/secp256k1/wasm.ts'

/**
 * Installs this isolate's WASM primitives: libsecp256k1 for sender recovery, Keccak-f[1600] for
 * keccak256 and BLAKE2b's F for the blake2f precompile, each several times its JavaScript one.
 */
export function useWasmPrimitives(): void {
  useSecp256k1(createWasmSecp256k1(secp256k1Module))
  useKeccak256(createWasmKeccak256(keccak256Module))
  useBlake2fCompress(createWasmBlake2fCompress(blake2fModule))
}
