import { describe, expect, it } from 'vitest'
import { decodeTransaction } from '../primitives/transaction.ts'
import { type AddressRegistryIndex, MemoryAddressRegistry } from './addressRegistry.ts'
import { CHAIN_ID, chainOfBlocks, signedTransactionsOfEveryType } from './batchFixture.ts'
import { COLUMNS, type ColumnName, MAX_BLOCKS_PER_BATCH } from './batchFormat.ts'
import { ByteWriter } from './byteWriter.ts'
import { decodeBatch } from './decodeBatch.ts'
import { encodeBatch, encodeBatchPayload } from './encodeBatch.ts'
import { BatchError, BatchLimitError, CorruptBatchError, TruncatedBatchError } from './errors.ts'

const transactions = Object.values(await signedTransactionsOfEveryType())
const blocks = chainOfBlocks([
  { miniBlocks: [transactions.slice(0, 6), transactions.slice(6)] },
  { miniBlocks: [] },
])
const payload = encodeBatch(blocks, { chainId: CHAIN_ID })
const decode = (bytes: Uint8Array) => decodeBatch(bytes, { chainId: CHAIN_ID })

/** The error `run` throws; fails the test when it throws none. */
function thrown(run: () => unknown): unknown {
  try {
    run()
  } catch (error) {
    return error
  }
  throw new Error('expected an error, got a result')
}

/** A payload of one block and the given columns (all others empty), as the format lays them out. */
function payloadWith(
  columns: Partial<Record<ColumnName, (writer: ByteWriter) => void>>,
  header: (writer: ByteWriter) => void = (writer) => {
    writer.uvarint(1) // first block
    writer.uvarint(1) // block count
  },
): Uint8Array {
  const writer = new ByteWriter()
  header(writer)
  writer.bytes(new Uint8Array(32)) // parent hash
  writer.bytes(new Uint8Array(20)) // default coinbase
  writer.uvarint(30_000_000) // default gas limit
  writer.uvarint(0) // default extraData
  for (const name of COLUMNS) {
    const column = new ByteWriter()
    columns[name]?.(column)
    writer.uvarint(column.length)
    writer.bytes(column.view())
  }
  return writer.finish()
}

/** The columns of one empty block. */
const emptyBlock = {
  blockTimestamps: (w: ByteWriter) => w.uvarint(1_750_000_000),
  blockFlags: (w: ByteWriter) => w.u8(0),
  miniBlockCounts: (w: ByteWriter) => w.uvarint(0),
  addresses: (w: ByteWriter) => w.uvarint(0),
  feeTable: (w: ByteWriter) => w.uvarint(0),
}

describe('decodeBatch with the address registry', () => {
  const withRecipients = encodeBatchPayload(blocks, { chainId: CHAIN_ID })
  const registry = new MemoryAddressRegistry()
  registry.append(withRecipients.newAddresses)
  const named = encodeBatch(blocks, { chainId: CHAIN_ID, registry })
  const decodeWith = (bytes: Uint8Array, entries: readonly `0x${string}`[]) => {
    const given = new MemoryAddressRegistry()
    given.append(entries)
    return decodeBatch(bytes, { chainId: CHAIN_ID, registry: given })
  }

  it('reads registered addresses by number, and refuses a number past the registry', () => {
    expect(withRecipients.newAddresses.length).toBeGreaterThan(2)
    expect(named.length).toBeLessThan(withRecipients.payload.length - 18 * withRecipients.newAddresses.length)
    expect(decodeWith(named, withRecipients.newAddresses).blocks).toEqual(decode(payload).blocks)
    expect(thrown(() => decode(named))).toBeInstanceOf(CorruptBatchError)
    expect(thrown(() => decodeWith(named, withRecipients.newAddresses.slice(0, -1)))).toBeInstanceOf(
      CorruptBatchError,
    )
  })

  it('refuses an address spelled out that the registry holds, or named by number twice', () => {
    expect(thrown(() => decodeWith(payload, withRecipients.newAddresses.slice(0, 1)))).toEqual(
      new CorruptBatchError('column addresses: invalid address', {
        details: `${withRecipients.newAddresses[0]} is in the address registry, so it is named by number (offset 21)`,
      }),
    )
    // An encoder that gives every address number 0: the second is then the first again.
    const allZero: AddressRegistryIndex = { indexOf: () => 0 }
    const twice = encodeBatch(blocks, { chainId: CHAIN_ID, registry: allZero })
    expect(thrown(() => decodeWith(twice, withRecipients.newAddresses.slice(0, 1)))).toBeInstanceOf(
      CorruptBatchError,
    )
    expect(thrown(() => decodeWith(twice, withRecipients.newAddresses.slice(0, 1)))).toHaveProperty(
      'message',
      expect.stringMatching(/is already in the table, so it is named by place/),
    )
  })
})

describe('decodeBatch on damaged or hostile payloads', () => {
  it('reads a hand-built payload of one empty block (the layout the tests below damage)', () => {
    expect(decode(payloadWith(emptyBlock)).blocks).toEqual([
      {
        number: 1n,
        timestamp: 1_750_000_000n,
        coinbase: `0x${'00'.repeat(20)}`,
        gasLimit: 30_000_000n,
        extraData: '0x',
        prevRandao: undefined,
        miniBlocks: [],
      },
    ])
  })

  it('refuses every truncation of a batch', () => {
    for (let length = 0; length < payload.length; length++) {
      const error = thrown(() => decode(payload.subarray(0, length)))
      expect(error, `cut at ${length}`).toBeInstanceOf(BatchError)
    }
  })

  it('never returns anything unreadable, nor fails other than with a BatchError, whatever byte is changed', () => {
    let refused = 0
    let decoded = 0
    for (let position = 0; position < payload.length; position++)
      for (const change of [0x01, 0x80, 0xff]) {
        const damaged = payload.slice()
        damaged[position]! ^= change
        try {
          const batch = decode(damaged)
          // A change in a value (an amount, a signature) still decodes; it must decode to transactions.
          for (const block of batch.blocks)
            for (const miniBlock of block.miniBlocks) for (const raw of miniBlock) decodeTransaction(raw)
          decoded++
        } catch (error) {
          expect(error, `byte ${position} ^ ${change}`).toBeInstanceOf(BatchError)
          refused++
        }
      }
    // Changes to values (most bytes are signatures) still decode, to other transactions: the checksum
    // of compressBatch catches those. Changes to the structure are refused.
    expect(refused).toBeGreaterThan(0)
    expect(decoded).toBeGreaterThan(0)
  })

  it('refuses trailing bytes after the last column, and in a column', () => {
    const longer = new Uint8Array(payload.length + 1)
    longer.set(payload)
    expect(thrown(() => decode(longer))).toEqual(new CorruptBatchError('batch payload has 1 unread bytes'))
    const padded = payloadWith({ ...emptyBlock, blockOverrides: (w) => w.u8(0) })
    expect(thrown(() => decode(padded))).toEqual(
      new CorruptBatchError('column blockOverrides has 1 unread bytes'),
    )
  })

  it('refuses counts beyond the format limits before allocating', () => {
    const blocks = payloadWith(emptyBlock, (w) => {
      w.uvarint(1)
      w.uvarint(MAX_BLOCKS_PER_BATCH + 1)
    })
    expect(thrown(() => decode(blocks))).toBeInstanceOf(CorruptBatchError)
    // 2^50 mini-blocks, 2^40 addresses: refused by the bytes that would have to hold them.
    const miniBlocks = payloadWith({ ...emptyBlock, miniBlockCounts: (w) => w.uvarint(2 ** 50) })
    expect(thrown(() => decode(miniBlocks))).toBeInstanceOf(TruncatedBatchError)
    const addresses = payloadWith({ ...emptyBlock, addresses: (w) => w.uvarint(2 ** 40) })
    expect(thrown(() => decode(addresses))).toBeInstanceOf(TruncatedBatchError)
  })

  it('refuses a call with more words than a transaction can hold', () => {
    const oneTransaction = {
      blockTimestamps: (w: ByteWriter) => w.uvarint(1_750_000_000),
      blockFlags: (w: ByteWriter) => w.u8(0),
      miniBlockCounts: (w: ByteWriter) => w.uvarint(1),
      miniBlockSizes: (w: ByteWriter) => w.uvarint(1),
      addresses: (w: ByteWriter) => {
        w.uvarint(1)
        w.bytes(new Uint8Array(20).fill(1))
      },
      feeTable: (w: ByteWriter) => {
        w.uvarint(1)
        for (let i = 0; i < 4; i++) w.u8(0)
      },
      feeIndexes: (w: ByteWriter) => w.uvarint(0),
      txFlags: (w: ByteWriter) => w.u8(2 | (2 << 6)), // EIP-1559, ABI data
      nonces: (w: ByteWriter) => w.uvarint(0),
      gasLimits: (w: ByteWriter) => w.uvarint(21_000),
      recipients: (w: ByteWriter) => w.uvarint(0),
      valueExponents: (w: ByteWriter) => w.u8(0),
      valueMantissas: (w: ByteWriter) => w.uvarint(0),
      selectors: (w: ByteWriter) => w.bytes(new Uint8Array(4)),
      wordCounts: (w: ByteWriter) => w.uvarint(5_000),
      wordTags: (w: ByteWriter) => w.bytes(new Uint8Array(5_000)),
      signatureR: (w: ByteWriter) => w.fixed(1n, 32),
      signatureYParityAndS: (w: ByteWriter) => w.fixed(1n, 32),
    }
    expect(thrown(() => decode(payloadWith(oneTransaction)))).toEqual(
      new BatchLimitError('column wordCounts: word count 5000 exceeds the limit 4095'),
    )
    // The same with 3 zero words decodes: the layout above is right but for the count.
    const fine = decode(
      payloadWith({
        ...oneTransaction,
        wordCounts: (w) => w.uvarint(3),
        wordTags: (w) => w.bytes(new Uint8Array(3)),
      }),
    )
    expect(fine.blocks[0]!.miniBlocks[0]![0]![0]).toBe(2)
  })

  it('refuses non-canonical varints, unknown flags and signatures out of range', () => {
    const padded = payloadWith({ ...emptyBlock, miniBlockCounts: (w) => w.bytes(Uint8Array.of(0x80, 0x00)) })
    expect(thrown(() => decode(padded))).toEqual(
      new CorruptBatchError('column miniBlockCounts: invalid mini-block count', {
        details: 'non-canonical varint (trailing zero byte) (offset 2)',
      }),
    )
    const flags = payloadWith({ ...emptyBlock, blockFlags: (w) => w.u8(0x10) })
    expect(thrown(() => decode(flags))).toBeInstanceOf(CorruptBatchError)
    const oneTransfer = encodeBatch(chainOfBlocks([{ miniBlocks: [[transactions[4]!]] }]), {
      chainId: CHAIN_ID,
    })
    // The last 32 bytes are yParity (top bit) and s: s = 2^255 - 1 is above n/2 (EIP-2), which the
    // encoder cannot have written.
    const highS = oneTransfer.slice()
    highS.fill(0xff, highS.length - 32)
    expect(thrown(() => decode(highS))).toEqual(
      new CorruptBatchError('column signatureR: invalid signature', {
        details: 'r or s out of range (EIP-2: s at most n/2) (offset 32)',
      }),
    )
  })
})
