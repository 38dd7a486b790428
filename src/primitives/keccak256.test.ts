import { keccak_256 } from '@noble/hashes/sha3.js'
import { describe, expect, it } from 'vitest'
import { bytesToHex } from './hex.ts'
import { keccak256 } from './keccak256.ts'

describe('keccak256', () => {
  it('hashes the empty input and a known string', () => {
    expect(bytesToHex(keccak256(new Uint8Array()))).toBe(
      '0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470',
    )
    expect(bytesToHex(keccak256(new TextEncoder().encode('hello')))).toBe(
      '0x1c8aff950685c2ed4bc3174f3472287b56d9517b9c948127319a09a7a36deac8',
    )
  })

  it('agrees with @noble/hashes on every length around the 136-byte rate boundaries', () => {
    for (let length = 0; length <= 3 * 136 + 2; length++) {
      const input = crypto.getRandomValues(new Uint8Array(length))
      expect(bytesToHex(keccak256(input)), `length ${length}`).toBe(bytesToHex(keccak_256(input)))
    }
  })

  it('agrees with @noble/hashes on large random inputs', () => {
    for (const length of [1000, 4096, 65_537]) {
      const input = new Uint8Array(length)
      for (let i = 0; i < length; i += 65_536) crypto.getRandomValues(input.subarray(i, i + 65_536))
      expect(bytesToHex(keccak256(input))).toBe(bytesToHex(keccak_256(input)))
    }
  })
})
