import { describe, expect, it } from 'vitest'
import { bytesToHex } from '../primitives/hex.ts'
import { bytes32ToWord, readWord, readWordPadded, writeWord, writeWordTo } from './words.ts'

const EDGES = [
  0n,
  1n,
  0xffn,
  2n ** 32n - 1n,
  2n ** 32n,
  2n ** 53n - 1n,
  2n ** 53n,
  2n ** 64n - 1n,
  2n ** 64n,
  2n ** 160n - 1n,
  2n ** 255n,
  2n ** 256n - 1n,
]

function hexOf(value: bigint): string {
  return `0x${value.toString(16).padStart(64, '0')}`
}

describe('256-bit words in bytes', () => {
  const randomWords = Array.from({ length: 200 }, () => {
    const bytes = crypto.getRandomValues(new Uint8Array(32))
    // Vary the magnitude so both the small-word and the full path run.
    bytes.fill(0, 0, Math.floor(Math.random() * 33))
    return BigInt(bytesToHex(bytes))
  })

  it('write big-endian and read back every edge and random magnitude, at any offset', () => {
    const memory = new Uint8Array(96).fill(0xaa)
    const view = new DataView(memory.buffer)
    for (const value of [...EDGES, ...randomWords])
      for (const offset of [0, 7, 64]) {
        writeWord(view, offset, value)
        expect(bytesToHex(memory.subarray(offset, offset + 32))).toBe(hexOf(value))
        expect(readWord(view, offset)).toBe(value)
      }
  })

  it('read a word that runs past the end as zero-padded (CALLDATALOAD)', () => {
    const calldata = Uint8Array.from({ length: 40 }, (_, i) => i + 1)
    expect(readWordPadded(calldata, 0n)).toBe(BigInt(bytesToHex(calldata.subarray(0, 32))))
    expect(readWordPadded(calldata, 8n)).toBe(BigInt(bytesToHex(calldata.subarray(8, 40))))
    expect(readWordPadded(calldata, 20n)).toBe(
      BigInt(`${bytesToHex(calldata.subarray(20))}${'00'.repeat(12)}`),
    )
    expect(readWordPadded(calldata, 40n)).toBe(0n)
    expect(readWordPadded(calldata, 2n ** 255n)).toBe(0n)
  })

  it('convert hashes and write into plain arrays', () => {
    const bytes = crypto.getRandomValues(new Uint8Array(32))
    expect(bytes32ToWord(bytes)).toBe(BigInt(bytesToHex(bytes)))
    const target = new Uint8Array(40)
    writeWordTo(target, 5, 2n ** 256n - 2n)
    expect(bytesToHex(target.subarray(5, 37))).toBe(hexOf(2n ** 256n - 2n))
  })
})
