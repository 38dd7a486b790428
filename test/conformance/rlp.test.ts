import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { bigintToBytes, bytesToHex, hexToBytes } from '../../src/primitives/hex.ts'
import { decodeRlp, encodeRlp, type RlpInput } from '../../src/primitives/rlp.ts'
import { FIXTURES_DIR, fixturesPresent, jsonFilesUnder } from './fixtures.ts'

type RlpCase = { in: unknown; out: string }

function toInput(value: unknown): RlpInput {
  if (Array.isArray(value)) return value.map(toInput)
  if (typeof value === 'number') return bigintToBytes(BigInt(value))
  if (typeof value === 'string') {
    if (value.startsWith('#')) return bigintToBytes(BigInt(value.slice(1)))
    return new TextEncoder().encode(value)
  }
  throw new Error(`unexpected RLP test input ${JSON.stringify(value)}`)
}

const present = fixturesPresent('RLPTests')

describe.runIf(present)('RLPTests', () => {
  // Read only when present: a skipped describe's body still runs to collect its tests.
  const files = present ? jsonFilesUnder(path.join(FIXTURES_DIR, 'RLPTests')) : []
  const cases = files.flatMap((file) =>
    Object.entries(JSON.parse(readFileSync(file, 'utf8')) as Record<string, RlpCase>).map(([name, c]) => ({
      name: `${path.basename(file)} ${name}`,
      ...c,
    })),
  )

  it('has cases', () => expect(cases.length).toBeGreaterThan(50))

  it.each(cases)('$name', (c) => {
    const out = c.out.startsWith('0x') ? c.out : `0x${c.out}`
    if (c.in === 'INVALID') {
      expect(() => decodeRlp(hexToBytes(out))).toThrow()
      return
    }
    if (c.in === 'VALID') {
      // Random valid encodings: decoding then re-encoding gives the same bytes.
      const decoded = decodeRlp(hexToBytes(out))
      expect(bytesToHex(encodeRlp(decoded))).toBe(out.toLowerCase())
      return
    }
    expect(bytesToHex(encodeRlp(toInput(c.in)))).toBe(out.toLowerCase())
    expect(bytesToHex(encodeRlp(decodeRlp(hexToBytes(out))))).toBe(out.toLowerCase())
  })
})
