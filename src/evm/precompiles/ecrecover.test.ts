import { type Hex, keccak256, toBytes } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { bytesToHex, hexToBytes } from '../../primitives/hex.ts'
import { ecrecoverPrecompile } from './ecrecover.ts'

const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
const word = (value: bigint) => value.toString(16).padStart(64, '0')

/** hash ‖ v ‖ r ‖ s, each a 32-byte word. */
function ecrecoverInput(hash: Hex, v: bigint, r: bigint, s: bigint): Uint8Array {
  return hexToBytes(`${hash}${word(v)}${word(r)}${word(s)}`)
}

// anvil's first account; viem derives its address with its own keccak and curve code.
const account = privateKeyToAccount('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80')
const hash = keccak256(toBytes('velox ecrecover'))
const signature = hexToBytes(await account.sign({ hash }))
const r = BigInt(bytesToHex(signature.subarray(0, 32)))
const s = BigInt(bytesToHex(signature.subarray(32, 64)))
const v = BigInt(signature[64]!)
const signerWord = `0x000000000000000000000000${account.address.slice(2).toLowerCase()}`

function recovered(input: Uint8Array): string {
  const result = ecrecoverPrecompile(input, 3000)
  expect(result.ok && result.gasUsed).toBe(3000)
  return result.ok ? bytesToHex(result.output) : 'failed'
}

describe('ecrecover precompile (0x01)', () => {
  it('recovers the address that signed, left-padded to 32 bytes, for 3000 gas', () => {
    expect(recovered(ecrecoverInput(hash, v, r, s))).toBe(signerWord)
  })

  it("recovers geth's ValidKey vector", () => {
    const input = ecrecoverInput(
      '0x18c547e4f7b0f325ad1e56f57e26c745b09a3e503d86e00e5255ff7f715d3d1c',
      28n,
      0x73b1693892219d736caba55bdb67216e485557ea6b6af75f37096c9aa6a5a75fn,
      0xeeb940b1d03b21e36b0e47e79769f095fe2ab855bd91e3a38756b7d75a9c4549n,
    )
    expect(recovered(input)).toBe('0x000000000000000000000000a94f5374fce5edbc8e2a8697c15331677e6ebf0b')
  })

  it('has no low-s rule: (r, n - s) with the other v recovers the same signer', () => {
    expect(recovered(ecrecoverInput(hash, v === 27n ? 28n : 27n, r, SECP256K1_N - s))).toBe(signerWord)
  })

  it('ignores input past 128 bytes and zero-pads a short one', () => {
    const input = ecrecoverInput(hash, v, r, s)
    const longer = new Uint8Array(160).fill(0xab)
    longer.set(input)
    expect(recovered(longer)).toBe(signerWord)
    // Only the hash: v reads as 0, so there is no signer, but the call succeeds.
    expect(recovered(input.subarray(0, 32))).toBe('0x')
    expect(recovered(new Uint8Array(0))).toBe('0x')
  })

  it.each([
    ['v = 26', ecrecoverInput(hash, 26n, r, s)],
    ['v = 29', ecrecoverInput(hash, 29n, r, s)],
    ['v = 0', ecrecoverInput(hash, 0n, r, s)],
    ['v = 27 + 2^8', ecrecoverInput(hash, v + 256n, r, s)],
    ['v word with its top byte set', ecrecoverInput(hash, v + (1n << 248n), r, s)],
    ['r = 0', ecrecoverInput(hash, v, 0n, s)],
    ['s = 0', ecrecoverInput(hash, v, r, 0n)],
    ['r = n', ecrecoverInput(hash, v, SECP256K1_N, s)],
    ['s = n', ecrecoverInput(hash, v, r, SECP256K1_N)],
    ['r above n', ecrecoverInput(hash, v, SECP256K1_N + 1n, s)],
  ])('answers no bytes (gas still charged) for %s', (_, input) => {
    expect(recovered(input)).toBe('0x')
  })

  it("answers no bytes when r is no point's x (geth's CallEcrecoverUnrecoverableKey)", () => {
    const input = ecrecoverInput(
      '0xa8b53bdf3306a35a7103ab5504a0c9b492295564b6202b1942a84ef300107281',
      27n,
      0x3078356531653033663533636531386237373263636230303933666637316633n,
      0x6635336635633735623734646362333161383561613862383839326234653862n,
    )
    expect(recovered(input)).toBe('0x')
  })

  it('fails out of gas below 3000', () => {
    expect(ecrecoverPrecompile(ecrecoverInput(hash, v, r, s), 2999)).toEqual({
      ok: false,
      reason: 'out of gas',
    })
  })
})
