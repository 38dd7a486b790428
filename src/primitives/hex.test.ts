import { Buffer } from 'node:buffer'
import { describe, expect, it } from 'vitest'
import { receiptBloom, receiptBloomHex } from '../execution/receipt.ts'
import { bytesToBigInt, bytesToHex, hexToBytes } from './hex.ts'

describe('bytesToHex', () => {
  it("writes every length as Node's own hex does, both the short and the long way", () => {
    for (let length = 0; length <= 300; length++) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 151 + length * 7) & 0xff)
      expect(bytesToHex(bytes)).toBe(`0x${Buffer.from(bytes).toString('hex')}`)
    }
    const large = crypto.getRandomValues(new Uint8Array(65_536))
    const hex = bytesToHex(large)
    expect(hex).toBe(`0x${Buffer.from(large).toString('hex')}`)
    expect(hexToBytes(hex)).toEqual(large)
  })

  it('gives a receipt without logs the empty bloom', () => {
    expect(receiptBloomHex([])).toBe(bytesToHex(receiptBloom([])))
    expect(receiptBloomHex([])).toBe(`0x${'0'.repeat(512)}`)
  })
})

describe('bytesToBigInt', () => {
  it('reads every length to 64 bytes as the hex string of the same bytes does', () => {
    for (let length = 0; length <= 64; length++)
      for (const fill of [0x00, 0xff, -1]) {
        // -1: a pattern, with a zero first byte every few lengths (leading zeros count for nothing).
        const bytes = Uint8Array.from({ length }, (_, i) =>
          fill >= 0 ? fill : (i * 151 + length * 7) & 0xff,
        )
        expect(bytesToBigInt(bytes), `${length} bytes of ${fill}`).toBe(
          BigInt(`0x0${Buffer.from(bytes).toString('hex')}`),
        )
      }
    expect(bytesToBigInt(new Uint8Array(32).fill(0xff))).toBe(2n ** 256n - 1n)
  })
})
