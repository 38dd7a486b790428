/**
 * Settlement on L1, end to end: the chain runs with anvil mining a block a second, BatchInbox and
 * StateCommitments deployed, and the batcher Durable Object posting. Traffic goes in; the batcher
 * must post every sealed block once, in contiguous ranges, commit the right hashes and roots, and
 * move the `safe` and `finalized` tags; then the L2 is stopped and restarted under it, anvil is
 * reverted under a posted batch, and L1 is replaced by a fresh one, and none of these may leave a
 * gap or post a range twice. Frames are cut small (BATCHER_MAX_FRAME_BYTES), so that a block of a
 * few transfers is posted as a batch of several frames, one L1 transaction each, and every scenario
 * meets batches of one frame and of several. The tests run in order on one chain.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import {
  type Abi,
  type Address,
  createPublicClient,
  createWalletClient,
  type Hash,
  type Hex,
  http,
  type PublicClient,
} from 'viem'
import { foundry } from 'viem/chains'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import StateCommitmentsArtifact from '../../contracts/artifacts/StateCommitments.json' with { type: 'json' }
import { freePort } from '../../scripts/freePort.ts'
import { type LocalChain, startLocalChain } from '../../scripts/localChain.ts'
import type { DecodedBatch } from '../../src/l1/batchFormat.ts'
import { batchInboxAbi } from '../../src/l1/postBatch.ts'
import { readL1Batches } from '../../src/l1/readL1Batches.ts'
import { CHAIN_ID, devAccounts, rpc, veloxChain } from './harness.ts'

const commitmentsAbi = StateCommitmentsArtifact.abi as Abi
/** Long enough that nothing finalizes by itself during the test; the test moves anvil's clock. */
const FINALIZATION_PERIOD_SECONDS = 3600
/** A frame holds about two transfers: five in one block make a batch of three frames or more. */
const chainVars = { BATCHER_MAX_FRAME_BYTES: '200' }

type Status = {
  latestPosted: Hex | null
  latestConfirmed: Hex | null
  latestCommitted: Hex | null
  latestFinalized: Hex | null
  pending: { nonce: Hex; kind: string; firstBlock: Hex; lastBlock: Hex; frameIndex: Hex; hash: Hash | null }[]
  alert: string | null
  lastError: string | null
}

let chain: LocalChain
let persistTo: string
let l1: PublicClient
let inbox: Address
let commitments: Address

const status = async (): Promise<Status> => {
  const { result, error } = await rpc(chain.l2Url, 'velox_batcherStatus')
  if (error) throw new Error(`velox_batcherStatus: ${error.message}`)
  return result as Status
}
const quantity = (value: Hex | null): bigint => (value === null ? -1n : BigInt(value))

/** Polls the batcher's status until `done` holds; fails with the last status after `timeoutMs`. */
async function waitForStatus(
  done: (s: Status) => boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<Status> {
  const deadline = Date.now() + timeoutMs
  let last = await status()
  while (!done(last)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(last)}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
    last = await status()
  }
  return last
}

/**
 * BatchInbox.nextBlock now, or at L1 block `blockNumber`: L1's word on what is posted (the status
 * can show the round before).
 */
async function inboxNextBlock(blockNumber?: bigint): Promise<bigint> {
  return (await l1.readContract({
    address: inbox,
    abi: batchInboxAbi,
    functionName: 'nextBlock',
    blockNumber,
  })) as bigint
}

/**
 * Takes an anvil snapshot and reads the inbox at the block it holds. The batcher goes on posting and
 * anvil mines every second, so the block is read on both sides of the snapshot until they agree.
 */
async function snapshotWithInbox(): Promise<{ snapshot: Hex; nextAtSnapshot: bigint }> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const before = await l1.getBlockNumber({ cacheTime: 0 })
    const snapshot = (await rpc(chain.l1Url, 'anvil_snapshot')).result as Hex
    const after = await l1.getBlockNumber({ cacheTime: 0 })
    if (before === after) return { snapshot, nextAtSnapshot: await inboxNextBlock(after) }
  }
  throw new Error('L1 mined a block across every one of 10 snapshots')
}

/** Polls the inbox until it holds every block up to `block`; fails with the status after `timeoutMs`. */
async function waitForInboxPast(block: bigint, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while ((await inboxNextBlock()) <= block) {
    if (Date.now() > deadline) throw new Error(`${what}: ${JSON.stringify(await status())}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

async function sendTransfers(count: number): Promise<bigint> {
  const [from, to] = [devAccounts[0]!, devAccounts[1]!]
  const wallet = createWalletClient({
    account: from,
    chain: veloxChain(chain.l2Url),
    transport: http(chain.l2Url),
  })
  let last: Hash | undefined
  for (let i = 0; i < count; i++)
    last = await wallet.sendTransaction({ to: to.address, value: BigInt(i + 1) })
  const { result } = await rpc(chain.l2Url, 'eth_getTransactionReceipt', [last])
  return BigInt((result as { blockNumber: Hex }).blockNumber)
}

async function l2Head(): Promise<bigint> {
  return BigInt((await rpc(chain.l2Url, 'eth_blockNumber')).result as Hex)
}

/**
 * Every batch the inbox holds now, in order, from its FramePosted events: each batch's frames
 * must come one after another, numbered 0..count-1, all of the same range.
 */
async function postedRanges(): Promise<{ first: bigint; last: bigint; txs: Hash[] }[]> {
  const logs = await l1.getContractEvents({
    address: inbox,
    abi: batchInboxAbi,
    eventName: 'FramePosted',
    fromBlock: 0n,
  })
  const batches: { first: bigint; last: bigint; txs: Hash[] }[] = []
  let expectedFrame = 0
  for (const log of logs) {
    const args = log.args as { firstBlock: bigint; lastBlock: bigint; frameIndex: number; frameCount: number }
    expect(args.frameIndex).toBe(expectedFrame)
    if (args.frameIndex === 0)
      batches.push({ first: args.firstBlock, last: args.lastBlock, txs: [log.transactionHash!] })
    else {
      const batch = batches.at(-1)!
      expect([args.firstBlock, args.lastBlock]).toEqual([batch.first, batch.last])
      batch.txs.push(log.transactionHash!)
    }
    expectedFrame = args.frameIndex + 1 === args.frameCount ? 0 : args.frameIndex + 1
  }
  // A batch still in progress on L1 is not posted yet.
  if (expectedFrame !== 0) batches.pop()
  return batches
}

/** Ranges from block 1 on, each starting right after the previous: no gap, no block twice. */
function expectContiguous(ranges: { first: bigint; last: bigint }[], through: bigint): void {
  let next = 1n
  for (const range of ranges) {
    expect(range.first).toBe(next)
    expect(range.last).toBeGreaterThanOrEqual(range.first)
    next = range.last + 1n
  }
  expect(next - 1n).toBeGreaterThanOrEqual(through)
}

beforeAll(async () => {
  persistTo = mkdtempSync(path.join(tmpdir(), 'velox-e2e-batcher-'))
  chain = await startLocalChain({
    port: await freePort(),
    l1Port: await freePort(),
    persistTo,
    settlement: { finalizationPeriodSeconds: FINALIZATION_PERIOD_SECONDS },
    vars: chainVars,
  })
  l1 = createPublicClient({ chain: foundry, transport: http(chain.l1Url) })
  inbox = chain.settlement!.inbox
  commitments = chain.settlement!.stateCommitments
})

afterAll(async () => {
  await chain?.stop()
  rmSync(persistTo, { recursive: true, force: true })
})

describe('batcher', () => {
  it('runs from the cron trigger: blocks reach the inbox with nobody reading its status', async () => {
    // Only the worker's `scheduled` handler (fired by startLocalChain, as Cloudflare fires the cron)
    // and status reads wake the batcher; this test reads L1 alone.
    const block = await sendTransfers(2)
    await waitForInboxPast(block, `block ${block} posted by the batcher the cron trigger woke`, 20_000)
  })

  it('posts sealed blocks within seconds, in contiguous ranges that decode to the chain', async () => {
    const block = await sendTransfers(5)
    const started = Date.now()
    const posted = await waitForStatus((s) => quantity(s.latestPosted) >= block, `block ${block} posted`)
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(posted.alert).toBeNull()
    const ranges = await postedRanges()
    expectContiguous(ranges, block)
    // The batch holding the transfers gives back the very transactions the L2 executed.
    const holding = ranges.find((range) => range.first <= block && block <= range.last)!
    // Five transfers do not fit one frame of BATCHER_MAX_FRAME_BYTES.
    expect(holding.txs.length).toBeGreaterThan(1)
    // Batches name the addresses earlier ones spelled out by number: read them as a verifier does.
    let decoded: DecodedBatch | undefined
    for await (const record of readL1Batches(l1, {
      inbox,
      chainId: BigInt(CHAIN_ID),
      fromL1Block: 0n,
      toL1Block: await l1.getBlockNumber({ cacheTime: 0 }),
    }))
      if (record.firstBlock === holding.first) {
        expect(record.lastBlock).toBe(holding.last)
        decoded = record.batch
        break
      }
    const { result } = await rpc(chain.l2Url, 'eth_getBlockByNumber', [`0x${block.toString(16)}`, false])
    const l2Block = result as { transactions: Hash[]; parentHash: Hash }
    const decodedBlock = decoded!.blocks[Number(block - holding.first)]!
    expect(decodedBlock.miniBlocks.flat().length).toBe(l2Block.transactions.length)
  })

  it('confirms, commits the sealed hashes and state roots, and moves safe and finalized', async () => {
    const block = await sendTransfers(2)
    const committed = await waitForStatus(
      (s) => quantity(s.latestConfirmed) >= block && quantity(s.latestCommitted) >= block,
      `block ${block} confirmed and committed`,
    )
    const safe = (await rpc(chain.l2Url, 'eth_getBlockByNumber', ['safe', false])).result as { number: Hex }
    expect(BigInt(safe.number)).toBeGreaterThanOrEqual(block)
    expect(BigInt(safe.number)).toBeLessThanOrEqual(await l2Head())

    const count = (await l1.readContract({
      address: commitments,
      abi: commitmentsAbi,
      functionName: 'commitmentCount',
    })) as bigint
    expect(count).toBeGreaterThan(0n)
    for (let index = 0n; index < count; index++) {
      const commitment = (await l1.readContract({
        address: commitments,
        abi: commitmentsAbi,
        functionName: 'commitmentAt',
        args: [index],
      })) as { l2BlockNumber: bigint; blockHash: Hash; stateRoot: Hash }
      const { result } = await rpc(chain.l2Url, 'eth_getBlockByNumber', [
        `0x${commitment.l2BlockNumber.toString(16)}`,
        false,
      ])
      const l2Block = result as { hash: Hash; stateRoot: Hash }
      expect([commitment.blockHash, commitment.stateRoot]).toEqual([l2Block.hash, l2Block.stateRoot])
    }

    // Nothing is final inside the challenge window; past it (anvil's clock moved), the commitment is.
    const before = (await rpc(chain.l2Url, 'eth_getBlockByNumber', ['finalized', false])).result as {
      number: Hex
    }
    expect(BigInt(before.number)).toBe(0n)
    await rpc(chain.l1Url, 'evm_increaseTime', [FINALIZATION_PERIOD_SECONDS + 1])
    const lastCommitted = quantity(committed.latestCommitted)
    await waitForStatus(
      (s) => quantity(s.latestFinalized) >= lastCommitted,
      `block ${lastCommitted} finalized`,
    )
    const finalized = (await rpc(chain.l2Url, 'eth_getBlockByNumber', ['finalized', false])).result as {
      number: Hex
    }
    expect(BigInt(finalized.number)).toBeGreaterThanOrEqual(lastCommitted)
  })

  it('after the L2 is stopped mid-post and restarted, leaves no gap and posts no range twice', async () => {
    await sendTransfers(3)
    // Stop while a post is on its way (sent, not yet mined), or at the latest right after one.
    await waitForStatus((s) => s.pending.some((post) => post.kind === 'frame'), 'a post in flight')
    await chain.stopL2()
    await new Promise((resolve) => setTimeout(resolve, 1500))
    await chain.restartL2()
    const block = await sendTransfers(3)
    await waitForStatus((s) => quantity(s.latestPosted) >= block, `block ${block} posted after the restart`)
    expectContiguous(await postedRanges(), block)
  })

  it('reposts a batch an L1 reorg removed', async () => {
    const { snapshot, nextAtSnapshot } = await snapshotWithInbox()
    const block = await sendTransfers(3)
    await waitForStatus((s) => quantity(s.latestPosted) >= block, `block ${block} posted`)
    expect((await postedRanges()).some((range) => range.first === nextAtSnapshot)).toBe(true)

    expect((await rpc(chain.l1Url, 'anvil_revert', [snapshot])).result).toBe(true)
    expect(await inboxNextBlock()).toBe(nextAtSnapshot)
    expect((await postedRanges()).some((range) => range.first >= nextAtSnapshot)).toBe(false)
    await waitForInboxPast(block, `block ${block} was not posted again`, 20_000)
    expectContiguous(await postedRanges(), block)
  })

  it("resumes a batch from the inbox's next frame when L1 lost its later frames for good", async () => {
    const batcher = chain.settlement!.batcher
    // L1 mines only when told to, so the frames of one batch can be taken apart.
    await rpc(chain.l1Url, 'evm_setIntervalMining', [0])
    const block = await sendTransfers(5)
    let inFlight = await status()
    const holding = (post: Status['pending'][number]) =>
      post.kind === 'frame' && BigInt(post.firstBlock) <= block && block <= BigInt(post.lastBlock)
    for (const deadline = Date.now() + 20_000; ; ) {
      if (inFlight.pending.filter(holding).length >= 2) break
      if (Date.now() > deadline) throw new Error(`no batch of several frames: ${JSON.stringify(inFlight)}`)
      // A batch of earlier blocks is mined to let the next go out (which only then can be sent).
      if (inFlight.pending.some((post) => post.kind === 'frame' && !holding(post)))
        await rpc(chain.l1Url, 'evm_mine')
      await new Promise((resolve) => setTimeout(resolve, 200))
      inFlight = await status()
    }
    // The batcher stops; of its transactions L1 keeps those up to the batch's first frame, and its
    // nonce moves past the others (another holder of the key), so they can never be mined.
    await chain.stopL2()
    const first = inFlight.pending.find((post) => holding(post) && post.frameIndex === '0x0')
    expect(first?.hash, JSON.stringify(inFlight)).toBeTruthy()
    const firstNonce = (await l1.getTransaction({ hash: first!.hash! })).nonce
    const pool = (await rpc(chain.l1Url, 'txpool_content')).result as {
      pending: Record<string, Record<string, { hash: Hash; nonce: Hex }>>
    }
    const queued = Object.entries(pool.pending).find(
      ([address]) => address.toLowerCase() === batcher.toLowerCase(),
    )
    for (const { hash, nonce } of Object.values(queued?.[1] ?? {}))
      if (Number(nonce) > firstNonce) await rpc(chain.l1Url, 'anvil_dropTransaction', [hash])
    await rpc(chain.l1Url, 'evm_mine')
    expect((await l1.getTransactionReceipt({ hash: first!.hash! })).status).toBe('success')
    await rpc(chain.l1Url, 'anvil_setNonce', [batcher, `0x${(firstNonce + 6).toString(16)}`])
    expect(
      Number(await l1.readContract({ address: inbox, abi: batchInboxAbi, functionName: 'framesPosted' })),
    ).toBe(1)

    await rpc(chain.l1Url, 'evm_setIntervalMining', [1])
    await chain.restartL2()
    const firstBlock = BigInt(first!.firstBlock)
    await waitForInboxPast(block, 'the batch was not resumed', 30_000)
    const ranges = await postedRanges()
    expectContiguous(ranges, block)
    // The batch is whole: its first frame from before, the rest sent anew from the moved nonce.
    const resumed = ranges.find((range) => range.first === firstBlock)!
    expect(resumed.txs[0]).toBe(first!.hash!)
    expect(resumed.txs.length).toBeGreaterThan(1)
    for (const hash of resumed.txs.slice(1))
      expect((await l1.getTransaction({ hash })).nonce).toBeGreaterThanOrEqual(firstNonce + 6)
  })

  it("replaces a post L1's base fee outgrew with bumped fees at its nonce, and the replacement is mined", async () => {
    await rpc(chain.l1Url, 'evm_setIntervalMining', [0])
    try {
      const block = await sendTransfers(1)
      const holds = (post: Status['pending'][number]) =>
        post.kind === 'frame' && BigInt(post.firstBlock) <= block && block <= BigInt(post.lastBlock)
      // Earlier posts are mined, until a frame of this block is in flight.
      let inFlight = await status()
      for (const deadline = Date.now() + 20_000; !inFlight.pending.some(holds); inFlight = await status()) {
        if (Date.now() > deadline)
          throw new Error(`block ${block} was not posted: ${JSON.stringify(inFlight)}`)
        if (inFlight.pending.length > 0) await rpc(chain.l1Url, 'evm_mine')
        await new Promise((resolve) => setTimeout(resolve, 200))
      }
      const post = inFlight.pending.find(holds)!
      const original = await l1.getTransaction({ hash: post.hash! })
      // L1's base fee jumps over what the post offers: 4 blocks pass (empty ones lower it 12.5%
      // each, to 2.7 times the post's cap), and it stays unmined. (geth would keep it in its pool,
      // and the batcher bump it after 3 blocks; anvil drops it, and the batcher, told on sending
      // it again that its fee cap is under the base fee, bumps it then.)
      await rpc(chain.l1Url, 'anvil_setNextBlockBaseFeePerGas', [
        `0x${(4n * original.maxFeePerGas!).toString(16)}`,
      ])
      for (let i = 0; i < 4; i++) await rpc(chain.l1Url, 'evm_mine')
      await expect(l1.getTransactionReceipt({ hash: post.hash! })).rejects.toThrow()
      // The batcher signs the same post again at the same nonce with fees over the market's.
      const bumped = await waitForStatus(
        (s) => s.pending.some((p) => p.nonce === post.nonce && p.hash !== post.hash),
        'the post replaced with bumped fees',
      )
      const replacement = await l1.getTransaction({
        hash: bumped.pending.find((p) => p.nonce === post.nonce)!.hash!,
      })
      expect(replacement.nonce).toBe(original.nonce)
      expect(replacement.input).toBe(original.input)
      expect(replacement.maxFeePerGas! * 10n).toBeGreaterThanOrEqual(original.maxFeePerGas! * 11n)
      expect(replacement.maxPriorityFeePerGas! * 10n).toBeGreaterThanOrEqual(
        original.maxPriorityFeePerGas! * 11n,
      )
      await rpc(chain.l1Url, 'evm_mine')
      expect((await l1.getTransactionReceipt({ hash: replacement.hash })).status).toBe('success')
      await expect(l1.getTransactionReceipt({ hash: post.hash! })).rejects.toThrow()
    } finally {
      await rpc(chain.l1Url, 'evm_setIntervalMining', [1])
    }
  })

  it('lets anyone rebuild the chain from L1 alone and check every commitment (velox verify)', async () => {
    const block = await sendTransfers(2)
    await waitForStatus((s) => quantity(s.latestCommitted) >= block, `block ${block} committed`)
    const bin = path.resolve(import.meta.dirname, '../../bin/velox.js')
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [
      bin,
      'verify',
      '--l1',
      chain.l1Url,
      '--inbox',
      inbox,
      '--commitments',
      commitments,
    ])
    expect(stderr).toBe('')
    // The blocks the live sequencer sealed, re-derived from the batches, match every commitment.
    const summary = stdout.match(
      /^verified (\d+) blocks \(1\.\.(\d+)\) from (\d+) batches in [0-9.]+ s: (\d+) commitments checked, all match\n$/,
    )
    expect(summary, stdout).not.toBeNull()
    expect(BigInt(summary![2]!)).toBeGreaterThanOrEqual(block)
    expect(Number(summary![4])).toBeGreaterThan(0)
  })

  it("verifies from a committed root on the L2 node's witnesses, and fails on a node that garbles one", async () => {
    const block = await sendTransfers(2)
    await waitForStatus((s) => quantity(s.latestCommitted) >= block, `block ${block} committed`)
    const first = (await l1.readContract({
      address: commitments,
      abi: commitmentsAbi,
      functionName: 'commitmentAt',
      args: [0n],
    })) as { l2BlockNumber: bigint; blockHash: Hash }
    const verifyOn = async (witnessUrl: string) => {
      const bin = path.resolve(import.meta.dirname, '../../bin/velox.js')
      const args = [bin, 'verify', '--l1', chain.l1Url, '--inbox', inbox, '--commitments', commitments]
      args.push('--from', String(first.l2BlockNumber + 1n), '--witnesses', witnessUrl)
      try {
        const { stdout, stderr } = await promisify(execFile)(process.execPath, args)
        return { code: 0, stdout, stderr }
      } catch (error) {
        const failed = error as { code: number; stdout: string; stderr: string }
        return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr }
      }
    }

    const honest = await verifyOn(chain.l2Url)
    expect(honest.stderr).toBe('')
    expect(honest.code).toBe(0)
    const lines = honest.stdout.split('\n')
    expect(lines[0]).toBe(
      `re-executing from committed block ${first.l2BlockNumber} (${first.blockHash}) on witnesses from ${chain.l2Url}`,
    )
    const summary = lines[1]!.match(
      /^verified (\d+) blocks \((\d+)\.\.(\d+)\) from (\d+) batches in [0-9.]+ s: (\d+) commitments checked, all match/,
    )
    expect(summary, honest.stdout).not.toBeNull()
    expect(BigInt(summary![2]!)).toBe(first.l2BlockNumber + 1n)
    expect(BigInt(summary![3]!)).toBeGreaterThanOrEqual(block)
    expect(Number(summary![5])).toBeGreaterThan(0)

    // A node that flips a byte of one trie node in every witness it serves.
    const proxy = createServer(async (request, response) => {
      const chunks: Buffer[] = []
      for await (const chunk of request) chunks.push(chunk as Buffer)
      const body = Buffer.concat(chunks).toString()
      const upstream = await fetch(chain.l2Url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      })
      const answer = (await upstream.json()) as { result?: { state?: Hex[] } }
      if (JSON.parse(body).method === 'debug_executionWitness' && answer.result?.state?.length) {
        const node = answer.result.state.at(-1)!
        answer.result.state[answer.result.state.length - 1] =
          `${node.slice(0, -2)}${node.endsWith('00') ? '01' : '00'}` as Hex
      }
      response.setHeader('content-type', 'application/json')
      response.end(JSON.stringify(answer))
    })
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
    try {
      const garbled = await verifyOn(`http://127.0.0.1:${(proxy.address() as AddressInfo).port}`)
      expect(garbled.code, garbled.stdout).toBe(1)
      expect(garbled.stdout).toMatch(
        new RegExp(
          `FAIL WitnessUnusableError: the witness of block ${first.l2BlockNumber + 1n} is unusable: `,
        ),
      )
    } finally {
      proxy.close()
    }
  })

  it('posts the whole kept L2 chain again to a fresh L1 (npm start run again)', async () => {
    const head = await l2Head()
    await chain.stop()
    chain = await startLocalChain({
      port: Number(new URL(chain.l2Url).port),
      l1Port: Number(new URL(chain.l1Url).port),
      persistTo,
      settlement: { finalizationPeriodSeconds: FINALIZATION_PERIOD_SECONDS },
      vars: chainVars,
    })
    l1 = createPublicClient({ chain: foundry, transport: http(chain.l1Url) })
    // The same deployer and nonces: the same addresses, on an L1 that has never seen a batch.
    expect(chain.settlement!.inbox).toBe(inbox)
    await waitForInboxPast(head, 'the chain was not posted again', 30_000)
    expectContiguous(await postedRanges(), head)
  })
})

describe('batcher over its fee cap', () => {
  it('posts nothing and raises an alert in its status', async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'velox-e2e-batcher-cap-'))
    const capped = await startLocalChain({
      port: await freePort(),
      l1Port: await freePort(),
      persistTo: folder,
      settlement: true,
      // anvil's base fee is about 1 gwei: a cap of 1 wei per gas is far below what a post needs.
      vars: { BATCHER_MAX_FEE_PER_GAS: '1' },
    })
    try {
      const statusOf = async () =>
        (await rpc(capped.l2Url, 'velox_batcherStatus')).result as Status & { latestPosted: Hex | null }
      const deadline = Date.now() + 20_000
      let last = await statusOf()
      while (last.alert === null || last.alert === undefined) {
        if (Date.now() > deadline) throw new Error(`no alert: ${JSON.stringify(last)}`)
        await new Promise((resolve) => setTimeout(resolve, 200))
        last = await statusOf()
      }
      expect(last.alert).toMatch(
        /^batcher stopped: posting frame for L2 blocks 1\.\.\d+ needs maxFeePerGas \d+ > cap 1/,
      )
      expect(last.pending).toEqual([])
      const client = createPublicClient({ chain: foundry, transport: http(capped.l1Url) })
      const logs = await client.getContractEvents({
        address: capped.settlement!.inbox,
        abi: batchInboxAbi,
        eventName: 'FramePosted',
        fromBlock: 0n,
      })
      expect(logs).toEqual([])
    } finally {
      await capped.stop()
      rmSync(folder, { recursive: true, force: true })
    }
  })
})
