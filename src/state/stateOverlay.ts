import type { Address } from 'viem'
import type { AccountData, StateReader } from './stateView.ts'

/**
 * Buffers writes over a reader and records what was read and written, which parallel execution and
 * witnesses are built on. `null` in the write set means the account was deleted (EIP-161).
 */
export class StateOverlay implements StateReader {
  readonly reads = new Set<Address>()
  readonly writes = new Map<Address, AccountData | null>()

  constructor(private readonly base: StateReader) {}

  getAccount(address: Address): AccountData | undefined {
    const written = this.writes.get(address)
    if (written !== undefined) return written ?? undefined
    this.reads.add(address)
    return this.base.getAccount(address)
  }

  setAccount(address: Address, account: AccountData | null): void {
    this.writes.set(address, account)
  }

  /** Folds another overlay's writes into this one (a transaction's into its mini-block). */
  absorb(child: StateOverlay): void {
    for (const address of child.reads) if (!this.writes.has(address)) this.reads.add(address)
    for (const [address, account] of child.writes) this.writes.set(address, account)
  }
}
