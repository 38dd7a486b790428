import { describe, expect, it } from 'vitest'
import { bytesToHex } from '../../primitives/hex.ts'
import { isZeroRange, readBigEndian, writeBigEndian } from './bigEndian.ts'

describe('readBigEndian', () => {
  const bytes = Uint8Array.of(0x01, 0x02, 0x03)

  it('reads a range inside the input', () => {
    expect(readBigEndian(bytes, 0, 3)).toBe(0x010203n)
    expect(readBigEndian(bytes, 1, 1)).toBe(0x02n)
    expect(readBigEndian(bytes, 1, 0)).toBe(0n)
  })

  it('reads bytes past the end of the input as zeros on the right', () => {
    expect(readBigEndian(bytes, 1, 4)).toBe(0x02030000n)
    expect(readBigEndian(bytes, 3, 32)).toBe(0n)
    expect(readBigEndian(bytes, 100, 2)).toBe(0n)
  })
})

describe('isZeroRange', () => {
  it('counts bytes past the end as zero', () => {
    expect(isZeroRange(Uint8Array.of(0, 0, 1), 0, 2)).toBe(true)
    expect(isZeroRange(Uint8Array.of(0, 0, 1), 0, 3)).toBe(false)
    expect(isZeroRange(Uint8Array.of(0, 0), 1, 10)).toBe(true)
  })
})

describe('writeBigEndian', () => {
  it('writes right-aligned, odd hex lengths and zero included', () => {
    for (const [value, hex] of [
      [0n, '0x000000'],
      [0xan, '0x00000a'],
      [0x1234n, '0x001234'],
      [0xabcdefn, '0xabcdef'],
    ] as const) {
      const out = new Uint8Array(3)
      writeBigEndian(out, 0, 3, value)
      expect(bytesToHex(out)).toBe(hex)
    }
  })

  it('writes only inside its range', () => {
    const out = new Uint8Array(6).fill(0xff)
    writeBigEndian(out, 2, 3, 0x0102n)
    expect(bytesToHex(out)).toBe('0xffff000102ff')
  })
})
