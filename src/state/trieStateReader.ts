import type { Address, Hex } from 'viem'
import type { StateTrie } from './stateTrie.ts'
import { hasStorageRoot } from './stateTrie.ts'
import type { AccountData, ContractStateReader } from './stateView.ts'

/**
 * The EVM's reads answered from a state trie: the state at any committed root (historical calls),
 * or the partial state a witness holds (stateless validation). Code comes from `codeOf`, which
 * decides what an unknown hash means (a store may throw, a witness reports what it lacks).
 */
export class TrieStateReader implements ContractStateReader {
  constructor(
    private readonly trie: StateTrie,
    private readonly codeOf: (codeHash: Hex) => Uint8Array | undefined,
  ) {}

  getAccount(address: Address): AccountData | undefined {
    return this.trie.account(address)
  }

  getStorage(address: Address, slot: bigint): bigint {
    return this.trie.storage(address, slot)
  }

  getCode(codeHash: Hex): Uint8Array | undefined {
    return this.codeOf(codeHash)
  }

  hasStorage(address: Address): boolean {
    const account = this.trie.account(address)
    return account !== undefined && hasStorageRoot(account)
  }
}
