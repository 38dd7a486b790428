import type { Address } from 'viem'
import { describe, expect, it } from 'vitest'
import { admissionOrder } from './admissionOrder.ts'

const alice = '0x00000000000000000000000000000000000a11ce' as Address
const bob = '0x0000000000000000000000000000000000000b0b' as Address
const carol = '0x00000000000000000000000000000000000ca201' as Address

describe('admissionOrder', () => {
  it('keeps transactions of distinct senders as they came', () => {
    expect(admissionOrder([])).toEqual([])
    expect(admissionOrder([{ sender: alice, nonce: 9n }])).toEqual([0])
    expect(
      admissionOrder([
        { sender: bob, nonce: 5n },
        { sender: alice, nonce: 9n },
        { sender: carol, nonce: 0n },
      ]),
    ).toEqual([0, 1, 2])
  })

  it("puts each sender's transactions in nonce order, in the places that sender held", () => {
    const items = [
      { sender: alice, nonce: 8n },
      { sender: bob, nonce: 3n },
      { sender: alice, nonce: 6n },
      { sender: carol, nonce: 1n },
      { sender: alice, nonce: 7n },
      { sender: bob, nonce: 2n },
    ]
    const order = admissionOrder(items)
    expect(order).toEqual([2, 5, 4, 3, 0, 1])
    const names = new Map([
      [alice, 'alice'],
      [bob, 'bob'],
      [carol, 'carol'],
    ])
    expect(order.map((index) => `${names.get(items[index]!.sender)} ${items[index]!.nonce}`)).toEqual([
      'alice 6',
      'bob 2',
      'alice 7',
      'carol 1',
      'alice 8',
      'bob 3',
    ])
  })

  it('keeps replacements (same sender and nonce) in the order they came', () => {
    const items = [
      { sender: alice, nonce: 4n },
      { sender: alice, nonce: 3n },
      { sender: alice, nonce: 3n },
    ]
    expect(admissionOrder(items)).toEqual([1, 2, 0])
  })
})
