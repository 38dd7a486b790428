import fc from 'fast-check'
import type { Address, Hash, Hex } from 'viem'
import { describe, expect, it } from 'vitest'
import { bytesToHex, concatBytes, hexToBytes } from '../primitives/hex.ts'
import { keccak256 } from '../primitives/keccak256.ts'
import { decodeRlp, encodeRlp } from '../primitives/rlp.ts'
import { type AccessListEntry, decodeTransaction, SECP256K1_N } from '../primitives/transaction.ts'
import { MemoryAddressRegistry } from './addressRegistry.ts'
import { type BlockSpec, CHAIN_ID, chainOfBlocks, signedTransactionsOfEveryType } from './batchFixture.ts'
import type { BatchBlock, DecodedBatch } from './batchFormat.ts'
import { decodeBatch } from './decodeBatch.ts'
import { derivePrevRandao } from './derivePrevRandao.ts'
import { encodeBatch, encodeBatchPayload } from './encodeBatch.ts'
import { encodeSignedTransaction, type SignedTransactionFields } from './encodeSignedTransaction.ts'
import { BatchEncodingError } from './errors.ts'

const transactions = await signedTransactionsOfEveryType()
const all = Object.values(transactions)

function roundTrip(blocks: BatchBlock[]): DecodedBatch {
  return decodeBatch(encodeBatch(blocks, { chainId: CHAIN_ID }), { chainId: CHAIN_ID })
}

/** The batch gives back every block as it was: what it carries, and what derivation recomputes. */
function expectSameBlocks(decoded: DecodedBatch, blocks: BatchBlock[]): void {
  expect(decoded.parentHash).toBe(blocks[0]!.header.parentHash)
  expect(decoded.blocks).toHaveLength(blocks.length)
  for (const [i, block] of blocks.entries()) {
    const got = decoded.blocks[i]!
    const { header } = block
    expect(got.number).toBe(header.number)
    expect(got.timestamp).toBe(header.timestamp)
    expect(got.coinbase).toBe(header.coinbase)
    expect(got.gasLimit).toBe(header.gasLimit)
    expect(got.extraData).toBe(header.extraData)
    expect(got.prevRandao ?? derivePrevRandao(header.parentHash)).toBe(header.mixHash)
    expect(got.miniBlocks.map((miniBlock) => miniBlock.map(bytesToHex))).toEqual(
      block.miniBlocks.map((miniBlock) => miniBlock.map(bytesToHex)),
    )
  }
}

describe('encodeBatch → decodeBatch', () => {
  it.each(Object.entries(transactions))('gives back a %s byte for byte, with its hash', (_name, raw) => {
    const decoded = roundTrip(chainOfBlocks([{ miniBlocks: [[raw]] }]))
    const back = decoded.blocks[0]!.miniBlocks[0]![0]!
    expect(bytesToHex(back)).toBe(bytesToHex(raw))
    expect(decodeTransaction(back).hash).toBe(bytesToHex(keccak256(raw)))
  })

  it('gives back blocks, their mini-block boundaries and header fields, empty blocks included', () => {
    const specs: BlockSpec[] = [
      { miniBlocks: [all.slice(0, 3), [all[3]!], all.slice(4, 6)] },
      { miniBlocks: [] },
      { miniBlocks: [all.slice(6)], interval: 5n },
      {
        miniBlocks: [[all[0]!, all[4]!]],
        header: { coinbase: '0x00000000000000000000000000000000000fee01' },
      },
      { miniBlocks: [], header: { gasLimit: 30_000_000n, extraData: '0x76656c6f78' } },
      { miniBlocks: [[all[5]!]], header: { mixHash: `0x${'77'.repeat(32)}` } },
    ]
    const blocks = chainOfBlocks(specs, { first: 1_000n })
    const decoded = roundTrip(blocks)
    expectSameBlocks(decoded, blocks)
    expect(decoded.blocks.map((block) => block.prevRandao)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      `0x${'77'.repeat(32)}`,
    ])
  })

  it('gives back any transaction field values (fast-check, 300 batches)', () => {
    fc.assert(
      fc.property(
        fc.array(arbitraryTransaction, { minLength: 1, maxLength: 12 }),
        fc.nat(3),
        (fields, split) => {
          const raws = fields.map(encodeSignedTransaction)
          for (const raw of raws) decodeTransaction(raw)
          const cut = Math.min(split, raws.length - 1)
          const miniBlocks = cut === 0 ? [raws] : [raws.slice(0, cut), raws.slice(cut)]
          const blocks = chainOfBlocks([{ miniBlocks }])
          expectSameBlocks(roundTrip(blocks), blocks)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('names the addresses earlier batches spelled out by their registry number (fast-check, 100 chains)', () => {
    fc.assert(
      fc.property(
        fc.array(arbitraryTransaction, { minLength: 1, maxLength: 8 }),
        fc.array(arbitraryTransaction, { minLength: 1, maxLength: 8 }),
        (first, second) => {
          const [a, b] = [first.map(encodeSignedTransaction), second.map(encodeSignedTransaction)]
          // One batch a block; the third repeats the first's transactions, and so its addresses.
          const blocks = chainOfBlocks([{ miniBlocks: [a] }, { miniBlocks: [b] }, { miniBlocks: [a] }])
          const encoding = new MemoryAddressRegistry()
          const decoding = new MemoryAddressRegistry()
          const spelled: string[][] = []
          for (const block of blocks) {
            const { payload, newAddresses } = encodeBatchPayload([block], {
              chainId: CHAIN_ID,
              registry: encoding,
            })
            const decoded = decodeBatch(payload, { chainId: CHAIN_ID, registry: decoding })
            expectSameBlocks(decoded, [block])
            expect(decoded.newAddresses).toEqual(newAddresses)
            // append refuses an address registered before: a batch never spells those out.
            encoding.append(newAddresses)
            decoding.append(decoded.newAddresses)
            spelled.push(newAddresses)
          }
          expect(spelled[2]).toEqual([])
          const named = new Set(spelled.flat())
          expect(named.size).toBe(encoding.size)
          // Without the registry, a batch that names registered addresses does not decode.
          const third = encodeBatch([blocks[2]!], { chainId: CHAIN_ID, registry: encoding })
          if (spelled[0]!.length > 0)
            expect(() => decodeBatch(third, { chainId: CHAIN_ID })).toThrow(/the registry is empty/)
        },
      ),
      { numRuns: 100 },
    )
  })

  it('carries an ETH transfer in its signature and 9 bytes, before compression', () => {
    const raw = transactions['EIP-1559 ETH transfer']!
    const payloadOf = (count: number) =>
      encodeBatch(chainOfBlocks([{ miniBlocks: count === 0 ? [] : [Array(count).fill(raw)] }]), {
        chainId: CHAIN_ID,
      }).length
    // Per transaction: flags, nonce, gas (3), index of its fee pair, reference to its recipient,
    // value (exponent and mantissa), then r and s. The recipient's 20 bytes and the fee pair are in
    // their tables once; column lengths grow by a byte here and there (the 0.01).
    const perTransaction = (payloadOf(105) - payloadOf(5)) / 100
    expect(perTransaction).toBeCloseTo(64 + 1 + 1 + 3 + 1 + 1 + 2, 1)
    expect(raw.length).toBe(117)
  })
})

describe('encodeBatch refuses', () => {
  const encode = (blocks: BatchBlock[]) => () => encodeBatch(blocks, { chainId: CHAIN_ID })
  const one = transactions['EIP-1559 ETH transfer']!

  it('no blocks', () => {
    expect(encode([])).toThrow(new BatchEncodingError('a batch holds at least one block'))
  })

  it('a transaction for another chain', () => {
    const blocks = chainOfBlocks([{ miniBlocks: [[one]] }])
    expect(() => encodeBatch(blocks, { chainId: 1n })).toThrow(/is signed for chain 7077, not 1/)
  })

  it('a blob transaction in its network form (with its sidecar)', () => {
    const raw = transactions['EIP-4844 blob transaction']!
    // EIP-4844's network form: 0x03 ‖ rlp([tx fields, blobs, commitments, proofs]).
    const networkForm = concatBytes(Uint8Array.of(3), encodeRlp([decodeRlp(raw.subarray(1)), [], [], []]))
    expect(decodeTransaction(networkForm).hash).toBe(bytesToHex(keccak256(raw)))
    expect(encode(chainOfBlocks([{ miniBlocks: [[networkForm]] }]))).toThrow(/not in its canonical encoding/)
  })

  it('blocks that do not follow each other', () => {
    const blocks = chainOfBlocks([{ miniBlocks: [[one]] }, { miniBlocks: [] }])
    const skipped = [blocks[0]!, { ...blocks[1]!, header: { ...blocks[1]!.header, number: 3n } }]
    expect(encode(skipped)).toThrow(/block 3 does not follow block 1/)
    const unlinked = [
      blocks[0]!,
      { ...blocks[1]!, header: { ...blocks[1]!.header, parentHash: `0x${'00'.repeat(32)}` as Hash } },
    ]
    expect(encode(unlinked)).toThrow(/its parent hash is not the hash of block 1/)
    const stalled = [
      blocks[0]!,
      { ...blocks[1]!, header: { ...blocks[1]!.header, timestamp: blocks[0]!.header.timestamp } },
    ]
    expect(encode(stalled)).toThrow(/does not increase/)
  })

  it('a header field the format takes as constant, an empty mini-block, extraData over 32 bytes', () => {
    expect(
      encode(chainOfBlocks([{ miniBlocks: [], header: { withdrawalsRoot: `0x${'11'.repeat(32)}` } }])),
    ).toThrow(/takes as constant/)
    expect(encode(chainOfBlocks([{ miniBlocks: [[]] }]))).toThrow(/a mini-block without transactions/)
    expect(
      encode(chainOfBlocks([{ miniBlocks: [], header: { extraData: `0x${'00'.repeat(33)}` as Hex } }])),
    ).toThrow(/extraData longer than 32 bytes/)
  })
})

const address = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((bytes) => bytesToHex(bytes) as Address)
const hash = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) => bytesToHex(bytes) as Hash)
const uint256 = fc.oneof(
  fc.bigInt(0n, 1000n),
  fc.bigInt(0n, (1n << 256n) - 1n),
  fc.tuple(fc.bigInt(1n, 99_999n), fc.integer({ min: 0, max: 60 })).map(([m, e]) => m * 10n ** BigInt(e)),
)
const uint64 = fc.oneof(fc.bigInt(0n, 100_000n), fc.bigInt(0n, (1n << 64n) - 1n))
const word = fc.oneof(
  fc.constant('00'.repeat(32)),
  address.map((a) => `${'00'.repeat(12)}${a.slice(2)}`),
  uint256.map((n) => n.toString(16).padStart(64, '0')),
  hash.map((h) => h.slice(2)),
)
const data = fc.oneof(
  fc.constant(new Uint8Array()),
  fc.uint8Array({ maxLength: 100 }),
  fc
    .tuple(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.array(word, { maxLength: 8 }))
    .map(([selector, words]) => concatBytes(selector, hexToBytes(`0x${words.join('')}`))),
)
const signature = {
  yParity: fc.integer({ min: 0, max: 1 }),
  r: fc.bigInt(1n, SECP256K1_N - 1n),
  s: fc.bigInt(1n, SECP256K1_N / 2n),
}
const accessList = fc.array(fc.record({ address, storageKeys: fc.array(hash, { maxLength: 3 }) }), {
  maxLength: 3,
})
const common = { nonce: uint64, gasLimit: uint64, value: uint256, data, ...signature }
const feeMarket = {
  ...common,
  chainId: fc.constant(CHAIN_ID),
  maxFeePerGas: uint256,
  maxPriorityFeePerGas: uint256,
  accessList,
}

const arbitraryTransaction: fc.Arbitrary<SignedTransactionFields> = fc.oneof(
  fc.record({
    ...common,
    type: fc.constant(0 as const),
    chainId: fc.constantFrom(CHAIN_ID, undefined),
    gasPrice: uint256,
    to: fc.option(address, { nil: null }),
    accessList: fc.constant<AccessListEntry[]>([]),
  }),
  fc.record({
    ...common,
    type: fc.constant(1 as const),
    chainId: fc.constant(CHAIN_ID),
    gasPrice: uint256,
    to: fc.option(address, { nil: null }),
    accessList,
  }),
  fc.record({ ...feeMarket, type: fc.constant(2 as const), to: fc.option(address, { nil: null }) }),
  fc.record({
    ...feeMarket,
    type: fc.constant(3 as const),
    to: address,
    maxFeePerBlobGas: uint256,
    blobVersionedHashes: fc.array(hash, { maxLength: 6 }),
  }),
  fc.record({
    ...feeMarket,
    type: fc.constant(4 as const),
    to: address,
    authorizationList: fc.array(
      fc.record({
        chainId: fc.oneof(fc.constant(0n), fc.constant(CHAIN_ID), uint256),
        address,
        nonce: uint64,
        yParity: fc.integer({ min: 0, max: 255 }),
        r: fc.bigInt(0n, (1n << 256n) - 1n),
        s: fc.bigInt(0n, (1n << 256n) - 1n),
      }),
      { maxLength: 3 },
    ),
  }),
)
