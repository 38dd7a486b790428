import { describe, expect, it } from 'vitest'
import { I32, name, section, signedLeb, unsignedLeb, vector } from '../../../scripts/wasmEncoder.ts'
import { createWasmSecp256k1 } from './wasm.ts'

/**
 * A stand-in for secp256k1.wasm with its interface: `recover(1)` poisons its instance (as a trap
 * leaves a real one's stack pointer mid-call) and traps; once poisoned, `recover` answers 0.
 */
function trappingModule(): Uint8Array<ArrayBuffer> {
  const GLOBAL_GET = 0x23
  const GLOBAL_SET = 0x24
  const IF_EMPTY = [0x04, 0x40]
  const I32_CONST = 0x41
  const I32_EQ = 0x46
  const RETURN = 0x0f
  const UNREACHABLE = 0x00
  const END = 0x0b
  const body = (code: number[]) => {
    const withLocals = [...vector([]), ...code, END]
    return [...unsignedLeb(withLocals.length), ...withLocals]
  }
  const constGlobal = (mutable: boolean, value: number) => [
    I32,
    mutable ? 1 : 0,
    I32_CONST,
    ...signedLeb(BigInt(value)),
    END,
  ]
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    // types: () → i32, (i32) → i32
    ...section(
      1,
      vector([
        [0x60, ...vector([]), ...vector([[I32]])],
        [0x60, ...vector([[I32]]), ...vector([[I32]])],
      ]),
    ),
    ...section(3, vector([[0], [1]])),
    ...section(5, vector([[0x00, 1]])),
    // poisoned, HASH_INPUT, SIGNATURE_INPUT, PUBLIC_KEY_OUTPUT
    ...section(
      6,
      vector([constGlobal(true, 0), constGlobal(false, 0), constGlobal(false, 32), constGlobal(false, 96)]),
    ),
    ...section(
      7,
      vector([
        [...name('memory'), 0x02, 0],
        [...name('initialize'), 0x00, 0],
        [...name('recover'), 0x00, 1],
        [...name('HASH_INPUT'), 0x03, 1],
        [...name('SIGNATURE_INPUT'), 0x03, 2],
        [...name('PUBLIC_KEY_OUTPUT'), 0x03, 3],
      ]),
    ),
    ...section(
      10,
      vector([
        body([I32_CONST, 1]),
        body([
          ...[GLOBAL_GET, 0, ...IF_EMPTY, I32_CONST, 0, RETURN, END],
          ...[0x20, 0, I32_CONST, 1, I32_EQ, ...IF_EMPTY, I32_CONST, 1, GLOBAL_SET, 0, UNREACHABLE, END],
          ...[I32_CONST, 1],
        ]),
      ]),
    ),
  ]
  return Uint8Array.from(bytes)
}

describe('createWasmSecp256k1', () => {
  it('gives the next recovery a fresh instance after a trap', () => {
    const secp256k1 = createWasmSecp256k1(new WebAssembly.Module(trappingModule()))
    const hash = new Uint8Array(32)
    expect(() => secp256k1.recoverPublicKey(hash, 1n, 1n, 1)).toThrow('libsecp256k1 trapped: unreachable')
    // The trapped instance answers 0 from now on; a fresh one answers.
    expect(secp256k1.recoverPublicKey(hash, 1n, 1n, 0)).toHaveLength(65)
    expect(secp256k1.recoverPublicKey(hash, 1n, 1n, 0)).toHaveLength(65)
  })
})
