/**
 * A whole differential case from one seed: a block, a pre-state of four generated contracts and
 * the accounts their programs reach (an EOA, an absent address, an EIP-7702 delegated account,
 * addresses the first contract's CREATEs will use, sometimes already occupied), and one to three
 * transactions of types 0, 1 and 2: calls, creations, precompile calls, plain transfers, and now
 * and then one that is invalid in the block (bad nonce, fees, gas or balance). With `setCode`
 * (Prague), most transactions are EIP-7702 set-code transactions whose authorizations, valid or
 * not, come from a few authority keys that the programs also call and inspect.
 * Delegations point at contracts, EOAs, absent accounts, precompiles (which run no code) and
 * delegated accounts (whose designator is not followed a second time).
 */
import { bigIntToUnpaddedBytes, bytesToHex, generateAddress, hexToBytes } from '@ethereumjs/util'
import type { Address, Hex } from 'viem'
import type { Fork } from '../../src/evm/evm.ts'
import { createRandom, type Random } from './createRandom.ts'
import { generateProgram, type ProgramWorld } from './generateProgram.ts'
import { precompileInput } from './precompileInput.ts'
import {
  addressOfKey,
  type Scenario,
  type ScenarioAccount,
  type ScenarioTransaction,
  type SignedAuthorization,
} from './scenario.ts'
import { signAuthorization } from './signAuthorization.ts'

/** The key of the ethereum/tests sender 0xa94f5374fce5edbc8e2a8697c15331677e6ebf0b. */
export const SENDER_KEY: Hex = '0x45a915e4d060149eb4365960e6a7a45f334393093061116b197e3240065ff2d8'
const SENDER = addressOfKey(SENDER_KEY)
const CONTRACTS: readonly Address[] = [1, 2, 3, 4].map(
  (i) => `0xc0de${i.toString(16).padStart(36, '0')}` as Address,
)
const EOA: Address = '0xe0a0000000000000000000000000000000000001'
/** Exists with nothing in it (nonce 0, no balance, no code): EIP-161 deletes it once touched. */
const EMPTY: Address = '0xe0a0000000000000000000000000000000000002'
const ABSENT: Address = '0xdead000000000000000000000000000000000000'
const DELEGATED: Address = '0xde1e000000000000000000000000000000000001'
const COINBASE: Address = '0xc014ba5e00000000000000000000000000000000'
const SLOTS: readonly bigint[] = [0n, 1n, 2n, 3n]
/** Delegation targets that must run no code (EIP-7702): the identity and sha256 precompiles. */
const PRECOMPILES: readonly Address[] = [
  '0x0000000000000000000000000000000000000004',
  '0x0000000000000000000000000000000000000002',
]
const AUTHORITY_KEYS: readonly Hex[] = [0x71, 0x72, 0x73].map(
  (byte) => `0x${byte.toString(16).repeat(32)}` as Hex,
)
const AUTHORITIES: readonly Address[] = AUTHORITY_KEYS.map(addressOfKey)
const ZERO: Address = '0x0000000000000000000000000000000000000000'
/** secp256k1's group order: s above half of it is malleable (EIP-2), which EIP-7702 rejects. */
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
/** EIP-7702: 0xef0100 ‖ address. */
const DELEGATION_PREFIX = [0xef, 0x01, 0x00]
const BLOCK_GAS_LIMIT = 30_000_000n
const ETHER = 10n ** 18n
const MAX_INITCODE_SIZE = 49_152
/** Intrinsic gas parts (Yellow Paper, EIP-2028, EIP-2930, EIP-3860), to aim gas limits near it. */
const TX_GAS = 21_000n
const TX_CREATE_GAS = 32_000n
/** EIP-7702 PER_EMPTY_ACCOUNT_COST, charged per authorization up front. */
const PER_AUTHORIZATION_GAS = 25_000n

export type ScenarioOptions = {
  /** Prague only: set-code transactions, and authorities for the programs to reach. */
  setCode?: boolean
}

export function generateScenario(seed: number, fork: Fork, options: ScenarioOptions = {}): Scenario {
  const r = createRandom(seed)
  const setCode = options.setCode === true && fork === 'prague'
  const blockNumber = r.pick([1n, 1000n, 20_000_000n])
  const contractNonce = r.pick([1n, 1n, 5n])
  const predicted = [0n, 1n].map((offset) => createdAddress(CONTRACTS[0]!, contractNonce + offset))
  const authorities = setCode ? AUTHORITIES : []
  const world: ProgramWorld = {
    fork,
    callTargets: [
      ...CONTRACTS,
      ...CONTRACTS,
      EOA,
      EMPTY,
      ABSENT,
      DELEGATED,
      SENDER,
      ...predicted,
      ...authorities,
    ],
    addresses: [...CONTRACTS, EOA, EMPTY, ABSENT, DELEGATED, SENDER, COINBASE, ...predicted, ...authorities],
    slots: SLOTS,
    blockNumber,
  }

  const accounts: ScenarioAccount[] = CONTRACTS.map((address) => ({
    address,
    nonce: contractNonce,
    balance: r.pick([0n, 1000n, ETHER]),
    code: generateProgram(r, world, { kind: 'runtime', snippets: 4 + r.int(20) }),
    storage: randomStorage(r),
  }))
  const senderNonce = r.pick([0n, 1n, 7n])
  const senderDelegated = fork === 'prague' && r.chance(0.1)
  accounts.push({
    address: SENDER,
    nonce: senderNonce,
    balance: r.chance(0.95) ? 1000n * ETHER : r.pick([0n, ETHER / 100n]),
    code: senderDelegated ? delegationTo(CONTRACTS[1]!) : new Uint8Array(0),
    storage: new Map(),
  })
  accounts.push({ address: EOA, nonce: 3n, balance: ETHER, code: new Uint8Array(0), storage: new Map() })
  if (r.chance(0.5))
    accounts.push({ address: EMPTY, nonce: 0n, balance: 0n, code: new Uint8Array(0), storage: new Map() })
  accounts.push({
    address: DELEGATED,
    nonce: 1n,
    balance: r.pick([0n, ETHER]),
    code: delegationTo(r.pick([CONTRACTS[1]!, CONTRACTS[2]!, EOA, ABSENT, DELEGATED, ...PRECOMPILES])),
    storage: randomStorage(r),
  })
  // Occupy the first CREATE's address now and then: the create must fail (EIP-684, EIP-7610).
  // (With a balance, so that EIP-161 never deletes it: see the empty authorities below.)
  if (r.chance(0.15))
    accounts.push({
      address: predicted[0]!,
      nonce: r.pick([0n, 1n]),
      balance: 1n,
      code: new Uint8Array(0),
      storage: r.chance(0.5) ? new Map([[0n, 1n]]) : new Map(),
    })

  for (const authority of authorities) {
    const kind = r.weighted([
      [30, 'absent'],
      [40, 'eoa'],
      [10, 'empty'],
      [15, 'delegated'],
      [5, 'contract'],
    ] as const)
    if (kind === 'absent') continue
    accounts.push({
      address: authority,
      nonce: kind === 'empty' ? 0n : r.pick([0n, 1n, 2n]),
      balance: kind === 'empty' ? 0n : r.pick([1n, ETHER]),
      code:
        kind === 'delegated'
          ? delegationTo(r.pick([CONTRACTS[1]!, CONTRACTS[2]!, DELEGATED, PRECOMPILES[0]!]))
          : kind === 'contract'
            ? Uint8Array.of(0x00)
            : new Uint8Array(0),
      // An empty account keeps no storage: ethereumjs would still read it after EIP-161 deletes the account.
      storage: kind === 'empty' ? new Map() : randomStorage(r),
    })
  }
  const nonceOf = (address: Address) => accounts.find((account) => account.address === address)?.nonce ?? 0n

  const block = {
    number: blockNumber,
    timestamp: r.pick([1_700_000_000n, BigInt(r.int(2_000_000_000))]),
    coinbase: r.weighted<Address>([
      [80, COINBASE],
      [5, CONTRACTS[2]!],
      [5, SENDER],
      [5, ABSENT],
      [5, EMPTY],
    ]),
    gasLimit: BLOCK_GAS_LIMIT,
    baseFeePerGas: r.pick([0n, 7n, 1_000_000_000n, BigInt(r.int(100_000))]),
    prevRandao: r.word(),
    excessBlobGas: r.pick([0n, 1n << 20n, 50_000_000n]),
  }

  const transactions: ScenarioTransaction[] = []
  const count = 1 + r.int(3)
  let nonce = senderNonce
  for (let i = 0; i < count; i++) {
    const tx = generateTransaction(r, world, block.baseFeePerGas, nonce, setCode ? nonceOf : undefined)
    // A transaction made invalid on purpose leaves the nonce where it was.
    if (!tx.invalid) nonce++
    transactions.push(tx.transaction)
  }
  return { name: `${fork} seed ${seed}`, fork, block, accounts, transactions }
}

/** `nonceOf` (an account's nonce in the pre-state) turns on set-code transactions. */
function generateTransaction(
  r: Random,
  world: ProgramWorld,
  baseFee: bigint,
  nonce: bigint,
  nonceOf: ((address: Address) => bigint) | undefined,
): { transaction: ScenarioTransaction; invalid: boolean } {
  let type = r.weighted<0 | 1 | 2 | 4>([
    [30, 0],
    [20, 1],
    [50, 2],
  ])
  const kind = r.weighted([
    [65, 'call'],
    [12, 'create'],
    [10, 'precompile'],
    [5, 'transfer'],
    [8, 'invalid'],
  ] as const)
  let to: Address | null = r.weighted([
    [60, CONTRACTS[0]!],
    [25, r.pick(CONTRACTS)],
    [5, DELEGATED],
    [5, EOA],
    [5, ABSENT],
  ])
  let data = randomCalldata(r)
  let value = r.weighted([
    [60, 0n],
    [30, BigInt(1 + r.int(10_000))],
    [10, ETHER],
  ])
  if (kind === 'create') {
    to = null
    data = generateProgram(r, world, { kind: 'initcode', snippets: r.int(8) })
  } else if (kind === 'precompile') {
    const index = 1 + r.int(world.fork === 'prague' ? 0x11 : 0x0a)
    to = `0x${index.toString(16).padStart(40, '0')}` as Address
    data = precompileInput(r, index)
    value = r.chance(0.8) ? 0n : 1n
  } else if (kind === 'transfer') {
    to = r.pick([EOA, ABSENT, EMPTY, DELEGATED])
    data = new Uint8Array(0)
  }

  let authorizationList: SignedAuthorization[] = []
  if (nonceOf && to !== null && r.chance(0.7)) {
    type = 4
    if (r.chance(0.5)) to = r.pick(AUTHORITIES)
    authorizationList = Array.from({ length: 1 + r.int(3) }, () => generateAuthorization(r, nonceOf, nonce))
  }
  const accessList =
    type !== 0 && r.chance(0.5)
      ? Array.from({ length: 1 + r.int(3) }, () => ({
          address: r.pick([
            ...CONTRACTS,
            EOA,
            ABSENT,
            '0x0000000000000000000000000000000000000001' as Address,
          ]),
          storageKeys: SLOTS.filter(() => r.chance(0.4)).map(slotKey),
        }))
      : []
  const intrinsic =
    intrinsicEstimate(to, data, accessList) + PER_AUTHORIZATION_GAS * BigInt(authorizationList.length)
  const gasLimit = r.weighted([
    [15, intrinsic + BigInt(r.int(3000))],
    [85, r.pick([30_000n, 50_000n, 80_000n, 150_000n, 300_000n, 600_000n, 1_000_000n]) + BigInt(r.int(1000))],
  ])
  const tip = r.pick([0n, 1n, 2n, 1_000_000_000n])
  const maxFeePerGas = baseFee + r.pick([tip, tip + BigInt(r.int(1000))])
  const tx: ScenarioTransaction = {
    type,
    senderKey: SENDER_KEY,
    to,
    nonce,
    gasLimit: gasLimit > intrinsic || kind === 'invalid' ? gasLimit : intrinsic,
    value,
    data,
    maxFeePerGas,
    maxPriorityFeePerGas: type === 2 ? r.pick([0n, 1n, tip, maxFeePerGas]) : maxFeePerGas,
    accessList,
    authorizationList,
  }
  if (kind === 'invalid')
    r.pick<() => void>([
      () => {
        tx.nonce = nonce + 1n
      },
      () => {
        tx.gasLimit = intrinsic - 1n
      },
      () => {
        if (baseFee === 0n) tx.nonce = nonce + 2n
        else tx.maxFeePerGas = baseFee - 1n
        if (tx.maxPriorityFeePerGas > tx.maxFeePerGas) tx.maxPriorityFeePerGas = tx.maxFeePerGas
      },
      () => {
        tx.value = 10n ** 30n
      },
      () => {
        tx.gasLimit = BLOCK_GAS_LIMIT + 1n
      },
      () => {
        tx.to = null
        tx.data = new Uint8Array(MAX_INITCODE_SIZE + 1)
        tx.gasLimit = 10_000_000n
      },
    ])()
  return { transaction: tx, invalid: kind === 'invalid' }
}

/**
 * An authorization by one of the authorities (or the sender), mostly valid: the chain id is
 * sometimes another chain's, the nonce sometimes off by one, the signature now and then malleable
 * or with a bad y parity.
 */
function generateAuthorization(
  r: Random,
  nonceOf: (address: Address) => bigint,
  senderNonce: bigint,
): SignedAuthorization {
  const key = r.weighted([
    [85, r.pick(AUTHORITY_KEYS)],
    [15, SENDER_KEY],
  ])
  // The sender's nonce has been raised by the time authorizations are processed.
  const expected = key === SENDER_KEY ? senderNonce + 1n : nonceOf(addressOfKey(key))
  const authorization = signAuthorization(key, {
    address: r.pick([...CONTRACTS, ZERO, EOA, ABSENT, DELEGATED, ...PRECOMPILES]),
    nonce: r.weighted([
      [75, expected],
      [15, expected + 1n],
      [10, expected > 0n ? expected - 1n : 0n],
    ]),
    chainId: r.weighted([
      [80, 1n],
      [10, 0n],
      [10, 2n],
    ]),
  })
  return r.weighted<() => SignedAuthorization>([
    [92, () => authorization],
    [5, () => ({ ...authorization, s: SECP256K1_N - authorization.s, yParity: 1 - authorization.yParity })],
    [3, () => ({ ...authorization, yParity: 2 })],
  ])()
}

function randomStorage(r: Random): Map<bigint, bigint> {
  const storage = new Map<bigint, bigint>()
  for (const slot of SLOTS)
    if (r.chance(0.5)) storage.set(slot, r.pick([1n, 2n, r.word(), (1n << 256n) - 1n]))
  return storage
}

function randomCalldata(r: Random): Uint8Array {
  const data = r.bytes(r.pick([0, 4, 32, 36, 68, r.int(200)]))
  // Zero bytes cost less (EIP-2028) and count less toward the EIP-7623 floor.
  for (let i = 0; i < data.length; i++) if (r.chance(0.3)) data[i] = 0
  return data
}

function delegationTo(address: Address): Uint8Array {
  return Uint8Array.from([...DELEGATION_PREFIX, ...hexToBytes(address)])
}

function createdAddress(creator: Address, nonce: bigint): Address {
  return bytesToHex(generateAddress(hexToBytes(creator), bigIntToUnpaddedBytes(nonce))) as Address
}

function slotKey(slot: bigint): Hex {
  return `0x${slot.toString(16).padStart(64, '0')}`
}

function intrinsicEstimate(
  to: Address | null,
  data: Uint8Array,
  accessList: { storageKeys: Hex[] }[],
): bigint {
  let gas = TX_GAS + (to === null ? TX_CREATE_GAS + 2n * BigInt(Math.ceil(data.length / 32)) : 0n)
  for (const byte of data) gas += byte === 0 ? 4n : 16n
  for (const entry of accessList) gas += 2400n + 1900n * BigInt(entry.storageKeys.length)
  return gas
}
