import type { Address, Hash, TransactionSerializable } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { createAddress } from '../evm/evm.ts'
import { EvmState } from '../evm/evmState.ts'
import { precompilesFor } from '../evm/precompiles/index.ts'
import { hexToBytes } from '../primitives/hex.ts'
import { recoverSender } from '../primitives/recoverSender.ts'
import { decodeTransaction } from '../primitives/transaction.ts'
import { MemoryState } from '../state/memoryState.ts'
import { BEACON_ROOTS_ADDRESS, BEACON_ROOTS_CODE } from './applySystemCalls.ts'
import {
  type ExecutableBlock,
  executeBlock,
  InvalidBlockError,
  type RecoveredTransaction,
  type Withdrawal,
} from './executeBlock.ts'
import { GAS_PER_BLOB } from './processTransaction.ts'

const CHAIN_ID = 1337n
const account = privateKeyToAccount(`0x${'22'.repeat(32)}`)
const sender = account.address.toLowerCase() as Address
const RECIPIENT: Address = '0x000000000000000000000000000000000000beef'
const CONTRACT: Address = '0x00000000000000000000000000000000000c0de0'
const COINBASE: Address = '0x00000000000000000000000000000000000c0ffe'
const BASE_FEE = 7n
const ONE_ETHER = 10n ** 18n

async function signed(
  fields: Partial<TransactionSerializable> & { nonce: number },
): Promise<RecoveredTransaction> {
  const raw = await account.signTransaction({
    chainId: Number(CHAIN_ID),
    gas: 21_000n,
    to: RECIPIENT,
    ...(fields.type === 'legacy' ? {} : { type: 'eip1559', maxFeePerGas: 100n, maxPriorityFeePerGas: 2n }),
    ...fields,
  } as TransactionSerializable)
  const tx = decodeTransaction(hexToBytes(raw))
  return { ...tx, sender: recoverSender(tx) }
}

function blockWith(
  transactions: RecoveredTransaction[],
  overrides: Partial<ExecutableBlock> = {},
): ExecutableBlock {
  return {
    number: 10n,
    parentHash: `0x${'ab'.repeat(32)}`,
    timestamp: 1_000n,
    coinbase: COINBASE,
    gasLimit: 30_000_000n,
    baseFeePerGas: BASE_FEE,
    prevRandao: `0x${'00'.repeat(32)}`,
    blobBaseFee: 1n,
    parentBeaconBlockRoot: `0x${'be'.repeat(32)}`,
    transactions,
    withdrawals: [],
    ...overrides,
  }
}

function stateWith(accounts: [Address, Parameters<MemoryState['setAccount']>[1]][] = []): EvmState {
  const base = new MemoryState()
  base.setAccount(sender, { balance: ONE_ETHER })
  for (const [address, fields] of accounts) base.setAccount(address, fields)
  return new EvmState(base)
}

const run = (state: EvmState, block: ExecutableBlock, blockHash: (number: bigint) => bigint = () => 0n) =>
  executeBlock(state, block, {
    fork: 'cancun',
    chainId: CHAIN_ID,
    precompiles: precompilesFor('cancun'),
    blockHash,
  })

/** The InvalidBlockError a block throws, for its index and message. */
function rejection(execute: () => unknown): InvalidBlockError {
  try {
    execute()
  } catch (error) {
    if (error instanceof InvalidBlockError) return error
    throw error
  }
  throw new Error('the block was accepted')
}

describe('executeBlock', () => {
  it('runs the transactions in order: cumulative gas, tips to the coinbase, the base fee burnt', async () => {
    const state = stateWith()
    const transactions = [await signed({ nonce: 0, value: 5n }), await signed({ nonce: 1, value: 6n })]
    const { executed, gasUsed, blobGasUsed } = run(state, blockWith(transactions))
    expect(executed).toEqual([
      {
        hash: transactions[0]!.hash,
        type: 2,
        sender,
        to: RECIPIENT,
        contractAddress: null,
        status: 1,
        gasUsed: 21_000n,
        cumulativeGasUsed: 21_000n,
        effectiveGasPrice: BASE_FEE + 2n,
        logs: [],
      },
      expect.objectContaining({ hash: transactions[1]!.hash, cumulativeGasUsed: 42_000n }),
    ])
    expect(gasUsed).toBe(42_000n)
    expect(blobGasUsed).toBe(0n)
    expect(state.getBalance(RECIPIENT)).toBe(11n)
    expect(state.getBalance(COINBASE)).toBe(42_000n * 2n)
    expect(state.getBalance(sender)).toBe(ONE_ETHER - 11n - 42_000n * (BASE_FEE + 2n))
  })

  it('names the address a creation creates at, as geth, even when the creation reverts', async () => {
    const reverting = await signed({ nonce: 0, to: null, data: '0x60006000fd', gas: 100_000n })
    const [receipt] = run(stateWith(), blockWith([reverting])).executed
    expect(receipt).toMatchObject({ status: 0, to: null, contractAddress: createAddress(sender, 0n) })
  })

  it('gives legacy transactions their gas price as both fee fields', async () => {
    const legacy = await signed({ nonce: 0, type: 'legacy', gasPrice: 10n })
    const state = stateWith()
    const [receipt] = run(state, blockWith([legacy])).executed
    expect(receipt).toMatchObject({ type: 0, effectiveGasPrice: 10n, status: 1 })
    expect(state.getBalance(COINBASE)).toBe(21_000n * (10n - BASE_FEE))
  })

  it('reports logs as receipts carry them: 32-byte topics, hex data', async () => {
    // MSTORE(0, 0xaa); LOG1(offset 31, size 1, topic 7)
    const code = hexToBytes('0x60aa60005260076001601fa100')
    const state = stateWith([[CONTRACT, { code }]])
    const [receipt] = run(state, blockWith([await signed({ nonce: 0, to: CONTRACT, gas: 50_000n })])).executed
    expect(receipt?.logs).toEqual([{ address: CONTRACT, topics: [`0x${'0'.repeat(63)}7`], data: '0xaa' }])
  })

  it('lets each transaction use only the gas the block has left', async () => {
    const transactions = [await signed({ nonce: 0, gas: 30_000n }), await signed({ nonce: 1, gas: 30_000n })]
    // The first uses 21,000 of 50,000: 29,000 remain, less than the second's 30,000.
    const error = rejection(() => run(stateWith(), blockWith(transactions, { gasLimit: 50_000n })))
    expect(error.transactionIndex).toBe(1)
    expect(error.message).toContain(`transaction 1 (${transactions[1]!.hash}) is invalid`)
    expect(error.message).toContain('gas limit reached')
    run(stateWith(), blockWith(transactions, { gasLimit: 51_000n }))
  })

  it('counts blob gas, and refuses blobs beyond the block limit (EIP-4844: 6 blobs)', async () => {
    const blobTransaction = (nonce: number, blobs: number) =>
      signed({
        nonce,
        type: 'eip4844',
        maxFeePerBlobGas: 1n,
        blobVersionedHashes: Array.from({ length: blobs }, (_, i): Hash => `0x01${'00'.repeat(30)}0${i}`),
      })
    const four = await blobTransaction(0, 4)
    expect(run(stateWith(), blockWith([four])).blobGasUsed).toBe(4n * GAS_PER_BLOB)

    const three = await blobTransaction(1, 3)
    const error = rejection(() => run(stateWith(), blockWith([four, three])))
    expect(error.transactionIndex).toBe(1)
    expect(error.message).toContain(`blob gas used ${7n * GAS_PER_BLOB} exceeds maximum allowance`)
  })

  it('refuses a transaction signed for another chain', async () => {
    const foreign = await signed({ nonce: 0, chainId: Number(CHAIN_ID + 1n) })
    const error = rejection(() => run(stateWith(), blockWith([foreign])))
    expect(error.message).toContain(`invalid chain id for signer: have ${CHAIN_ID + 1n} want ${CHAIN_ID}`)
  })

  it('credits withdrawals in Gwei after the transactions, creating no empty account (EIP-4895, EIP-161)', async () => {
    const EMPTY: Address = '0x00000000000000000000000000000000000e0e0e'
    const ABSENT: Address = '0x000000000000000000000000000000000000abab'
    const withdrawal = (index: bigint, address: Address, amount: bigint): Withdrawal => ({
      index,
      validatorIndex: 0n,
      address,
      amount,
    })
    const state = stateWith([[EMPTY, {}]])
    run(
      state,
      blockWith([], {
        withdrawals: [
          withdrawal(0n, RECIPIENT, 3n),
          withdrawal(1n, RECIPIENT, 4n),
          withdrawal(2n, ABSENT, 0n),
          withdrawal(3n, EMPTY, 0n),
        ],
      }),
    )
    expect(state.getBalance(RECIPIENT)).toBe(7n * 10n ** 9n)
    expect(state.exists(ABSENT)).toBe(false)
    expect(state.exists(EMPTY)).toBe(false)

    // A withdrawal cannot pay for a transaction of its own block: it is credited after them.
    const unfunded = blockWith([await signed({ nonce: 0 })], {
      withdrawals: [withdrawal(0n, sender, 10n ** 9n)],
    })
    const error = rejection(() => run(new EvmState(new MemoryState()), unfunded))
    expect(error.message).toContain('insufficient funds')
  })

  it('stores the parent beacon block root before the first transaction (EIP-4788)', () => {
    const state = stateWith([[BEACON_ROOTS_ADDRESS, { nonce: 1n, code: hexToBytes(BEACON_ROOTS_CODE) }]])
    const block = blockWith([])
    run(state, block)
    const slot = block.timestamp % 8191n
    expect(state.getStorage(BEACON_ROOTS_ADDRESS, slot)).toBe(block.timestamp)
    expect(state.getStorage(BEACON_ROOTS_ADDRESS, slot + 8191n)).toBe(BigInt(block.parentBeaconBlockRoot))
  })

  it('answers BLOCKHASH with the hashes the caller gives', async () => {
    // SSTORE(0, BLOCKHASH(9))
    const code = hexToBytes('0x60094060005500')
    const state = stateWith([[CONTRACT, { code }]])
    run(
      state,
      blockWith([await signed({ nonce: 0, to: CONTRACT, gas: 50_000n })]),
      (number) => number * 1000n,
    )
    expect(state.getStorage(CONTRACT, 0n)).toBe(9000n)
  })
})
