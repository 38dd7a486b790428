/**
 * The ContractStateReader under one incarnation's EvmState: each read goes to MVMemory first (the
 * highest lower transaction's write) and falls back to the block's pre-state, and is recorded with
 * the version it saw, for validation. A read of an ESTIMATE throws ReadBlockedError, which unwinds
 * processTransaction so the scheduler can suspend the transaction until the blocker re-executes.
 *
 * The fee recipient is special: transactions leave their priority fees outside their write sets
 * (feeLocation), so reading its account means reading every lower transaction's fee since its last
 * explicit write, and waiting for any lower transaction that has not run yet.
 */
import type { Address, Hex } from 'viem'
import { VeloxError } from '../../errors/base.ts'
import type { StateChanges } from '../../evm/evmState.ts'
import { type AccountData, type ContractStateReader, EMPTY_CODE_HASH } from '../../state/stateView.ts'
import {
  accountLocation,
  type Entry,
  feeLocation,
  type Location,
  type MultiVersionMemory,
  PRE_STATE,
  type ReadDescriptor,
  storageLocation,
  storageResetLocation,
  storageWrittenLocation,
} from './multiVersionMemory.ts'

/** What MVMemory holds: accounts (null: deleted), slots, fees (null: none left), and markers. */
export type LocationValue = AccountData | null | bigint | true

/** A read needs a lower transaction's next incarnation (or its first). */
export class ReadBlockedError extends Error {
  constructor(readonly blockingTxIndex: number) {
    super(`read blocked on transaction ${blockingTxIndex}`)
  }
}

/** A read this executor does not resolve in parallel; the block continues serially from here. */
export class UnsupportedParallelReadError extends VeloxError {
  override name = 'UnsupportedParallelReadError'
}

export class TransactionStateView implements ContractStateReader {
  readonly reads: ReadDescriptor[] = []
  /** The reads that fell through to the pre-state, in EvmState's shape (for its read set). */
  readonly preStateReads: StateChanges['reads'] = {
    accounts: new Set(),
    storage: new Map(),
    codes: new Set(),
  }
  private coinbaseAccountRead = false
  /** The value of each account (but the fee recipient) as this incarnation first read it. */
  readonly accountsRead = new Map<Address, AccountData | undefined>()

  constructor(
    private readonly memory: MultiVersionMemory<LocationValue>,
    private readonly preState: ContractStateReader,
    /** Code deployed by any incarnation, by hash: content-addressed, so never stale. */
    private readonly deployedCodes: ReadonlyMap<Hex, Uint8Array>,
    private readonly txIndex: number,
    private readonly coinbase: Address,
  ) {}

  /** Whether this incarnation read the fee recipient's account (then it pays its own fee). */
  readCoinbase(): boolean {
    return this.coinbaseAccountRead
  }

  getAccount(address: Address): AccountData | undefined {
    if (address === this.coinbase) return this.coinbaseAccount()
    const entry = this.read(accountLocation(address))
    let account: AccountData | undefined
    if (entry) account = (entry.value as AccountData | null) ?? undefined
    else {
      this.preStateReads.accounts.add(address)
      account = this.preState.getAccount(address)
    }
    if (!this.accountsRead.has(address)) this.accountsRead.set(address, account)
    return account
  }

  getStorage(address: Address, slot: bigint): bigint {
    const reset = this.read(storageResetLocation(address))
    const entry = this.read(storageLocation(address, slot))
    if (entry && (!reset || entry.txIndex >= reset.txIndex)) return entry.value as bigint
    if (reset) return 0n
    let slots = this.preStateReads.storage.get(address)
    if (!slots) this.preStateReads.storage.set(address, (slots = new Set()))
    slots.add(slot)
    return this.preState.getStorage(address, slot)
  }

  getCode(codeHash: Hex): Uint8Array | undefined {
    const code = this.preState.getCode(codeHash)
    if (!code) return this.deployedCodes.get(codeHash)
    this.preStateReads.codes.add(codeHash)
    return code
  }

  /**
   * EIP-7610, asked only of an account with no nonce and no code: one whose slots a lower
   * transaction wrote cannot be that after Cancun (EIP-6780), so it is left to serial execution.
   */
  hasStorage(address: Address): boolean {
    const written = this.read(storageWrittenLocation(address))
    if (written)
      throw new UnsupportedParallelReadError(
        `storage presence of ${address} after transaction ${written.txIndex}`,
      )
    return this.preState.hasStorage(address)
  }

  /** The last explicit write (or the pre-state), then each later fee credited as serial would. */
  private coinbaseAccount(): AccountData | undefined {
    this.coinbaseAccountRead = true
    const entry = this.read(accountLocation(this.coinbase))
    let account: AccountData | undefined
    if (entry) account = (entry.value as AccountData | null) ?? undefined
    else {
      this.preStateReads.accounts.add(this.coinbase)
      account = this.preState.getAccount(this.coinbase)
    }
    for (let txIndex = entry ? entry.txIndex + 1 : 0; txIndex < this.txIndex; txIndex++) {
      const fee = this.read(feeLocation(txIndex))
      if (!fee) throw new ReadBlockedError(txIndex)
      if (fee.value !== null) account = creditFee(account, fee.value as bigint)
    }
    return account
  }

  private read(location: Location): Entry<LocationValue> | undefined {
    const entry = this.memory.read(location, this.txIndex)
    if (entry?.estimate) throw new ReadBlockedError(entry.txIndex)
    this.reads.push(
      entry
        ? { location, txIndex: entry.txIndex, incarnation: entry.incarnation }
        : { location, txIndex: PRE_STATE, incarnation: 0 },
    )
    return entry
  }
}

/** processTransaction's `addBalance(coinbase, fee)`, then EIP-161's deletion of a touched empty account. */
function creditFee(account: AccountData | undefined, fee: bigint): AccountData | undefined {
  const nonce = account?.nonce ?? 0n
  const balance = (account?.balance ?? 0n) + fee
  const codeHash = account?.codeHash ?? EMPTY_CODE_HASH
  return nonce === 0n && balance === 0n && codeHash === EMPTY_CODE_HASH
    ? undefined
    : { nonce, balance, codeHash }
}
