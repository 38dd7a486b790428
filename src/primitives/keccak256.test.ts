import { keccak_256 } from '@noble/hashes/sha3.js'
import { describe, expect, it } from 'vitest'
import { bytesToHex } from './hex.ts'
import { keccak256, keccak256Js, useKeccak256 } from './keccak256.ts'
import { loadKeccak256Module } from './keccak256Wasm.node.ts'
import { createWasmKeccak256, WASM_INPUT_BLOCKS } from './keccak256Wasm.ts'

const implementations = {
  JavaScript: keccak256Js,
  WebAssembly: createWasmKeccak256(loadKeccak256Module()),
}

function randomBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length)
  for (let i = 0; i < length; i += 65_536) crypto.getRandomValues(bytes.subarray(i, i + 65_536))
  return bytes
}

describe.each(Object.entries(implementations))('keccak256 (%s)', (_, hash) => {
  it('hashes the empty input and a known string', () => {
    expect(bytesToHex(hash(new Uint8Array()))).toBe(
      '0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470',
    )
    expect(bytesToHex(hash(new TextEncoder().encode('hello')))).toBe(
      '0x1c8aff950685c2ed4bc3174f3472287b56d9517b9c948127319a09a7a36deac8',
    )
  })

  it('agrees with @noble/hashes on every length around the 136-byte rate boundaries', () => {
    for (let length = 0; length <= 3 * 136 + 2; length++) {
      const input = randomBytes(length)
      expect(bytesToHex(hash(input)), `length ${length}`).toBe(bytesToHex(keccak_256(input)))
    }
  })

  it('agrees with @noble/hashes on large inputs, across the WASM input area’s chunk boundary', () => {
    const chunk = WASM_INPUT_BLOCKS * 136
    for (const length of [1000, 4096, 65_537, chunk - 1, chunk, chunk + 1, 2 * chunk + 135, 300_000]) {
      const input = randomBytes(length)
      expect(bytesToHex(hash(input)), `length ${length}`).toBe(bytesToHex(keccak_256(input)))
    }
  })

  it('hashes views into a larger buffer by their own bytes only', () => {
    const buffer = randomBytes(400)
    const view = buffer.subarray(13, 213)
    expect(bytesToHex(hash(view))).toBe(bytesToHex(keccak_256(view)))
  })
})

describe('useKeccak256', () => {
  it('switches what keccak256 runs', () => {
    const input = randomBytes(77)
    useKeccak256(keccak256Js)
    expect(bytesToHex(keccak256(input))).toBe(bytesToHex(keccak_256(input)))
    useKeccak256(implementations.WebAssembly)
    expect(bytesToHex(keccak256(input))).toBe(bytesToHex(keccak_256(input)))
  })
})
