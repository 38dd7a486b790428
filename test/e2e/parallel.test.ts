/**
 * Parallel execution forced on in the real server: every mini-block of 2 or more transactions goes
 * to the executor Durable Objects (PARALLEL_MIN_TRANSACTIONS=2; PARALLEL_MIN_GAS_PER_TRANSACTION=0,
 * so blocks of ETH transfers go too). A burst of ETH transfers, ERC-20 transfers and Uniswap V2
 * swaps sent as one JSON-RPC batch must all succeed; the executors' results must actually have been
 * used (velox_executionStats); and every sealed block must re-execute serially, from its witness
 * alone, to the same state root and receipts.
 */
import { type Hex, parseEther, parseGwei } from 'viem'
import { describe, expect, it } from 'vitest'
import type { BenchTransaction } from '../../bench/evm/benchChain.ts'
import { compileContracts } from '../../bench/evm/contracts.ts'
import { erc20Transfers, uniswapSwaps } from '../../bench/evm/workloads.ts'
import { CHAIN_ID, chainForFile, devAccounts, devKeys, expectEveryBlockValidates, rpc } from './harness.ts'

const chain = chainForFile({
  vars: { PARALLEL_EXECUTORS: '4', PARALLEL_MIN_TRANSACTIONS: '2', PARALLEL_MIN_GAS_PER_TRANSACTION: '0' },
})

async function call<T>(method: string, params: unknown[]): Promise<T> {
  const answer = await rpc(chain.l2Url, method, params)
  if (answer.error) throw new Error(`${method}: ${answer.error.message}`)
  return answer.result as T
}

const accountOf = (index: number) => ({
  address: devAccounts[index]!.address.toLowerCase() as Hex,
  privateKey: devKeys[index]!,
})

function sign(tx: BenchTransaction): Promise<Hex> {
  const account = devAccounts[devKeys.indexOf(tx.sender.privateKey)]!
  return account.signTransaction({
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
}

type Receipt = { status: Hex; blockNumber: Hex }

async function receiptOf(hash: Hex): Promise<Receipt> {
  for (let i = 0; i < 200; i++) {
    const receipt = await call<Receipt | null>('eth_getTransactionReceipt', [hash])
    if (receipt) return receipt
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  const stats = await call<unknown>('velox_executionStats', [])
  throw new Error(
    `no receipt for ${hash} after 5 s; ${JSON.stringify(stats)}\n${chain.output().slice(-3000)}`,
  )
}

describe('parallel execution forced on', () => {
  const contracts = compileContracts()
  const swaps = uniswapSwaps(accountOf(8), contracts)
  const tokens = erc20Transfers(accountOf(9), contracts)
  const TRANSFERS_PER_SENDER = 20
  const OPERATIONS = 20

  it('runs a burst on the executors, every transaction as serial execution gives it', async () => {
    for (const tx of [...swaps.setup, ...tokens.setup]) {
      const receipt = await call<Receipt>('eth_sendRawTransactionSync', [await sign(tx)])
      expect(receipt.status).toBe('0x1')
    }

    // Six senders paying each other (so some transfers depend on others), tokens, swaps on one pool.
    const burst: Hex[] = []
    for (let sender = 0; sender < 6; sender++)
      for (let nonce = 0; nonce < TRANSFERS_PER_SENDER; nonce++)
        burst.push(
          await devAccounts[sender]!.signTransaction({
            chainId: CHAIN_ID,
            type: 'eip1559',
            nonce,
            to: devAccounts[(sender + 1 + (nonce % 5)) % 6]!.address,
            value: parseEther('0.001'),
            gas: 21_000n,
            maxFeePerGas: parseGwei('3'),
            maxPriorityFeePerGas: parseGwei('0.001'),
          }),
        )
    for (let i = 0; i < OPERATIONS; i++) {
      burst.push(await sign(tokens.operation(i)))
      burst.push(await sign(swaps.operation(i)))
    }
    const response = await fetch(chain.l2Url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(
        burst.map((raw, id) => ({ jsonrpc: '2.0', id, method: 'eth_sendRawTransaction', params: [raw] })),
      ),
    })
    const answers = (await response.json()) as { id: number; result?: Hex; error?: unknown }[]
    expect(answers.filter((answer) => answer.error)).toEqual([])
    const receipts = await Promise.all(answers.map((answer) => receiptOf(answer.result!)))
    expect(receipts.map((receipt) => receipt.status)).toEqual(receipts.map(() => '0x1'))

    type Stats = {
      parallelMiniBlocks: number
      dispatchedTransactions: number
      accepted: number
      stale: number
      outsidePreState: number
      failed: number
      executors: number
      minGasPerTransaction: number
    }
    const stats = await call<Stats>('velox_executionStats', [])
    expect(stats.executors).toBe(4)
    expect(stats.minGasPerTransaction).toBe(0)
    expect(stats.parallelMiniBlocks).toBeGreaterThan(0)
    // The executors' results were used, not all re-run by the sequencer.
    expect(stats.accepted).toBeGreaterThan(0)
    // Every dispatched transaction was either applied or run again by the sequencer, and accounted for.
    expect(stats.accepted + stats.stale + stats.outsidePreState + stats.failed).toBe(
      stats.dispatchedTransactions,
    )
  })

  it('seals blocks that re-execute serially from their witnesses to the same roots', async () => {
    await expectEveryBlockValidates(chain.l2Url)
  })

  it('answers velox_executionStats with no parameters only', async () => {
    expect((await rpc(chain.l2Url, 'velox_executionStats', [1])).error?.code).toBe(-32602)
  })
})
