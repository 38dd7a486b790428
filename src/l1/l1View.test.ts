import { BlockNotFoundError, type Hash, type PublicClient } from 'viem'
import { describe, expect, it } from 'vitest'
import { L1ReorganisedError } from './derivationErrors.ts'
import { L1View } from './l1View.ts'
import { readStableL1 } from './readStableL1.ts'

const hash = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as Hash

/** An L1 node whose canonical chain is `chain` (block number → hash), changeable between calls. */
function fakeL1(chain: Map<bigint, Hash>) {
  const client = {
    async getBlock(args: { blockNumber?: bigint; blockTag?: 'latest' | 'finalized' }) {
      const latest = [...chain.keys()].reduce((a, b) => (a > b ? a : b))
      // Finality two blocks behind the head, as a stand-in for L1's two epochs.
      const number =
        args.blockTag === 'latest' ? latest : args.blockTag === 'finalized' ? latest - 2n : args.blockNumber!
      const found = chain.get(number)
      if (!found) throw new BlockNotFoundError({ blockNumber: number })
      return { number, hash: found }
    },
  }
  return client as unknown as PublicClient
}

const chainOf = (length: number, salt = 0) =>
  new Map(Array.from({ length }, (_, i) => [BigInt(i), hash(1000 * salt + i + 1)] as const))

describe('L1View', () => {
  it('holds while every block read from is still canonical', async () => {
    const chain = chainOf(10)
    const view = new L1View({ number: 9n, hash: chain.get(9n)! })
    view.note(3n, chain.get(3n)!)
    view.note(3n, chain.get(3n)!)
    view.note(7n, chain.get(7n)!)
    expect(await view.changes(fakeL1(chain))).toBeUndefined()
  })

  it('names a block read from that another fork has replaced since, even below an unchanged head', async () => {
    const chain = chainOf(10)
    const view = new L1View({ number: 9n, hash: chain.get(9n)! })
    view.note(4n, hash(4444))
    expect(await view.changes(fakeL1(chain))).toBe(
      `L1 block 4 was ${hash(4444)} when read, and is now ${chain.get(4n)}`,
    )
  })

  it('names a head that is gone', async () => {
    const chain = chainOf(10)
    const view = new L1View({ number: 9n, hash: chain.get(9n)! })
    chain.delete(9n)
    expect(await view.changes(fakeL1(chain))).toBe(`L1 block 9 was ${hash(10)} when read, and is now gone`)
  })

  it('is inconsistent when one block was read as two, or read past its head, or reported changing', async () => {
    const chain = chainOf(10)
    const twice = new L1View({ number: 9n, hash: chain.get(9n)! })
    twice.note(5n, hash(1))
    twice.note(5n, hash(2))
    expect(await twice.changes(fakeL1(chain))).toBe(`L1 block 5 was read as ${hash(1)} and as ${hash(2)}`)
    const past = new L1View({ number: 8n, hash: chain.get(8n)! })
    past.note(9n, chain.get(9n)!)
    expect(await past.changes(fakeL1(chain))).toBe('L1 block 9 was read, past the head 8 the read began at')
    const moved = new L1View({ number: 9n, hash: chain.get(9n)! })
    moved.noteChange('transaction 0xab is no longer mined')
    expect(await moved.changes(fakeL1(chain))).toBe('transaction 0xab is no longer mined')
  })
})

describe('readStableL1', () => {
  it('returns a read that L1 did not reorganise under, reading again after one it did', async () => {
    const chain = chainOf(10)
    const reorganised: string[] = []
    let reads = 0
    const result = await readStableL1(
      fakeL1(chain),
      async (view) => {
        reads++
        view.note(6n, chain.get(6n)!)
        // The first read's block 6 is replaced by another fork's while it runs: its conclusion goes.
        if (reads === 1) {
          chain.set(6n, hash(6666))
          throw new Error('a mismatch the reorganisation caused')
        }
        return `read ${reads} up to ${view.head.number}`
      },
      { onReorganised: (change) => reorganised.push(change) },
    )
    expect(result).toBe('read 2 up to 9')
    expect(reorganised).toEqual([`L1 block 6 was ${hash(7)} when read, and is now ${hash(6666)}`])
  })

  it('reads up to the finalized block when asked to', async () => {
    const heads: bigint[] = []
    await readStableL1(fakeL1(chainOf(10)), async (view) => heads.push(view.head.number), {
      head: 'finalized',
    })
    await readStableL1(fakeL1(chainOf(10)), async (view) => heads.push(view.head.number))
    expect(heads).toEqual([7n, 9n])
  })

  it('rethrows what a read of one fork concluded', async () => {
    await expect(
      readStableL1(fakeL1(chainOf(4)), async () => {
        throw new Error('block 3 differs')
      }),
    ).rejects.toThrow('block 3 differs')
  })

  it('gives up with L1ReorganisedError when every read is cut through', async () => {
    const chain = chainOf(4)
    let reads = 0
    const failure = readStableL1(
      fakeL1(chain),
      async (view) => {
        reads++
        chain.set(view.head.number + 1n, hash(100 + reads))
        chain.delete(view.head.number)
        return 'never believed'
      },
      { maxAttempts: 3 },
    )
    await expect(failure).rejects.toThrow(L1ReorganisedError)
    await expect(failure).rejects.toThrow(/L1 reorganised under each of 3 reads: the last: L1 block 5 was/)
    expect(reads).toBe(3)
  })
})
