import type { Address, Hex } from 'viem'
import type { StateChanges } from '../evm/evmState.ts'
import { bytesToHex, hexToBytes } from '../primitives/hex.ts'
import { keccak256 } from '../primitives/keccak256.ts'
import type { FullAccount } from './computeStateRoot.ts'
import { type AccountData, type ContractStateReader, EMPTY_CODE_HASH } from './stateView.ts'

type MutableAccount = { nonce: bigint; balance: bigint; codeHash: Hex; storage: Map<bigint, bigint> }

/**
 * A whole state held in memory: the pre-state of a conformance fixture, a benchmark or a
 * differential test. The EVM reads it through ContractStateReader; `apply` folds an execution's
 * write set back in, so a sequence of transactions can run against it one EvmState at a time.
 */
export class MemoryState implements ContractStateReader {
  private readonly accounts = new Map<Address, MutableAccount>()
  private readonly codes = new Map<Hex, Uint8Array>()

  /** Creates or replaces an account; code and storage are optional. */
  setAccount(
    address: Address,
    account: { nonce?: bigint; balance?: bigint; code?: Uint8Array; storage?: ReadonlyMap<bigint, bigint> },
  ): void {
    const code = account.code ?? new Uint8Array(0)
    const codeHash = code.length === 0 ? EMPTY_CODE_HASH : bytesToHex(keccak256(code))
    if (code.length > 0) this.codes.set(codeHash, code)
    const storage = new Map<bigint, bigint>()
    for (const [slot, value] of account.storage ?? []) if (value !== 0n) storage.set(slot, value)
    this.accounts.set(address.toLowerCase() as Address, {
      nonce: account.nonce ?? 0n,
      balance: account.balance ?? 0n,
      codeHash,
      storage,
    })
  }

  getAccount(address: Address): AccountData | undefined {
    const account = this.accounts.get(address)
    return account && { nonce: account.nonce, balance: account.balance, codeHash: account.codeHash }
  }

  getStorage(address: Address, slot: bigint): bigint {
    return this.accounts.get(address)?.storage.get(slot) ?? 0n
  }

  getCode(codeHash: Hex): Uint8Array | undefined {
    return this.codes.get(codeHash)
  }

  hasStorage(address: Address): boolean {
    return (this.accounts.get(address)?.storage.size ?? 0) > 0
  }

  /** Folds an execution's write set into this state. */
  apply(changes: StateChanges): void {
    for (const [hash, code] of changes.codes) this.codes.set(hash, code)
    for (const [address, account] of changes.accounts) {
      if (!account) {
        this.accounts.delete(address)
        continue
      }
      const previous = this.accounts.get(address)
      const storage = changes.storageResets.has(address) || !previous ? new Map() : previous.storage
      this.accounts.set(address, { ...account, storage })
    }
    for (const [address, slots] of changes.storage) {
      const storage = this.accounts.get(address)?.storage
      if (!storage) continue
      for (const [slot, value] of slots) {
        if (value === 0n) storage.delete(slot)
        else storage.set(slot, value)
      }
    }
  }

  /** Every account with its storage, as computeStateRoot takes them. */
  entries(): IterableIterator<[Address, FullAccount]> {
    return this.accounts.entries()
  }

  /** A deep copy, so one pre-state can serve many independent runs. */
  clone(): MemoryState {
    const copy = new MemoryState()
    for (const [hash, code] of this.codes) copy.codes.set(hash, code)
    for (const [address, account] of this.accounts)
      copy.accounts.set(address, { ...account, storage: new Map(account.storage) })
    return copy
  }
}

/** An account as geth's genesis `alloc` and Ethereum's JSON tests write it: hex strings. */
export type AllocAccount = { nonce?: Hex; balance?: Hex; code?: Hex; storage?: Record<Hex, Hex> }

/** A MemoryState holding an `alloc` (a genesis file's, or a fixture's pre- or post-state). */
export function memoryStateFromAlloc(alloc: Record<Address, AllocAccount>): MemoryState {
  const state = new MemoryState()
  for (const [address, account] of Object.entries(alloc)) {
    const storage = new Map<bigint, bigint>()
    for (const [slot, value] of Object.entries(account.storage ?? {}))
      storage.set(BigInt(slot), BigInt(value))
    state.setAccount(address as Address, {
      nonce: BigInt(account.nonce ?? '0x0'),
      balance: BigInt(account.balance ?? '0x0'),
      code: hexToBytes(account.code ?? '0x'),
      storage,
    })
  }
  return state
}
