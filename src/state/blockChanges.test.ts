import type { Address } from 'viem'
import { describe, expect, it } from 'vitest'
import type { StateChanges } from '../evm/evmState.ts'
import { BlockChanges } from './blockChanges.ts'
import { EMPTY_CODE_HASH } from './stateView.ts'

const A: Address = '0x00000000000000000000000000000000000000aa'
const B: Address = '0x00000000000000000000000000000000000000bb'
const CODE = '0x1111111111111111111111111111111111111111111111111111111111111111'

function miniBlock(overrides: Partial<StateChanges>): StateChanges {
  return {
    accounts: new Map(),
    storage: new Map(),
    storageResets: new Set(),
    codes: new Map(),
    reads: { accounts: new Set(), storage: new Map(), codes: new Set() },
    ...overrides,
  }
}

describe('BlockChanges', () => {
  it('folds mini-blocks: the last value of each account and slot, a reset dropping earlier slots', () => {
    const changes = new BlockChanges()
    changes.add(
      miniBlock({
        accounts: new Map([[A, { nonce: 1n, balance: 5n, codeHash: EMPTY_CODE_HASH }]]),
        storage: new Map([
          [
            A,
            new Map([
              [1n, 10n],
              [2n, 20n],
            ]),
          ],
        ]),
      }),
    )
    changes.add(
      miniBlock({
        accounts: new Map([[A, { nonce: 2n, balance: 4n, codeHash: EMPTY_CODE_HASH }]]),
        storage: new Map([[A, new Map([[3n, 30n]])]]),
        storageResets: new Set([A]),
      }),
    )
    changes.add(miniBlock({ accounts: new Map([[B, null]]), storage: new Map([[B, new Map([[1n, 0n]])]]) }))
    expect(changes.writes.accounts.get(A)).toEqual({ nonce: 2n, balance: 4n, codeHash: EMPTY_CODE_HASH })
    expect(changes.writes.storage.get(A)).toEqual(new Map([[3n, 30n]]))
    expect([...changes.writes.storageResets]).toEqual([A, B])
    expect(changes.writes.accounts.get(B)).toBeNull()
  })

  it('returns only reads it had not seen, and rebuilds the same reads from their keys', () => {
    const changes = new BlockChanges()
    const reads = {
      accounts: new Set([A, B]),
      storage: new Map([[A, new Set([0n, 255n])]]),
      codes: new Set<`0x${string}`>([CODE]),
    }
    const first = changes.add(miniBlock({ reads }))
    expect(first).toHaveLength(5)
    expect(changes.add(miniBlock({ reads }))).toEqual([])
    expect(changes.readBlockHash(7n)).toBe('blockhash:7')
    expect(changes.readBlockHash(7n)).toBeUndefined()
    changes.readBlockHash(3n)

    const replayed = new BlockChanges()
    for (const key of [...first, 'blockhash:7', 'blockhash:3']) replayed.addReadKey(key)
    expect(replayed.reads).toEqual(changes.reads)
    expect(replayed.oldestBlockHashRead).toBe(3n)
  })
})
