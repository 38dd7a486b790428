import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { bytesToHex, hexToBytes } from '../../src/primitives/hex.ts'
import { keccak256 } from '../../src/primitives/keccak256.ts'
import { recoverSender, useSecp256k1 } from '../../src/primitives/recoverSender.ts'
import { loadWasmSecp256k1 } from '../../src/primitives/secp256k1/wasm.node.ts'
import { decodeTransaction, decodeTransactionFields } from '../../src/primitives/transaction.ts'
import { validateTransaction } from '../../src/primitives/validateTransaction.ts'
import { FIXTURES_DIR, fixturesPresent, jsonFilesUnder } from './fixtures.ts'

type Expectation = { exception?: string; hash?: string; sender?: string; intrinsicGas?: string }
type TransactionTest = { txbytes: string; result: Record<string, Expectation> }

/** The fixtures are filled for chain id 1. */
const FIXTURE_CHAIN_ID = 1n
/** Post-merge forks in order; a file without a Cancun result is checked against the latest it has. */
const FORKS = ['Cancun', 'Shanghai', 'Paris']

const present = fixturesPresent('TransactionTests')

describe.runIf(present)('TransactionTests (Cancun rules, libsecp256k1 WASM recovery)', () => {
  useSecp256k1(loadWasmSecp256k1())
  // Read only when present: a skipped describe's body still runs to collect its tests.
  const files = present ? jsonFilesUnder(path.join(FIXTURES_DIR, 'TransactionTests')) : []
  const cases = files.flatMap((file) =>
    Object.entries(JSON.parse(readFileSync(file, 'utf8')) as Record<string, TransactionTest>).flatMap(
      ([name, test]) => {
        const fork = FORKS.find((f) => test.result[f])
        return fork
          ? [
              {
                name: `${path.relative(FIXTURES_DIR, file)} ${name} (${fork})`,
                txbytes: test.txbytes,
                expected: test.result[fork]!,
              },
            ]
          : []
      },
    ),
  )

  it('covers the suite', () => expect(cases.length).toBeGreaterThan(200))

  it.each(cases)('$name', ({ txbytes, expected }) => {
    const check = () => {
      const tx = decodeTransaction(hexToBytes(txbytes))
      const intrinsic = validateTransaction(tx, { fork: 'cancun', chainId: FIXTURE_CHAIN_ID })
      return { tx, intrinsic, sender: recoverSender(tx) }
    }
    if (expected.exception) {
      expect(check, expected.exception).toThrow()
      return
    }
    const { tx, intrinsic, sender } = check()
    expect(tx.hash).toBe(expected.hash?.toLowerCase())
    expect(sender).toBe(expected.sender?.toLowerCase())
    if (expected.intrinsicGas) expect(intrinsic).toBe(BigInt(expected.intrinsicGas))
  })

  it('decodes every case alike with its hash given (decodeTransactionFields): the same fields, the same errors', () => {
    const outcome = (decode: () => object) => {
      try {
        return { fields: decode() }
      } catch (error) {
        return { error: `${(error as Error).name}: ${(error as Error).message}` }
      }
    }
    for (const { name, txbytes } of cases) {
      const raw = hexToBytes(txbytes)
      const full = outcome(() => decodeTransaction(raw)) as {
        fields?: { hash: string; signingHash?: unknown }
      }
      const hash = (full.fields?.hash ?? bytesToHex(keccak256(raw))) as `0x${string}`
      const fields = outcome(() => decodeTransactionFields(raw, hash))
      if (full.fields) {
        const { signingHash: _, ...rest } = full.fields
        expect(fields, name).toEqual({ fields: rest })
      } else expect(fields, name).toEqual(full)
    }
  })
})
