/**
 * The address registry (batch format version 2): every address a batch spelled out in full, in the
 * order the batches introduced them, numbered from 0. A later batch names a registered address by
 * its number (a uvarint: 2–3 bytes for the first two million) instead of its 20 bytes, so the
 * users and contracts a chain sees again and again cost their 20 bytes once.
 *
 * The registry is a function of the batches on L1, in order: derivation rebuilds it by appending
 * each decoded batch's new addresses (`DecodedBatch.newAddresses`); the batcher keeps its own copy
 * (workers/batcher/batcherStore.ts), cut back to the batches before the one it encodes, so that
 * after an L1 reorg or a fresh L1 it numbers addresses exactly as derivation will.
 */
import type { Address } from 'viem'

/** What encoding needs: the number of a registered address. Addresses are lowercase hex. */
export interface AddressRegistryIndex {
  indexOf(address: Address): number | undefined
}

/** What decoding needs besides: the registry's size and the address at a number. */
export interface AddressRegistry extends AddressRegistryIndex {
  readonly size: number
  at(index: number): Address | undefined
}

/** A registry held in memory: derivation's, and the tests'. */
export class MemoryAddressRegistry implements AddressRegistry {
  private readonly addresses: Address[] = []
  private readonly numbers = new Map<Address, number>()

  get size(): number {
    return this.addresses.length
  }

  at(index: number): Address | undefined {
    return this.addresses[index]
  }

  indexOf(address: Address): number | undefined {
    return this.numbers.get(address)
  }

  /** A decoded or encoded batch's new addresses, in order; each must not be registered yet. */
  append(addresses: readonly Address[]): void {
    for (const address of addresses) {
      if (this.numbers.has(address)) throw new Error(`address ${address} is already registered`)
      this.numbers.set(address, this.addresses.length)
      this.addresses.push(address)
    }
  }
}
