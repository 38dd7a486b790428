import type { Address, Hash, Hex } from 'viem'
import { describe, expect, it } from 'vitest'
import { bigintToBytes, bytesToHex } from '../primitives/hex.ts'
import { encodeRlp } from '../primitives/rlp.ts'
import { seededRandom } from '../primitives/seededRandom.ts'
import { orderedTrieRoot } from '../state/trie/orderedTrieRoot.ts'
import { assembleBlock, BlockBody, type OpenBlock } from './assembleBlock.ts'
import { EMPTY_TRIE_ROOT, ZERO_HASH } from './blockHeader.ts'
import { type ExecutedTransaction, encodeReceipt, receiptBloom } from './receipt.ts'

const OPEN: OpenBlock = {
  number: 12n,
  parentHash: `0x${'ab'.repeat(32)}`,
  timestamp: 1_700_000_000n,
  baseFeePerGas: 7n,
  gasLimit: 30_000_000n,
  coinbase: '0xc0ffee000000000000000000000000000000c0fe',
  prevRandao: ZERO_HASH,
  extraData: '0x',
  requestsHash: undefined,
}
const STATE_ROOT: Hash = `0x${'5a'.repeat(32)}`

/** Transactions of every shape a body folds: typed and legacy, with and without logs, tips repeated. */
function transactions(count: number, seed: number): { raw: Uint8Array; executed: ExecutedTransaction }[] {
  const random = seededRandom(seed)
  const byte = () => Math.floor(random() * 256)
  const hex = (bytes: number) => bytesToHex(Uint8Array.from({ length: bytes }, byte))
  let cumulativeGasUsed = 0n
  return Array.from({ length: count }, (_, i) => {
    const legacy = random() < 0.3
    const body = Uint8Array.from({ length: 60 + Math.floor(random() * 120) }, byte)
    const raw = legacy ? encodeRlp([body, bigintToBytes(BigInt(i))]) : Uint8Array.of(2, ...encodeRlp([body]))
    const gasUsed = 21_000n + BigInt(Math.floor(random() * 50_000))
    cumulativeGasUsed += gasUsed
    const logs = Array.from({ length: Math.floor(random() * 3) }, () => ({
      address: hex(20) as Address,
      topics: Array.from({ length: Math.floor(random() * 4) }, () => hex(32) as Hash),
      data: hex(Math.floor(random() * 70)) as Hex,
    }))
    const executed: ExecutedTransaction = {
      hash: hex(32) as Hash,
      type: legacy ? 0 : 2,
      sender: hex(20) as Address,
      to: hex(20) as Address,
      contractAddress: null,
      status: random() < 0.9 ? 1 : 0,
      gasUsed,
      cumulativeGasUsed,
      effectiveGasPrice: OPEN.baseFeePerGas + BigInt(Math.floor(random() * 4)),
      logs,
    }
    return { raw, executed }
  })
}

describe('BlockBody', () => {
  it('commits to what the transactions and receipts are, whatever the turns it was prepared in', () => {
    // 300 transactions: keys rlp(0) = 0x80, 0x01…0x7f, 0x81xx and 0x82xxxx sit in different branches.
    const items = transactions(300, 7)
    const expectedBloom = new Uint8Array(256)
    for (const { executed } of items) {
      const bloom = receiptBloom(executed.logs)
      for (let i = 0; i < 256; i++) expectedBloom[i]! |= bloom[i]!
    }
    const whole = assembleBlock(OPEN, items, STATE_ROOT)
    expect(whole.header.transactionsRoot).toBe(bytesToHex(orderedTrieRoot(items.map(({ raw }) => raw))))
    expect(whole.header.receiptsRoot).toBe(
      bytesToHex(orderedTrieRoot(items.map(({ executed }) => encodeReceipt(executed)))),
    )
    expect(whole.header.logsBloom).toBe(bytesToHex(expectedBloom))
    expect(whole.header.gasUsed).toBe(items[items.length - 1]!.executed.cumulativeGasUsed)
    const gasByTip = new Map<bigint, bigint>()
    for (const { executed } of items) {
      const tip = executed.effectiveGasPrice - OPEN.baseFeePerGas
      gasByTip.set(tip, (gasByTip.get(tip) ?? 0n) + executed.gasUsed)
    }
    expect(whole.tipDistribution).toEqual([...gasByTip.entries()].sort((a, b) => Number(a[0] - b[0])))

    // Prepared in uneven turns, as the sequencer's mini-blocks and idle moments come.
    const random = seededRandom(11)
    const body = new BlockBody()
    for (const [i, { raw, executed }] of items.entries()) {
      body.add(raw, executed)
      if (random() < 0.1 || i === 127 || i === 128) body.prepare()
    }
    expect(body.transactionHashes).toEqual(items.map(({ executed }) => executed.hash))
    expect(body.assemble(OPEN, STATE_ROOT)).toEqual(whole)
  })

  it('keeps a transaction that failed to fold queued, and folds it once', () => {
    const items = transactions(3, 5)
    const broken = items[1]!.executed
    const logs = broken.logs
    broken.logs = [{ address: '0xnot-an-address' as Address, topics: [], data: '0x' }]
    const body = new BlockBody()
    for (const { raw, executed } of items) body.add(raw, executed)
    expect(() => body.prepare()).toThrow()
    expect(body.queuedCount).toBe(2)
    broken.logs = logs
    expect(body.assemble(OPEN, STATE_ROOT)).toEqual(assembleBlock(OPEN, items, STATE_ROOT))
  })

  it('seals an empty block with the empty roots', () => {
    const sealed = new BlockBody().assemble(OPEN, STATE_ROOT)
    expect(sealed.header.transactionsRoot).toBe(EMPTY_TRIE_ROOT)
    expect(sealed.header.receiptsRoot).toBe(EMPTY_TRIE_ROOT)
    expect(sealed.header.gasUsed).toBe(0n)
    expect(sealed.tipDistribution).toEqual([])
    expect(sealed).toEqual(assembleBlock(OPEN, [], STATE_ROOT))
  })
})
