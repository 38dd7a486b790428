import { describe, expect, it } from 'vitest'
import { growBytes } from './growBytes.ts'

describe('growBytes', () => {
  it('returns the same buffer while the bytes fit', () => {
    const buffer = new Uint8Array(8)
    expect(growBytes(buffer, 5, 3)).toBe(buffer)
  })

  it('at least doubles, keeping the bytes written and only those', () => {
    const buffer = Uint8Array.from({ length: 32 }, (_, index) => index + 1)
    const grown = growBytes(buffer, 30, 3)
    expect(grown.length).toBe(64)
    expect([...grown.subarray(0, 31)]).toEqual([...buffer.subarray(0, 30), 0])
    expect(growBytes(buffer, 32, 100).length).toBe(256)
  })

  it('grows an empty buffer', () => {
    expect(growBytes(new Uint8Array(0), 0, 1).length).toBe(16)
  })
})
