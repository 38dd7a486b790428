import fc from 'fast-check'
import type { Address, Hex } from 'viem'
import { describe, expect, it } from 'vitest'
import type { AccountData } from '../../state/stateView.ts'
import type { EvmTransaction } from '../processTransaction.ts'
import type { GroupRequest, GroupResult, GroupTransactionOutcome } from './executeGroup.ts'
import {
  decodeGroupRequest,
  decodeGroupResult,
  encodeGroupRequest,
  encodeGroupResult,
  GroupWireError,
} from './groupWire.ts'

/** Plain objects, as the code builds them (fast-check may otherwise give null-prototype ones). */
function record<T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> {
  return fc.record(model, { noNullPrototype: true }) as fc.Arbitrary<T>
}

// A few addresses and hashes, so that the string table's references get used as well as defined.
const address = fc.constantFrom<Address>(
  '0x00000000000000000000000000000000000c0ffe',
  '0xa11ce00000000000000000000000000000000001',
  '0xa11ce00000000000000000000000000000000002',
  '0xfffffffffffffffffffffffffffffffffffffffe',
)
const hash = fc.oneof(
  fc.constantFrom<Hex>(`0x${'c5'.repeat(32)}`, `0x${'00'.repeat(32)}`),
  fc
    .uint8Array({ minLength: 32, maxLength: 32 })
    .map((bytes) => `0x${Buffer.from(bytes).toString('hex')}` as Hex),
)
// Quantities around every boundary the encoding has: varints, 2^53, each 64-bit limb, 2^256.
const quantity = fc.oneof(
  fc.bigInt({ min: 0n, max: 300n }),
  fc.bigInt({ min: 2n ** 53n - 2n, max: 2n ** 53n + 2n }),
  fc.bigInt({ min: 0n, max: 2n ** 64n + 1n }),
  fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }),
  fc.constant(2n ** 256n - 1n),
)
const bytes = fc.uint8Array({ maxLength: 40 })
const text = fc.string({ unit: 'binary', maxLength: 20 })

const account: fc.Arbitrary<AccountData | null> = fc.option(
  record({ nonce: quantity, balance: quantity, codeHash: hash }),
  { nil: null },
)
const accounts = fc.array(fc.tuple(address, account)).map((entries) => new Map(entries))
const storage = fc
  .array(fc.tuple(address, fc.array(fc.tuple(quantity, quantity), { maxLength: 4 })), { maxLength: 3 })
  .map((entries) => new Map(entries.map(([owner, slots]) => [owner, new Map(slots)])))
const presence = fc.array(fc.tuple(address, fc.boolean())).map((entries) => new Map(entries))
const codes = fc.array(fc.tuple(hash, bytes), { maxLength: 3 }).map((entries) => new Map(entries))

const transaction: fc.Arbitrary<EvmTransaction> = record({
  type: fc.constantFrom(0, 1, 2, 3, 4),
  sender: address,
  to: fc.option(address, { nil: null }),
  nonce: quantity,
  gasLimit: quantity,
  value: quantity,
  data: bytes,
  maxFeePerGas: quantity,
  maxPriorityFeePerGas: quantity,
  accessList: fc.array(record({ address, storageKeys: fc.array(hash, { maxLength: 3 }) }), {
    maxLength: 2,
  }),
  maxFeePerBlobGas: quantity,
  blobVersionedHashes: fc.array(hash, { maxLength: 2 }),
  authorizationList: fc.array(
    record({
      chainId: quantity,
      address,
      nonce: quantity,
      yParity: fc.constantFrom(0, 1),
      r: quantity,
      s: quantity,
    }),
    { maxLength: 2 },
  ),
})

const request: fc.Arbitrary<GroupRequest> = record({
  fork: fc.constantFrom('cancun', 'prague'),
  block: record({
    number: quantity,
    timestamp: quantity,
    coinbase: address,
    gasLimit: quantity,
    baseFeePerGas: quantity,
    prevRandao: quantity,
    blobBaseFee: quantity,
    chainId: quantity,
  }),
  indexes: fc.array(fc.nat()),
  transactions: fc.array(transaction, { maxLength: 4 }),
  preState: fc.record(
    {
      accounts,
      storage,
      storagePresence: presence,
      codes,
      blockHashes: fc.array(fc.tuple(quantity, quantity)).map((entries) => new Map(entries)),
      complete: fc.boolean(),
      witness: record({ stateRoot: hash, nodes: fc.array(bytes, { maxLength: 3 }) }),
    },
    {
      requiredKeys: ['accounts', 'storage', 'storagePresence', 'codes', 'blockHashes'],
      noNullPrototype: true,
    },
  ),
  whole: fc.boolean(),
})

const receipt = record({
  status: fc.constantFrom(0 as const, 1 as const),
  gasUsed: quantity,
  peakGasUsed: quantity,
  logs: fc.array(record({ address, topics: fc.array(quantity, { maxLength: 4 }), data: bytes }), {
    maxLength: 2,
  }),
  contractAddress: fc.option(address, { nil: null }),
  output: bytes,
  error: fc.option(text, { nil: undefined }),
  effectiveGasPrice: quantity,
  blobGasUsed: quantity,
})

const reads = record({
  accounts,
  storage,
  storagePresence: presence,
  codes: fc.array(hash, { maxLength: 2 }).map((hashes) => new Set(hashes)),
})

const writes = record({
  accounts,
  storage,
  storageResets: fc.array(address, { maxLength: 2 }).map((addresses) => new Set(addresses)),
  codes,
})

const outcome: fc.Arbitrary<GroupTransactionOutcome> = fc.oneof(
  record({
    kind: fc.constant('executed' as const),
    receipt,
    reads,
    writes,
    deferredFee: fc.option(quantity, { nil: undefined }),
    contractsRead: fc.array(address, { maxLength: 3 }),
  }),
  record({
    kind: fc.constant('executedInGroup' as const),
    receipt,
    deferredFee: quantity,
    contractsRead: fc.array(address, { maxLength: 3 }),
  }),
  record({
    kind: fc.constant('outsidePreState' as const),
    read: text,
    contractsRead: fc.array(address, { maxLength: 3 }),
  }),
  fc.constant({ kind: 'failed' as const }),
)

const result: fc.Arbitrary<GroupResult> = fc.record(
  {
    outcomes: fc.array(outcome, { maxLength: 4 }),
    whole: record({
      reads,
      writes,
      changedAccounts: fc.array(address, { maxLength: 3 }).map((addresses) => new Set(addresses)),
    }),
    slotPatterns: fc.array(
      record({ contract: address, base: quantity, depth: fc.constantFrom(1 as const, 2 as const) }),
      {
        maxLength: 3,
      },
    ),
    fixedSlots: fc.array(record({ contract: address, slot: quantity }), { maxLength: 3 }),
    executionMs: fc.array(fc.double({ noNaN: true })),
  },
  { requiredKeys: ['outcomes', 'slotPatterns', 'fixedSlots', 'executionMs'], noNullPrototype: true },
)

describe('groupWire', () => {
  it('gives back every request it encoded, field for field', () => {
    fc.assert(
      fc.property(request, (value) => {
        expect(decodeGroupRequest(encodeGroupRequest(value))).toStrictEqual(value)
      }),
      { numRuns: 300 },
    )
  })

  it('gives back every result it encoded, field for field', () => {
    fc.assert(
      fc.property(result, (value) => {
        expect(decodeGroupResult(encodeGroupResult(value))).toStrictEqual(value)
      }),
      { numRuns: 300 },
    )
  })

  it('refuses a buffer cut short or with bytes left over', () => {
    fc.assert(
      fc.property(result, fc.nat(), (value, cut) => {
        const encoded = encodeGroupResult(value)
        const short = encoded.subarray(0, cut % encoded.length)
        expect(() => decodeGroupResult(short)).toThrow(GroupWireError)
        expect(() => decodeGroupResult(Uint8Array.of(...encoded, 0))).toThrow(GroupWireError)
      }),
      { numRuns: 200 },
    )
  })

  it('refuses what no encoder writes', () => {
    // An outcome of kind 4; a string referred to before it is defined; a count past the end.
    expect(() => decodeGroupResult(Uint8Array.of(1, 4))).toThrow('outcome kind 4')
    expect(() => decodeGroupResult(Uint8Array.of(1, 1, 5))).toThrow('string 5 not yet defined')
    expect(() => decodeGroupResult(Uint8Array.of(200, 1))).toThrow('count 200 past the end')
  })

  it('refuses quantities it cannot carry', () => {
    const base: GroupResult = { outcomes: [], slotPatterns: [], fixedSlots: [], executionMs: [] }
    const contract: Address = '0x00000000000000000000000000000000000c0ffe'
    expect(() => encodeGroupResult({ ...base, fixedSlots: [{ contract, slot: -1n }] })).toThrow(
      'negative quantity -1',
    )
    expect(() => encodeGroupResult({ ...base, fixedSlots: [{ contract, slot: 2n ** 512n }] })).toThrow(
      'quantity of more than 512 bits',
    )
  })
})
