import type { Address } from 'viem'
import type { AddressRegistryIndex } from './addressRegistry.ts'
import type { BatchBlock } from './batchFormat.ts'
import { bytesToBlobs } from './blobs.ts'
import { compressBatch } from './compressBatch.ts'
import { encodeBatchPayload } from './encodeBatch.ts'
import { BLOB_FRAME_CAPACITY, CALLDATA_FRAME_CAPACITY, splitFrames } from './frames.ts'

export type DataSource = 'calldata' | 'blobs'

/** What one L1 transaction to the inbox carries: a frame as calldata, or the blobs holding it. */
export type L1Post = { source: 'calldata'; frame: Uint8Array } | { source: 'blobs'; blobs: Uint8Array[] }

export type L1Batch = {
  firstBlock: bigint
  lastBlock: bigint
  /** In order; posted one per transaction as frame i of posts.length. */
  posts: L1Post[]
  /** Sizes along the way: payload (uncompressed) and batch data (compressed, with its checksum). */
  payloadBytes: number
  batchDataBytes: number
  /** The addresses it spells out: what it adds to the address registry once posted. */
  newAddresses: Address[]
}

/**
 * Sealed blocks → what the batcher posts: encodeBatch → compressBatch → splitFrames → each frame
 * as calldata or as blobs. decodeBatchFromL1 is the inverse.
 */
export function encodeBatchForL1(
  blocks: readonly BatchBlock[],
  options: { chainId: bigint; source: DataSource; registry?: AddressRegistryIndex },
): L1Batch {
  const { payload, newAddresses } = encodeBatchPayload(blocks, {
    chainId: options.chainId,
    ...(options.registry ? { registry: options.registry } : {}),
  })
  const data = compressBatch(payload)
  const frames = splitFrames(
    data,
    options.source === 'calldata' ? CALLDATA_FRAME_CAPACITY : BLOB_FRAME_CAPACITY,
  )
  // encodeBatch refuses an empty or oversized list, so the range is there.
  const firstBlock = blocks[0]!.header.number
  return {
    firstBlock,
    lastBlock: firstBlock + BigInt(blocks.length - 1),
    posts: frames.map(
      (frame): L1Post =>
        options.source === 'calldata'
          ? { source: 'calldata', frame }
          : { source: 'blobs', blobs: bytesToBlobs(frame) },
    ),
    payloadBytes: payload.length,
    batchDataBytes: data.length,
    newAddresses,
  }
}
