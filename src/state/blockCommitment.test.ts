import fc from 'fast-check'
import type { Address, Hash, Hex } from 'viem'
import { describe, expect, it } from 'vitest'
import type { StateChanges } from '../evm/evmState.ts'
import { bytesToHex } from '../primitives/hex.ts'
import { BlockChanges } from './blockChanges.ts'
import { BlockCommitment } from './blockCommitment.ts'
import { StateTrie } from './stateTrie.ts'
import { EMPTY_CODE_HASH } from './stateView.ts'
import { MemoryNodeStore } from './trie/memoryNodeStore.ts'
import { commitBlockState } from './witness.ts'

const ACCOUNTS = 24
const SLOTS = 6
const CODE_HASH: Hex = `0x${'c0'.repeat(32)}`
const address = (index: number): Address => `0x${(0xa000 + index).toString(16).padStart(40, '0')}`

/** A parent state: accounts 0..15 exist, every other one with storage slots 1..SLOTS. */
function parentState(): { store: MemoryNodeStore; root: Hash } {
  const store = new MemoryNodeStore()
  const trie = new StateTrie(store)
  const accounts = new Map<Address, { nonce: bigint; balance: bigint; codeHash: Hex }>()
  const storage = new Map<Address, Map<bigint, bigint>>()
  for (let index = 0; index < 16; index++) {
    const withStorage = index % 2 === 0
    accounts.set(address(index), {
      nonce: BigInt(index),
      balance: 1000n + BigInt(index),
      codeHash: withStorage ? CODE_HASH : EMPTY_CODE_HASH,
    })
    if (withStorage)
      storage.set(address(index), new Map(Array.from({ length: SLOTS }, (_, slot) => [BigInt(slot + 1), 7n])))
  }
  trie.apply({ accounts, storage, storageResets: new Set() })
  return { store, root: trie.commit() }
}

function copyOf(store: MemoryNodeStore): MemoryNodeStore {
  const copy = new MemoryNodeStore()
  for (const [key, node] of store.nodes) copy.nodes.set(key, node)
  return copy
}

type Operation = {
  account: number
  kind: 'read' | 'balance' | 'slot' | 'clearSlot' | 'delete' | 'create' | 'readSlot'
  slot: number
  value: bigint
  withoutRead: boolean
}

/** What one mini-block may do to one account. */
const operation: fc.Arbitrary<Operation> = fc.record({
  account: fc.nat({ max: ACCOUNTS - 1 }),
  kind: fc.constantFrom<Operation['kind'][]>(
    'read',
    'balance',
    'slot',
    'clearSlot',
    'delete',
    'create',
    'readSlot',
  ),
  slot: fc.integer({ min: 1, max: SLOTS + 2 }),
  value: fc.bigInt({ min: 1n, max: 1n << 70n }),
  withoutRead: fc.boolean(),
})

/** A mini-block's StateChanges, shaped as EvmState.changes() gives them. */
function miniBlockOf(operations: Operation[]): StateChanges {
  const changes: StateChanges = {
    accounts: new Map(),
    storage: new Map(),
    storageResets: new Set(),
    codes: new Map(),
    reads: { accounts: new Set(), storage: new Map(), codes: new Set() },
  }
  const read = (account: Address, slot?: bigint) => {
    changes.reads.accounts.add(account)
    if (slot === undefined) return
    let slots = changes.reads.storage.get(account)
    if (!slots) changes.reads.storage.set(account, (slots = new Set()))
    slots.add(slot)
  }
  const writeSlot = (account: Address, slot: bigint, value: bigint) => {
    let slots = changes.storage.get(account)
    if (!slots) changes.storage.set(account, (slots = new Map()))
    slots.set(slot, value)
  }
  for (const { account: index, kind, slot, value, withoutRead } of operations) {
    const account = address(index)
    const slotKey = BigInt(slot)
    if (!withoutRead || kind === 'read' || kind === 'readSlot')
      read(account, kind === 'slot' || kind === 'clearSlot' || kind === 'readSlot' ? slotKey : undefined)
    if (kind === 'balance')
      changes.accounts.set(account, { nonce: 1n, balance: value, codeHash: EMPTY_CODE_HASH })
    else if (kind === 'slot' || kind === 'clearSlot') {
      if (changes.accounts.get(account) === null) continue
      changes.accounts.set(account, { nonce: 1n, balance: 5n, codeHash: CODE_HASH })
      writeSlot(account, slotKey, kind === 'slot' ? value : 0n)
    } else if (kind === 'delete') {
      changes.accounts.set(account, null)
      changes.storageResets.add(account)
      changes.storage.delete(account)
    } else if (kind === 'create') {
      changes.accounts.set(account, { nonce: 1n, balance: value, codeHash: CODE_HASH })
      changes.storageResets.add(account)
      changes.storage.delete(account)
      writeSlot(account, slotKey, value)
    }
  }
  return changes
}

const codeOf = (codeHash: Hex) => (codeHash === CODE_HASH ? Uint8Array.of(0xfe) : undefined)

/**
 * Seals `commitment` and commits the same block with commitBlockState on `batchStore`: the roots
 * and witnesses must agree. Returns both roots.
 */
function sealAsBatch(
  commitment: BlockCommitment,
  block: BlockChanges,
  batchStore: MemoryNodeStore,
  parentRoot: Hash,
): { sealedRoot: Hash; batchRoot: Hash } {
  const batch = commitBlockState({
    store: batchStore,
    parentRoot,
    reads: block.reads,
    writes: block.writes,
    codeOf,
  })
  const sealed = commitment.seal({ reads: block.reads, writes: block.writes, codeOf })
  expect(sealed.root).toBe(batch.root)
  expect(sealed.witness.keys).toEqual(batch.witness.keys)
  expect(sealed.witness.codes).toEqual(batch.witness.codes)
  expect(sealed.witness.state.map(bytesToHex).sort()).toEqual(batch.witness.state.map(bytesToHex).sort())
  return { sealedRoot: sealed.root, batchRoot: batch.root }
}

/** Every node a root needs was stored: the state reads back from each root alone, the same. */
function expectSameState(
  store: MemoryNodeStore,
  root: Hash,
  referenceStore: MemoryNodeStore,
  referenceRoot: Hash,
) {
  const trie = new StateTrie(store, root)
  const reference = new StateTrie(referenceStore, referenceRoot)
  for (let index = 0; index < ACCOUNTS; index++) {
    expect(trie.account(address(index))).toEqual(reference.account(address(index)))
    for (let slot = 1n; slot <= BigInt(SLOTS + 2); slot++)
      expect(trie.storage(address(index), slot)).toBe(reference.storage(address(index), slot))
  }
}

describe('BlockCommitment', () => {
  it('seals with the root, stored nodes and witness commitBlockState gives, however its mini-blocks were prepared', () => {
    const parent = parentState()
    fc.assert(
      fc.property(
        fc.array(fc.array(operation, { maxLength: 8 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat({ max: 3 }), { maxLength: 8 }),
        (miniBlocks, preparedAfter) => {
          const block = new BlockChanges()
          const storeForCommitment = copyOf(parent.store)
          const commitment = new BlockCommitment(storeForCommitment, parent.root)
          for (const [index, operations] of miniBlocks.entries()) {
            const changes = miniBlockOf(operations)
            block.add(changes)
            commitment.add(changes)
            for (let i = 0; i < (preparedAfter[index] ?? 0); i++) commitment.prepare()
          }
          const storeForBatch = copyOf(parent.store)
          const { sealedRoot, batchRoot } = sealAsBatch(commitment, block, storeForBatch, parent.root)
          expectSameState(storeForCommitment, sealedRoot, storeForBatch, batchRoot)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('seals each block of a chain as commitBlockState does, with the live trie carried from block to block', () => {
    const block = fc.array(fc.array(operation, { maxLength: 6 }), { minLength: 1, maxLength: 4 })
    let carriedOver = 0
    fc.assert(
      fc.property(
        fc.array(block, { minLength: 2, maxLength: 4 }),
        fc.nat({ max: 3 }),
        (blocks, carryLimit) => {
          const genesis = parentState()
          const batchStore = copyOf(genesis.store)
          const carriedStore = copyOf(genesis.store)
          let batchRoot = genesis.root
          let carriedRoot = genesis.root
          let carried: StateTrie | undefined
          for (const miniBlocks of blocks) {
            const changes = new BlockChanges()
            const commitment = new BlockCommitment(carriedStore, carriedRoot, carried)
            if (carried) carriedOver++
            for (const operations of miniBlocks) {
              const miniBlock = miniBlockOf(operations)
              changes.add(miniBlock)
              commitment.add(miniBlock)
              commitment.prepare()
            }
            const roots = sealAsBatch(commitment, changes, batchStore, batchRoot)
            batchRoot = roots.batchRoot
            carriedRoot = roots.sealedRoot
            // A limit of 0 to 3 times a small trie's loads: some blocks carry the trie, some open afresh.
            carried = commitment.carryOver(carryLimit * 40)
          }
          // Whichever blocks carried the trie.
          expectSameState(carriedStore, carriedRoot, batchStore, batchRoot)
        },
      ),
      { numRuns: 200 },
    )
    // Blocks did start from a carried trie (and others, over the limit, from a fresh one).
    expect(carriedOver).toBeGreaterThan(100)
  })

  it('carries its live trie over only once sealed, at its new root, and within the bound on loaded nodes', () => {
    const parent = parentState()
    const commitment = new BlockCommitment(parent.store, parent.root)
    expect(() => commitment.carryOver(1_000)).toThrow('only a sealed block')
    const changes = miniBlockOf([{ account: 3, kind: 'balance', slot: 1, value: 9n, withoutRead: false }])
    const block = new BlockChanges()
    block.add(changes)
    commitment.add(changes)
    const { root } = commitment.seal({ reads: block.reads, writes: block.writes, codeOf: () => undefined })
    expect(commitment.carryOver(0)).toBeUndefined()
    const carried = commitment.carryOver(1_000)
    expect(carried?.root()).toBe(root)
    expect(carried!.loadedNodeCount).toBeGreaterThan(0)
    expect(() => new BlockCommitment(parent.store, parent.root, carried)).toThrow('not the parent root')
  })

  it('refuses changes once sealed', () => {
    const parent = parentState()
    const commitment = new BlockCommitment(parent.store, parent.root)
    commitment.seal({
      reads: { accounts: new Set(), storage: new Map(), codes: new Set() },
      writes: { accounts: new Map(), storage: new Map(), storageResets: new Set() },
      codeOf: () => undefined,
    })
    expect(() => commitment.add(miniBlockOf([]))).toThrow('the block is sealed')
  })
})
