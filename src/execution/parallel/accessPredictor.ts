/**
 * Predicts what each transaction of a block touches, so the coordinator can split the block into
 * groups that share nothing and hand each group the slice of state it needs. Prediction only
 * affects speed: a wrong guess costs a re-execution in the coordinator, never a different result.
 *
 *   candidates: sender, recipient, EIP-2930 access list, address-shaped calldata words, and the
 *   contracts the called contract touched when last observed
 *     ──▶ slice: those accounts, plus each contract's learned slots (fixed ones, and mapping
 *         entries keccak256(key . base) for every candidate key)
 *     ──▶ group keys: the accounts that are not contracts, and slots that conflicted before
 *
 * It learns from every group result (which slots are mapping entries and at which base, which are
 * fixed) and from every conflict the coordinator finds (that slot or account is shared).
 */
import type { Address } from 'viem'
import { createAddress } from '../../evm/evm.ts'
import { bytesToHex } from '../../primitives/hex.ts'
import { keccak256 } from '../../primitives/keccak256.ts'
import { bytes32ToWord, writeWord } from '../../primitives/words.ts'
import { type AccountData, type ContractStateReader, EMPTY_CODE_HASH } from '../../state/stateView.ts'
import { MissingTrieNodeError } from '../../state/trie/merklePatriciaTrie.ts'
import type { EvmTransaction } from '../processTransaction.ts'
import type { GroupResult } from './executeGroup.ts'
import type { PredictedAccess } from './preStateSlice.ts'

/** Bounds on what is learned, so a long-running sequencer's predictor stays small. */
const MAX_CONTRACTS = 4096
const MAX_BASES_PER_CONTRACT = 16
const MAX_FIXED_SLOTS_PER_CONTRACT = 64
const MAX_TOUCHED_PER_CONTRACT = 16
const MAX_HOT_PER_CONTRACT = 256
/** Candidate keys for mapping entries; nested mappings try every ordered pair of them. */
const MAX_CANDIDATES = 8
/** Calldata words read as addresses are 2^32 or more: smaller ones are amounts, flags and indexes. */
const ADDRESS_WORD_LOW_BYTES = 4

type ContractLayout = {
  mappingBases: Set<bigint>
  nestedMappingBases: Set<bigint>
  fixedSlots: Set<bigint>
  /** Contracts (other than itself) its callers' transactions touched. */
  touched: Set<Address>
  /** Slots two groups both used: transactions predicted to use one go in the same group. */
  hotSlots: Set<bigint>
  /** Its account was shared (a balance, a nonce): callers go in one group. */
  hotAccount: boolean
}

export type TransactionPrediction = {
  access: PredictedAccess
  /**
   * Transactions sharing a key go in one group. An account's key is its address; a slot's is
   * `address:slot` (slotKey), which no address equals.
   */
  keys: string[]
}

export class AccessPredictor {
  private readonly layouts = new Map<Address, ContractLayout>()

  predict(tx: EvmTransaction, reader: ContractStateReader): TransactionPrediction {
    const prediction: TransactionPrediction = {
      access: { accounts: new Set([tx.sender]), storage: new Map() },
      keys: [tx.sender],
    }
    const candidates: Address[] = [tx.sender]
    const contracts: Address[] = []
    const recipient = tx.to ?? createAddress(tx.sender, tx.nonce)
    considerAccount(prediction, candidates, contracts, reader, recipient, true)
    for (const entry of tx.accessList)
      considerAccount(prediction, candidates, contracts, reader, entry.address, false)
    if (tx.data.length >= 36)
      for (const address of addressWords(tx.data))
        considerAccount(prediction, candidates, contracts, reader, address, false)
    const calleeTouched = tx.to && this.layouts.get(tx.to)?.touched
    if (calleeTouched)
      for (const address of calleeTouched)
        considerAccount(prediction, candidates, contracts, reader, address, false)

    const { storage } = prediction.access
    for (const entry of tx.accessList) {
      const slots = slotsOf(storage, entry.address)
      for (const key of entry.storageKeys) slots.add(BigInt(key))
    }
    for (const contract of contracts) {
      const layout = this.layouts.get(contract)
      if (!layout) continue
      if (layout.hotAccount) prediction.keys.push(contract)
      const slots = slotsOf(storage, contract)
      for (const slot of layout.fixedSlots) slots.add(slot)
      for (const base of layout.mappingBases) for (const key of candidates) slots.add(mappingSlot(key, base))
      for (const base of layout.nestedMappingBases)
        for (const outer of candidates) {
          const inner = mappingSlot(outer, base)
          for (const key of candidates) slots.add(mappingSlot(key, inner))
        }
      for (const slot of layout.hotSlots) if (slots.has(slot)) prediction.keys.push(slotKey(contract, slot))
    }
    return prediction
  }

  /** What a group's transactions showed of the contracts they called. */
  learnFromGroup(transactions: readonly EvmTransaction[], result: GroupResult): void {
    for (const { contract, base, depth } of result.slotPatterns) {
      const layout = this.layoutOf(contract)
      const bases = depth === 1 ? layout?.mappingBases : layout?.nestedMappingBases
      if (bases && bases.size < MAX_BASES_PER_CONTRACT) bases.add(base)
    }
    for (const { contract, slot } of result.fixedSlots) {
      const layout = this.layoutOf(contract)
      if (layout && layout.fixedSlots.size < MAX_FIXED_SLOTS_PER_CONTRACT) layout.fixedSlots.add(slot)
    }
    for (const [index, outcome] of result.outcomes.entries()) {
      const to = transactions[index]?.to
      if (!to) continue
      const touched = outcome.kind === 'failed' ? [] : outcome.contractsRead
      const layout = touched.length > 0 ? this.layoutOf(to) : undefined
      if (!layout) continue
      for (const contract of touched)
        if (contract !== to && layout.touched.size < MAX_TOUCHED_PER_CONTRACT) layout.touched.add(contract)
    }
  }

  /** A transaction read a slot another group wrote: from now on, its users share a group. */
  learnSharedSlot(contract: Address, slot: bigint): void {
    const layout = this.layoutOf(contract)
    if (layout && layout.hotSlots.size < MAX_HOT_PER_CONTRACT) layout.hotSlots.add(slot)
  }

  learnSharedAccount(address: Address): void {
    const layout = this.layouts.get(address)
    if (layout) layout.hotAccount = true
  }

  private layoutOf(contract: Address): ContractLayout | undefined {
    let layout = this.layouts.get(contract)
    if (!layout && this.layouts.size < MAX_CONTRACTS) {
      layout = {
        mappingBases: new Set(),
        nestedMappingBases: new Set(),
        fixedSlots: new Set(),
        touched: new Set(),
        hotSlots: new Set(),
        hotAccount: false,
      }
      this.layouts.set(contract, layout)
    }
    return layout
  }
}

/**
 * Adds `address` to a prediction: to the accounts the slice carries, to the candidate mapping keys,
 * and to the group keys unless it is a contract (everyone reads a contract's account; callers of
 * one go together only once its account proved shared). `alwaysKey`: the recipient, even unknown.
 */
function considerAccount(
  prediction: TransactionPrediction,
  candidates: Address[],
  contracts: Address[],
  reader: ContractStateReader,
  address: Address,
  alwaysKey: boolean,
): void {
  const { accounts } = prediction.access
  if (accounts.has(address)) return
  accounts.add(address)
  if (candidates.length < MAX_CANDIDATES) candidates.push(address)
  const account = accountIfKnown(reader, address)
  if (account && account.codeHash !== EMPTY_CODE_HASH) contracts.push(address)
  else if (account || alwaysKey) prediction.keys.push(address)
}

function slotsOf(storage: Map<Address, Set<bigint>>, contract: Address): Set<bigint> {
  let slots = storage.get(contract)
  if (!slots) storage.set(contract, (slots = new Set()))
  return slots
}

/** A slot's group key. */
function slotKey(contract: Address, slot: bigint): string {
  return `${contract}:${slot.toString(16)}`
}

const slotPreimage = new Uint8Array(64)
const slotPreimageView = new DataView(slotPreimage.buffer)

/**
 * The account, as far as the reader knows it: a witness-backed reader cannot tell about accounts
 * the block never touched, and a guess needs no proof.
 */
function accountIfKnown(reader: ContractStateReader, address: Address): AccountData | undefined {
  try {
    return reader.getAccount(address)
  } catch (error) {
    if (error instanceof MissingTrieNodeError) return undefined
    throw error
  }
}

/**
 * Mapping slots computed lately, by base and then key: a block's transactions name the same
 * contracts and users again. Keyed by the bigint base and the address string as they come, so a
 * lookup converts nothing (a 256-bit bigint's decimal string cost more than the hash it saved).
 */
const mappingSlots = new Map<bigint, Map<Address, bigint>>()
let rememberedMappingSlots = 0
const MAX_REMEMBERED_MAPPING_SLOTS = 65_536

/** Solidity's storage slot of `mapping[key]` for a mapping declared at `base`, keyed by an address. */
function mappingSlot(key: Address, base: bigint): bigint {
  let slots = mappingSlots.get(base)
  let slot = slots?.get(key)
  if (slot !== undefined) return slot
  if (rememberedMappingSlots >= MAX_REMEMBERED_MAPPING_SLOTS) {
    mappingSlots.clear()
    rememberedMappingSlots = 0
    slots = undefined
  }
  if (!slots) mappingSlots.set(base, (slots = new Map()))
  slots.set(key, (slot = hashMappingSlot(BigInt(key), base)))
  rememberedMappingSlots++
  return slot
}

function hashMappingSlot(key: bigint, base: bigint): bigint {
  writeWord(slotPreimageView, 0, key)
  writeWord(slotPreimageView, 32, base)
  return bytes32ToWord(keccak256(slotPreimage))
}

/** The ABI words of calldata (after the selector) that look like addresses. */
function addressWords(data: Uint8Array): Address[] {
  const addresses: Address[] = []
  for (let offset = 4; offset + 32 <= data.length && addresses.length < MAX_CANDIDATES; offset += 32)
    if (looksLikeAddress(data, offset))
      addresses.push(bytesToHex(data.subarray(offset + 12, offset + 32)) as Address)
  return addresses
}

/** An address-shaped word: its 12 high bytes zero, and something above its 4 low bytes (2^32 or more). */
function looksLikeAddress(data: Uint8Array, offset: number): boolean {
  for (let i = offset; i < offset + 12; i++) if (data[i] !== 0) return false
  for (let i = offset + 12; i < offset + 32 - ADDRESS_WORD_LOW_BYTES; i++) if (data[i] !== 0) return true
  return false
}
