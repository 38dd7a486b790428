import type { AddressRegistry } from './addressRegistry.ts'
import type { DecodedBatch } from './batchFormat.ts'
import { blobsToBytes } from './blobs.ts'
import { decompressBatch } from './compressBatch.ts'
import { decodeBatch } from './decodeBatch.ts'
import type { L1Post } from './encodeBatchForL1.ts'
import { CorruptBatchError } from './errors.ts'
import { joinFrames } from './frames.ts'

/**
 * What the inbox received for one batch (its posts, in frame order) → the batch's blocks: each post's
 * frame (calldata, or read out of its blobs) → joinFrames → decompressBatch → decodeBatch. With the
 * range the inbox recorded, the blocks must be exactly that range. Any failure throws a BatchError.
 */
export function decodeBatchFromL1(
  posts: readonly L1Post[],
  options: { chainId: bigint; firstBlock?: bigint; lastBlock?: bigint; registry?: AddressRegistry },
): DecodedBatch {
  const frames = posts.map((post) => (post.source === 'calldata' ? post.frame : blobsToBytes(post.blobs)))
  const batch = decodeBatch(decompressBatch(joinFrames(frames)), {
    chainId: options.chainId,
    ...(options.registry ? { registry: options.registry } : {}),
  })
  const first = batch.blocks[0]!.number
  const last = batch.blocks[batch.blocks.length - 1]!.number
  if (
    (options.firstBlock !== undefined && options.firstBlock !== first) ||
    (options.lastBlock !== undefined && options.lastBlock !== last)
  )
    throw new CorruptBatchError(`batch holds blocks ${first}..${last}`, {
      details: `the inbox recorded ${options.firstBlock ?? '?'}..${options.lastBlock ?? '?'}`,
    })
  return batch
}
