/**
 * Velox's EVM against ethereumjs on generated programs and transactions, under Cancun and Prague:
 * every scenario's transactions must agree on validity, status, gas used, return data and logs, and
 * the post-state on every account either engine touched, and on the state root. Then the
 * transaction-level rules, written out: creations, access lists, value transfers to precompiles and
 * empty accounts, and legacy and EIP-1559 fee payments with a base fee and a coinbase reward.
 *
 * DIFFERENTIAL_SCENARIOS and DIFFERENTIAL_FIRST_SEED widen the generated run (a fuzzing session):
 *   DIFFERENTIAL_SCENARIOS=5000 DIFFERENTIAL_FIRST_SEED=100000 npx vitest run test/differential/evm.test.ts
 */
import type { Address } from 'viem'
import { describe, expect, it } from 'vitest'
import type { Fork } from '../../src/evm/evm.ts'
import { Assembler, assemble, OP } from './assembler.ts'
import { buildScenario, type ScenarioSpec } from './buildScenario.ts'
import { compareScenario } from './compareScenario.ts'
import { describeScenario } from './describeScenario.ts'
import { generateScenario } from './generateScenario.ts'

/** Scenarios per fork (each has one to three transactions): about 600 transactions, 10 s a fork. */
const SCENARIOS = Number(process.env.DIFFERENTIAL_SCENARIOS ?? 300)
const FIRST_SEED = Number(process.env.DIFFERENTIAL_FIRST_SEED ?? 1)
/** Failures shown in full; the rest are listed by seed. */
const SHOWN_FAILURES = 3
const FORKS: readonly Fork[] = ['cancun', 'prague']

describe('generated programs', () => {
  for (const fork of FORKS)
    it(`${fork}: seeds ${FIRST_SEED}..${FIRST_SEED + SCENARIOS - 1}`, async () => {
      const failures: string[] = []
      let transactions = 0
      for (let seed = FIRST_SEED; seed < FIRST_SEED + SCENARIOS; seed++) {
        const scenario = generateScenario(seed, fork)
        transactions += scenario.transactions.length
        const differences = await compareScenario(scenario)
        if (differences.length === 0) continue
        failures.push(
          failures.length < SHOWN_FAILURES
            ? `${scenario.name}:\n  ${differences.join('\n  ')}\n${describeScenario(scenario)}`
            : `${scenario.name}: ${differences[0]}`,
        )
      }
      expect(transactions).toBeGreaterThan(SCENARIOS)
      expect(failures, `${failures.length} of ${SCENARIOS} scenarios differ`).toEqual([])
    }, 300_000)
})

const CONTRACT: Address = '0xc0de000000000000000000000000000000000001'
const READER: Address = '0xc0de000000000000000000000000000000000002'
const EOA: Address = '0xe0a0000000000000000000000000000000000001'
const EMPTY: Address = '0xe0a0000000000000000000000000000000000002'
const ABSENT: Address = '0xdead000000000000000000000000000000000000'
const COINBASE: Address = '0xc014ba5e00000000000000000000000000000000'
const SENDER: Address = '0xa94f5374fce5edbc8e2a8697c15331677e6ebf0b'
/** The first CREATE address of SENDER (nonce 0). */
const SENDER_FIRST_CREATION: Address = '0x6295ee1b4f6dd65047762f924ecd367c17eabf8f'
const MAX_INITCODE_SIZE = 49_152
const MAX_CODE_SIZE = 24_576

/** Initcode that deploys `runtime` (CODECOPY from its own tail, RETURN). */
function deploying(runtime: Uint8Array): Uint8Array {
  const tail = new Assembler()
  const prefixLength = 13
  tail.push(runtime.length, 2).push(prefixLength, 2).op(OP.PUSH0, OP.CODECOPY)
  tail.push(runtime.length, 2).op(OP.PUSH0, OP.RETURN).raw(runtime)
  return tail.bytes()
}
const RETURNS_42 = assemble('42 0 MSTORE 32 0 RETURN')
/** Reads slots 1 and 2, the balance of EOA and the code size of CONTRACT: what an access list warms. */
const READER_CODE = assemble(
  `1 SLOAD 2 SLOAD ADD ${EOA} BALANCE ADD ${CONTRACT} EXTCODESIZE ADD 0 MSTORE 32 0 RETURN`,
)
/** Calls itself with all its gas, logging its depth (calldata word 0) on the way back up. */
const RECURSIVE: Address = '0xc0de000000000000000000000000000000000003'
const RECURSIVE_CODE = assemble(`
  0 CALLDATALOAD 1 ADD 0 MSTORE
  0 0 32 0 0 ADDRESS GAS CALL
  0 CALLDATALOAD 0x20 MSTORE 0x20 0x20 LOG1`)
/** Reports GAS, and what a child call with all of it sees; clears slot 0 for a refund. */
const GAS_REPORTER: Address = '0xc0de000000000000000000000000000000000004'
const GAS_REPORTER_CODE = assemble(`
  0 0 SSTORE GAS 0 MSTORE
  32 0x20 0 0 0 ${CONTRACT} GAS CALL POP
  GAS 0x40 MSTORE 0x60 0 RETURN`)
/** CREATE of empty initcode with value 1; returns the address (zero when it failed) and GAS. */
const CREATOR: Address = '0xc0de000000000000000000000000000000000005'
const CREATOR_CODE = assemble('0 0 1 CREATE 0 MSTORE GAS 0x20 MSTORE 0x40 0 RETURN')
const slot = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as const
const precompile = (index: number) => `0x${index.toString(16).padStart(40, '0')}` as Address

type Case = Omit<ScenarioSpec, 'fork'>
const accounts: ScenarioSpec['accounts'] = [
  { address: CONTRACT, code: RETURNS_42, nonce: 1n },
  {
    address: READER,
    code: READER_CODE,
    nonce: 1n,
    storage: new Map([
      [1n, 5n],
      [2n, 6n],
    ]),
  },
  { address: EOA, balance: 10n ** 18n, nonce: 1n },
  { address: EMPTY },
]
const cases: Case[] = [
  {
    name: 'creation: initcode deploys a runtime, which is then called',
    transactions: [{ to: null, data: deploying(RETURNS_42), value: 3n }, { to: SENDER_FIRST_CREATION }],
  },
  {
    name: 'creation: initcode reverts with data',
    transactions: [
      {
        to: null,
        data: assemble('0xdead 0 MSTORE 32 0 REVERT'),
      },
    ],
  },
  {
    name: 'creation: code starting with 0xef is rejected (EIP-3541)',
    transactions: [{ to: null, data: deploying(Uint8Array.of(0xef, 0)) }],
  },
  {
    name: 'creation: code one byte over the limit is rejected (EIP-170)',
    transactions: [
      {
        to: null,
        data: assemble(`${MAX_CODE_SIZE + 1} 0 RETURN`),
      },
    ],
  },
  {
    name: 'creation: the code deposit runs out of gas',
    transactions: [{ to: null, data: assemble('1000 0 RETURN'), gasLimit: 150_000n }],
  },
  {
    name: 'creation: initcode of exactly the limit (EIP-3860)',
    transactions: [{ to: null, data: new Uint8Array(MAX_INITCODE_SIZE), gasLimit: 400_000n }],
  },
  {
    name: 'creation: initcode one byte over the limit is invalid',
    transactions: [{ to: null, data: new Uint8Array(MAX_INITCODE_SIZE + 1), gasLimit: 400_000n }],
  },
  {
    name: 'creation: onto an address with a nonce collides (EIP-684)',
    accounts: [{ address: SENDER_FIRST_CREATION, nonce: 1n }],
    transactions: [{ to: null, data: deploying(RETURNS_42) }],
  },
  {
    name: 'creation: onto an address with storage collides (EIP-7610)',
    accounts: [{ address: SENDER_FIRST_CREATION, storage: new Map([[0n, 1n]]) }],
    transactions: [{ to: null, data: deploying(RETURNS_42) }],
  },
  {
    name: 'creation: onto an address that only holds a balance succeeds',
    accounts: [{ address: SENDER_FIRST_CREATION, balance: 77n }],
    transactions: [{ to: null, data: deploying(RETURNS_42), value: 1n }],
  },
  {
    name: 'access list (type 1): warm slots and accounts cost less',
    transactions: [
      { to: READER, type: 1, maxFeePerGas: 10n },
      {
        to: READER,
        type: 1,
        maxFeePerGas: 10n,
        accessList: [
          { address: READER, storageKeys: [slot(1), slot(2)] },
          { address: EOA, storageKeys: [] },
        ],
      },
    ],
  },
  {
    name: 'access list (type 2): duplicates, the sender, the coinbase and a precompile',
    transactions: [
      {
        to: READER,
        accessList: [
          { address: READER, storageKeys: [slot(1), slot(1)] },
          { address: READER, storageKeys: [slot(2)] },
          { address: SENDER, storageKeys: [] },
          { address: COINBASE, storageKeys: [slot(9)] },
          { address: precompile(1), storageKeys: [] },
        ],
      },
    ],
  },
  {
    name: 'value transfers to every precompile, with empty input',
    transactions: Array.from({ length: 0x11 }, (_, i) => ({
      to: precompile(i + 1),
      value: 1n,
      gasLimit: 200_000n,
    })),
  },
  {
    name: 'value transfers to an absent account and to an existing empty one',
    transactions: [
      { to: ABSENT, value: 1n },
      { to: EMPTY, value: 1n },
    ],
  },
  { name: 'a zero-value call deletes an existing empty account (EIP-161)', transactions: [{ to: EMPTY }] },
  {
    name: 'legacy fees: the coinbase gets the gas price less the base fee',
    block: { baseFeePerGas: 7n },
    transactions: [
      { type: 0, to: CONTRACT, maxFeePerGas: 100n },
      { type: 0, to: EOA, maxFeePerGas: 7n },
    ],
  },
  {
    name: 'EIP-1559 fees: the tip is capped by the fee cap less the base fee',
    block: { baseFeePerGas: 1_000_000_000n },
    transactions: [
      { to: CONTRACT, maxFeePerGas: 1_000_000_005n, maxPriorityFeePerGas: 1_000n },
      { to: CONTRACT, maxFeePerGas: 3_000_000_000n, maxPriorityFeePerGas: 1_000n },
    ],
  },
  {
    name: 'a zero tip to an absent coinbase leaves it absent',
    block: { baseFeePerGas: 10n, coinbase: ABSENT },
    transactions: [{ to: CONTRACT, maxFeePerGas: 10n, maxPriorityFeePerGas: 0n }],
  },
  {
    name: 'the sender is the coinbase',
    block: { coinbase: SENDER },
    transactions: [{ to: CONTRACT, value: 10n }],
  },
  {
    name: 'a zero base fee and zero gas price',
    block: { baseFeePerGas: 0n },
    transactions: [{ type: 0, to: CONTRACT, maxFeePerGas: 0n }],
  },
  {
    name: 'invalid: fee cap below the base fee',
    block: { baseFeePerGas: 100n },
    transactions: [{ to: CONTRACT, maxFeePerGas: 99n, maxPriorityFeePerGas: 0n }],
  },
  {
    name: 'invalid: tip above the fee cap',
    transactions: [{ to: CONTRACT, maxFeePerGas: 100n, maxPriorityFeePerGas: 101n }],
  },
  {
    name: 'balance of exactly gas limit × fee cap + value is enough, a wei less is not',
    accounts: [{ address: SENDER, balance: 21_000n * 1000n + 5n }],
    transactions: [
      { to: EOA, gasLimit: 21_000n, value: 5n, nonce: 0n },
      { to: EOA, gasLimit: 21_000n, value: 5n, nonce: 1n },
    ],
  },
  {
    name: 'invalid: nonces too high and too low',
    accounts: [{ address: SENDER, balance: 10n ** 20n, nonce: 5n }],
    transactions: [
      { to: EOA, nonce: 6n },
      { to: EOA, nonce: 4n },
      { to: EOA, nonce: 5n },
    ],
  },
  {
    name: 'invalid: gas limit above the block gas limit',
    transactions: [{ to: EOA, gasLimit: 30_000_001n }],
  },
  { name: 'invalid: gas limit below the intrinsic gas', transactions: [{ to: EOA, gasLimit: 20_999n }] },
  {
    name: 'call depth: a contract calls itself until the 1024 limit stops it',
    block: { gasLimit: 10n ** 13n, baseFeePerGas: 0n },
    accounts: [{ address: RECURSIVE, code: RECURSIVE_CODE, nonce: 1n }],
    transactions: [{ type: 0, to: RECURSIVE, gasLimit: 10n ** 12n, maxFeePerGas: 0n }],
  },
  {
    name: 'gas beyond 2^53: GAS, calls and the refund stay exact',
    block: { gasLimit: 1n << 62n, baseFeePerGas: 0n },
    accounts: [{ address: GAS_REPORTER, code: GAS_REPORTER_CODE, nonce: 1n, storage: new Map([[0n, 1n]]) }],
    transactions: [{ type: 0, to: GAS_REPORTER, gasLimit: 1n << 60n, maxFeePerGas: 0n }],
  },
  {
    name: 'CREATE fails without a nonce to spare (EIP-2681)',
    accounts: [{ address: CREATOR, code: CREATOR_CODE, nonce: (1n << 64n) - 1n, balance: 10n }],
    transactions: [{ to: CREATOR }],
  },
  {
    name: 'CREATE with the last nonce there is',
    accounts: [{ address: CREATOR, code: CREATOR_CODE, nonce: (1n << 64n) - 2n, balance: 10n }],
    transactions: [{ to: CREATOR }],
  },
  {
    name: 'invalid: a sender whose nonce is at the maximum',
    accounts: [{ address: SENDER, balance: 10n ** 20n, nonce: (1n << 64n) - 1n }],
    transactions: [{ to: EOA }],
  },
]

describe('transaction-level rules', () => {
  for (const fork of FORKS)
    it.each(cases)(`${fork}: $name`, async (spec) => {
      const scenario = buildScenario({ ...spec, fork, accounts: [...accounts, ...(spec.accounts ?? [])] })
      const differences = await compareScenario(scenario)
      expect(differences, describeScenario(scenario)).toEqual([])
    })
})
