/**
 * EIP-7702 set-code transactions (type 4, Prague), Velox against ethereumjs: authorizations that
 * are valid or skipped (chain id, nonce, signer with code, malleable or unrecoverable signatures,
 * nonce at its maximum), delegations installed, replaced and cleared, several for one signer, the
 * refund for authorities that already exist (PER_EMPTY_ACCOUNT_COST 25000 charged up front,
 * 25000 - PER_AUTH_BASE_COST 12500 back), calls into delegated accounts and what other code sees
 * of them (EXTCODESIZE/HASH/COPY read the designator), and the transactions that may not carry
 * authorizations at all. Then generated scenarios whose transactions are mostly set-code ones.
 */
import { hexToBytes } from '@ethereumjs/util'
import type { Address, Hex } from 'viem'
import { describe, expect, it } from 'vitest'
import { assemble, OP } from './assembler.ts'
import { buildScenario, type ScenarioSpec } from './buildScenario.ts'
import { compareScenario } from './compareScenario.ts'
import { describeScenario } from './describeScenario.ts'
import { generateScenario, SENDER_KEY } from './generateScenario.ts'
import { addressOfKey, type SignedAuthorization } from './scenario.ts'
import { signAuthorization } from './signAuthorization.ts'

const KEY_A: Hex = `0x${'a1'.repeat(32)}`
const KEY_B: Hex = `0x${'b2'.repeat(32)}`
const KEY_C: Hex = `0x${'c3'.repeat(32)}`
const KEY_D: Hex = `0x${'d4'.repeat(32)}`
const A = addressOfKey(KEY_A)
const B = addressOfKey(KEY_B)
const C = addressOfKey(KEY_C)
const D = addressOfKey(KEY_D)
const SENDER = addressOfKey(SENDER_KEY)
const ZERO: Address = '0x0000000000000000000000000000000000000000'
const IDENTITY: Address = '0x0000000000000000000000000000000000000004'
const ETHER = 10n ** 18n
/** secp256k1's group order: s above half of it is malleable (EIP-2). */
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n

/** Adds 1 to slot 0, logs, and returns ADDRESS ‖ CALLER ‖ CALLVALUE: whose context it runs in. */
const TARGET: Address = '0xc0de000000000000000000000000000000000001'
const TARGET_CODE = assemble(`
  1 0 SLOAD ADD 0 SSTORE
  ADDRESS 0 MSTORE CALLER 0x20 MSTORE CALLVALUE 0x40 MSTORE
  ADDRESS 0x60 0 LOG1
  0x60 0 RETURN`)
const OTHER: Address = '0xc0de000000000000000000000000000000000002'
const OTHER_CODE = assemble('2 0 SSTORE 0xbb 0 MSTORE 32 0 RETURN')
const REVERTING: Address = '0xc0de000000000000000000000000000000000003'
const REVERTING_CODE = assemble('3 0 SSTORE 0 0 REVERT')
const DESTRUCTING: Address = '0xc0de000000000000000000000000000000000005'
const DESTRUCTING_CODE = assemble('CALLER SELFDESTRUCT')
const CREATING: Address = '0xc0de000000000000000000000000000000000006'
/** CREATE of empty initcode, then of initcode deploying the byte 0x01; returns both addresses. */
const CREATING_CODE = assemble(`
  0 0 0 CREATE 0 MSTORE
  0x600160005360016000f3 0x40 MSTORE
  10 0x56 0 CREATE 0x20 MSTORE
  0x40 0 RETURN`)

/** Looks at A and B from outside: code size, hash, copy, balance, then calls each. */
const INSPECTOR: Address = '0xc0de000000000000000000000000000000000004'
const INSPECTOR_CODE = assemble(
  [A, B]
    .map((account, i) => {
      const at = i * 0x100
      return `${account} EXTCODESIZE ${at} MSTORE
        ${account} EXTCODEHASH ${at + 0x20} MSTORE
        23 0 ${at + 0x40} ${account} EXTCODECOPY
        ${account} BALANCE ${at + 0x60} MSTORE
        0x60 ${at + 0x80} 0 0 0 ${account} GAS CALL ${at + 0xe0} MSTORE`
    })
    .concat('GAS 0x200 MSTORE 0x220 0 RETURN')
    .join('\n'),
)

const CONTRACTS = [
  { address: TARGET, code: TARGET_CODE, nonce: 1n },
  { address: OTHER, code: OTHER_CODE, nonce: 1n },
  { address: REVERTING, code: REVERTING_CODE, nonce: 1n },
  { address: INSPECTOR, code: INSPECTOR_CODE, nonce: 1n },
  { address: DESTRUCTING, code: DESTRUCTING_CODE, nonce: 1n },
  { address: CREATING, code: CREATING_CODE, nonce: 1n },
]

function delegation(address: Address): Uint8Array {
  return Uint8Array.from([0xef, 0x01, 0x00, ...hexToBytes(address)])
}

type Case = Omit<ScenarioSpec, 'fork' | 'name'> & { name: string; fork?: ScenarioSpec['fork'] }

const existing = (address: Address, extra: { nonce?: bigint; code?: Uint8Array; balance?: bigint } = {}) => ({
  address,
  balance: ETHER,
  ...extra,
})
const setCode = (
  authorizationList: SignedAuthorization[],
  to: Address,
  extra: Record<string, unknown> = {},
) => ({
  type: 4 as const,
  to,
  authorizationList,
  ...extra,
})

const cases: Case[] = [
  {
    name: 'delegate an existing EOA, then call it with value',
    accounts: [existing(A)],
    transactions: [
      setCode([signAuthorization(KEY_A, { address: TARGET, nonce: 0n })], A, { value: 5n }),
      { to: A },
    ],
  },
  {
    name: 'delegate an account that does not exist yet (no refund)',
    transactions: [setCode([signAuthorization(KEY_A, { address: TARGET, nonce: 0n })], A)],
  },
  {
    name: 'an existing account with nothing in it still counts as existing (refund)',
    accounts: [{ address: A }],
    transactions: [setCode([signAuthorization(KEY_A, { address: TARGET, nonce: 0n })], A)],
  },
  {
    name: 'chain id 0 is valid on every chain',
    accounts: [existing(A)],
    transactions: [setCode([signAuthorization(KEY_A, { address: TARGET, nonce: 0n, chainId: 0n })], A)],
  },
  {
    name: "another chain's authorization is skipped",
    accounts: [existing(A)],
    transactions: [setCode([signAuthorization(KEY_A, { address: TARGET, nonce: 0n, chainId: 2n })], A)],
  },
  {
    name: 'a nonce ahead of the account is skipped',
    accounts: [existing(A, { nonce: 3n })],
    transactions: [setCode([signAuthorization(KEY_A, { address: TARGET, nonce: 4n })], A)],
  },
  {
    name: 'a nonce behind the account is skipped',
    accounts: [existing(A, { nonce: 3n })],
    transactions: [setCode([signAuthorization(KEY_A, { address: TARGET, nonce: 2n })], A)],
  },
  {
    name: 'a nonce of 2^64 - 1 is skipped',
    accounts: [existing(A, { nonce: 3n })],
    transactions: [setCode([signAuthorization(KEY_A, { address: TARGET, nonce: (1n << 64n) - 1n })], A)],
  },
  {
    name: 'an authority with contract code is skipped',
    accounts: [existing(A, { code: Uint8Array.of(OP.STOP) })],
    transactions: [setCode([signAuthorization(KEY_A, { address: TARGET, nonce: 0n })], TARGET)],
  },
  {
    name: 'an already delegated account is delegated anew',
    accounts: [existing(A, { code: delegation(OTHER) })],
    transactions: [
      { to: A },
      setCode([signAuthorization(KEY_A, { address: TARGET, nonce: 0n })], A),
      { to: A },
    ],
  },
  {
    name: 'a delegation to address zero clears the code',
    accounts: [existing(A, { code: delegation(OTHER), nonce: 2n })],
    transactions: [
      setCode([signAuthorization(KEY_A, { address: ZERO, nonce: 2n })], A),
      { to: A, value: 1n },
    ],
  },
  {
    name: 'two authorizations by one signer with consecutive nonces: the last wins',
    accounts: [existing(A)],
    transactions: [
      setCode(
        [
          signAuthorization(KEY_A, { address: TARGET, nonce: 0n }),
          signAuthorization(KEY_A, { address: OTHER, nonce: 1n }),
        ],
        A,
      ),
    ],
  },
  {
    name: 'two authorizations by one signer with the same nonce: the second is skipped',
    accounts: [existing(A)],
    transactions: [
      setCode(
        [
          signAuthorization(KEY_A, { address: TARGET, nonce: 0n }),
          signAuthorization(KEY_A, { address: OTHER, nonce: 0n }),
        ],
        A,
      ),
    ],
  },
  {
    name: 'the sender delegates itself with its nonce + 1',
    transactions: [
      setCode([signAuthorization(SENDER_KEY, { address: TARGET, nonce: 1n })], SENDER),
      { to: SENDER },
    ],
  },
  {
    name: 'the sender authorizing with its current nonce is skipped',
    transactions: [setCode([signAuthorization(SENDER_KEY, { address: TARGET, nonce: 0n })], SENDER)],
  },
  {
    name: 'a malleable signature (s above n/2) is skipped',
    accounts: [existing(A)],
    transactions: [
      setCode(
        [
          (() => {
            const valid = signAuthorization(KEY_A, { address: TARGET, nonce: 0n })
            return { ...valid, s: SECP256K1_N - valid.s, yParity: 1 - valid.yParity }
          })(),
        ],
        A,
      ),
    ],
  },
  {
    name: 'a yParity of 2 is skipped',
    accounts: [existing(A)],
    transactions: [setCode([{ ...signAuthorization(KEY_A, { address: TARGET, nonce: 0n }), yParity: 2 }], A)],
  },
  {
    name: 'an unrecoverable signature (r = 0) is skipped',
    accounts: [existing(A)],
    transactions: [setCode([{ ...signAuthorization(KEY_A, { address: TARGET, nonce: 0n }), r: 0n }], A)],
  },
  {
    name: 'a skipped authorization between two valid ones',
    accounts: [existing(A), existing(B)],
    transactions: [
      setCode(
        [
          signAuthorization(KEY_A, { address: TARGET, nonce: 0n }),
          signAuthorization(KEY_C, { address: TARGET, nonce: 5n }),
          signAuthorization(KEY_B, { address: OTHER, nonce: 0n }),
        ],
        INSPECTOR,
      ),
    ],
  },
  {
    name: 'the delegation stays when the call reverts',
    accounts: [existing(A)],
    transactions: [setCode([signAuthorization(KEY_A, { address: REVERTING, nonce: 0n })], A), { to: A }],
  },
  {
    name: 'the delegation stays when the call runs out of gas',
    accounts: [existing(A)],
    transactions: [
      setCode([signAuthorization(KEY_A, { address: TARGET, nonce: 0n })], A, { gasLimit: 48_000n }),
      { to: A },
    ],
  },
  {
    name: 'other code sees the designator, and calls through it',
    accounts: [existing(A), existing(B, { code: delegation(OTHER) })],
    transactions: [
      setCode([signAuthorization(KEY_A, { address: TARGET, nonce: 0n })], INSPECTOR),
      { to: INSPECTOR },
    ],
  },
  {
    name: 'a designator pointing at a designator is not followed',
    accounts: [existing(A), existing(B, { code: delegation(TARGET) })],
    transactions: [setCode([signAuthorization(KEY_A, { address: B, nonce: 0n })], A), { to: INSPECTOR }],
  },
  {
    name: 'a delegation to a precompile runs no code: the precompile is not called',
    accounts: [existing(A)],
    transactions: [
      setCode([signAuthorization(KEY_A, { address: IDENTITY, nonce: 0n })], A, {
        data: Uint8Array.of(1, 2, 3),
      }),
      { to: INSPECTOR },
    ],
  },
  {
    name: 'refunds for existing authorities are capped at a fifth of the gas used',
    accounts: [existing(A), existing(B), existing(C), existing(D)],
    transactions: [
      setCode(
        [KEY_A, KEY_B, KEY_C, KEY_D].map((key) => signAuthorization(key, { address: TARGET, nonce: 0n })),
        '0xe0a0000000000000000000000000000000000001',
      ),
    ],
  },
  {
    name: 'a delegated account sends transactions (EIP-3607 allows it)',
    accounts: [existing(A)],
    transactions: [
      setCode([signAuthorization(KEY_A, { address: TARGET, nonce: 0n })], TARGET),
      { senderKey: KEY_A, to: A, nonce: 1n },
      { senderKey: KEY_A, to: OTHER, nonce: 2n },
    ],
  },
  {
    name: 'SELFDESTRUCT in delegated code moves the balance and keeps the account',
    accounts: [existing(A)],
    transactions: [setCode([signAuthorization(KEY_A, { address: DESTRUCTING, nonce: 0n })], A), { to: A }],
  },
  {
    name: 'CREATE in delegated code uses the authority nonce the authorization raised',
    accounts: [existing(A, { nonce: 4n })],
    transactions: [setCode([signAuthorization(KEY_A, { address: CREATING, nonce: 4n })], A), { to: A }],
  },
  {
    name: 'the authority is warm once authorized; an access list makes no difference',
    accounts: [existing(A), existing(B)],
    transactions: [
      setCode([signAuthorization(KEY_A, { address: TARGET, nonce: 0n })], INSPECTOR, {
        accessList: [{ address: B, storageKeys: [] }],
      }),
    ],
  },
  {
    name: 'a set-code transaction may not create',
    accounts: [existing(A)],
    transactions: [
      setCode([signAuthorization(KEY_A, { address: TARGET, nonce: 0n })], A, {
        to: null,
        data: Uint8Array.of(0),
      }),
    ],
  },
  {
    name: 'a set-code transaction needs at least one authorization',
    transactions: [setCode([], TARGET)],
  },
  {
    name: 'no set-code transactions before Prague',
    fork: 'cancun',
    accounts: [existing(A)],
    transactions: [setCode([signAuthorization(KEY_A, { address: TARGET, nonce: 0n })], A)],
  },
]

describe('EIP-7702 set-code transactions', () => {
  it.each(cases)('$name', async ({ name, fork, accounts, ...spec }) => {
    const scenario = buildScenario({
      ...spec,
      name,
      fork: fork ?? 'prague',
      accounts: [...CONTRACTS, ...(accounts ?? [])],
    })
    const differences = await compareScenario(scenario)
    expect(differences, describeScenario(scenario)).toEqual([])
  })
})

/** Generated set-code scenarios (one to three transactions each). */
const GENERATED_SCENARIOS = Number(process.env.DIFFERENTIAL_SET_CODE_SCENARIOS ?? 150)
const FIRST_SEED = Number(process.env.DIFFERENTIAL_FIRST_SEED ?? 1)

describe('generated set-code transactions', () => {
  it(`prague: seeds ${FIRST_SEED}..${FIRST_SEED + GENERATED_SCENARIOS - 1}`, async () => {
    const failures: string[] = []
    let authorizations = 0
    for (let seed = FIRST_SEED; seed < FIRST_SEED + GENERATED_SCENARIOS; seed++) {
      const scenario = generateScenario(seed, 'prague', { setCode: true })
      for (const tx of scenario.transactions) authorizations += tx.authorizationList.length
      const differences = await compareScenario(scenario)
      if (differences.length > 0)
        failures.push(`${scenario.name}:\n  ${differences.join('\n  ')}\n${describeScenario(scenario)}`)
    }
    expect(authorizations).toBeGreaterThan(GENERATED_SCENARIOS)
    expect(failures, `${failures.length} of ${GENERATED_SCENARIOS} scenarios differ`).toEqual([])
  }, 300_000)
})
