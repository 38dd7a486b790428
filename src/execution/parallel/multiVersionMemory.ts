/**
 * Block-STM's multi-version memory (Gelashvili et al., "Block-STM", 2022, §3): for every state
 * location, the value each transaction of the block last wrote there, tagged with the incarnation
 * that wrote it.
 *
 *   incarnation of tx j ──read(location, j)──▶ entry of the highest tx i < j that wrote it
 *                                              (or none: the caller falls back to the pre-state)
 *   incarnation of tx j ──record(j, reads, writes)──▶ entries replaced; locations it no longer
 *                                                     writes removed; its read set kept
 *   validation of tx j  ──validateReadSet(j)──▶ every read would still see the same version
 *   abort of tx j       ──convertWritesToEstimates(j)──▶ readers of its writes wait for it
 *
 * Locations are strings built by the functions below; values are whatever the executor stores
 * there. Nothing here knows about the EVM, so a worker_threads pool can hold one MVMemory per block
 * behind the same methods.
 */
import type { Address } from 'viem'

/** A state location: an account, a storage slot, or one of the executor's bookkeeping keys. */
export type Location = string

/** An account's nonce, balance and code hash (and whether it exists) are one location. */
export const accountLocation = (address: Address): Location => `a${address}`
/** A storage slot. */
export const storageLocation = (address: Address, slot: bigint): Location => `s${address}${slot.toString(16)}`
/** Written by a transaction that wiped an account's storage (created or destroyed it). */
export const storageResetLocation = (address: Address): Location => `r${address}`
/** Written by a transaction that wrote or wiped any slot of the account (EIP-7610's hasStorage). */
export const storageWrittenLocation = (address: Address): Location => `w${address}`
/** The priority fee a transaction left for the fee recipient to be credited later. */
export const feeLocation = (txIndex: number): Location => `f${txIndex}`

/** What a transaction's incarnation wrote at one location. */
export type Entry<Value> = {
  readonly txIndex: number
  incarnation: number
  value: Value
  /** The writing incarnation was aborted: its next one will probably write here again. */
  estimate: boolean
}

/** The transaction index of a read that found no entry and fell back to the pre-state. */
export const PRE_STATE = -1

/** One read of an incarnation: the location and the version it saw. */
export type ReadDescriptor = { location: Location; txIndex: number; incarnation: number }

export class MultiVersionMemory<Value> {
  /** Per location, its entries in ascending transaction order. */
  private readonly entries = new Map<Location, Entry<Value>[]>()
  private readonly lastWrites: (readonly Location[] | undefined)[]
  private readonly lastReads: (readonly ReadDescriptor[] | undefined)[]

  constructor(readonly transactionCount: number) {
    this.lastWrites = new Array(transactionCount).fill(undefined)
    this.lastReads = new Array(transactionCount).fill(undefined)
  }

  /**
   * The entry the highest transaction below `txIndex` wrote at `location` (possibly an ESTIMATE),
   * or undefined when none did.
   */
  read(location: Location, txIndex: number): Entry<Value> | undefined {
    const entries = this.entries.get(location)
    if (!entries) return undefined
    // Binary search for the last entry below txIndex.
    let low = 0
    let high = entries.length
    while (low < high) {
      const middle = (low + high) >>> 1
      if (entries[middle]!.txIndex < txIndex) low = middle + 1
      else high = middle
    }
    return low === 0 ? undefined : entries[low - 1]
  }

  /**
   * Publishes an incarnation's reads and writes. Returns whether it wrote a location its previous
   * incarnation did not: then every higher transaction must be validated again.
   */
  record(
    txIndex: number,
    incarnation: number,
    reads: readonly ReadDescriptor[],
    writes: ReadonlyMap<Location, Value>,
  ): boolean {
    const previous = this.lastWrites[txIndex]
    let wroteNewLocation = false
    for (const [location, value] of writes) {
      if (this.write(location, txIndex, incarnation, value)) wroteNewLocation = true
    }
    if (previous) for (const location of previous) if (!writes.has(location)) this.remove(location, txIndex)
    this.lastWrites[txIndex] = [...writes.keys()]
    this.lastReads[txIndex] = reads
    return wroteNewLocation
  }

  /** Marks an aborted incarnation's writes as ESTIMATEs. */
  convertWritesToEstimates(txIndex: number): void {
    for (const location of this.lastWrites[txIndex] ?? []) {
      const entry = this.entryOf(location, txIndex)
      if (entry) entry.estimate = true
    }
  }

  /** Whether every read of the transaction's last incarnation would still see the same version. */
  validateReadSet(txIndex: number): boolean {
    for (const read of this.lastReads[txIndex] ?? []) {
      const entry = this.read(read.location, txIndex)
      if (!entry) {
        if (read.txIndex !== PRE_STATE) return false
      } else if (entry.estimate || entry.txIndex !== read.txIndex || entry.incarnation !== read.incarnation)
        return false
    }
    return true
  }

  readSetOf(txIndex: number): readonly ReadDescriptor[] {
    return this.lastReads[txIndex] ?? []
  }

  writeSetOf(txIndex: number): readonly Location[] {
    return this.lastWrites[txIndex] ?? []
  }

  /** Writes or overwrites the entry; true when the location had none from this transaction. */
  private write(location: Location, txIndex: number, incarnation: number, value: Value): boolean {
    let entries = this.entries.get(location)
    if (!entries) this.entries.set(location, (entries = []))
    let index = entries.length
    while (index > 0 && entries[index - 1]!.txIndex > txIndex) index--
    const existing = entries[index - 1]
    if (existing?.txIndex === txIndex) {
      existing.incarnation = incarnation
      existing.value = value
      existing.estimate = false
      return false
    }
    entries.splice(index, 0, { txIndex, incarnation, value, estimate: false })
    return true
  }

  private remove(location: Location, txIndex: number): void {
    const entries = this.entries.get(location)
    if (!entries) return
    const index = entries.findIndex((entry) => entry.txIndex === txIndex)
    if (index >= 0) entries.splice(index, 1)
  }

  private entryOf(location: Location, txIndex: number): Entry<Value> | undefined {
    return this.entries.get(location)?.find((entry) => entry.txIndex === txIndex)
  }
}
