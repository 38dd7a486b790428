/**
 * An open block's state commitment, prepared between its mini-blocks so the seal has little left:
 * commitBlockState's work, spread out. Two tries over the parent state, each fed every mini-block's
 * changes as the sequencer finds time (`prepare`):
 *
 *   witness trie  through a RecordingNodeStore: the paths of each mini-block's reads are loaded.
 *                 At the seal the block's writes go onto it unhashed. A static trie loads the same
 *                 nodes whatever the order of its reads, so it records the nodes commitBlockState
 *                 would, as a set (their order in the witness is the order they were first read).
 *   live trie     each mini-block's writes applied and hashed. A trie's root depends only on what it
 *                 holds, and applying the mini-blocks' write sets in order leaves it holding the
 *                 block's final writes: at the seal only what changed since the last `prepare` is
 *                 hashed, and the new nodes are stored.
 *
 *   mini-block changes ──▶ add (queued) ──▶ prepare: reads ─▶ witness trie, writes ─▶ live trie
 *   seal ──▶ the rest prepared, the block's writes onto the witness trie, the live trie committed
 *        ──▶ carryOver: the committed live trie, the next block's live trie (its nodes loaded)
 *
 * The witness trie is opened afresh each block: it must load, and so record, every parent-state
 * node the block needs. The live trie need not: once committed it is the new state exactly, and a
 * trie's behaviour does not depend on which of its nodes are loaded. Carried over, the next block
 * finds the paths this one touched already decoded, where a fresh trie loaded each again in the
 * block's first few hundred milliseconds.
 */
import type { Address, Hash, Hex } from 'viem'
import type { StateChanges } from '../evm/evmState.ts'
import { StateTrie, type StateWrites } from './stateTrie.ts'
import type { TrieNodeStore } from './trie/merklePatriciaTrie.ts'
import {
  type ExecutionWitness,
  loadAccountPath,
  RecordingNodeStore,
  type StateReads,
  witnessOf,
} from './witness.ts'

/**
 * Keys (accounts and slots) written to the live trie between two hashings of it. Each hashing
 * rehashes the trie's top levels (~270 branches once a block touches a few thousand accounts), and
 * the seal hashes what was written since the last one: this many keys' paths keep both to a few
 * milliseconds. Counting mini-blocks instead hashed the top levels some forty times a second at
 * 1,000 transfers a second, when mini-blocks hold a few transactions each.
 */
const HASH_EVERY_WRITES = 256

export class BlockCommitment {
  private readonly recorder: RecordingNodeStore
  private readonly witnessTrie: StateTrie
  private readonly liveTrie: StateTrie
  private readonly queued: StateChanges[] = []
  private readonly parentCodeHashes = new Set<Hex>()
  private readonly loadedAccounts = new Set<Address>()
  private readonly loadedSlots = new Map<Address, Set<bigint>>()
  private sealed = false
  /** Keys written to the live trie since it was last hashed. */
  private unhashedWrites = 0

  /** `liveTrie`: the parent block's, from its carryOver (committed at `parentRoot`); else opened. */
  constructor(store: TrieNodeStore, parentRoot: Hash, liveTrie?: StateTrie) {
    this.recorder = new RecordingNodeStore(store)
    this.witnessTrie = new StateTrie(this.recorder, parentRoot)
    if (liveTrie && liveTrie.root() !== parentRoot)
      throw new Error(
        `the live trie carried over is at ${liveTrie.root()}, not the parent root ${parentRoot}`,
      )
    this.liveTrie = liveTrie ?? new StateTrie(store, parentRoot)
  }

  /** One mini-block's changes (every one of the block's, in order), to prepare later. */
  add(changes: StateChanges): void {
    if (this.sealed) throw new Error('the block is sealed')
    this.queued.push(changes)
  }

  /** Mini-blocks added and not yet prepared. */
  get queuedCount(): number {
    return this.queued.length
  }

  /**
   * Prepares the oldest queued mini-block: its reads loaded, its writes applied. The live trie is
   * hashed once HASH_EVERY_WRITES keys have been written since it last was.
   */
  prepare(): void {
    const changes = this.queued.shift()
    if (!changes) return
    this.loadReads(changes.reads)
    this.liveTrie.apply(changes)
    this.unhashedWrites += changes.accounts.size
    for (const slots of changes.storage.values()) this.unhashedWrites += slots.size
    if (this.unhashedWrites >= HASH_EVERY_WRITES) {
      this.liveTrie.root()
      this.unhashedWrites = 0
    }
  }

  /**
   * The block's new state root (its nodes put in the store) and its witness, exactly as
   * commitBlockState gives them for the same block: `block` is the block's changes as a whole.
   */
  seal(block: {
    reads: StateReads
    writes: StateWrites
    codeOf: (codeHash: Hex) => Uint8Array | undefined
  }): { root: Hash; witness: Omit<ExecutionWitness, 'headers'> } {
    while (this.queued.length > 0) this.prepare()
    this.sealed = true
    this.loadReads(block.reads)
    this.witnessTrie.apply(block.writes)
    // The leaves' paths belong in the witness: the validator rewrites them.
    this.witnessTrie.flushAccounts()
    const root = this.liveTrie.commit()
    return { root, witness: witnessOf(this.recorder, block, this.parentCodeHashes) }
  }

  /**
   * After `seal`, the live trie, committed at the new root, for the next block's commitment; none
   * once its tries have loaded more than `maxLoadedNodes` nodes since it was opened (blocks ago,
   * perhaps), so that what it keeps in memory stays bounded: the next block then opens its own.
   */
  carryOver(maxLoadedNodes: number): StateTrie | undefined {
    if (!this.sealed) throw new Error('only a sealed block carries its live trie over')
    return this.liveTrie.loadedNodeCount <= maxLoadedNodes ? this.liveTrie : undefined
  }

  /** The parent-state paths of `reads` not loaded yet: accounts first, then slots, as the seal's. */
  private loadReads(reads: StateReads): void {
    for (const address of reads.accounts) {
      if (this.loadedAccounts.has(address)) continue
      this.loadedAccounts.add(address)
      loadAccountPath(this.witnessTrie, address, this.parentCodeHashes)
    }
    for (const [address, slots] of reads.storage) {
      let loaded = this.loadedSlots.get(address)
      if (!loaded) this.loadedSlots.set(address, (loaded = new Set()))
      for (const slot of slots) {
        if (loaded.has(slot)) continue
        loaded.add(slot)
        this.witnessTrie.storage(address, slot)
      }
    }
  }
}
