/**
 * eth_getProof (EIP-1186) against the real server, each proof checked by @ethereumjs's verifier
 * (an implementation independent of Velox's trie) and its root against the block's state root.
 */

import type { MerkleStateManager } from '@ethereumjs/statemanager'
import { verifyMerkleStateProof } from '@ethereumjs/statemanager'
import { type Hex, parseGwei } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { hexToBytes } from '../../src/primitives/hex.ts'
import { keccak256 } from '../../src/primitives/keccak256.ts'
import { decodeRlp } from '../../src/primitives/rlp.ts'
import { verifyProof } from '../../src/state/trie/verifyProof.ts'
import { CHAIN_ID, chainForFile, devAccounts, devKeys, expectEveryBlockValidates, rpc } from './harness.ts'

type Proof = {
  address: Hex
  accountProof: Hex[]
  balance: Hex
  codeHash: Hex
  nonce: Hex
  storageHash: Hex
  storageProof: { key: Hex; value: Hex; proof: Hex[] }[]
}

const chain = chainForFile()

const sender = privateKeyToAccount(devKeys[7]!)
const recipient = devAccounts[6]!.address
const ABSENT: Hex = '0x00000000000000000000000000000000deadbeef'
const SLOT: Hex = `0x${'00'.repeat(31)}01`

async function call<T>(method: string, params: unknown[]): Promise<T> {
  const answer = await rpc(chain.l2Url, method, params)
  if (answer.error) throw new Error(`${method}: ${answer.error.message}`)
  return answer.result as T
}

/**
 * The proof must start at `stateRoot` and prove exactly the account fields it reports, checked by
 * @ethereumjs (which only reads the proof, never the state manager). Each slot is checked against
 * `storageHash` with Velox's verifier: for an empty storage trie geth answers an empty proof,
 * which @ethereumjs's verifier refuses to take.
 */
async function expectValid(proof: Proof, stateRoot: Hex) {
  expect(bytesOfHash(proof.accountProof[0]!)).toBe(stateRoot)
  const account = { ...proof, storageProof: [] }
  expect(await verifyMerkleStateProof(undefined as unknown as MerkleStateManager, account)).toBe(true)
  for (const slot of proof.storageProof) {
    const key = keccak256(hexToBytes(`0x${slot.key.slice(2).padStart(64, '0')}`))
    const proven = verifyProof(hexToBytes(proof.storageHash), key, slot.proof.map(hexToBytes))
    // A slot's leaf holds rlp(value without leading zeros).
    const value =
      proven === undefined
        ? 0n
        : BigInt(`0x${Buffer.from(decodeRlp(proven) as Uint8Array).toString('hex') || '0'}`)
    expect(`0x${value.toString(16)}`).toBe(slot.value)
  }
}

function bytesOfHash(node: Hex): Hex {
  return `0x${Buffer.from(keccak256(hexToBytes(node))).toString('hex')}`
}

describe('eth_getProof', () => {
  it('proves an account at a sealed block and in real time, each against its own state root', async () => {
    const nonce = Number(await call<Hex>('eth_getTransactionCount', [sender.address, 'pending']))
    const raw = await sender.signTransaction({
      chainId: CHAIN_ID,
      type: 'eip1559',
      to: recipient,
      value: 12_345n,
      nonce,
      gas: 21_000n,
      maxFeePerGas: parseGwei('3'),
      maxPriorityFeePerGas: parseGwei('0.001'),
    })
    const receipt = await call<{ blockNumber: Hex }>('eth_sendRawTransactionSync', [raw])
    let block = await call<{ number: Hex; stateRoot: Hex }>('eth_getBlockByNumber', [
      receipt.blockNumber,
      false,
    ])
    for (let i = 0; i < 100 && block === null; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      block = await call('eth_getBlockByNumber', [receipt.blockNumber, false])
    }
    expect(block).not.toBeNull()

    const sealed = await call<Proof>('eth_getProof', [sender.address, [SLOT], block.number])
    await expectValid(sealed, block.stateRoot)
    expect(BigInt(sealed.nonce)).toBe(BigInt(nonce + 1))
    expect(sealed.storageProof).toEqual([{ key: SLOT, value: '0x0', proof: [] }])

    // The block before it: the sender's earlier nonce, proven against that block's root.
    const parentNumber = `0x${(BigInt(block.number) - 1n).toString(16)}`
    const parent = await call<{ stateRoot: Hex }>('eth_getBlockByNumber', [parentNumber, false])
    const earlier = await call<Proof>('eth_getProof', [sender.address, [], parentNumber])
    await expectValid(earlier, parent.stateRoot)
    expect(BigInt(earlier.nonce)).toBe(BigInt(nonce))

    // `latest` is real time: the trie with the open block's changes; its root is what the next
    // sealed block will carry if nothing else lands.
    const live = await call<Proof>('eth_getProof', [recipient, [], 'latest'])
    expect(BigInt(live.balance)).toBe(BigInt(await call<Hex>('eth_getBalance', [recipient, 'latest'])))
    const liveRoot = bytesOfHash(live.accountProof[0]!)
    await expectValid(live, liveRoot)
  })

  it('proves that an account is absent, with geth’s zero hashes', async () => {
    const latest = await call<{ number: Hex; stateRoot: Hex }>('eth_getBlockByNumber', ['latest', false])
    const proof = await call<Proof>('eth_getProof', [ABSENT, ['0x1'], latest.number])
    expect(proof).toMatchObject({
      balance: '0x0',
      nonce: '0x0',
      codeHash: `0x${'00'.repeat(32)}`,
      storageHash: `0x${'00'.repeat(32)}`,
      storageProof: [{ key: '0x1', value: '0x0', proof: [] }],
    })
    const value = verifyProof(
      hexToBytes(latest.stateRoot),
      keccak256(hexToBytes(ABSENT)),
      proof.accountProof.map(hexToBytes),
    )
    expect(value).toBeUndefined()
  })

  it('refuses bad input with -32602, and a block past the head with "header not found"', async () => {
    const tooMany = Array.from({ length: 1025 }, () => SLOT)
    expect((await rpc(chain.l2Url, 'eth_getProof', [ABSENT, tooMany, 'latest'])).error).toMatchObject({
      code: -32602,
      message: 'invalid argument 1: too many storage keys: 1025, at most 1024',
    })
    expect((await rpc(chain.l2Url, 'eth_getProof', [ABSENT, 'nope', 'latest'])).error?.code).toBe(-32602)
    expect(
      (await rpc(chain.l2Url, 'eth_getProof', [ABSENT, [`0x${'11'.repeat(33)}`], 'latest'])).error?.code,
    ).toBe(-32602)
    expect((await rpc(chain.l2Url, 'eth_getProof', [ABSENT, []])).error?.code).toBe(-32602)
    expect((await rpc(chain.l2Url, 'eth_getProof', [ABSENT, [], '0xffffff'])).error).toMatchObject({
      code: -32000,
      message: 'header not found',
    })
  })
})

describe('stateless validation', () => {
  it('validates every block this chain sealed from its witness alone', async () => {
    await expectEveryBlockValidates(chain.l2Url)
  })
})
