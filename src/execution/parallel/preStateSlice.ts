/**
 * The pre-state an executor is handed with its transactions: the values of the accounts, slots and
 * codes the coordinator predicted they touch, flat (the sequencer's state is already trusted; a
 * validator's slice carries the same keys out of a witness). An executor that needs anything else
 * reports it with OutsidePreStateError instead of guessing, and the coordinator runs that
 * transaction itself.
 *
 *   coordinator: readPreStateSlice(reader, prediction) ──▶ PreStateSlice ──▶ executor:
 *   GroupStateReader = the group's own writes so far over the slice, recording each value read
 */
import type { Address, Hash, Hex } from 'viem'
import { VeloxError } from '../../errors/base.ts'
import type { StateChanges } from '../../evm/evmState.ts'
import { bytesToHex, hexToBytes } from '../../primitives/hex.ts'
import { keccak256 } from '../../primitives/keccak256.ts'
import { hasStorageRoot, StateTrie } from '../../state/stateTrie.ts'
import { type AccountData, type ContractStateReader, EMPTY_CODE_HASH } from '../../state/stateView.ts'
import { MissingTrieNodeError } from '../../state/trie/merklePatriciaTrie.ts'

export type PreStateSlice = {
  /** null: the account does not exist. */
  accounts: Map<Address, AccountData | null>
  storage: Map<Address, Map<bigint, bigint>>
  /** EIP-7610's question, for accounts a create may land on. */
  storagePresence: Map<Address, boolean>
  codes: Map<Hex, Uint8Array>
  /** BLOCKHASH answers the executor may give; any other number is reported. */
  blockHashes: Map<bigint, bigint>
  /**
   * The slice is the whole state (a conformance fixture's): an account it does not list does not
   * exist, and a slot it does not list is zero.
   */
  complete?: boolean
  /**
   * A witness slice (a stateless validator's): accounts, slots and storage presence come from these
   * trie nodes, proven under `stateRoot`, instead of the flat maps; a node it lacks is a read outside.
   */
  witness?: { stateRoot: Hash; nodes: Uint8Array[] }
}

/** What a slice should hold: accounts (their code comes along) and slots. */
export type PredictedAccess = {
  accounts: Set<Address>
  storage: Map<Address, Set<bigint>>
}

/** Every value one transaction read, as it first saw it: what the coordinator validates. */
export type TransactionReads = {
  accounts: Map<Address, AccountData | null>
  storage: Map<Address, Map<bigint, bigint>>
  storagePresence: Map<Address, boolean>
  /** Code read from the slice (not deployed by the group): what a witness must carry. */
  codes: Set<Hex>
}

/** What one transaction wrote, in the shape EvmState.applyTransactionWrites takes. */
export type TransactionWrites = Pick<StateChanges, 'accounts' | 'storage' | 'storageResets' | 'codes'>

/** A read the slice does not answer. */
export class OutsidePreStateError extends VeloxError {
  override name = 'OutsidePreStateError'
}

export function emptyPreStateSlice(): PreStateSlice {
  return {
    accounts: new Map(),
    storage: new Map(),
    storagePresence: new Map(),
    codes: new Map(),
    blockHashes: new Map(),
  }
}

/** The slice of `reader` that `prediction` names, with the code of every contract in it. */
export function readPreStateSlice(reader: ContractStateReader, prediction: PredictedAccess): PreStateSlice {
  const slice = emptyPreStateSlice()
  for (const address of prediction.accounts) {
    const account = reader.getAccount(address) ?? null
    slice.accounts.set(address, account)
    if (account && !slice.codes.has(account.codeHash)) {
      const code = reader.getCode(account.codeHash)
      if (code) slice.codes.set(account.codeHash, code)
    }
  }
  for (const [address, slots] of prediction.storage) {
    const values = new Map<bigint, bigint>()
    for (const slot of slots) values.set(slot, reader.getStorage(address, slot))
    slice.storage.set(address, values)
  }
  return slice
}

/**
 * The witness slice of `trie` (a witness's partial trie) that `prediction` names: the nodes proving
 * each predicted account and slot (present or absent), and the code of each contract among them.
 * A key the witness cannot prove is left out; the executor reports it if it needs it.
 */
export function sliceWitness(
  trie: StateTrie,
  stateRoot: Hash,
  codeOf: (codeHash: Hex) => Uint8Array | undefined,
  prediction: PredictedAccess,
  /** The ancestor hashes the witness's headers give, for BLOCKHASH. */
  blockHashes: ReadonlyMap<bigint, bigint>,
): PreStateSlice {
  const slice = emptyPreStateSlice()
  for (const [number, hash] of blockHashes) slice.blockHashes.set(number, hash)
  const nodes = new Map<Hex, Uint8Array>()
  const addProof = (proof: readonly Hex[]) => {
    for (const node of proof) if (!nodes.has(node)) nodes.set(node, hexToBytes(node))
  }
  const proven = (prove: () => void) => {
    try {
      prove()
    } catch (error) {
      if (!(error instanceof MissingTrieNodeError)) throw error
    }
  }
  for (const address of prediction.accounts)
    proven(() => {
      addProof(trie.proveAccount(address))
      const account = trie.account(address)
      const code = account && account.codeHash !== EMPTY_CODE_HASH ? codeOf(account.codeHash) : undefined
      if (account && code) slice.codes.set(account.codeHash, code)
    })
  for (const [address, slots] of prediction.storage)
    for (const slot of slots) proven(() => addProof(trie.proveStorage(address, slot)))
  slice.witness = { stateRoot, nodes: [...nodes.values()] }
  return slice
}

/**
 * An executor's state: the writes of the group's earlier transactions over the slice. Reads are
 * recorded per transaction (`beginTransaction` starts a fresh record); `applyWrites` moves a
 * transaction's writes into the overlay for those after it.
 */
export class GroupStateReader implements ContractStateReader {
  private reads: TransactionReads = newReads()
  private readonly accounts = new Map<Address, AccountData | null>()
  private readonly storage = new Map<Address, Map<bigint, bigint>>()
  /** Accounts whose storage the group wiped or wrote: their presence is no longer the slice's. */
  private readonly storageTouched = new Set<Address>()
  private readonly storageReset = new Set<Address>()
  private readonly codes = new Map<Hex, Uint8Array>()

  /** The witness slice's trie, when the slice is one. */
  private readonly trie: StateTrie | undefined

  constructor(private readonly slice: PreStateSlice) {
    if (slice.witness) {
      const nodes = new Map<Hex, Uint8Array>()
      for (const node of slice.witness.nodes) nodes.set(bytesToHex(keccak256(node)), node)
      this.trie = new StateTrie(
        { get: (hash) => nodes.get(bytesToHex(hash)), put: () => {} },
        slice.witness.stateRoot,
      )
    }
  }

  /** The slot whose read ended the current transaction, outside the slice (to learn from). */
  missedSlot: { address: Address; slot: bigint } | undefined
  /** The account whose read ended the current transaction, outside the slice. */
  missedAccount: Address | undefined

  beginTransaction(): void {
    this.reads = newReads()
    this.missedSlot = undefined
    this.missedAccount = undefined
  }

  transactionReads(): TransactionReads {
    return this.reads
  }

  applyWrites(writes: TransactionWrites): void {
    for (const [codeHash, code] of writes.codes) this.codes.set(codeHash, code)
    for (const address of writes.storageResets) {
      this.storageReset.add(address)
      this.storageTouched.add(address)
      this.storage.set(address, new Map())
    }
    for (const [address, account] of writes.accounts) this.accounts.set(address, account)
    for (const [address, slots] of writes.storage) {
      this.storageTouched.add(address)
      let values = this.storage.get(address)
      if (!values) this.storage.set(address, (values = new Map()))
      for (const [slot, value] of slots) values.set(slot, value)
    }
  }

  getAccount(address: Address): AccountData | undefined {
    let account = this.accounts.get(address)
    if (account === undefined && this.trie)
      account = this.fromTrie(
        () => this.trie!.account(address) ?? null,
        () => {
          this.missedAccount = address
        },
      )
    else if (account === undefined) {
      account = this.slice.accounts.get(address)
      if (account === undefined && this.slice.complete) account = null
      if (account === undefined) {
        this.missedAccount = address
        throw new OutsidePreStateError(`account ${address}`)
      }
    }
    if (!this.reads.accounts.has(address)) this.reads.accounts.set(address, account)
    return account ?? undefined
  }

  getStorage(address: Address, slot: bigint): bigint {
    let value = this.storage.get(address)?.get(slot)
    if (value === undefined) {
      if (this.storageReset.has(address)) value = 0n
      else if (this.trie)
        value = this.fromTrie(
          () => this.trie!.storage(address, slot),
          () => {
            this.missedSlot = { address, slot }
          },
        )
      else {
        value = this.slice.storage.get(address)?.get(slot)
        if (value === undefined && this.slice.complete) value = 0n
        if (value === undefined) {
          this.missedSlot = { address, slot }
          throw new OutsidePreStateError(`slot ${slot} of ${address}`)
        }
      }
    }
    let read = this.reads.storage.get(address)
    if (!read) this.reads.storage.set(address, (read = new Map()))
    if (!read.has(slot)) read.set(slot, value)
    return value
  }

  getCode(codeHash: Hex): Uint8Array | undefined {
    const deployed = this.codes.get(codeHash)
    if (deployed) return deployed
    const code = this.slice.codes.get(codeHash)
    if (!code) throw new OutsidePreStateError(`code ${codeHash}`)
    this.reads.codes.add(codeHash)
    return code
  }

  hasStorage(address: Address): boolean {
    let present: boolean | undefined
    if (this.storageTouched.has(address)) present = undefined
    else if (this.trie)
      present = this.fromTrie(() => {
        const account = this.trie!.account(address)
        return account !== undefined && hasStorageRoot(account)
      })
    else present = this.slice.storagePresence.get(address) ?? (this.slice.complete ? false : undefined)
    if (present === undefined) throw new OutsidePreStateError(`storage presence of ${address}`)
    this.reads.storagePresence.set(address, present)
    return present
  }

  /** A trie read; a node the witness slice lacks is a read outside it. */
  private fromTrie<T>(read: () => T, noteMiss?: () => void): T {
    try {
      return read()
    } catch (error) {
      if (!(error instanceof MissingTrieNodeError)) throw error
      noteMiss?.()
      throw new OutsidePreStateError(`trie node ${error.message}`)
    }
  }

  blockHash(number: bigint): bigint {
    const hash = this.slice.blockHashes.get(number)
    if (hash === undefined) throw new OutsidePreStateError(`hash of block ${number}`)
    return hash
  }
}

function newReads(): TransactionReads {
  return { accounts: new Map(), storage: new Map(), storagePresence: new Map(), codes: new Set() }
}

/** Whether two views of an account hold the same nonce, balance and code (absent: null or undefined). */
export function sameAccountData(
  a: AccountData | null | undefined,
  b: AccountData | null | undefined,
): boolean {
  if (!a || !b) return !a && !b
  return a.nonce === b.nonce && a.balance === b.balance && a.codeHash === b.codeHash
}

/** A value a transaction read that is no longer what the state holds. */
export type StaleRead =
  | { kind: 'account'; address: Address }
  | { kind: 'storage'; address: Address; slot: bigint }
  | { kind: 'storagePresence'; address: Address }

/** The first value `reads` saw that `reader` no longer holds; none: the transaction's result stands. */
export function findStaleRead(reads: TransactionReads, reader: ContractStateReader): StaleRead | undefined {
  for (const [address, seen] of reads.accounts) {
    const now = reader.getAccount(address)
    if (!sameAccountData(seen, now)) return { kind: 'account', address }
  }
  for (const [address, slots] of reads.storage)
    for (const [slot, seen] of slots)
      if (reader.getStorage(address, slot) !== seen) return { kind: 'storage', address, slot }
  for (const [address, seen] of reads.storagePresence)
    if (reader.hasStorage(address) !== seen) return { kind: 'storagePresence', address }
  return undefined
}
