import type { Address, Hex } from 'viem'
import { bytesToHex } from '../primitives/hex.ts'
import { keccak256 } from '../primitives/keccak256.ts'
import { type AccountData, type ContractStateReader, EMPTY_CODE_HASH } from '../state/stateView.ts'

const EMPTY_CODE = new Uint8Array(0)
const NOTHING_WARM: ReadonlySet<Address> = new Set()

/** An account as the EVM holds it during a block: the base's values, then every change on top. */
type AccountRecord = {
  nonce: bigint
  balance: bigint
  codeHash: Hex
  /** Loaded on first use. */
  code: Uint8Array | undefined
  exists: boolean
  /** Whether the base had the account: one that neither had nor has it changed nothing. */
  existedInBase: boolean
  /** The account was created or destroyed in this block: the base's storage no longer applies. */
  storageReset: boolean
  /** Slot values at the start of the current transaction (EIP-2200's "original"), loaded lazily. */
  committed: Map<bigint, bigint>
  /** Slots written by the current transaction. */
  dirty: Map<bigint, bigint>
  /** Changed since the block began, so `changes()` reports it. */
  modified: boolean
}

export type Log = { address: Address; topics: bigint[]; data: Uint8Array }

/** What a block (or one transaction) changed, and what it read: write sets and read sets. */
export type StateChanges = {
  /** Final account values; null when the account no longer exists. */
  accounts: Map<Address, AccountData | null>
  /** Final slot values (0n means cleared) of every slot written. */
  storage: Map<Address, Map<bigint, bigint>>
  /** Accounts whose storage in the base must be wiped first (destroyed, or created over old storage). */
  storageResets: Set<Address>
  /** Code deployed, by hash. */
  codes: Map<Hex, Uint8Array>
  reads: { accounts: Set<Address>; storage: Map<Address, Set<bigint>>; codes: Set<Hex> }
}

/** The position `revert` goes back to. */
export type Snapshot = number

/**
 * The EVM's view of state during a block: reads fall through to a ContractStateReader once and are
 * cached; every change is journaled so that `revert(snapshot)` undoes exactly what a failed frame did.
 * Per-transaction context (warm sets, transient storage, logs, refund, self-destructs) is reset by
 * `beginTransaction`; `finalizeTransaction` applies the end-of-transaction deletions.
 */
export class EvmState {
  private readonly records = new Map<Address, AccountRecord>()
  private readonly journal: (() => void)[] = []
  private readonly codes = new Map<Hex, Uint8Array>()
  private readonly readAccounts = new Set<Address>()
  private readonly readSlots = new Map<Address, Set<bigint>>()
  private readonly readCodes = new Set<Hex>()
  private readonly writtenSlots = new Map<Address, Set<bigint>>()

  private warmAddresses = new Set<Address>()
  /** Warm for the whole transaction without a per-transaction copy: the fork's precompiles. */
  private alwaysWarm: ReadonlySet<Address> = NOTHING_WARM
  private warmSlots = new Map<Address, Set<bigint>>()
  private transient = new Map<Address, Map<bigint, bigint>>()
  private touched = new Set<Address>()
  private selfDestructed = new Set<Address>()
  private createdInTransaction = new Set<Address>()
  /** Records with slots written in this transaction, so finalizing walks them, not the block's. */
  private recordsWithDirtySlots: AccountRecord[] = []
  logs: Log[] = []
  refund = 0

  constructor(private readonly base: ContractStateReader) {}

  // ---- accounts --------------------------------------------------------------------------------

  private record(address: Address): AccountRecord {
    let record = this.records.get(address)
    if (record) return record
    this.readAccounts.add(address)
    const account = this.base.getAccount(address)
    record = {
      nonce: account?.nonce ?? 0n,
      balance: account?.balance ?? 0n,
      codeHash: account?.codeHash ?? EMPTY_CODE_HASH,
      code: account && account.codeHash !== EMPTY_CODE_HASH ? undefined : EMPTY_CODE,
      exists: account !== undefined,
      existedInBase: account !== undefined,
      storageReset: false,
      committed: new Map(),
      dirty: new Map(),
      modified: false,
    }
    this.records.set(address, record)
    return record
  }

  exists(address: Address): boolean {
    return this.record(address).exists
  }

  /** EIP-161: no account, or one with no code, zero nonce and zero balance. */
  isDead(address: Address): boolean {
    const record = this.record(address)
    return (
      !record.exists || (record.nonce === 0n && record.balance === 0n && record.codeHash === EMPTY_CODE_HASH)
    )
  }

  getBalance(address: Address): bigint {
    return this.record(address).balance
  }

  getNonce(address: Address): bigint {
    return this.record(address).nonce
  }

  getCodeHash(address: Address): Hex {
    return this.record(address).codeHash
  }

  getCode(address: Address): Uint8Array {
    const record = this.record(address)
    if (record.code) return record.code
    this.readCodes.add(record.codeHash)
    const code = this.codes.get(record.codeHash) ?? this.base.getCode(record.codeHash)
    if (!code) throw new Error(`state is missing the code ${record.codeHash} of ${address}`)
    record.code = code
    return code
  }

  addBalance(address: Address, amount: bigint): void {
    const record = this.touchForWrite(address)
    if (amount === 0n) return
    const previous = record.balance
    record.balance = previous + amount
    this.journal.push(() => {
      record.balance = previous
    })
  }

  subtractBalance(address: Address, amount: bigint): void {
    const record = this.touchForWrite(address)
    if (amount === 0n) return
    const previous = record.balance
    record.balance = previous - amount
    this.journal.push(() => {
      record.balance = previous
    })
  }

  setNonce(address: Address, nonce: bigint): void {
    const record = this.touchForWrite(address)
    const previous = record.nonce
    record.nonce = nonce
    this.journal.push(() => {
      record.nonce = previous
    })
  }

  setCode(address: Address, code: Uint8Array): void {
    const record = this.touchForWrite(address)
    const previousCode = record.code
    const previousHash = record.codeHash
    const codeHash = code.length === 0 ? EMPTY_CODE_HASH : bytesToHex(keccak256(code))
    if (code.length > 0) this.codes.set(codeHash, code)
    record.code = code
    record.codeHash = codeHash
    this.journal.push(() => {
      record.code = previousCode
      record.codeHash = previousHash
    })
  }

  /**
   * A CREATE's target becomes a fresh contract account: nonce 1 (EIP-161), no code, no storage; a
   * balance sent there before the creation is kept.
   */
  createContractAccount(address: Address): void {
    const record = this.touchForWrite(address)
    const previous = { ...record }
    record.nonce = 1n
    clearContract(record)
    this.createdInTransaction.add(address)
    this.journal.push(() => {
      Object.assign(record, previous)
      this.createdInTransaction.delete(address)
    })
  }

  /** EIP-684 / EIP-7610: creating over an account with nonce, code or storage collides. */
  collidesWithCreate(address: Address): boolean {
    const record = this.record(address)
    return record.nonce !== 0n || record.codeHash !== EMPTY_CODE_HASH || this.hasStorage(record, address)
  }

  private hasStorage(record: AccountRecord, address: Address): boolean {
    for (const value of record.dirty.values()) if (value !== 0n) return true
    if (record.storageReset) {
      for (const value of record.committed.values()) if (value !== 0n) return true
      return false
    }
    return this.base.hasStorage(address)
  }

  // ---- storage ---------------------------------------------------------------------------------

  getStorage(address: Address, slot: bigint): bigint {
    const record = this.record(address)
    const dirty = record.dirty.get(slot)
    if (dirty !== undefined) return dirty
    return this.committedValue(address, record, slot)
  }

  /** EIP-2200's original value: the slot at the start of the transaction. */
  getCommittedStorage(address: Address, slot: bigint): bigint {
    return this.committedValue(address, this.record(address), slot)
  }

  private committedValue(address: Address, record: AccountRecord, slot: bigint): bigint {
    const committed = record.committed.get(slot)
    if (committed !== undefined) return committed
    let value = 0n
    if (!record.storageReset) {
      let reads = this.readSlots.get(address)
      if (!reads) this.readSlots.set(address, (reads = new Set()))
      reads.add(slot)
      value = this.base.getStorage(address, slot)
    }
    record.committed.set(slot, value)
    return value
  }

  setStorage(address: Address, slot: bigint, value: bigint): void {
    const record = this.touchForWrite(address)
    const had = record.dirty.has(slot)
    const previous = record.dirty.get(slot)
    if (record.dirty.size === 0) this.recordsWithDirtySlots.push(record)
    record.dirty.set(slot, value)
    let written = this.writtenSlots.get(address)
    if (!written) this.writtenSlots.set(address, (written = new Set()))
    written.add(slot)
    this.journal.push(() => {
      if (had) record.dirty.set(slot, previous!)
      else record.dirty.delete(slot)
    })
  }

  getTransient(address: Address, slot: bigint): bigint {
    return this.transient.get(address)?.get(slot) ?? 0n
  }

  setTransient(address: Address, slot: bigint, value: bigint): void {
    let slots = this.transient.get(address)
    if (!slots) this.transient.set(address, (slots = new Map()))
    const previous = slots.get(slot) ?? 0n
    slots.set(slot, value)
    const journaled = slots
    this.journal.push(() => {
      journaled.set(slot, previous)
    })
  }

  // ---- EIP-2929 access lists -------------------------------------------------------------------

  /** Marks the address warm; true when it was cold. */
  warmAddress(address: Address): boolean {
    if (this.warmAddresses.has(address) || this.alwaysWarm.has(address)) return false
    this.warmAddresses.add(address)
    this.journal.push(() => {
      this.warmAddresses.delete(address)
    })
    return true
  }

  /**
   * Warms what a transaction starts with (EIP-2929: sender, recipient, coinbase, precompiles;
   * EIP-2930: its access list) without journaling: nothing reverts past the transaction's start.
   */
  warmAtStart(address: Address, slots?: Iterable<bigint>): void {
    this.warmAddresses.add(address)
    if (!slots) return
    let warm = this.warmSlots.get(address)
    if (!warm) this.warmSlots.set(address, (warm = new Set()))
    for (const slot of slots) warm.add(slot)
  }

  /** EIP-2929: the precompiles start warm, as a shared set this state never writes to. */
  warmAtStartAll(addresses: ReadonlySet<Address>): void {
    this.alwaysWarm = addresses
  }

  isWarm(address: Address): boolean {
    return this.warmAddresses.has(address) || this.alwaysWarm.has(address)
  }

  /** Marks the slot warm; true when it was cold. */
  warmSlot(address: Address, slot: bigint): boolean {
    let slots = this.warmSlots.get(address)
    if (!slots) this.warmSlots.set(address, (slots = new Set()))
    if (slots.has(slot)) return false
    slots.add(slot)
    const journaled = slots
    this.journal.push(() => {
      journaled.delete(slot)
    })
    return true
  }

  /**
   * What the current (or just finished) transaction accessed, as EIP-2929 counts it: addresses and
   * slots, less what reverted frames touched. Parallel execution learns layouts from them.
   */
  accessedInTransaction(): {
    addresses: ReadonlySet<Address>
    slots: ReadonlyMap<Address, ReadonlySet<bigint>>
  } {
    return { addresses: this.warmAddresses, slots: this.warmSlots }
  }

  /** Whether the account is loaded here and holds code; reads nothing. */
  isLoadedContract(address: Address): boolean {
    const record = this.records.get(address)
    return record?.exists === true && record.codeHash !== EMPTY_CODE_HASH
  }

  /** The account as it stands here, null when it does not exist; undefined when never loaded. */
  loadedAccount(address: Address): AccountData | null | undefined {
    const record = this.records.get(address)
    if (!record) return undefined
    return record.exists ? { nonce: record.nonce, balance: record.balance, codeHash: record.codeHash } : null
  }

  // ---- logs, refunds, self-destruct ------------------------------------------------------------

  addLog(log: Log): void {
    this.logs.push(log)
    this.journal.push(() => {
      this.logs.pop()
    })
  }

  addRefund(amount: number): void {
    const previous = this.refund
    this.refund = previous + amount
    this.journal.push(() => {
      this.refund = previous
    })
  }

  /**
   * EIP-6780: an account created in this transaction is deleted at its end, and its balance is zero
   * from now on (as geth's SelfDestruct: value sent to it later in the transaction is burnt with it).
   * An older account only gave its balance away, which the caller has done.
   */
  selfDestruct(address: Address): void {
    if (!this.createdInTransaction.has(address)) return
    const record = this.record(address)
    if (record.balance !== 0n) {
      const previous = record.balance
      record.balance = 0n
      this.journal.push(() => {
        record.balance = previous
      })
    }
    if (this.selfDestructed.has(address)) return
    this.selfDestructed.add(address)
    this.journal.push(() => {
      this.selfDestructed.delete(address)
    })
  }

  wasCreatedInTransaction(address: Address): boolean {
    return this.createdInTransaction.has(address)
  }

  /** EIP-161: an account touched by the transaction is deleted at its end if it is empty. */
  touch(address: Address): void {
    this.touchForWrite(address)
  }

  // ---- snapshots and transactions --------------------------------------------------------------

  snapshot(): Snapshot {
    return this.journal.length
  }

  revert(snapshot: Snapshot): void {
    while (this.journal.length > snapshot) this.journal.pop()!()
  }

  beginTransaction(): void {
    this.warmAddresses = new Set()
    this.alwaysWarm = NOTHING_WARM
    this.warmSlots = new Map()
    this.transient = new Map()
    this.touched = new Set()
    this.selfDestructed = new Set()
    this.createdInTransaction = new Set()
    this.logs = []
    this.refund = 0
    this.journal.length = 0
    this.recordsWithDirtySlots = []
  }

  /**
   * Ends the transaction: self-destructed accounts (EIP-6780) and touched empty accounts (EIP-161)
   * are deleted, and the transaction's storage writes become the next one's original values.
   */
  finalizeTransaction(): void {
    for (const address of this.selfDestructed) this.deleteAccount(address)
    for (const address of this.touched) {
      const record = this.records.get(address)!
      if (
        record.exists &&
        record.nonce === 0n &&
        record.balance === 0n &&
        record.codeHash === EMPTY_CODE_HASH
      )
        this.deleteAccount(address)
    }
    for (const record of this.recordsWithDirtySlots) {
      for (const [slot, value] of record.dirty) record.committed.set(slot, value)
      record.dirty.clear()
    }
    this.recordsWithDirtySlots = []
    this.journal.length = 0
    this.touched.clear()
  }

  /** Everything the block changed so far, and the keys it read. */
  changes(): StateChanges {
    const accounts = new Map<Address, AccountData | null>()
    const storage = new Map<Address, Map<bigint, bigint>>()
    const storageResets = new Set<Address>()
    for (const [address, record] of this.records) {
      // Touched and deleted again (EIP-161) without ever existing: not a write.
      if (!record.modified || (!record.exists && !record.existedInBase)) continue
      accounts.set(
        address,
        record.exists ? { nonce: record.nonce, balance: record.balance, codeHash: record.codeHash } : null,
      )
      if (record.storageReset) storageResets.add(address)
      const written = this.writtenSlots.get(address)
      if (!written || !record.exists) continue
      const values = new Map<bigint, bigint>()
      for (const slot of written) values.set(slot, record.dirty.get(slot) ?? record.committed.get(slot) ?? 0n)
      storage.set(address, values)
    }
    // Only code some live account still points at.
    const codes = new Map<Hex, Uint8Array>()
    for (const record of this.records.values())
      if (record.exists && record.codeHash !== EMPTY_CODE_HASH) {
        const code = this.codes.get(record.codeHash)
        if (code) codes.set(record.codeHash, code)
      }
    return {
      accounts,
      storage,
      storageResets,
      codes,
      reads: { accounts: new Set(this.readAccounts), storage: this.readSlots, codes: this.readCodes },
    }
  }

  // ---- parallel execution (src/execution/parallel) ---------------------------------------------

  /**
   * The state as it stands between transactions, read without caching or recording a read: the
   * pre-state that a block's transactions, run optimistically each on its own EvmState, share.
   */
  preStateReader(): ContractStateReader {
    return {
      getAccount: (address) => {
        const record = this.records.get(address)
        if (!record) return this.base.getAccount(address)
        return record.exists
          ? { nonce: record.nonce, balance: record.balance, codeHash: record.codeHash }
          : undefined
      },
      getStorage: (address, slot) => {
        const record = this.records.get(address)
        const value = record?.dirty.get(slot) ?? record?.committed.get(slot)
        if (value !== undefined) return value
        return record?.storageReset ? 0n : this.base.getStorage(address, slot)
      },
      getCode: (codeHash) => this.codes.get(codeHash) ?? this.base.getCode(codeHash),
      hasStorage: (address) => {
        const record = this.records.get(address)
        return record ? this.hasStorage(record, address) : this.base.hasStorage(address)
      },
    }
  }

  /**
   * Loads what a transaction run elsewhere read from `preStateReader()`, in the order serial
   * execution would have, so that `changes().reads` (what witnesses prove) is serial's.
   */
  recordPreStateReads(reads: {
    accounts: Iterable<Address>
    /** Slots by account: a set of them, or a map keyed by them. */
    storage: ReadonlyMap<Address, { keys(): Iterable<bigint> }>
    codes: Iterable<Hex>
  }): void {
    for (const address of reads.accounts) this.record(address)
    for (const [address, slots] of reads.storage) {
      const record = this.record(address)
      for (const slot of slots.keys()) this.committedValue(address, record, slot)
    }
    for (const codeHash of reads.codes) this.readCodes.add(codeHash)
  }

  /**
   * Accounts touched and deleted again (EIP-161) without ever existing: `changes()` leaves them out,
   * but their storage counts as reset from then on, which a write set replayed elsewhere must carry.
   */
  vanishedAccounts(): Address[] {
    const vanished: Address[] = []
    for (const [address, record] of this.records)
      if (record.modified && record.storageReset && !record.exists && !record.existedInBase)
        vanished.push(address)
    return vanished
  }

  /**
   * Folds in one transaction's write set (`changes()` of an EvmState that ran only it over this
   * state's values) as if this state had run it; call between transactions.
   */
  applyTransactionWrites(
    writes: Pick<StateChanges, 'accounts' | 'storage' | 'storageResets' | 'codes'>,
  ): void {
    for (const [codeHash, code] of writes.codes) this.codes.set(codeHash, code)
    for (const [address, account] of writes.accounts) {
      const record = this.record(address)
      if (!account) {
        this.deleteAccount(address)
        continue
      }
      if (writes.storageResets.has(address)) clearContract(record)
      record.exists = true
      record.modified = true
      record.nonce = account.nonce
      record.balance = account.balance
      if (record.codeHash !== account.codeHash) {
        record.codeHash = account.codeHash
        record.code = account.codeHash === EMPTY_CODE_HASH ? EMPTY_CODE : writes.codes.get(account.codeHash)
      }
    }
    for (const [address, slots] of writes.storage) {
      const record = this.record(address)
      let written = this.writtenSlots.get(address)
      if (!written) this.writtenSlots.set(address, (written = new Set()))
      for (const [slot, value] of slots) {
        record.committed.set(slot, value)
        written.add(slot)
      }
    }
  }

  private touchForWrite(address: Address): AccountRecord {
    const record = this.record(address)
    if (!record.exists) {
      record.exists = true
      this.journal.push(() => {
        record.exists = false
      })
    }
    // `modified` only says what to report; a reverted write reports the unchanged value, which is harmless.
    record.modified = true
    if (!this.touched.has(address)) {
      this.touched.add(address)
      this.journal.push(() => {
        this.touched.delete(address)
      })
    }
    return record
  }

  private deleteAccount(address: Address): void {
    const record = this.records.get(address)!
    record.exists = false
    record.nonce = 0n
    record.balance = 0n
    clearContract(record)
    record.modified = true
  }
}

/** No code and no storage, the base's included: what a created or destroyed account starts from. */
function clearContract(record: AccountRecord): void {
  record.code = EMPTY_CODE
  record.codeHash = EMPTY_CODE_HASH
  record.storageReset = true
  record.committed = new Map()
  record.dirty = new Map()
}
