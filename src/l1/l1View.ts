/**
 * What one read of L1 saw: the hash of every L1 block it took data from (logs, transactions), and
 * the head it read up to. L1 may reorganise while a long derivation reads it; `changes` asks the
 * node afterwards whether each of those blocks is still the canonical one, so a read that mixed
 * two forks is read again instead of being believed (or reported as a mismatch).
 */
import { BlockNotFoundError, type Hash, type PublicClient } from 'viem'

/** Block headers asked for at once when checking a view. */
const CHECK_CONCURRENCY = 16

export class L1View {
  private readonly hashes = new Map<bigint, Hash>()
  private inconsistency: string | undefined

  constructor(readonly head: { number: bigint; hash: Hash }) {
    this.hashes.set(head.number, head.hash)
  }

  /** Records that data was read from L1 block `number`, whose hash was `hash` then. */
  note(number: bigint, hash: Hash): void {
    if (number > this.head.number) {
      this.inconsistency ??= `L1 block ${number} was read, past the head ${this.head.number} the read began at`
      return
    }
    const seen = this.hashes.get(number)
    if (seen === undefined) this.hashes.set(number, hash)
    else if (seen !== hash) this.inconsistency ??= `L1 block ${number} was read as ${seen} and as ${hash}`
  }

  /** Records something read that showed L1 changing under the read (a mined transaction gone back to the pool). */
  noteChange(what: string): void {
    this.inconsistency ??= what
  }

  /**
   * Why this view is not (or no longer) one fork of L1, or undefined if every block it read from
   * is still canonical: checked against the node, head first.
   */
  async changes(client: PublicClient): Promise<string | undefined> {
    if (this.inconsistency) return this.inconsistency
    const numbers = [...this.hashes.keys()].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0))
    for (let start = 0; start < numbers.length; start += CHECK_CONCURRENCY) {
      const slice = numbers.slice(start, start + CHECK_CONCURRENCY)
      const now = await Promise.all(slice.map((number) => canonicalHash(client, number)))
      for (const [i, number] of slice.entries()) {
        const read = this.hashes.get(number)!
        if (now[i] !== read) return `L1 block ${number} was ${read} when read, and is now ${now[i] ?? 'gone'}`
      }
    }
    return undefined
  }
}

/** The hash of L1's block `number` now, or null if the node has no such block (any other failure throws). */
async function canonicalHash(client: PublicClient, number: bigint): Promise<Hash | null> {
  try {
    return (await client.getBlock({ blockNumber: number })).hash
  } catch (error) {
    if (error instanceof BlockNotFoundError) return null
    throw error
  }
}
