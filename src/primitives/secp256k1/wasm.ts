import { writeWordTo } from '../words.ts'
import type { Secp256k1 } from './types.ts'

/** What secp256k1.wasm exports (scripts/secp256k1Wasm/recover.c). */
type Exports = {
  memory: { buffer: ArrayBuffer }
  initialize(): number
  recover(recoveryId: number): number
  /** Addresses (in `memory`) of the fixed input and output buffers. */
  HASH_INPUT: { value: number }
  SIGNATURE_INPUT: { value: number }
  PUBLIC_KEY_OUTPUT: { value: number }
}

const UNCOMPRESSED_PUBLIC_KEY_SIZE = 65

/**
 * libsecp256k1's recovery (secp256k1.wasm, built by scripts/buildSecp256k1Wasm.ts) driven through
 * its fixed input buffers. The module is passed in compiled (workerd imports it as a module, Node
 * compiles the file) and instantiated on first use: initializing builds its multiplication tables
 * (~15 ms), which an isolate that never recovers a sender does not need.
 */
export function createWasmSecp256k1(module: WebAssembly.Module): Secp256k1 {
  let wasm: Exports | undefined
  let hashInput: Uint8Array
  let signatureInput: Uint8Array
  let publicKeyOutput: Uint8Array

  const instantiate = (): Exports => {
    const exports = new WebAssembly.Instance(module, {}).exports as unknown as Exports
    if (exports.initialize() !== 1) throw new Error('libsecp256k1: no memory for its context')
    // The memory grew while the context was built: views are taken after.
    const memory = new Uint8Array(exports.memory.buffer)
    hashInput = memory.subarray(exports.HASH_INPUT.value, exports.HASH_INPUT.value + 32)
    signatureInput = memory.subarray(exports.SIGNATURE_INPUT.value, exports.SIGNATURE_INPUT.value + 64)
    publicKeyOutput = memory.subarray(
      exports.PUBLIC_KEY_OUTPUT.value,
      exports.PUBLIC_KEY_OUTPUT.value + UNCOMPRESSED_PUBLIC_KEY_SIZE,
    )
    return exports
  }

  return {
    recoverPublicKey(hash, r, s, recoveryId) {
      wasm ??= instantiate()
      if (hash.length !== 32) throw new Error('message hash must be 32 bytes')
      if (recoveryId !== 0 && recoveryId !== 1) throw new Error('recovery id must be 0 or 1')
      if (r >> 256n !== 0n || s >> 256n !== 0n || r < 0n || s < 0n)
        throw new Error('invalid signature: r and s must be 256-bit unsigned integers')
      hashInput.set(hash)
      writeWordTo(signatureInput, 0, r)
      writeWordTo(signatureInput, 32, s)
      let recovered: number
      try {
        recovered = wasm.recover(recoveryId)
      } catch (error) {
        // A trap stops the module where it was: its stack pointer and heap are left mid-call. The
        // next recovery gets a fresh instance rather than a memory in an unknown state.
        wasm = undefined
        throw new Error(`libsecp256k1 trapped: ${(error as Error).message}`, { cause: error })
      }
      if (recovered !== 1) throw new Error('invalid signature: no public key recovers from it')
      return publicKeyOutput.slice()
    },
  }
}
