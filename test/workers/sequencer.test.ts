/**
 * Inside workerd: the RPC worker's routes and the sequencer Durable Object, including a restart
 * between mini-blocks that must lose nothing acknowledged.
 */
import { abortAllDurableObjects, env, runDurableObjectAlarm, runInDurableObject, SELF } from 'cloudflare:test'
import { type Hex, parseGwei } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { computeStateRoot } from '../../src/state/computeStateRoot.ts'
import { SEQUENCER_NAME } from '../../workers/rpc/workersBackend.ts'

const CHAIN_ID = 7077
// anvil's first two development keys (the genesis funds them).
const alice = privateKeyToAccount('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80')
const bob = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d')

async function call(method: string, params: unknown[] = [], path = '/') {
  const response = await SELF.fetch(`http://velox${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  })
  return (await response.json()) as {
    result?: any
    error?: { code: number; message: string; data?: unknown }
  }
}

async function nextNonce(): Promise<number> {
  return Number((await call('eth_getTransactionCount', [alice.address, 'pending'])).result)
}

function transfer(nonce: number, value = 1_000n): Promise<Hex> {
  return alice.signTransaction({
    chainId: CHAIN_ID,
    type: 'eip1559',
    to: bob.address,
    value,
    nonce,
    gas: 21_000n,
    maxFeePerGas: parseGwei('3'),
    maxPriorityFeePerGas: parseGwei('0.001'),
  })
}

describe('RPC routes', () => {
  it('serves JSON-RPC at / and /rpc', async () => {
    expect((await call('eth_chainId')).result).toBe('0x1ba5')
    expect((await call('eth_chainId', [], '/rpc')).result).toBe('0x1ba5')
  })
  it('answers a notification with nothing', async () => {
    const response = await SELF.fetch('http://velox/', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', method: 'eth_chainId' }),
    })
    expect(response.status).toBe(200)
    expect(await response.text()).toBe('')
  })
  it('refuses a body over 5 MiB with HTTP 413', async () => {
    const response = await SELF.fetch('http://velox/', {
      method: 'POST',
      body: 'x'.repeat(5 * 1024 * 1024 + 1),
    })
    expect(response.status).toBe(413)
  })
})

describe('Sequencer Durable Object', () => {
  it('executes a transfer and returns its receipt synchronously', async () => {
    const nonce = await nextNonce()
    const answer = await call('eth_sendRawTransactionSync', [await transfer(nonce)])
    expect(answer.error).toBeUndefined()
    expect(answer.result.status).toBe('0x1')
    expect(answer.result.gasUsed).toBe('0x5208')
    expect(Number((await call('eth_getTransactionCount', [alice.address, 'latest'])).result)).toBe(nonce + 1)
    // The sync answer is formatted from the execution; a read formats the stored row. Same receipt,
    // unless the block was sealed in between (its hash then replaces the unsealed one).
    const read = (await call('eth_getTransactionReceipt', [answer.result.transactionHash])).result
    expect({ ...answer.result, blockHash: read.blockHash }).toEqual(read)
  })

  it('survives a restart with the chain and the mempool intact', async () => {
    const nonce = await nextNonce()
    const first = await call('eth_sendRawTransactionSync', [await transfer(nonce, 5n)])
    expect(first.error).toBeUndefined()
    // Nonce + 2 waits behind a gap: it is acknowledged, so it must survive the restart.
    const gapped = await transfer(nonce + 2, 7n)
    const gappedHash = (await call('eth_sendRawTransaction', [gapped])).result as Hex
    expect(gappedHash).toMatch(/^0x[0-9a-f]{64}$/)
    const bobBefore = BigInt((await call('eth_getBalance', [bob.address, 'latest'])).result)
    const headBefore = BigInt((await call('eth_blockNumber')).result)

    await abortAllDurableObjects()

    expect(BigInt((await call('eth_getBalance', [bob.address, 'latest'])).result)).toBe(bobBefore)
    expect(BigInt((await call('eth_blockNumber')).result)).toBeGreaterThanOrEqual(headBefore)
    const pooled = await call('eth_getTransactionByHash', [gappedHash])
    expect(pooled.result?.blockNumber).toBeNull()
    expect(await nextNonce()).toBe(nonce + 1)

    // Filling the gap executes both.
    const filler = await call('eth_sendRawTransactionSync', [await transfer(nonce + 1, 11n)])
    expect(filler.error).toBeUndefined()
    let receipt = (await call('eth_getTransactionReceipt', [gappedHash])).result
    for (let i = 0; i < 50 && !receipt; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20))
      receipt = (await call('eth_getTransactionReceipt', [gappedHash])).result
    }
    expect(receipt?.status).toBe('0x1')
    expect(BigInt((await call('eth_getBalance', [bob.address, 'latest'])).result)).toBe(bobBefore + 11n + 7n)
  })

  it('commits the state trie with each sealed block, and resumes it after a restart', async () => {
    /** Waits for `block` to be sealed; answers its state root next to one computed from every account. */
    const sealAndCompare = async (block: bigint) => {
      // A stub of its own: an aborted object's old stubs stay broken.
      const sequencer = env.SEQUENCER.get(env.SEQUENCER.idFromName(SEQUENCER_NAME))
      let sealed = (await call('eth_getBlockByNumber', ['latest', false])).result
      for (let i = 0; i < 60 && BigInt(sealed.number) < block; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100))
        await runDurableObjectAlarm(sequencer)
        sealed = (await call('eth_getBlockByNumber', ['latest', false])).result
      }
      expect(BigInt(sealed.number)).toBeGreaterThanOrEqual(block)
      const expected = await runInDurableObject(sequencer, (_, state) => {
        const rows = state.storage.sql
          .exec<{ address: string; nonce: string; balance: string; code_hash: string }>(
            'SELECT address, nonce, balance, code_hash FROM accounts',
          )
          .toArray()
        return computeStateRoot(
          rows.map((row) => [
            row.address as Hex,
            {
              nonce: BigInt(row.nonce),
              balance: BigInt(row.balance),
              codeHash: row.code_hash as Hex,
              storage: new Map(),
            },
          ]),
        )
      })
      return { sealed: sealed.stateRoot as Hex, expected }
    }
    const nonce = await nextNonce()
    const first = await call('eth_sendRawTransactionSync', [await transfer(nonce, 3n)])
    expect(first.error).toBeUndefined()
    const before = await sealAndCompare(BigInt(first.result.blockNumber))
    expect(before.sealed).toBe(before.expected)

    // A transfer executed into the open block, then a restart before it is sealed: the trie comes
    // back from its stored nodes plus the open block's changes.
    const second = await call('eth_sendRawTransactionSync', [await transfer(nonce + 1, 4n)])
    expect(second.error).toBeUndefined()
    await abortAllDurableObjects()
    const after = await sealAndCompare(BigInt(second.result.blockNumber))
    expect(after.sealed).toBe(after.expected)
    expect(after.sealed).not.toBe(before.sealed)
  })
})
