/**
 * BatchInbox and StateCommitments on a real L1 (anvil, Prague, started on a free loopback port):
 * who may post, contiguity of batches and order of commitments with their revert reasons, what the
 * events carry (a verifier rebuilds the batches from eth_getLogs, transaction input and blobs
 * alone), finality after the challenge window, and the gas chooseDataPath predicts. The tests run
 * in order on one chain, each on the batches the earlier ones posted.
 */

import { randomBytes } from 'node:crypto'
import {
  type Abi,
  BaseError,
  ContractFunctionRevertedError,
  concatHex,
  createPublicClient,
  createWalletClient,
  decodeFunctionData,
  type Hash,
  type Hex,
  http,
  keccak256,
  type PublicClient,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Anvil, startAnvil } from '../../bench/evm/anvil.ts'
import BatchInboxArtifact from '../../contracts/artifacts/BatchInbox.json' with { type: 'json' }
import StateCommitmentsArtifact from '../../contracts/artifacts/StateCommitments.json' with { type: 'json' }
import { CHAIN_ID, chainOfBlocks, signedTransactionsOfEveryType } from '../../src/l1/batchFixture.ts'
import type { BatchBlock } from '../../src/l1/batchFormat.ts'
import { blobPostGas, calldataPostGas } from '../../src/l1/chooseDataPath.ts'
import { compressBatch } from '../../src/l1/compressBatch.ts'
import { decodeBatchFromL1 } from '../../src/l1/decodeBatchFromL1.ts'
import { encodeBatch } from '../../src/l1/encodeBatch.ts'
import { encodeBatchForL1, type L1Post } from '../../src/l1/encodeBatchForL1.ts'
import { splitFrames } from '../../src/l1/frames.ts'
import { loadKzg } from '../../src/l1/loadKzg.ts'
import { batchInboxAbi, postBatch } from '../../src/l1/postBatch.ts'
import { bytesToHex, hexToBytes } from '../../src/primitives/hex.ts'

const inboxAbi = batchInboxAbi
const commitmentsAbi = StateCommitmentsArtifact.abi as Abi
/** anvil's first two development keys: the batcher (and proposer), and someone else. */
const batcher = privateKeyToAccount('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80')
const stranger = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d')
const CHALLENGE_WINDOW = 7n * 24n * 3600n

let anvil: Anvil
let publicClient: PublicClient
const walletOf = (account: typeof batcher) =>
  createWalletClient({ account, chain: foundry, transport: http(anvil.url) })
let inbox: Hex
let commitments: Hex

/** The error a contract call reverts with, decoded with its ABI. */
async function revertOf(call: Promise<unknown>): Promise<{ errorName: string; args: readonly unknown[] }> {
  try {
    await call
  } catch (error) {
    const revert =
      error instanceof BaseError ? error.walk((e) => e instanceof ContractFunctionRevertedError) : null
    if (revert instanceof ContractFunctionRevertedError && revert.data)
      return { errorName: revert.data.errorName, args: revert.data.args ?? [] }
    throw error
  }
  throw new Error('the call did not revert')
}

async function deploy(artifact: { abi: unknown; bytecode: string }, args: unknown[]): Promise<Hex> {
  const hash = await walletOf(batcher).deployContract({
    abi: artifact.abi as Abi,
    bytecode: artifact.bytecode as Hex,
    args,
  })
  const receipt = await publicClient.waitForTransactionReceipt({ hash })
  if (!receipt.contractAddress) throw new Error('deployment failed')
  return receipt.contractAddress
}

const postCalldata = (
  account: typeof batcher,
  range: readonly [bigint, bigint, number, number],
  frame: Hex,
) =>
  walletOf(account).writeContract({
    address: inbox,
    abi: inboxAbi,
    functionName: 'postCalldataFrame',
    args: [...range, frame],
  })

/** Posts a frame and waits until it is mined: a read made before then may see the state before it. */
async function postCalldataMined(
  account: typeof batcher,
  range: readonly [bigint, bigint, number, number],
  frame: Hex,
): Promise<void> {
  const receipt = await publicClient.waitForTransactionReceipt({
    hash: await postCalldata(account, range, frame),
  })
  if (receipt.status !== 'success') throw new Error(`the frame post ${receipt.transactionHash} reverted`)
}

const transactions = Object.values(await signedTransactionsOfEveryType())
/** L2 blocks 1..8, linked by hash (not executable: a batch does not care); posted in order below. */
const chain = chainOfBlocks(
  Array.from({ length: 8 }, (_, i) => ({ miniBlocks: i % 3 === 2 ? [] : [transactions.slice(i, i + 3)] })),
)
const blocksFrom = (first: number, last: number): BatchBlock[] => chain.slice(first - 1, last)

/** What a verifier does: every FramePosted, its data (transaction input, or blobs from the node). */
async function framesFromL1(): Promise<
  { first: bigint; last: bigint; index: number; count: number; post: L1Post }[]
> {
  const logs = await publicClient.getContractEvents({
    address: inbox,
    abi: inboxAbi,
    eventName: 'FramePosted',
    fromBlock: 0n,
  })
  const frames = []
  for (const log of logs) {
    const args = log.args as {
      firstBlock: bigint
      lastBlock: bigint
      frameIndex: number
      frameCount: number
      source: number
      dataHashes: Hash[]
    }
    let post: L1Post
    if (args.source === 0) {
      const tx = await publicClient.getTransaction({ hash: log.transactionHash })
      const { args: call } = decodeFunctionData({ abi: inboxAbi, data: tx.input })
      const frame = call![4] as Hex
      expect(keccak256(frame)).toBe(args.dataHashes[0])
      post = { source: 'calldata', frame: hexToBytes(frame) }
    } else {
      const blobs = (await anvil.call('anvil_getBlobsByTransactionHash', [log.transactionHash])) as Hex[]
      const tx = await publicClient.getTransaction({ hash: log.transactionHash })
      expect(tx.blobVersionedHashes).toEqual(args.dataHashes)
      post = { source: 'blobs', blobs: blobs.map(hexToBytes) }
    }
    frames.push({
      first: args.firstBlock,
      last: args.lastBlock,
      index: args.frameIndex,
      count: args.frameCount,
      post,
    })
  }
  return frames
}

beforeAll(async () => {
  anvil = await startAnvil()
  publicClient = createPublicClient({ chain: foundry, transport: http(anvil.url) })
  inbox = await deploy(BatchInboxArtifact, [batcher.address, 1n])
  commitments = await deploy(StateCommitmentsArtifact, [batcher.address, inbox, CHALLENGE_WINDOW])
})

afterAll(async () => {
  await anvil?.stop()
})

describe('BatchInbox', () => {
  it('takes batches from the batcher only', async () => {
    const batch = encodeBatchForL1(blocksFrom(1, 2), { chainId: CHAIN_ID, source: 'calldata' })
    const post = batch.posts[0]!
    if (post.source !== 'calldata') throw new Error('calldata batch expected')
    expect(await revertOf(postCalldata(stranger, [1n, 2n, 0, 1], bytesToHex(post.frame)))).toEqual({
      errorName: 'NotBatcher',
      args: [stranger.address],
    })
    const [receipt] = await postBatch(walletOf(batcher), { inbox, batch })
    expect(receipt!.status).toBe('success')
    expect(
      await publicClient.readContract({ address: inbox, abi: inboxAbi, functionName: 'nextBlock' }),
    ).toBe(3n)
  })

  it('refuses a gap, an overlap, an empty range and an impossible frame position, with their reasons', async () => {
    const frame = '0x01'
    expect(await revertOf(postCalldata(batcher, [4n, 5n, 0, 1], frame))).toEqual({
      errorName: 'BatchGap',
      args: [3n, 4n],
    })
    expect(await revertOf(postCalldata(batcher, [2n, 5n, 0, 1], frame))).toEqual({
      errorName: 'BatchOverlap',
      args: [3n, 2n],
    })
    expect(await revertOf(postCalldata(batcher, [3n, 2n, 0, 1], frame))).toEqual({
      errorName: 'EmptyRange',
      args: [3n, 2n],
    })
    expect(await revertOf(postCalldata(batcher, [3n, 4n, 1, 1], frame))).toEqual({
      errorName: 'InvalidFramePosition',
      args: [1, 1],
    })
    expect(await revertOf(postCalldata(batcher, [3n, 4n, 0, 1], '0x'))).toEqual({
      errorName: 'EmptyFrame',
      args: [],
    })
  })

  it('takes the frames of a large batch in order only, the range advancing with the last', async () => {
    // Frames of 150 bytes: blocks 3..5 need several.
    const frames = splitFrames(compressBatch(encodeBatch(blocksFrom(3, 5), { chainId: CHAIN_ID })), 150)
    const count = frames.length
    expect(count).toBeGreaterThan(2)
    await postCalldataMined(batcher, [3n, 5n, 0, count], bytesToHex(frames[0]!))
    expect(await revertOf(postCalldata(batcher, [6n, 6n, 0, 1], bytesToHex(frames[1]!)))).toEqual({
      errorName: 'UnexpectedFrame',
      args: [3n, 5n, 1, count],
    })
    expect(await revertOf(postCalldata(batcher, [3n, 5n, 2, count], bytesToHex(frames[2]!)))).toEqual({
      errorName: 'UnexpectedFrame',
      args: [3n, 5n, 1, count],
    })
    for (let index = 1; index < count; index++) {
      await postCalldataMined(batcher, [3n, 5n, index, count], bytesToHex(frames[index]!))
      const next = await publicClient.readContract({
        address: inbox,
        abi: inboxAbi,
        functionName: 'nextBlock',
      })
      expect(next).toBe(index === count - 1 ? 6n : 3n)
    }
  })

  it('takes blobs through a type-3 transaction and records their versioned hashes', async () => {
    const batch = encodeBatchForL1(blocksFrom(6, 8), { chainId: CHAIN_ID, source: 'blobs' })
    const [receipt] = await postBatch(walletOf(batcher), { inbox, batch, kzg: loadKzg() })
    expect(receipt!.type).toBe('eip4844')
    expect(receipt!.blobGasUsed).toBe(131_072n)
    const tx = await publicClient.getTransaction({ hash: receipt!.transactionHash })
    const hashes = tx.blobVersionedHashes!
    expect(hashes).toHaveLength(1)
    const frameNumber = (await publicClient.readContract({
      address: inbox,
      abi: inboxAbi,
      functionName: 'frameCountPosted',
    })) as bigint
    const record = (await publicClient.readContract({
      address: inbox,
      abi: inboxAbi,
      functionName: 'frameAt',
      args: [frameNumber - 1n],
    })) as { firstBlock: bigint; lastBlock: bigint; source: number; dataHash: Hash }
    expect(record).toMatchObject({
      firstBlock: 6n,
      lastBlock: 8n,
      source: 1,
      dataHash: keccak256(concatHex(hashes)),
    })
  })

  it('refuses a blob frame without blobs, and blobs sent with a calldata frame', async () => {
    const wallet = walletOf(batcher)
    const noBlobs = wallet.writeContract({
      address: inbox,
      abi: inboxAbi,
      functionName: 'postBlobFrame',
      args: [9n, 9n, 0, 1],
    })
    expect(await revertOf(noBlobs)).toEqual({ errorName: 'NoBlobs', args: [] })
    const blobs = encodeBatchForL1(chainOfBlocks([{ miniBlocks: [] }], { first: 9n }), {
      chainId: CHAIN_ID,
      source: 'blobs',
    }).posts[0]!
    if (blobs.source !== 'blobs') throw new Error('blob batch expected')
    const withBlobs = wallet.writeContract({
      address: inbox,
      abi: inboxAbi,
      functionName: 'postCalldataFrame',
      args: [9n, 9n, 0, 1, '0x01'],
      blobs: blobs.blobs,
      kzg: loadKzg(),
      maxFeePerBlobGas: 10n,
    })
    expect(await revertOf(withBlobs)).toEqual({ errorName: 'BlobsWithCalldataFrame', args: [] })
  })

  it('emits what a verifier needs: from eth_getLogs and L1 data alone, every batch decodes to its blocks', async () => {
    const frames = await framesFromL1()
    const batches: { first: bigint; last: bigint; posts: L1Post[] }[] = []
    for (const frame of frames) {
      if (frame.index === 0) batches.push({ first: frame.first, last: frame.last, posts: [] })
      batches[batches.length - 1]!.posts.push(frame.post)
    }
    expect(batches.map((batch) => [batch.first, batch.last, batch.posts.length])).toEqual([
      [1n, 2n, 1],
      [3n, 5n, expect.any(Number)],
      [6n, 8n, 1],
    ])
    for (const batch of batches) {
      const decoded = decodeBatchFromL1(batch.posts, {
        chainId: CHAIN_ID,
        firstBlock: batch.first,
        lastBlock: batch.last,
      })
      expect(decoded.parentHash).toBe(chain[Number(batch.first) - 1]!.header.parentHash)
      for (const block of decoded.blocks) {
        const original = chain[Number(block.number) - 1]!
        expect(block.timestamp).toBe(original.header.timestamp)
        expect(block.miniBlocks.map((m) => m.map(bytesToHex))).toEqual(
          original.miniBlocks.map((m) => m.map(bytesToHex)),
        )
      }
    }
  })
})

describe('StateCommitments', () => {
  const blockHash = (number: bigint): Hash => `0x${number.toString(16).padStart(64, 'b')}`
  const stateRoot = (number: bigint): Hash => `0x${number.toString(16).padStart(64, '5')}`
  const commit = (account: typeof batcher, number: bigint) =>
    walletOf(account).writeContract({
      address: commitments,
      abi: commitmentsAbi,
      functionName: 'commit',
      args: [number, blockHash(number), stateRoot(number)],
    })
  const read = (functionName: string, args: unknown[]) =>
    publicClient.readContract({ address: commitments, abi: commitmentsAbi, functionName, args })

  it('takes commitments from the proposer only, for posted blocks, in increasing order', async () => {
    expect(await revertOf(commit(stranger, 2n))).toEqual({
      errorName: 'NotProposer',
      args: [stranger.address],
    })
    // The inbox holds blocks 1..8 by now.
    expect(await revertOf(commit(batcher, 9n))).toEqual({
      errorName: 'CommitmentBeyondPostedBatches',
      args: [8n, 9n],
    })
    const hash = await commit(batcher, 5n)
    const receipt = await publicClient.waitForTransactionReceipt({ hash })
    const [log] = await publicClient.getContractEvents({
      address: commitments,
      abi: commitmentsAbi,
      eventName: 'StateCommitted',
      blockHash: receipt.blockHash,
    })
    const block = await publicClient.getBlock({ blockHash: receipt.blockHash })
    expect(log!.args).toEqual({
      index: 0n,
      l2BlockNumber: 5n,
      blockHash: blockHash(5n),
      stateRoot: stateRoot(5n),
      committedAt: block.timestamp,
    })
    expect(await revertOf(commit(batcher, 5n))).toEqual({
      errorName: 'CommitmentNotAfterLatest',
      args: [5n, 5n],
    })
    expect(await revertOf(commit(batcher, 4n))).toEqual({
      errorName: 'CommitmentNotAfterLatest',
      args: [5n, 4n],
    })
    expect(await revertOf(read('isFinalized', [4n]))).toEqual({ errorName: 'UnknownCommitment', args: [4n] })
  })

  it('tells a commitment final once its challenge window has passed (evm_increaseTime)', async () => {
    const hash = await commit(batcher, 8n)
    const committed = await publicClient.getBlock({
      blockHash: (await publicClient.waitForTransactionReceipt({ hash })).blockHash,
    })
    const finalAt = committed.timestamp + CHALLENGE_WINDOW
    const finalizedNow = async () => {
      const latest = await publicClient.getBlock()
      return { timestamp: latest.timestamp, finalized: await read('isFinalized', [8n]) }
    }
    expect(await finalizedNow()).toEqual({ timestamp: committed.timestamp, finalized: false })
    await anvil.call('evm_increaseTime', [Number(CHALLENGE_WINDOW / 2n)])
    await anvil.call('evm_mine', [])
    expect((await finalizedNow()).finalized).toBe(false)
    // One second short of the window, then exactly at its end.
    await anvil.call('evm_setNextBlockTimestamp', [Number(finalAt - 1n)])
    await anvil.call('evm_mine', [])
    expect(await finalizedNow()).toEqual({ timestamp: finalAt - 1n, finalized: false })
    await anvil.call('evm_increaseTime', [1])
    await anvil.call('evm_mine', [])
    const after = await finalizedNow()
    expect(after.timestamp).toBeGreaterThanOrEqual(finalAt)
    expect(after.finalized).toBe(true)
    // The earlier commitment, older, is final too.
    expect(await read('isFinalized', [5n])).toBe(true)
  })
})

describe('chooseDataPath against receipts', () => {
  it('predicts the gas of calldata and blob posts within 1%', async () => {
    const measured: { what: string; predicted: bigint; gasUsed: bigint }[] = []
    let next = (await publicClient.readContract({
      address: inbox,
      abi: inboxAbi,
      functionName: 'nextBlock',
    })) as bigint
    // Not measured: the inbox's first frame also creates its frame array's length slot.
    await publicClient.waitForTransactionReceipt({
      hash: await postCalldata(batcher, [next, next, 0, 1], '0x01'),
    })
    next++
    // Frames of random bytes (as compressed data is) of 1 KB and 100 KB.
    for (const size of [1_000, 100_000]) {
      const frame = randomBytes(size)
      const hash = await postCalldata(batcher, [next, next, 0, 1], bytesToHex(frame))
      const { gasUsed } = await publicClient.waitForTransactionReceipt({ hash })
      measured.push({ what: `calldata frame of ${size} bytes`, predicted: calldataPostGas(size), gasUsed })
      next++
    }
    // Blob frames of 1 and 3 blobs.
    for (const blobs of [1, 3]) {
      const post: L1Post = {
        source: 'blobs',
        blobs: Array.from({ length: blobs }, () => new Uint8Array(131_072)),
      }
      const batch = { firstBlock: next, lastBlock: next, posts: [post], payloadBytes: 0, batchDataBytes: 0 }
      const [receipt] = await postBatch(walletOf(batcher), { inbox, batch, kzg: loadKzg() })
      expect(receipt!.blobGasUsed).toBe(BigInt(blobs) * 131_072n)
      measured.push({
        what: `blob frame of ${blobs} blobs`,
        predicted: blobPostGas(blobs),
        gasUsed: receipt!.gasUsed,
      })
      next++
    }
    for (const { what, predicted, gasUsed } of measured)
      expect(
        Math.abs(Number(predicted - gasUsed)) / Number(gasUsed),
        `${what}: ${predicted} predicted, ${gasUsed} used`,
      ).toBeLessThan(0.01)
  })
})
