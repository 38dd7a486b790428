/**
 * The batches on L1, in inbox order, from an L1 node alone:
 *
 *   FramePosted logs (readContractLogs) ──▶ each frame's data: the calldata of the transaction
 *   (postCalldataFrame's `frame`, keccak256 = dataHashes[0]) or its blobs (fetchBlobs; each blob's
 *   KZG versioned hash = dataHashes[i]) ──▶ frames 0 … count − 1 of one range ──▶ decodeBatchFromL1
 *
 * Everything read is untrusted: a frame whose data does not match what the inbox recorded, frames
 * out of order, or more bytes than a batch can hold stop the read with an L1DataError; a batch
 * that does not decode stops it with the BatchError. A batch whose last frame is not on L1 yet
 * (the batcher is posting it) is not yielded.
 */
import {
  type Address,
  blobsToCommitments,
  commitmentsToVersionedHashes,
  decodeFunctionData,
  type Hash,
  type Hex,
  type Kzg,
  keccak256,
  type PublicClient,
} from 'viem'
import { hexToBytes } from '../primitives/hex.ts'
import { MemoryAddressRegistry } from './addressRegistry.ts'
import type { DecodedBatch } from './batchFormat.ts'
import { BYTES_PER_BLOB, MAX_BLOBS_PER_TRANSACTION } from './blobs.ts'
import { decodeBatchFromL1 } from './decodeBatchFromL1.ts'
import { L1DataError } from './derivationErrors.ts'
import type { L1Post } from './encodeBatchForL1.ts'
import { MAX_BATCH_DATA_BYTES } from './frames.ts'
import type { L1View } from './l1View.ts'
import { batchInboxAbi } from './postBatch.ts'
import { readContractLogs } from './readContractLogs.ts'

/**
 * The most raw bytes (calldata frames, or whole blobs) one batch may take before it is decoded:
 * twice the largest batch data, which covers blob encoding (31 data bytes in 32) and frame
 * headers with room to spare, and stops a run of near-empty blob frames from filling memory.
 */
export const MAX_PENDING_BATCH_BYTES = 2 * MAX_BATCH_DATA_BYTES

/** BatchInbox.DataSource. */
const SOURCE_CALLDATA = 0
const SOURCE_BLOBS = 1

/**
 * The blobs of one type-3 transaction, in order. anvil answers anvil_getBlobsByTransactionHash
 * (fetchBlobsFromAnvil); a real L1's beacon node the Beacon API (fetchBlobsFromBeacon, by the
 * block's slot): whichever it is, the blobs are checked against the inbox's versioned hashes.
 */
export type FetchBlobs = (transaction: {
  hash: Hash
  l1BlockNumber: bigint
  blobVersionedHashes: readonly Hash[]
}) => Promise<Uint8Array[]>

export type L1BatchRecord = {
  firstBlock: bigint
  lastBlock: bigint
  frameCount: number
  /** The L1 block of the batch's last frame. */
  l1BlockNumber: bigint
  batch: DecodedBatch
}

export type ReadL1BatchesOptions = {
  inbox: Address
  chainId: bigint
  fromL1Block: bigint
  toL1Block: bigint
  /** Needed only if a frame is in blobs; blobs are checked with `kzg`. */
  fetchBlobs?: FetchBlobs
  kzg?: Kzg
  blockRange?: bigint
  /** Notes every L1 block read from (the frames' logs and transactions), to check for reorganisations. */
  view?: L1View
}

type FrameEvent = {
  frameNumber: bigint
  firstBlock: bigint
  lastBlock: bigint
  frameIndex: number
  frameCount: number
  source: number
  dataHashes: readonly Hash[]
}

type PendingBatch = { firstBlock: bigint; lastBlock: bigint; count: number; posts: L1Post[]; bytes: number }

export async function* readL1Batches(
  client: PublicClient,
  options: ReadL1BatchesOptions,
): AsyncGenerator<L1BatchRecord> {
  let pending: PendingBatch | undefined
  // Each batch names earlier batches' addresses by number: the registry grows batch by batch.
  const registry = new MemoryAddressRegistry()
  for await (const log of readContractLogs(client, {
    address: options.inbox,
    abi: batchInboxAbi,
    eventName: 'FramePosted',
    fromBlock: options.fromL1Block,
    toBlock: options.toL1Block,
    ...(options.blockRange !== undefined ? { blockRange: options.blockRange } : {}),
    ...(options.view ? { view: options.view } : {}),
  })) {
    const event = log.args as FrameEvent
    const where = `frame ${event.frameNumber} (blocks ${event.firstBlock}..${event.lastBlock}, ${event.frameIndex + 1} of ${event.frameCount}, L1 transaction ${log.transactionHash})`
    if (event.frameIndex === 0) {
      if (pending)
        throw new L1DataError(`${where} starts a batch before the last one was complete`, {
          details: `blocks ${pending.firstBlock}..${pending.lastBlock} have ${pending.posts.length} of ${pending.count} frames`,
        })
      pending = {
        firstBlock: event.firstBlock,
        lastBlock: event.lastBlock,
        count: event.frameCount,
        posts: [],
        bytes: 0,
      }
    } else if (
      !pending ||
      pending.firstBlock !== event.firstBlock ||
      pending.lastBlock !== event.lastBlock ||
      pending.count !== event.frameCount ||
      pending.posts.length !== event.frameIndex
    )
      throw new L1DataError(`${where} is out of order`, {
        details: pending
          ? `expected frame ${pending.posts.length + 1} of ${pending.count} of blocks ${pending.firstBlock}..${pending.lastBlock}`
          : 'no batch was started by a frame 1',
      })
    const post = await readFrameData(client, options, event, log, where)
    pending.bytes += post.source === 'calldata' ? post.frame.length : post.blobs.length * BYTES_PER_BLOB
    if (pending.bytes > MAX_PENDING_BATCH_BYTES)
      throw new L1DataError(`${where} takes the batch over ${MAX_PENDING_BATCH_BYTES} bytes`)
    pending.posts.push(post)
    if (pending.posts.length < pending.count) continue
    const batch = decodeBatchFromL1(pending.posts, {
      chainId: options.chainId,
      firstBlock: pending.firstBlock,
      lastBlock: pending.lastBlock,
      registry,
    })
    registry.append(batch.newAddresses)
    yield {
      firstBlock: pending.firstBlock,
      lastBlock: pending.lastBlock,
      frameCount: pending.count,
      l1BlockNumber: log.blockNumber,
      batch,
    }
    pending = undefined
  }
}

/** The frame one FramePosted announces, checked against its data hashes. */
async function readFrameData(
  client: PublicClient,
  options: ReadL1BatchesOptions,
  event: FrameEvent,
  log: { transactionHash: Hash; blockNumber: bigint },
  where: string,
): Promise<L1Post> {
  const transaction = await client.getTransaction({ hash: log.transactionHash })
  // A reorganisation can move or unmine the transaction after its log was read: the view says so.
  if (transaction.blockNumber === null || transaction.blockHash === null)
    options.view?.noteChange(`L1 transaction ${log.transactionHash} of ${where} is no longer mined`)
  else options.view?.note(transaction.blockNumber, transaction.blockHash)
  if (transaction.to?.toLowerCase() !== options.inbox.toLowerCase())
    throw new L1DataError(`${where} was not posted by a direct call to the inbox`, {
      details: `the transaction calls ${transaction.to ?? 'nothing (a creation)'}; only direct calls are read`,
    })
  if (event.source === SOURCE_CALLDATA) {
    const frame = calldataFrameOf(transaction.input, event, where)
    if (keccak256(frame) !== event.dataHashes[0] || event.dataHashes.length !== 1)
      throw new L1DataError(`${where}: the calldata does not match the data hash the inbox recorded`, {
        details: `keccak256 of the frame is ${keccak256(frame)}, the event has [${event.dataHashes.join(', ')}]`,
      })
    return { source: 'calldata', frame: hexToBytes(frame) }
  }
  if (event.source !== SOURCE_BLOBS) throw new L1DataError(`${where} has unknown data source ${event.source}`)
  if (event.dataHashes.length === 0 || event.dataHashes.length > MAX_BLOBS_PER_TRANSACTION)
    throw new L1DataError(`${where} announces ${event.dataHashes.length} blobs`, {
      details: `a blob frame has 1..${MAX_BLOBS_PER_TRANSACTION}`,
    })
  if (!options.fetchBlobs || !options.kzg)
    throw new L1DataError(`${where} is in blobs, and no blob source was given`, {
      details: 'a real L1 needs a beacon node or blob archive (fetchBlobs) and a KZG setup (loadKzg)',
    })
  const blobs = await options.fetchBlobs({
    hash: log.transactionHash,
    l1BlockNumber: log.blockNumber,
    blobVersionedHashes: event.dataHashes,
  })
  if (blobs.length !== event.dataHashes.length || blobs.some((blob) => blob.length !== BYTES_PER_BLOB))
    throw new L1DataError(`${where}: the blob source gave ${blobs.length} blobs`, {
      details: `expected ${event.dataHashes.length} of ${BYTES_PER_BLOB} bytes each`,
    })
  const versionedHashes = commitmentsToVersionedHashes({
    commitments: blobsToCommitments({ blobs, kzg: options.kzg, to: 'bytes' }),
    to: 'hex',
  })
  for (const [i, hash] of versionedHashes.entries())
    if (hash !== event.dataHashes[i])
      throw new L1DataError(`${where}: blob ${i} does not match the versioned hash the inbox recorded`, {
        details: `its KZG commitment gives ${hash}, the event has ${event.dataHashes[i]}`,
      })
  return { source: 'blobs', blobs }
}

/** postCalldataFrame's `frame`, after checking the call's range and position are the event's. */
function calldataFrameOf(input: Hex, event: FrameEvent, where: string): Hex {
  let call: ReturnType<typeof decodeFunctionData<typeof batchInboxAbi>>
  try {
    call = decodeFunctionData({ abi: batchInboxAbi, data: input })
  } catch (error) {
    throw new L1DataError(`${where}: the transaction input is not an inbox call`, { cause: error })
  }
  const args = call.args ?? []
  if (
    call.functionName !== 'postCalldataFrame' ||
    args[0] !== event.firstBlock ||
    args[1] !== event.lastBlock ||
    args[2] !== event.frameIndex ||
    args[3] !== event.frameCount ||
    typeof args[4] !== 'string'
  )
    throw new L1DataError(`${where}: the transaction is not the postCalldataFrame call the event announces`, {
      details: `it calls ${call.functionName}`,
    })
  return args[4] as Hex
}
