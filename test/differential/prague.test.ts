/**
 * Prague's transaction and precompile rules the Cancun fixtures cannot test, Velox against
 * ethereumjs: EIP-7623's calldata floor, and EIP-2537's BLS12-381 precompiles 0x0b..0x11 with valid
 * inputs (points made with @noble/curves) and invalid ones, each called directly by a transaction
 * and through a contract that gives it exactly its price, and one gas less.
 */
import { concatBytes } from '@noble/hashes/utils.js'
import type { Address } from 'viem'
import { describe, expect, it } from 'vitest'
import type { Fork } from '../../src/evm/evm.ts'
import { assemble } from './assembler.ts'
import {
  BLS_FIELD_MODULUS,
  BLS_GROUP_ORDER,
  encodeFp,
  encodeG1,
  encodeG2,
  encodeScalar,
  G1,
  G2,
  offCurveG1,
  offCurveG2,
  offSubgroupG1,
  offSubgroupG2,
} from './blsEncoding.ts'
import { buildScenario } from './buildScenario.ts'
import { compareScenario } from './compareScenario.ts'
import { describeScenario } from './describeScenario.ts'
import type { Scenario } from './scenario.ts'

const EOA: Address = '0xe0a0000000000000000000000000000000000001'
const WORKER: Address = '0xc0de000000000000000000000000000000000001'
const REFUNDER: Address = '0xc0de000000000000000000000000000000000002'
const REVERTER: Address = '0xc0de000000000000000000000000000000000003'

async function expectAgreement(scenario: Scenario): Promise<void> {
  const differences = await compareScenario(scenario)
  expect(differences, describeScenario(scenario)).toEqual([])
}

describe('EIP-7623 calldata floor', () => {
  /** Yellow Paper G_transaction plus EIP-7623's 10 gas per token (zero byte 1 token, other 4). */
  const floorOf = (data: Uint8Array) =>
    21_000n + 10n * BigInt(data.reduce((sum, byte) => sum + (byte ? 4 : 1), 0))
  const bytes = (length: number, fill: (i: number) => number) =>
    Uint8Array.from({ length }, (_, i) => fill(i))
  const nonZero = bytes(1000, (i) => 1 + (i % 255))
  const zeros = new Uint8Array(2000)
  const mixed = bytes(1500, (i) => (i % 3 === 0 ? 0 : 0xab))
  const contracts = [
    // Writes three slots: execution costs more than the floor of small calldata.
    {
      address: WORKER,
      code: assemble('CALLDATASIZE 1 SSTORE GAS 2 SSTORE 7 3 SSTORE'),
    },
    // Clears a slot: the refund (EIP-3529) pulls the charge below the floor.
    {
      address: REFUNDER,
      code: assemble('0 0 SSTORE'),
      storage: new Map([[0n, 1n]]),
    },
    { address: REVERTER, code: assemble('0 0 REVERT') },
    { address: EOA, balance: 1n },
  ]
  const deployOne = assemble('1 0 RETURN')
  const cases: { name: string; transactions: Parameters<typeof buildScenario>[0]['transactions'] }[] = [
    { name: '1000 non-zero bytes to an EOA', transactions: [{ to: EOA, data: nonZero, gasLimit: 100_000n }] },
    { name: '2000 zero bytes to an EOA', transactions: [{ to: EOA, data: zeros, gasLimit: 100_000n }] },
    {
      name: 'mixed calldata with a value transfer',
      transactions: [{ to: EOA, data: mixed, value: 5n, gasLimit: 100_000n }],
    },
    {
      name: 'gas limit exactly the floor',
      transactions: [{ to: EOA, data: nonZero, gasLimit: floorOf(nonZero) }],
    },
    {
      name: 'gas limit one below the floor (invalid under Prague only)',
      transactions: [{ to: EOA, data: nonZero, gasLimit: floorOf(nonZero) - 1n }],
    },
    {
      name: 'execution above the floor: the standard charge stands',
      transactions: [{ to: WORKER, data: bytes(64, (i) => i) }],
    },
    { name: 'floor and execution both large', transactions: [{ to: WORKER, data: nonZero }] },
    {
      name: 'a refund that takes the charge below the floor',
      transactions: [{ to: REFUNDER, data: bytes(200, () => 0xff) }],
    },
    { name: 'a reverting call still pays the floor', transactions: [{ to: REVERTER, data: nonZero }] },
    {
      name: 'a creation whose initcode carries the floor',
      transactions: [
        {
          to: null,
          data: concatBytes(
            deployOne,
            bytes(600, () => 0x5b),
          ),
          gasLimit: 200_000n,
        },
      ],
    },
    {
      name: 'access list entries do not count toward the floor',
      transactions: [
        {
          type: 1,
          to: EOA,
          data: bytes(300, () => 0x11),
          accessList: [
            { address: WORKER, storageKeys: [`0x${'00'.repeat(31)}01`, `0x${'00'.repeat(31)}02`] },
          ],
        },
      ],
    },
    {
      name: 'legacy transaction with large calldata',
      transactions: [{ type: 0, to: EOA, data: mixed, maxFeePerGas: 10n }],
    },
    {
      name: 'three floor-bound transactions in one block',
      transactions: [
        { to: EOA, data: zeros },
        { to: REFUNDER, data: nonZero },
        { to: WORKER, data: mixed, type: 0, maxFeePerGas: 9n },
      ],
    },
  ]
  for (const fork of ['prague', 'cancun'] as const)
    it.each(cases)(`${fork}: $name`, async ({ name, transactions }) => {
      await expectAgreement(buildScenario({ name, fork, accounts: contracts, transactions }))
    })
})

describe('EIP-2537 BLS12-381 precompiles', () => {
  const G1ADD = 0x0b
  const G1MSM = 0x0c
  const G2ADD = 0x0d
  const G2MSM = 0x0e
  const PAIRING = 0x0f
  const MAP_FP_TO_G1 = 0x10
  const MAP_FP2_TO_G2 = 0x11
  /** EIP-2537's gas schedule, and its MSM discounts for k = 1..3. */
  const FIXED_PRICES: Record<number, number> = {
    [G1ADD]: 375,
    [G2ADD]: 600,
    [MAP_FP_TO_G1]: 5500,
    [MAP_FP2_TO_G2]: 23_800,
  }
  const MSM = {
    [G1MSM]: { pairLength: 160, multiplication: 12_000, discounts: [1000, 949, 848] },
    [G2MSM]: { pairLength: 288, multiplication: 22_500, discounts: [1000, 1000, 923] },
  } as const
  const PAIRING_BASE = 37_700
  const PAIRING_PER_PAIR = 32_600
  const PAIRING_PAIR_LENGTH = 384
  const OUTPUT_LENGTH: Record<number, number> = {
    [G1ADD]: 128,
    [G1MSM]: 128,
    [G2ADD]: 256,
    [G2MSM]: 256,
    [PAIRING]: 32,
    [MAP_FP_TO_G1]: 128,
    [MAP_FP2_TO_G2]: 256,
  }

  /** The price of a well-formed input, when the EIP's formula gives one we can state here. */
  function priceOf(index: number, input: Uint8Array): number | undefined {
    const fixed = FIXED_PRICES[index]
    if (fixed !== undefined) return fixed
    if (index === PAIRING) {
      const k = input.length / PAIRING_PAIR_LENGTH
      return Number.isInteger(k) ? PAIRING_BASE + PAIRING_PER_PAIR * k : undefined
    }
    if (index === G1MSM || index === G2MSM) {
      const { pairLength, multiplication, discounts } = MSM[index]
      const k = input.length / pairLength
      const discount = discounts[k - 1]
      if (!Number.isInteger(k) || discount === undefined) return undefined
      return Math.floor((k * multiplication * discount) / 1000)
    }
    return undefined
  }

  /**
   * Copies its calldata to memory, STATICCALLs the precompile with `gas` (all it has when
   * undefined), and returns success ‖ the precompile's output.
   */
  function wrapper(index: number, gas: number | undefined): Uint8Array {
    const outputLength = OUTPUT_LENGTH[index]!
    return assemble(`
      CALLDATASIZE 0 0x120 CALLDATACOPY
      ${outputLength} 0x20 CALLDATASIZE 0x120 ${index} ${gas ?? 'GAS'} STATICCALL 0 MSTORE
      ${0x20 + outputLength} 0 RETURN`)
  }

  const p = (k: bigint) => G1.BASE.multiply(k)
  const q = (k: bigint) => G2.BASE.multiply(k)
  const withByte = (input: Uint8Array, at: number, value: number) => {
    const copy = input.slice()
    copy[at] = value
    return copy
  }
  const g1msm = (...pairs: [Uint8Array, bigint][]) =>
    concatBytes(...pairs.map(([point, s]) => concatBytes(point, encodeScalar(s))))
  const pairing = (...pairs: [Uint8Array, Uint8Array][]) => concatBytes(...pairs.flat())
  const MAX_SCALAR = (1n << 256n) - 1n

  const cases: { name: string; index: number; input: Uint8Array }[] = [
    { name: 'G1ADD P + Q', index: G1ADD, input: concatBytes(encodeG1(p(3n)), encodeG1(p(7n))) },
    { name: 'G1ADD P + P', index: G1ADD, input: concatBytes(encodeG1(p(5n)), encodeG1(p(5n))) },
    {
      name: 'G1ADD P + (-P) is infinity',
      index: G1ADD,
      input: concatBytes(encodeG1(p(5n)), encodeG1(p(5n).negate())),
    },
    { name: 'G1ADD infinity + P', index: G1ADD, input: concatBytes(encodeG1(G1.ZERO), encodeG1(p(2n))) },
    {
      name: 'G1ADD accepts a point outside the subgroup',
      index: G1ADD,
      input: concatBytes(offSubgroupG1(5n), encodeG1(p(1n))),
    },
    {
      name: 'G1ADD rejects a point off the curve',
      index: G1ADD,
      input: concatBytes(offCurveG1(p(2n)), encodeG1(p(1n))),
    },
    {
      name: 'G1ADD rejects a coordinate equal to p',
      index: G1ADD,
      input: concatBytes(encodeFp(BLS_FIELD_MODULUS), encodeFp(1n), encodeG1(p(1n))),
    },
    {
      name: 'G1ADD rejects non-zero padding',
      index: G1ADD,
      input: withByte(concatBytes(encodeG1(p(3n)), encodeG1(p(1n))), 0, 1),
    },
    {
      name: 'G1ADD rejects 255 bytes',
      index: G1ADD,
      input: concatBytes(encodeG1(p(3n)), encodeG1(p(1n))).subarray(0, 255),
    },
    {
      name: 'G1ADD rejects 257 bytes',
      index: G1ADD,
      input: concatBytes(encodeG1(p(3n)), encodeG1(p(1n)), Uint8Array.of(0)),
    },
    { name: 'G2ADD P + Q', index: G2ADD, input: concatBytes(encodeG2(q(3n)), encodeG2(q(11n))) },
    {
      name: 'G2ADD P + (-P) is infinity',
      index: G2ADD,
      input: concatBytes(encodeG2(q(4n)), encodeG2(q(4n).negate())),
    },
    {
      name: 'G2ADD accepts a point outside the subgroup',
      index: G2ADD,
      input: concatBytes(offSubgroupG2(2n), encodeG2(q(1n))),
    },
    {
      name: 'G2ADD rejects a point off the curve',
      index: G2ADD,
      input: concatBytes(offCurveG2(q(2n)), encodeG2(q(1n))),
    },
    {
      name: 'G2ADD rejects c1 equal to p',
      index: G2ADD,
      input: concatBytes(
        encodeFp(1n),
        encodeFp(BLS_FIELD_MODULUS),
        encodeFp(1n),
        encodeFp(1n),
        encodeG2(q(1n)),
      ),
    },
    {
      name: 'G2ADD rejects 511 bytes',
      index: G2ADD,
      input: concatBytes(encodeG2(q(1n)), encodeG2(q(1n))).subarray(1),
    },
    { name: 'G1MSM k = 1', index: G1MSM, input: g1msm([encodeG1(p(2n)), 5n]) },
    { name: 'G1MSM scalar zero', index: G1MSM, input: g1msm([encodeG1(p(2n)), 0n]) },
    {
      name: 'G1MSM scalar equal to the group order',
      index: G1MSM,
      input: g1msm([encodeG1(p(2n)), BLS_GROUP_ORDER]),
    },
    { name: 'G1MSM scalar 2^256 - 1', index: G1MSM, input: g1msm([encodeG1(p(2n)), MAX_SCALAR]) },
    { name: 'G1MSM k = 2', index: G1MSM, input: g1msm([encodeG1(p(2n)), 5n], [encodeG1(p(9n)), 123n]) },
    {
      name: 'G1MSM k = 3 with infinity',
      index: G1MSM,
      input: g1msm([encodeG1(p(2n)), 5n], [encodeG1(G1.ZERO), 7n], [encodeG1(p(4n)), MAX_SCALAR]),
    },
    {
      name: 'G1MSM k = 130 (past the discount table)',
      index: G1MSM,
      input: g1msm(
        ...Array.from({ length: 130 }, (_, i): [Uint8Array, bigint] => [
          encodeG1(p(BigInt(i + 1))),
          BigInt(i * 977 + 1),
        ]),
      ),
    },
    {
      name: 'G1MSM rejects a point outside the subgroup',
      index: G1MSM,
      input: g1msm([offSubgroupG1(5n), 3n]),
    },
    { name: 'G1MSM rejects a point off the curve', index: G1MSM, input: g1msm([offCurveG1(p(3n)), 3n]) },
    { name: 'G1MSM rejects empty input', index: G1MSM, input: new Uint8Array(0) },
    {
      name: 'G1MSM rejects 161 bytes',
      index: G1MSM,
      input: concatBytes(g1msm([encodeG1(p(2n)), 5n]), Uint8Array.of(0)),
    },
    { name: 'G2MSM k = 1', index: G2MSM, input: concatBytes(encodeG2(q(3n)), encodeScalar(17n)) },
    {
      name: 'G2MSM k = 2',
      index: G2MSM,
      input: concatBytes(encodeG2(q(3n)), encodeScalar(17n), encodeG2(q(8n)), encodeScalar(MAX_SCALAR)),
    },
    {
      name: 'G2MSM k = 3',
      index: G2MSM,
      input: concatBytes(
        encodeG2(q(3n)),
        encodeScalar(0n),
        encodeG2(G2.ZERO),
        encodeScalar(5n),
        encodeG2(q(2n)),
        encodeScalar(BLS_GROUP_ORDER + 1n),
      ),
    },
    {
      name: 'G2MSM k = 20',
      index: G2MSM,
      input: concatBytes(
        ...Array.from({ length: 20 }, (_, i) =>
          concatBytes(encodeG2(q(BigInt(i + 2))), encodeScalar(BigInt(i) << 200n)),
        ),
      ),
    },
    {
      name: 'G2MSM rejects a point outside the subgroup',
      index: G2MSM,
      input: concatBytes(offSubgroupG2(2n), encodeScalar(3n)),
    },
    { name: 'G2MSM rejects empty input', index: G2MSM, input: new Uint8Array(0) },
    {
      name: 'PAIRING e(P, Q) · e(-P, Q) = 1',
      index: PAIRING,
      input: pairing([encodeG1(p(1n)), encodeG2(q(1n))], [encodeG1(p(1n).negate()), encodeG2(q(1n))]),
    },
    {
      name: 'PAIRING e(aP, bQ) · e(-abP, Q) = 1',
      index: PAIRING,
      input: pairing([encodeG1(p(6n)), encodeG2(q(7n))], [encodeG1(p(42n).negate()), encodeG2(q(1n))]),
    },
    { name: 'PAIRING e(P, Q) is not 1', index: PAIRING, input: pairing([encodeG1(p(1n)), encodeG2(q(1n))]) },
    {
      name: 'PAIRING of infinities is 1',
      index: PAIRING,
      input: pairing([encodeG1(G1.ZERO), encodeG2(q(3n))], [encodeG1(p(3n)), encodeG2(G2.ZERO)]),
    },
    { name: 'PAIRING rejects empty input', index: PAIRING, input: new Uint8Array(0) },
    {
      name: 'PAIRING rejects G1 outside the subgroup',
      index: PAIRING,
      input: pairing([offSubgroupG1(5n), encodeG2(q(1n))]),
    },
    {
      name: 'PAIRING rejects G2 outside the subgroup',
      index: PAIRING,
      input: pairing([encodeG1(p(1n)), offSubgroupG2(2n)]),
    },
    {
      name: 'PAIRING rejects a point off the curve',
      index: PAIRING,
      input: pairing([encodeG1(p(1n)), offCurveG2(q(1n))]),
    },
    {
      name: 'PAIRING rejects 383 bytes',
      index: PAIRING,
      input: pairing([encodeG1(p(1n)), encodeG2(q(1n))]).subarray(1),
    },
    { name: 'MAP_FP_TO_G1 of an element', index: MAP_FP_TO_G1, input: encodeFp(0x1234567890abcdefn << 200n) },
    { name: 'MAP_FP_TO_G1 of zero', index: MAP_FP_TO_G1, input: encodeFp(0n) },
    { name: 'MAP_FP_TO_G1 of p - 1', index: MAP_FP_TO_G1, input: encodeFp(BLS_FIELD_MODULUS - 1n) },
    { name: 'MAP_FP_TO_G1 rejects p', index: MAP_FP_TO_G1, input: encodeFp(BLS_FIELD_MODULUS) },
    {
      name: 'MAP_FP_TO_G1 rejects non-zero padding',
      index: MAP_FP_TO_G1,
      input: withByte(encodeFp(5n), 15, 1),
    },
    {
      name: 'MAP_FP_TO_G1 rejects 65 bytes',
      index: MAP_FP_TO_G1,
      input: concatBytes(encodeFp(5n), Uint8Array.of(0)),
    },
    {
      name: 'MAP_FP2_TO_G2 of an element',
      index: MAP_FP2_TO_G2,
      input: concatBytes(encodeFp(77n << 300n), encodeFp(3n)),
    },
    { name: 'MAP_FP2_TO_G2 of zero', index: MAP_FP2_TO_G2, input: new Uint8Array(128) },
    {
      name: 'MAP_FP2_TO_G2 rejects c1 = p',
      index: MAP_FP2_TO_G2,
      input: concatBytes(encodeFp(1n), encodeFp(BLS_FIELD_MODULUS)),
    },
    { name: 'MAP_FP2_TO_G2 rejects 127 bytes', index: MAP_FP2_TO_G2, input: new Uint8Array(127) },
  ]

  const precompile = (index: number) => `0x${index.toString(16).padStart(40, '0')}` as Address
  const wrapperAddress = (i: number) => `0xb15000000000000000000000000000000000000${i}` as Address
  function blsScenario(fork: Fork, name: string, index: number, input: Uint8Array): Scenario {
    const price = priceOf(index, input)
    const gasAmounts = price === undefined ? [undefined] : [undefined, price, price - 1]
    return buildScenario({
      name,
      fork,
      accounts: gasAmounts.map((gas, i) => ({ address: wrapperAddress(i), code: wrapper(index, gas) })),
      transactions: [
        { to: precompile(index), data: input, gasLimit: 3_000_000n },
        ...gasAmounts.map((_, i) => ({ to: wrapperAddress(i), data: input, gasLimit: 3_000_000n })),
      ],
    })
  }

  it.each(cases)('prague: $name', async ({ name, index, input }) => {
    await expectAgreement(blsScenario('prague', name, index, input))
  })
  // Before Prague these addresses hold nothing: a call to one is a call to an empty account.
  it.each(cases.filter((_, i) => i % 8 === 0))(
    'cancun (no precompile yet): $name',
    async ({ name, index, input }) => {
      await expectAgreement(blsScenario('cancun', name, index, input))
    },
  )
})
