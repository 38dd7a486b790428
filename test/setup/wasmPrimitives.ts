// Unit and conformance tests run on the same WASM primitives the workers install (keccak256 and
// blake2f's F); their own tests check both implementations against the JavaScript and @noble ones.
import { useWasmBlake2f } from '../../src/evm/precompiles/blake2fWasm.node.ts'
import { useWasmKeccak256 } from '../../src/primitives/keccak256Wasm.node.ts'

useWasmKeccak256()
useWasmBlake2f()
