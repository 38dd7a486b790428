import type { Address, Hex } from 'viem'
import type { StateChanges } from '../evm/evmState.ts'
import type { StateWrites } from './stateTrie.ts'
import type { AccountData } from './stateView.ts'
import type { StateReads } from './witness.ts'

/**
 * What an open block has done to state so far, folded from its mini-blocks (each executes on its
 * own EvmState): the final value of every account and slot written, and everything read of the
 * state the block started from. At the seal it is what the state trie applies and what the
 * execution witness proves.
 *
 * Reads have a text form ("read keys") so a store can keep them across a restart of the open block.
 */
export class BlockChanges {
  readonly writes: StateWrites = { accounts: new Map(), storage: new Map(), storageResets: new Set() }
  readonly reads = {
    accounts: new Set<Address>(),
    storage: new Map<Address, Set<bigint>>(),
    codes: new Set<Hex>(),
  } satisfies StateReads
  /** The oldest block number BLOCKHASH asked for, if any did. */
  oldestBlockHashRead: bigint | undefined
  private readonly readKeys = new Set<string>()

  /** Folds one mini-block's changes in; returns the read keys this block had not seen before. */
  add(changes: StateChanges): string[] {
    const fresh: string[] = []
    const note = (key: string) => {
      if (this.addReadKey(key)) fresh.push(key)
    }
    for (const address of changes.reads.accounts) note(address)
    for (const [address, slots] of changes.reads.storage)
      for (const slot of slots) note(slotReadKey(address, slot))
    for (const codeHash of changes.reads.codes) note(`code:${codeHash}`)
    this.addWrites(changes)
    return fresh
  }

  /** Folds one execution's writes in: resets, then slots, then accounts. */
  addWrites(writes: StateWrites): void {
    for (const address of writes.storageResets) this.resetStorage(address)
    for (const [address, slots] of writes.storage)
      for (const [slot, value] of slots) this.writeSlot(address, slot, value)
    for (const [address, account] of writes.accounts) this.writeAccount(address, account)
  }

  /** BLOCKHASH read the hash of block `number`; returns its read key if it is older than any before. */
  readBlockHash(number: bigint): string | undefined {
    const key = `blockhash:${number}`
    return this.addReadKey(key) ? key : undefined
  }

  /** Records a read by its key (as `add` returned it); false when it was already recorded. */
  addReadKey(key: string): boolean {
    if (this.readKeys.has(key)) return false
    this.readKeys.add(key)
    const [kind, value] = key.includes(':') ? (key.split(':') as [string, string]) : ['account', key]
    if (kind === 'account') this.reads.accounts.add(value as Address)
    else if (kind === 'code') this.reads.codes.add(value as Hex)
    else if (kind === 'blockhash') {
      const number = BigInt(value)
      if (this.oldestBlockHashRead === undefined || number < this.oldestBlockHashRead)
        this.oldestBlockHashRead = number
    } else {
      const address = kind as Address
      let slots = this.reads.storage.get(address)
      if (!slots) this.reads.storage.set(address, (slots = new Set()))
      slots.add(BigInt(value))
    }
    return true
  }

  writeAccount(address: Address, account: AccountData | null): void {
    this.writes.accounts.set(address, account)
    if (account === null) this.resetStorage(address)
  }

  writeSlot(address: Address, slot: bigint, value: bigint): void {
    let slots = this.writes.storage.get(address)
    if (!slots) this.writes.storage.set(address, (slots = new Map()))
    slots.set(slot, value)
  }

  /** The account's storage is wiped: earlier slot writes of this block go with it. */
  resetStorage(address: Address): void {
    this.writes.storageResets.add(address)
    this.writes.storage.delete(address)
  }
}

const slotReadKey = (address: Address, slot: bigint): string => `${address}:0x${slot.toString(16)}`
