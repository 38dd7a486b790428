/**
 * Contracts on the real server, and stateless validation of what they leave: Uniswap V2 (two
 * OpenZeppelin tokens, the factory, CREATE2 of the pair, liquidity, swaps) and ERC-20 transfers go
 * in through eth_sendRawTransactionSync; then every sealed block must validate from its
 * debug_getRawBlock and debug_executionWitness alone, and storage must prove against its roots.
 */

import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
import type { MerkleStateManager } from '@ethereumjs/statemanager'
import { verifyMerkleStateProof } from '@ethereumjs/statemanager'
import { bytesToHex, encodeAbiParameters, type Hex, hexToBytes, keccak256, parseGwei } from 'viem'
import { describe, expect, it } from 'vitest'
import type { BenchTransaction } from '../../bench/evm/benchChain.ts'
import { compileContracts } from '../../bench/evm/contracts.ts'
import { erc20Transfers, uniswapSwaps } from '../../bench/evm/workloads.ts'
import { DEFAULT_MIN_GAS_PER_TRANSACTION } from '../../src/execution/parallel/executePartitioned.ts'
import { WorkerThreadPool } from '../../src/execution/parallel/workerThreadPool.node.ts'
import { orderedTrieRoot } from '../../src/state/trie/orderedTrieRoot.ts'
import { type BlockOutcome, validateChainOverRpc } from '../../src/validator/validateChain.ts'
import { CHAIN_ID, chainForFile, devAccounts, devKeys, rpc } from './harness.ts'

const chain = chainForFile()

async function call<T>(method: string, params: unknown[]): Promise<T> {
  const answer = await rpc(chain.l2Url, method, params)
  if (answer.error) throw new Error(`${method}: ${answer.error.message}`)
  return answer.result as T
}

type Receipt = { status: Hex; blockNumber: Hex; contractAddress: Hex | null; gasUsed: Hex }

/** Signs a workload's transaction for this chain and sends it; answers its receipt. */
async function send(tx: BenchTransaction): Promise<Receipt> {
  const account = devAccounts[devKeys.indexOf(tx.sender.privateKey)]!
  const raw = await account.signTransaction({
    chainId: CHAIN_ID,
    type: 'eip1559',
    nonce: Number(tx.nonce),
    ...(tx.to ? { to: tx.to } : {}),
    value: tx.value,
    data: tx.data,
    gas: tx.gasLimit,
    maxFeePerGas: parseGwei('3'),
    maxPriorityFeePerGas: parseGwei('0.001'),
  })
  return call<Receipt>('eth_sendRawTransactionSync', [raw])
}

async function waitForSealed(number: bigint): Promise<{ number: Hex; hash: Hex; stateRoot: Hex }> {
  for (let i = 0; i < 100; i++) {
    const block = await call<{ number: Hex; hash: Hex; stateRoot: Hex } | null>('eth_getBlockByNumber', [
      `0x${number.toString(16)}`,
      false,
    ])
    if (block) return block
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`block ${number} was not sealed in 5 s`)
}

const accountOf = (index: number) => ({
  address: devAccounts[index]!.address.toLowerCase() as Hex,
  privateKey: devKeys[index]!,
})

describe('contracts, and every block validated from its witness alone', () => {
  const contracts = compileContracts()
  const swaps = uniswapSwaps(accountOf(8), contracts)
  const tokens = erc20Transfers(accountOf(9), contracts)

  it('runs Uniswap V2 and ERC-20 transfers, every transaction successful', async () => {
    const receipts: Receipt[] = []
    for (const tx of swaps.setup) receipts.push(await send(tx))
    for (const tx of tokens.setup) receipts.push(await send(tx))
    for (let i = 0; i < 12; i++) {
      receipts.push(await send(swaps.operation(i)))
      receipts.push(await send(tokens.operation(i)))
    }
    expect(receipts.map((receipt) => receipt.status)).toEqual(receipts.map(() => '0x1'))
    expect(receipts[0]!.contractAddress).toMatch(/^0x[0-9a-f]{40}$/)
    // The first token recipient's balance, read from storage: OpenZeppelin's _balances is slot 0.
    const token = receipts[swaps.setup.length]!.contractAddress!
    const recipient = tokens.operation(0).data.slice(34, 74) as string
    const balanceSlot = keccak256(
      encodeAbiParameters([{ type: 'address' }, { type: 'uint256' }], [`0x${recipient}`, 0n]),
    )
    expect(BigInt(await call<Hex>('eth_getStorageAt', [token, balanceSlot, 'latest']))).toBe(1_000n)

    // The token's storage, proven at a sealed block by @ethereumjs's verifier.
    const sealed = await waitForSealed(BigInt(receipts[receipts.length - 1]!.blockNumber))
    const proof = await call<Parameters<typeof verifyMerkleStateProof>[1]>('eth_getProof', [
      token,
      [balanceSlot],
      sealed.number,
    ])
    expect(proof.storageProof[0]!.value).toBe('0x3e8')
    expect(proof.accountProof[0] && keccak256(proof.accountProof[0])).toBe(sealed.stateRoot)
    expect(await verifyMerkleStateProof(undefined as unknown as MerkleStateManager, proof)).toBe(true)
    // Historical storage: before the first transfer the slot was empty.
    const first = BigInt(
      receipts.find((_, i) => i === swaps.setup.length + tokens.setup.length + 1)!.blockNumber,
    )
    expect(
      BigInt(await call<Hex>('eth_getStorageAt', [token, balanceSlot, `0x${(first - 1n).toString(16)}`])),
    ).toBe(0n)

    // eth_getStorageValues (geth's): the same slots, several at once, now and at that block.
    const emptySlot = `0x${'00'.repeat(31)}07`
    const word = (n: bigint) => `0x${n.toString(16).padStart(64, '0')}`
    expect(await call('eth_getStorageValues', [{ [token]: [balanceSlot, emptySlot] }, 'latest'])).toEqual({
      [token]: [word(1_000n), word(0n)],
    })
    expect(
      await call('eth_getStorageValues', [{ [token]: [balanceSlot] }, `0x${(first - 1n).toString(16)}`]),
    ).toEqual({ [token]: [word(0n)] })
    const tooMany = { [token]: Array.from({ length: 1025 }, () => emptySlot) }
    expect((await rpc(chain.l2Url, 'eth_getStorageValues', [tooMany])).error).toEqual({
      code: -38026,
      message: 'too many slots (max 1024)',
    })
    expect((await rpc(chain.l2Url, 'eth_getStorageValues', [{ [token]: [] }])).error).toEqual({
      code: -32602,
      message: 'empty request',
    })
  })

  it('serves each sealed block raw and with its witness, by number and by hash', async () => {
    const head = await call<{ number: Hex; hash: Hex }>('eth_getBlockByNumber', ['latest', false])
    const byNumber = await call<Record<string, Hex[]>>('debug_executionWitness', [head.number])
    const byHash = await call<Record<string, Hex[]>>('debug_executionWitness', [head.hash])
    expect(byHash).toEqual(byNumber)
    expect(Object.keys(byNumber).sort()).toEqual(['codes', 'headers', 'keys', 'state'])
    const raw = await call<Hex>('debug_getRawBlock', [head.number])
    expect(raw).toMatch(/^0x[0-9a-f]+$/)
    expect((await rpc(chain.l2Url, 'debug_executionWitness', ['0xffffff'])).error).toMatchObject({
      code: -32000,
      message: 'block #16777215 not found',
    })
    expect((await rpc(chain.l2Url, 'debug_getRawBlock', ['nope'])).error?.code).toBe(-32602)
  })

  it("serves a sealed block's header, receipts and transactions raw, each hashing to what the block commits to", async () => {
    type Block = { number: Hex; hash: Hex; receiptsRoot: Hex; transactions: Hex[] }
    let block = await call<Block>('eth_getBlockByNumber', ['latest', false])
    for (let back = 0; back < 200 && block.transactions.length < 2; back++)
      block = await call<Block>('eth_getBlockByNumber', [
        `0x${(BigInt(block.number) - 1n).toString(16)}`,
        false,
      ])
    expect(block.transactions.length).toBeGreaterThanOrEqual(2)

    expect(keccak256(await call<Hex>('debug_getRawHeader', [block.number]))).toBe(block.hash)
    expect(keccak256(await call<Hex>('debug_getRawHeader', [block.hash]))).toBe(block.hash)
    const genesis = await call<{ hash: Hex }>('eth_getBlockByNumber', ['0x0', false])
    expect(keccak256(await call<Hex>('debug_getRawHeader', ['0x0']))).toBe(genesis.hash)

    const receipts = await call<Hex[]>('debug_getRawReceipts', [block.number])
    expect(receipts).toHaveLength(block.transactions.length)
    expect(bytesToHex(orderedTrieRoot(receipts.map((receipt) => hexToBytes(receipt))))).toBe(
      block.receiptsRoot,
    )
    expect(await call<Hex[]>('debug_getRawReceipts', [{ blockHash: block.hash }])).toEqual(receipts)

    for (const hash of block.transactions)
      expect(keccak256(await call<Hex>('debug_getRawTransaction', [hash]))).toBe(hash)
    expect(await call<Hex>('debug_getRawTransaction', [`0x${'ee'.repeat(32)}`])).toBe('0x')
    // geth's eth_getRawTransaction* give the same bytes, by hash and by place in the block.
    const [firstHash] = block.transactions
    const firstRaw = await call<Hex>('debug_getRawTransaction', [firstHash])
    expect(await call<Hex>('eth_getRawTransactionByHash', [firstHash])).toBe(firstRaw)
    expect(await call<Hex>('eth_getRawTransactionByBlockHashAndIndex', [block.hash, '0x0'])).toBe(firstRaw)
    expect(await call<Hex>('eth_getRawTransactionByBlockNumberAndIndex', [block.number, '0x0'])).toBe(
      firstRaw,
    )
    const pastEnd = `0x${block.transactions.length.toString(16)}`
    expect(await call<Hex>('eth_getRawTransactionByBlockNumberAndIndex', [block.number, pastEnd])).toBe('0x')
    expect(await call<Hex>('eth_getRawTransactionByHash', [`0x${'ee'.repeat(32)}`])).toBe('0x')
    expect((await rpc(chain.l2Url, 'debug_getRawHeader', ['0xffffff'])).error).toEqual({
      code: -32000,
      message: 'header #16777215 not found',
    })
    expect((await rpc(chain.l2Url, 'debug_getRawReceipts', [`0x${'ab'.repeat(32)}`])).error).toEqual({
      code: -32000,
      message: `block 0x${'ab'.repeat(32)} not found`,
    })
  })

  it('validates sealed blocks in the background, from R2 alone (velox_validationStatus)', async () => {
    const target = BigInt(await call<Hex>('eth_blockNumber', []))
    type Status = { latestValidated: { number: Hex; hash: Hex } | null; failure: unknown }
    let status = await call<Status>('velox_validationStatus', [])
    for (let i = 0; i < 100 && BigInt(status.latestValidated?.number ?? '0x0') < target; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      status = await call<Status>('velox_validationStatus', [])
    }
    expect(status.failure).toBeNull()
    expect(BigInt(status.latestValidated!.number)).toBeGreaterThanOrEqual(target)
    const block = await call<{ hash: Hex }>('eth_getBlockByNumber', [status.latestValidated!.number, false])
    expect(status.latestValidated!.hash).toBe(block.hash)
  })

  it('validates every sealed block statelessly (velox validate)', async () => {
    const head = BigInt(await call<Hex>('eth_blockNumber', []))
    const failures: string[] = []
    let witnessBytes = 0
    let transactions = 0
    const summary = await validateChainOverRpc({
      url: chain.l2Url,
      onBlock: (outcome) => {
        if (!outcome.ok) failures.push(`block ${outcome.number}: ${outcome.kind}: ${outcome.message}`)
        else {
          witnessBytes += outcome.witnessBytes
          transactions += outcome.report.transactions
        }
      },
    })
    expect(failures).toEqual([])
    expect(summary).toMatchObject({ from: 1n, failed: 0 })
    expect(BigInt(summary.validated)).toBeGreaterThanOrEqual(head)
    expect(witnessBytes).toBeGreaterThan(0)
    // Every transaction the first test sent was in a validated block.
    expect(transactions).toBe(swaps.setup.length + tokens.setup.length + 24)
  })

  it('validates every sealed block in parallel, each executor given a slice of the witness', async () => {
    // Cheap transactions from four senders at once (one block the pool could split, which by
    // default it is not given), twice, in case a seal falls between the first four.
    let lastBlock = 0n
    for (let round = 0; round < 2; round++) {
      const receipts = await Promise.all(
        devAccounts.slice(6, 10).map(async (account, i) => {
          const nonce = await call<Hex>('eth_getTransactionCount', [account.address, 'pending'])
          const raw = await account.signTransaction({
            chainId: CHAIN_ID,
            type: 'eip1559',
            nonce: Number(nonce),
            to: `0x${(0xc0ffee00 + i).toString(16).padStart(40, '0')}`,
            value: 1n,
            gas: 21_000n,
            maxFeePerGas: parseGwei('3'),
            maxPriorityFeePerGas: parseGwei('0.001'),
          })
          return call<Receipt>('eth_sendRawTransactionSync', [raw])
        }),
      )
      for (const receipt of receipts)
        if (BigInt(receipt.blockNumber) > lastBlock) lastBlock = BigInt(receipt.blockNumber)
    }
    await waitForSealed(lastBlock)
    const head = BigInt(await call<Hex>('eth_blockNumber', []))
    const pool = new WorkerThreadPool(1)
    const failures: string[] = []
    const recordInto = (dispatched: bigint[]) => (outcome: BlockOutcome) => {
      if (!outcome.ok) failures.push(`block ${outcome.number}: ${outcome.kind}: ${outcome.message}`)
      else if (outcome.dispatched) dispatched.push(outcome.number)
    }
    try {
      // Every block the pool can split goes to it: the parallel path itself is under test.
      const everyBlock: bigint[] = []
      const summary = await validateChainOverRpc({
        url: chain.l2Url,
        to: head,
        pool,
        minGasPerTransaction: 0,
        onBlock: recordInto(everyBlock),
      })
      expect(failures).toEqual([])
      expect(BigInt(summary.validated)).toBe(head)
      expect(summary.dispatched).toBe(everyBlock.length)
      expect(everyBlock.length).toBeGreaterThan(0)

      // By default, as the sequencer: only the blocks whose transactions average enough gas of limit.
      const byDefault: bigint[] = []
      await validateChainOverRpc({ url: chain.l2Url, to: head, pool, onBlock: recordInto(byDefault) })
      expect(failures).toEqual([])
      const averageGasLimit = async (number: bigint) => {
        const block = await call<{ transactions: { gas: Hex }[] }>('eth_getBlockByNumber', [
          `0x${number.toString(16)}`,
          true,
        ])
        return (
          Number(block.transactions.reduce((sum, tx) => sum + BigInt(tx.gas), 0n)) / block.transactions.length
        )
      }
      const heavy: bigint[] = []
      for (const number of everyBlock)
        if ((await averageGasLimit(number)) >= DEFAULT_MIN_GAS_PER_TRANSACTION) heavy.push(number)
      expect(byDefault).toEqual(heavy)
      // The workload has splittable blocks on both sides of the line, so the policy is seen to act.
      expect(heavy.length).toBeLessThan(everyBlock.length)
    } finally {
      await pool.close()
    }
  })

  it('velox validate --rpc checks the chain from the command line, and says what it did', async () => {
    const bin = path.resolve(import.meta.dirname, '../../bin/velox.js')
    const run = (args: string[]) =>
      promisify(execFile)(process.execPath, [bin, ...args]).catch(
        (error: { code: number; stdout: string; stderr: string }) => error,
      )
    await waitForSealed(3n)
    const { stdout, stderr } = await run(['validate', '--rpc', chain.l2Url, '--from', '1', '--to', '3'])
    expect(stderr).toBe('')
    expect(stdout).toMatch(/^validated 3 blocks \(1\.\.3\) in [0-9.]+ s: 3 passed, 0 failed\n$/)
    const threaded = await run([
      'validate',
      '--rpc',
      chain.l2Url,
      '--from',
      '1',
      '--to',
      '3',
      '--threads',
      '2',
    ])
    expect(threaded.stderr).toBe('')
    expect(threaded.stdout).toMatch(
      /^validated 3 blocks \(1\.\.3\) in [0-9.]+ s: 3 passed, 0 failed, [0-3] of them on 2 threads\n$/,
    )
    const lonely = (await run(['validate', '--rpc', chain.l2Url, '--min-gas-per-transaction', '0'])) as {
      code: number
      stderr: string
    }
    expect(lonely.code).toBe(2)
    expect(lonely.stderr).toContain('--min-gas-per-transaction applies to --threads 2 or more')
    const badGas = (await run([
      'validate',
      '--rpc',
      chain.l2Url,
      '--threads',
      '2',
      '--min-gas-per-transaction',
      '-5',
    ])) as { code: number; stderr: string }
    expect(badGas.code).toBe(2)
    expect(badGas.stderr).toContain('--min-gas-per-transaction must be an integer in 0..1000000000, got "-5"')
    const badThreads = (await run(['validate', '--rpc', chain.l2Url, '--threads', '0'])) as {
      code: number
      stderr: string
    }
    expect(badThreads.code).toBe(2)
    expect(badThreads.stderr).toContain('--threads must be an integer in 1..64, got "0"')
    const refused = (await run(['validate'])) as { code: number; stderr: string }
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('validate needs --rpc URL')
  })
})
