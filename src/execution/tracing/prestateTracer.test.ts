import { secp256k1 } from '@noble/curves/secp256k1.js'
import type { Address } from 'viem'
import { privateKeyToAddress } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { createAddress } from '../../evm/evm.ts'
import { bytesToHex, hexToBytes } from '../../primitives/hex.ts'
import { keccak256 } from '../../primitives/keccak256.ts'
import { authorizationSigningHash } from '../applyAuthorizations.ts'
import type { PrestateDiffJson, PrestateJson } from './prestateTracer.ts'
import {
  assemble,
  COINBASE,
  chain,
  SENDER,
  SENDER_BALANCE,
  trace,
  transaction,
  word,
} from './tracingFixture.ts'

const CONTRACT: Address = '0x00000000000000000000000000000000000000c0'
const RICH: Address = '0x00000000000000000000000000000000000000c1'
const EMPTY: Address = '0x00000000000000000000000000000000000000c2'
const ZERO_HASH = word(0n)

function prestate(accounts: Parameters<typeof chain>[0], config: object = {}, gasLimit = 100_000n) {
  return trace(chain(accounts), transaction({ to: CONTRACT, gasLimit }), {
    tracer: 'prestateTracer',
    tracerConfig: config,
  }).result
}

/** Reads slot 1 (holding 5), writes 7 to slot 2, reads RICH's and EMPTY's balances. */
const CODE = `PUSH1 1 SLOAD POP PUSH1 7 PUSH1 2 SSTORE PUSH20 ${RICH} BALANCE POP PUSH20 ${EMPTY} BALANCE POP STOP`
const ACCOUNTS = {
  [CONTRACT]: { code: CODE, storage: new Map([[1n, 5n]]) },
  [RICH]: { balance: 9n },
}
const CODE_HEX = bytesToHex(assemble(CODE))
const CODE_HASH = bytesToHex(keccak256(assemble(CODE)))

describe('prestateTracer', () => {
  it('reports what the transaction touched as it was before, leaving out empty accounts', () => {
    expect(prestate(ACCOUNTS)).toEqual({
      [CONTRACT]: {
        balance: '0x0',
        code: CODE_HEX,
        codeHash: CODE_HASH,
        nonce: 1,
        storage: { [word(1n)]: word(5n), [word(2n)]: word(0n) },
      },
      [RICH]: { balance: '0x9' },
      [SENDER]: { balance: `0x${SENDER_BALANCE.toString(16)}` },
    } satisfies PrestateJson)
  })

  it('keeps empty accounts with includeEmpty, and leaves out code or storage when asked', () => {
    const all = prestate(ACCOUNTS, { includeEmpty: true }) as PrestateJson
    expect(all[EMPTY]).toEqual({ balance: '0x0' })
    expect(all[COINBASE]).toEqual({ balance: '0x0' })
    const bare = prestate(ACCOUNTS, { disableCode: true, disableStorage: true }) as PrestateJson
    expect(bare[CONTRACT]).toEqual({ balance: '0x0', codeHash: CODE_HASH, nonce: 1 })
  })

  it('in diff mode, reports what changed and trims pre to it', () => {
    const result = prestate(ACCOUNTS, { diffMode: true }) as PrestateDiffJson
    const gasUsed = 21_000n + 3n + 2100n + 2n + 3n + 3n + 22_100n + 3n + 2600n + 2n + 3n + 2600n + 2n
    const fee = gasUsed * 8n
    expect(result).toEqual({
      post: {
        [COINBASE]: { balance: `0x${gasUsed.toString(16)}` },
        // Slot 1 was only read; slot 2 went from 0 (left out of pre) to 7.
        [CONTRACT]: { storage: { [word(2n)]: word(7n) } },
        // Read but never existing: geth's state gives it the zero code hash, unlike pre's default.
        [EMPTY]: { codeHash: ZERO_HASH },
        [SENDER]: { balance: `0x${(SENDER_BALANCE - fee).toString(16)}`, nonce: 1 },
      },
      pre: {
        [CONTRACT]: { balance: '0x0', code: CODE_HEX, codeHash: CODE_HASH, nonce: 1 },
        [SENDER]: { balance: `0x${SENDER_BALANCE.toString(16)}` },
      },
    } satisfies PrestateDiffJson)
  })

  it('in diff mode, shows a created account in post only, and a deleted one in pre only', () => {
    // CONTRACT creates a child with 5 wei whose initcode self-destructs to RICH (EIP-6780: deleted).
    const initcode = assemble(`PUSH20 ${RICH} SELFDESTRUCT`)
    const code = `PUSH${initcode.length} ${bytesToHex(initcode)} PUSH1 0 MSTORE PUSH1 ${initcode.length} PUSH1 ${32 - initcode.length} PUSH1 5 CREATE STOP`
    const created = createAddress(CONTRACT, 1n)
    const result = prestate({ [CONTRACT]: { code, balance: 10n } }, { diffMode: true }) as PrestateDiffJson
    expect(result.pre).not.toHaveProperty(created)
    expect(result.pre).not.toHaveProperty(RICH)
    expect(result.post[CONTRACT]).toEqual({ balance: '0x5', nonce: 2 })
    // Self-destructed in the transaction that created it: in neither.
    expect(result.post).not.toHaveProperty(created)
    expect(result.post[RICH]).toEqual({ balance: '0x5' })

    const lasting = assemble('PUSH1 0xfe PUSH1 0 MSTORE8 PUSH1 1 PUSH1 0 RETURN')
    const tx = transaction({ to: null, data: lasting })
    const deployed = trace(chain({}), tx, { tracer: 'prestateTracer', tracerConfig: { diffMode: true } })
      .result as PrestateDiffJson
    const address = createAddress(SENDER, 0n)
    expect(deployed.pre).not.toHaveProperty(address)
    expect(deployed.post[address]).toEqual({
      code: '0xfe',
      codeHash: bytesToHex(keccak256(Uint8Array.of(0xfe))),
      nonce: 1,
    })
  })

  it('reads nothing for an opcode that fails before it runs', () => {
    // BALANCE of RICH (cold, 2,600) with 1,000 gas left: geth never sees the opcode, so never RICH.
    const code = `PUSH20 ${RICH} BALANCE STOP`
    const result = prestate(
      { [CONTRACT]: { code }, [RICH]: { balance: 9n } },
      {},
      21_000n + 3n + 1_000n,
    ) as PrestateJson
    expect(result).not.toHaveProperty(RICH)
    const enough = prestate({ [CONTRACT]: { code }, [RICH]: { balance: 9n } }) as PrestateJson
    expect(enough[RICH]).toEqual({ balance: '0x9' })
  })

  it("follows a delegated recipient to its delegate, and reads each authorization's authority", () => {
    const reader = chain({ [RICH]: { code: 'STOP', balance: 1n } })
    reader.setAccount(CONTRACT, { code: hexToBytes(`0xef0100${RICH.slice(2)}`) })
    const delegated = trace(reader, transaction({ to: CONTRACT }), { tracer: 'prestateTracer' }).result
    expect(Object.keys(delegated).sort()).toEqual([CONTRACT, RICH, SENDER].sort())

    // An authority is read before the authorizations apply, even one for another chain.
    const key = `0x${'11'.repeat(32)}` as const
    const authority = privateKeyToAddress(key).toLowerCase() as Address
    reader.setAccount(authority, { balance: 3n })
    const unsigned = { chainId: 999n, address: RICH, nonce: 0n }
    const signature = secp256k1.Signature.fromBytes(
      secp256k1.sign(authorizationSigningHash(unsigned), hexToBytes(key), {
        prehash: false,
        format: 'recovered',
      }),
      'recovered',
    )
    const authorization = { ...unsigned, yParity: signature.recovery!, r: signature.r, s: signature.s }
    const tx = transaction({ type: 4, to: RICH, authorizationList: [authorization] })
    const result = trace(reader, tx, { tracer: 'prestateTracer' }).result as PrestateJson
    expect(result[authority]).toEqual({ balance: '0x3' })
  })
})
