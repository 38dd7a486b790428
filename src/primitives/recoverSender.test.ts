import { secp256k1 } from '@noble/curves/secp256k1.js'
import { type Hex, parseGwei } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { hexToBytes } from './hex.ts'
import { recoverSender, useSecp256k1 } from './recoverSender.ts'
import { nobleSecp256k1 } from './secp256k1/noble.ts'
import { loadWasmSecp256k1 } from './secp256k1/wasm.node.ts'
import { decodeTransaction } from './transaction.ts'

const wasm = loadWasmSecp256k1()

describe('secp256k1 public-key recovery: libsecp256k1 WASM against noble', () => {
  it('agrees on 200 random signatures', () => {
    for (let i = 0; i < 200; i++) {
      const secret = secp256k1.utils.randomSecretKey()
      const hash = crypto.getRandomValues(new Uint8Array(32))
      const signature = secp256k1.Signature.fromBytes(
        secp256k1.sign(hash, secret, { prehash: false, format: 'recovered' }),
        'recovered',
      )
      const expected = secp256k1.getPublicKey(secret, false)
      expect(nobleSecp256k1.recoverPublicKey(hash, signature.r, signature.s, signature.recovery!)).toEqual(
        expected,
      )
      expect(wasm.recoverPublicKey(hash, signature.r, signature.s, signature.recovery!)).toEqual(expected)
    }
  })

  it('refuses, as noble does, r or s zero or not below the group order, and a bad recovery id', () => {
    const n = secp256k1.Point.CURVE().n
    const hash = crypto.getRandomValues(new Uint8Array(32))
    const signature = secp256k1.Signature.fromBytes(
      secp256k1.sign(hash, secp256k1.utils.randomSecretKey(), { prehash: false, format: 'recovered' }),
      'recovered',
    )
    const { r, s } = signature
    const recovery = signature.recovery!
    const cases: [string, Uint8Array, bigint, bigint, number][] = [
      ['r zero', hash, 0n, s, recovery],
      ['s zero', hash, r, 0n, recovery],
      ['r equal to n', hash, n, s, recovery],
      ['s equal to n', hash, r, n, recovery],
      ['s above n', hash, r, s + n, recovery],
      ['r past 256 bits', hash, r + (1n << 256n), s, recovery],
      ['recovery id 2', hash, r, s, 2],
    ]
    for (const [name, caseHash, caseR, caseS, caseRecovery] of cases) {
      expect(() => nobleSecp256k1.recoverPublicKey(caseHash, caseR, caseS, caseRecovery), name).toThrow()
      expect(() => wasm.recoverPublicKey(caseHash, caseR, caseS, caseRecovery), name).toThrow()
    }
    // Noble takes any length of hash (as bits2int does); a transaction's is always 32 bytes.
    expect(() => wasm.recoverPublicKey(hash.subarray(1), r, s, recovery)).toThrow('32 bytes')
    // And it still recovers afterwards: a refusal leaves nothing behind.
    expect(wasm.recoverPublicKey(hash, r, s, recovery)).toEqual(
      nobleSecp256k1.recoverPublicKey(hash, r, s, recovery),
    )
  })

  it('refuses an r that is not on the curve', () => {
    // x = 5 has no point on secp256k1 (5^3 + 7 = 132 is not a square mod p).
    expect(() => wasm.recoverPublicKey(new Uint8Array(32).fill(1), 5n, 1n, 0)).toThrow()
    expect(() => nobleSecp256k1.recoverPublicKey(new Uint8Array(32).fill(1), 5n, 1n, 0)).toThrow()
  })
})

describe('recoverSender', () => {
  const account = privateKeyToAccount('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80')
  const to = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8'
  const signed: Record<string, Promise<Hex>> = {
    legacy: account.signTransaction({
      type: 'legacy',
      chainId: 7077,
      to,
      nonce: 3,
      gas: 21_000n,
      gasPrice: parseGwei('1'),
      value: 5n,
    }),
    eip2930: account.signTransaction({
      type: 'eip2930',
      chainId: 7077,
      to,
      nonce: 4,
      gas: 30_000n,
      gasPrice: parseGwei('1'),
      accessList: [{ address: to, storageKeys: [`0x${'00'.repeat(31)}01`] }],
    }),
    eip1559: account.signTransaction({
      type: 'eip1559',
      chainId: 7077,
      to,
      nonce: 5,
      gas: 21_000n,
      maxFeePerGas: parseGwei('2'),
      maxPriorityFeePerGas: 1n,
      data: '0x01020304',
    }),
  }

  for (const [type, raw] of Object.entries(signed)) {
    it(`recovers the signer of a ${type} transaction with both implementations`, async () => {
      const tx = decodeTransaction(hexToBytes(await raw))
      useSecp256k1(nobleSecp256k1)
      expect(recoverSender(tx)).toBe(account.address.toLowerCase())
      useSecp256k1(wasm)
      expect(recoverSender(tx)).toBe(account.address.toLowerCase())
    })
  }
})
