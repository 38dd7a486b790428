import { type Hash, keccak256, stringToBytes } from 'viem'
import { describe, expect, it } from 'vitest'
import { blobPostGas, calldataPostGas, chooseDataPath } from './chooseDataPath.ts'
import { derivePrevRandao } from './derivePrevRandao.ts'
import { CALLDATA_FRAME_CAPACITY } from './frames.ts'

const GWEI = 1_000_000_000n

describe('chooseDataPath', () => {
  it('prices calldata at the EIP-7623 floor once the data outweighs the execution', () => {
    // 100 KB: 21,000 + 10 gas × (4 tokens a byte + the call's head), far above 4 per token + execution.
    expect(calldataPostGas(100_009)).toBe(21_000n + 10n * (4n * 100_009n + 240n + 23n))
    // 100 bytes: the standard 4 gas per token plus BatchInbox's execution is more than the floor.
    expect(calldataPostGas(100)).toBeGreaterThan(21_000n + 10n * (4n * 100n + 240n + 28n))
  })

  it('picks blobs for a full batch when blob gas is cheap, as it is most of the time', () => {
    const costs = chooseDataPath({ size: 100_000, baseFeePerGas: 2n * GWEI, blobBaseFee: 1n })
    expect(costs.path).toBe('blobs')
    expect(costs.blobs).toMatchObject({ transactions: 1, blobs: 1, blobGas: 131_072n })
    expect(costs.calldata.transactions).toBe(1)
    expect(costs.blobs.fee).toBe(blobPostGas(1) * 2n * GWEI + 131_072n)
  })

  it('picks calldata when blob gas costs 30 times more than gas, or the data is a sliver of a blob', () => {
    // 100 KB in calldata: 4,023,990 gas; in a blob: 82,824 gas and 131,072 blob gas. Even at 30.07.
    expect(chooseDataPath({ size: 100_000, baseFeePerGas: GWEI, blobBaseFee: 30n * GWEI }).path).toBe('blobs')
    expect(chooseDataPath({ size: 100_000, baseFeePerGas: GWEI, blobBaseFee: 31n * GWEI }).path).toBe(
      'calldata',
    )
    // 1 KB: ~99,000 gas in calldata, against a whole blob.
    expect(chooseDataPath({ size: 1_000, baseFeePerGas: GWEI, blobBaseFee: GWEI }).path).toBe('calldata')
    expect(chooseDataPath({ size: 1_000, baseFeePerGas: GWEI, blobBaseFee: 1n }).path).toBe('blobs')
  })

  it('counts the transactions and blobs of data too large for one transaction', () => {
    const costs = chooseDataPath({
      size: 1_000_000,
      baseFeePerGas: GWEI,
      blobBaseFee: 1n,
      priorityFeePerGas: GWEI,
    })
    expect(costs.calldata.transactions).toBe(Math.ceil(1_000_000 / (CALLDATA_FRAME_CAPACITY - 9)))
    // 6 blobs carry 761,852 bytes: two transactions, 8 blobs (6 + 2).
    expect(costs.blobs).toMatchObject({ transactions: 2, blobs: 8, blobGas: 8n * 131_072n })
    expect(costs.blobs.gas).toBe(blobPostGas(6) + blobPostGas(2))
  })
})

describe('derivePrevRandao', () => {
  it('is keccak256 of "velox-prevrandao:" and the parent hash in lowercase hex, as the sequencer sets it', () => {
    const parent: Hash = '0xAB12000000000000000000000000000000000000000000000000000000000000'
    expect(derivePrevRandao(parent)).toBe(
      keccak256(stringToBytes(`velox-prevrandao:${parent.toLowerCase()}`)),
    )
    expect(derivePrevRandao(parent)).toBe(derivePrevRandao(parent.toLowerCase() as Hash))
  })
})
