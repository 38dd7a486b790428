import { describe, expect, it } from 'vitest'
import { bytesToHex } from '../primitives/hex.ts'
import { CHAIN_ID, chainOfBlocks, signedTransactionsOfEveryType } from './batchFixture.ts'
import { BATCH_VERSION } from './batchFormat.ts'
import { BYTES_PER_BLOB, blobsToBytes, bytesToBlobs } from './blobs.ts'
import { compressBatch, decompressBatch } from './compressBatch.ts'
import { decodeBatchFromL1 } from './decodeBatchFromL1.ts'
import { encodeBatch } from './encodeBatch.ts'
import { encodeBatchForL1, type L1Post } from './encodeBatchForL1.ts'
import {
  BatchError,
  BatchLimitError,
  CorruptBatchError,
  TruncatedBatchError,
  UnknownBatchVersionError,
} from './errors.ts'
import { FRAME_HEADER_BYTES, joinFrames, splitFrames } from './frames.ts'

const transactions = Object.values(await signedTransactionsOfEveryType())
const blocks = chainOfBlocks(
  Array.from({ length: 5 }, (_, i) => ({ miniBlocks: [transactions.slice(2 * i, 2 * i + 3)] })),
  { first: 41n },
)
const options = { chainId: CHAIN_ID }

function thrown(run: () => unknown): unknown {
  try {
    run()
  } catch (error) {
    return error
  }
  throw new Error('expected an error, got a result')
}

const rawsOf = (batch: { blocks: { miniBlocks: Uint8Array[][] }[] }) =>
  batch.blocks.map((block) => block.miniBlocks.map((miniBlock) => miniBlock.map(bytesToHex)))

describe('encodeBatchForL1 → decodeBatchFromL1', () => {
  for (const source of ['calldata', 'blobs'] as const)
    it(`gives the blocks back through ${source}`, () => {
      const batch = encodeBatchForL1(blocks, { ...options, source })
      expect(batch).toMatchObject({ firstBlock: 41n, lastBlock: 45n })
      expect(batch.posts).toHaveLength(1)
      const decoded = decodeBatchFromL1(batch.posts, { ...options, firstBlock: 41n, lastBlock: 45n })
      expect(rawsOf(decoded)).toEqual(blocks.map((block) => block.miniBlocks.map((m) => m.map(bytesToHex))))
    })

  it('refuses a batch whose blocks are not the range the inbox recorded', () => {
    const { posts } = encodeBatchForL1(blocks, { ...options, source: 'calldata' })
    expect(thrown(() => decodeBatchFromL1(posts, { ...options, firstBlock: 40n, lastBlock: 45n }))).toEqual(
      new CorruptBatchError('batch holds blocks 41..45', { details: 'the inbox recorded 40..45' }),
    )
  })

  it('refuses an unknown version, a missing or reordered frame, a changed or cut byte', () => {
    const data = compressBatch(encodeBatch(blocks, options))
    const frames = splitFrames(data, 200)
    expect(frames.length).toBeGreaterThan(3)
    const posts = (list: Uint8Array[]): L1Post[] => list.map((frame) => ({ source: 'calldata', frame }))
    expect(rawsOf(decodeBatchFromL1(posts(frames), options))).toEqual(
      rawsOf(decodeBatchFromL1(posts([...frames]), options)),
    )

    const future = frames.map((frame) => frame.slice())
    future[0]![0] = BATCH_VERSION + 1
    expect(thrown(() => decodeBatchFromL1(posts(future), options))).toEqual(
      new UnknownBatchVersionError(BATCH_VERSION + 1),
    )
    expect(thrown(() => decodeBatchFromL1(posts(frames.slice(0, -1)), options))).toEqual(
      new TruncatedBatchError(`${frames.length - 1} of ${frames.length} frames`),
    )
    const swapped = [frames[1]!, frames[0]!, ...frames.slice(2)]
    expect(thrown(() => decodeBatchFromL1(posts(swapped), options))).toBeInstanceOf(CorruptBatchError)
    const cut = [...frames.slice(0, -1), frames.at(-1)!.subarray(0, frames.at(-1)!.length - 1)]
    expect(thrown(() => decodeBatchFromL1(posts(cut), options))).toBeInstanceOf(TruncatedBatchError)
    // Every single changed byte of the data is caught: by the frame headers or the checksum.
    for (let i = 0; i < frames.length; i++)
      for (let j = 0; j < frames[i]!.length; j += 7) {
        const damaged = frames.map((frame) => frame.slice())
        damaged[i]![j]! ^= 0x20
        expect(
          thrown(() => decodeBatchFromL1(posts(damaged), options)),
          `frame ${i} byte ${j}`,
        ).toBeInstanceOf(BatchError)
      }
  })
})

describe('compressBatch', () => {
  it('round-trips, and catches bytes changed, cut or appended after compression', () => {
    const payload = encodeBatch(blocks, options)
    const data = compressBatch(payload)
    expect(decompressBatch(data)).toEqual(payload)
    expect(data.length).toBeLessThan(payload.length)
    const appended = new Uint8Array(data.length + 1)
    appended.set(data)
    expect(thrown(() => decompressBatch(appended))).toBeInstanceOf(CorruptBatchError)
    expect(thrown(() => decompressBatch(data.subarray(0, data.length - 1)))).toBeInstanceOf(CorruptBatchError)
    expect(thrown(() => decompressBatch(data.subarray(0, 20)))).toBeInstanceOf(TruncatedBatchError)
  })

  it('refuses to inflate past the payload limit (a decompression bomb)', async () => {
    const { brotliCompressSync, constants } = await import('node:zlib')
    const { keccak256 } = await import('../primitives/keccak256.ts')
    // 40 MiB of zeros compress to a few bytes; the limit is 32 MiB.
    const bomb = brotliCompressSync(new Uint8Array(40 * 1024 * 1024), {
      params: { [constants.BROTLI_PARAM_QUALITY]: 1 },
    })
    const data = new Uint8Array(32 + bomb.length)
    data.set(keccak256(bomb))
    data.set(bomb, 32)
    expect(thrown(() => decompressBatch(data))).toBeInstanceOf(BatchLimitError)
  })
})

describe('frames', () => {
  it('cut batch data into frames of at most the capacity, and join them back', () => {
    const data = crypto.getRandomValues(new Uint8Array(1_000))
    for (const capacity of [10, 100, 991 + FRAME_HEADER_BYTES, 1_000 + FRAME_HEADER_BYTES, 5_000]) {
      const frames = splitFrames(data, capacity)
      expect(frames.length).toBe(Math.ceil(1_000 / (capacity - FRAME_HEADER_BYTES)))
      for (const frame of frames) expect(frame.length).toBeLessThanOrEqual(capacity)
      expect(joinFrames(frames)).toEqual(data)
    }
  })

  it('refuse a frame announcing more data than the limit, before allocating it', () => {
    const frame = splitFrames(new Uint8Array(10).fill(1), 100)[0]!.slice()
    new DataView(frame.buffer).setUint32(5, 0xffffffff)
    expect(thrown(() => joinFrames([frame]))).toBeInstanceOf(BatchLimitError)
    new DataView(frame.buffer).setUint32(5, 1_000_000)
    expect(thrown(() => joinFrames([frame]))).toEqual(
      new TruncatedBatchError('frames carry 10 of 1000000 bytes'),
    )
  })
})

describe('blobs', () => {
  it('carry 31 bytes per field element, up to 6 blobs, and give back exactly the bytes', () => {
    for (const size of [0, 1, 126_972, 126_973, 6 * 126_976 - 4]) {
      const data = crypto.getRandomValues(new Uint8Array(Math.min(size, 65_536)))
      const bytes = new Uint8Array(size)
      for (let i = 0; i < size; i += data.length)
        bytes.set(data.subarray(0, Math.min(data.length, size - i)), i)
      const blobs = bytesToBlobs(bytes)
      expect(blobs.length).toBe(Math.max(1, Math.ceil((size + 4) / 126_976)))
      for (const blob of blobs) {
        expect(blob.length).toBe(BYTES_PER_BLOB)
        let nonZeroFirstBytes = 0
        for (let j = 0; j < BYTES_PER_BLOB; j += 32) if (blob[j] !== 0) nonZeroFirstBytes++
        expect(nonZeroFirstBytes).toBe(0)
      }
      expect(blobsToBytes(blobs)).toEqual(bytes)
    }
    expect(() => bytesToBlobs(new Uint8Array(6 * 126_976 - 3))).toThrow(BatchError)
  })

  it('refuse a field element over 31 bytes, data after the announced length, a missing blob', () => {
    const blobs = bytesToBlobs(new Uint8Array(130_000).fill(9))
    const high = blobs.map((blob) => blob.slice())
    high[1]![32 * 7] = 1
    expect(thrown(() => blobsToBytes(high))).toBeInstanceOf(CorruptBatchError)
    const trailing = blobs.map((blob) => blob.slice())
    trailing[1]![BYTES_PER_BLOB - 1] = 1
    expect(thrown(() => blobsToBytes(trailing))).toEqual(
      new CorruptBatchError('blob data continues after its announced 130000 bytes'),
    )
    expect(thrown(() => blobsToBytes(blobs.slice(0, 1)))).toBeInstanceOf(TruncatedBatchError)
  })
})
