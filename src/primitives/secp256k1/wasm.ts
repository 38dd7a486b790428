import type { Secp256k1 } from './types.ts'

/** The subset of tiny-secp256k1's libsecp256k1 WASM build that recovery uses. */
type Exports = {
  memory: { buffer: ArrayBuffer }
  initializeContext(): void
  recover(outputLength: number, recoveryId: number): number
  /** Addresses (in `memory`) of the fixed input and output buffers. */
  HASH_INPUT: { value: number }
  SIGNATURE_INPUT: { value: number }
  PUBLIC_KEY_INPUT: { value: number }
}

const UNCOMPRESSED_PUBLIC_KEY_SIZE = 65

/**
 * libsecp256k1 (tiny-secp256k1's WASM build) driven through its fixed input buffers. The module is
 * passed in compiled — workerd imports it as a module, Node compiles the file — and instantiated on
 * first use: workerd allows random numbers (the context's blinding seed) only inside a request.
 */
export function createWasmSecp256k1(module: WebAssembly.Module): Secp256k1 {
  let wasm: Exports | undefined
  let hashInput: Uint8Array
  let signatureInput: Uint8Array
  let publicKeyOutput: Uint8Array

  const instantiate = (): Exports => {
    const instance = new WebAssembly.Instance(module, {
      './rand.js': {
        generateInt32: () => crypto.getRandomValues(new Int32Array(1))[0]!,
      },
      './validate_error.js': {
        throwError: (code: number) => {
          throw new Error(`libsecp256k1 refused its input (code ${code})`)
        },
      },
    })
    const exports = instance.exports as unknown as Exports
    exports.initializeContext()
    const memory = new Uint8Array(exports.memory.buffer)
    hashInput = memory.subarray(exports.HASH_INPUT.value, exports.HASH_INPUT.value + 32)
    signatureInput = memory.subarray(exports.SIGNATURE_INPUT.value, exports.SIGNATURE_INPUT.value + 64)
    publicKeyOutput = memory.subarray(
      exports.PUBLIC_KEY_INPUT.value,
      exports.PUBLIC_KEY_INPUT.value + UNCOMPRESSED_PUBLIC_KEY_SIZE,
    )
    return exports
  }

  return {
    recoverPublicKey(hash, r, s, recoveryId) {
      wasm ??= instantiate()
      if (hash.length !== 32) throw new Error('message hash must be 32 bytes')
      if (recoveryId !== 0 && recoveryId !== 1) throw new Error('recovery id must be 0 or 1')
      hashInput.set(hash)
      writeScalar(signatureInput, 0, r)
      writeScalar(signatureInput, 32, s)
      if (wasm.recover(UNCOMPRESSED_PUBLIC_KEY_SIZE, recoveryId) !== 1)
        throw new Error('invalid signature: no public key recovers from it')
      return publicKeyOutput.slice()
    },
  }
}

/** Writes a scalar as 32 big-endian bytes without allocating. */
function writeScalar(target: Uint8Array, offset: number, value: bigint): void {
  let v = value
  for (let i = offset + 31; i >= offset; i--) {
    target[i] = Number(v & 0xffn)
    v >>= 8n
  }
}
