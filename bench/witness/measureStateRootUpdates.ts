/**
 * State-root update per block as the changed keys grow. A base account trie of BASE_ACCOUNTS funded
 * accounts is committed once to a MemoryNodeStore (untimed, in trie-key order); then, for each
 * size, k distinct existing accounts (a different set in every run) get a new nonce and balance,
 * and a StateTrie opened at the base root applies them and commits. Each run commits into its own
 * throwaway layer over the base's store, so no run finds another's nodes.
 */
import type { Address, Hash } from 'viem'
import { bytesToHex, hexToBytes } from '../../src/primitives/hex.ts'
import { keccak256 } from '../../src/primitives/keccak256.ts'
import { StateTrie, type StateWrites } from '../../src/state/stateTrie.ts'
import type { AccountData } from '../../src/state/stateView.ts'
import { MemoryNodeStore, nodeKey } from '../../src/state/trie/memoryNodeStore.ts'
import type { TrieNodeStore } from '../../src/state/trie/merklePatriciaTrie.ts'
import { fundedAccount, fundedAccountData } from './fundedAccounts.ts'
import { medianTimes, type PhaseTimes } from './medianTimes.ts'

export const BASE_ACCOUNTS = 1_000_000
/** Changed accounts per block, and runs: one to warm up, then the median of five (three at 100,000). */
const SIZES = [
  { changedKeys: 1_000, warmup: 1, timed: 5 },
  { changedKeys: 10_000, warmup: 1, timed: 5 },
  { changedKeys: 100_000, warmup: 1, timed: 3 },
]
/** The base trie is built this many accounts at a time, so the whole trie is never in memory as objects. */
const BUILD_CHUNK = 100_000

export type StateRootUpdates = {
  baseAccounts: number
  buildSeconds: number
  storeNodes: number
  updates: ({ changedKeys: number; runs: number } & PhaseTimes<'apply' | 'commit' | 'total'>)[]
}

export async function measureStateRootUpdates(report: (line: string) => void): Promise<StateRootUpdates> {
  const started = performance.now()
  const addresses = Array.from({ length: BASE_ACCOUNTS }, (_, index) => fundedAccount(index))
  const store = new MemoryNodeStore()
  const baseRoot = commitInKeyOrder(store, addresses)
  const buildSeconds = (performance.now() - started) / 1000
  report(
    `base trie: ${BASE_ACCOUNTS.toLocaleString('en-US')} accounts, ${store.nodes.size.toLocaleString('en-US')} nodes, built in ${buildSeconds.toFixed(1)} s`,
  )

  const updates: StateRootUpdates['updates'] = []
  for (const { changedKeys, ...runs } of SIZES) {
    const times = await medianTimes<'apply' | 'commit' | 'total'>(runs, (stopwatch, run) => {
      const writes = changedAccounts(addresses, changedKeys, run)
      const trie = new StateTrie(new LayeredNodeStore(store), baseRoot)
      stopwatch.time('total', () => {
        stopwatch.time('apply', () => trie.apply(writes))
        stopwatch.time('commit', () => trie.commit())
      })
    })
    updates.push({ changedKeys, runs: runs.timed, ...times })
    report(
      `${changedKeys.toLocaleString('en-US')} changed keys: apply ${times.apply.toFixed(1)} ms + commit ${times.commit.toFixed(1)} ms`,
    )
  }
  return { baseAccounts: BASE_ACCOUNTS, buildSeconds, storeNodes: store.nodes.size, updates }
}

/**
 * Commits the funded accounts at `addresses` to `store`, BUILD_CHUNK at a time in the order of their
 * trie keys, so that each chunk adds its own subtries and rewrites only the few nodes above them.
 */
function commitInKeyOrder(store: MemoryNodeStore, addresses: readonly Address[]): Hash {
  const trieKeys = addresses.map((address) => bytesToHex(keccak256(hexToBytes(address))))
  const order = Array.from(addresses.keys()).sort((a, b) => (trieKeys[a]! < trieKeys[b]! ? -1 : 1))
  let root: Hash | undefined
  for (let from = 0; from < order.length; from += BUILD_CHUNK) {
    const accounts = new Map<Address, AccountData>()
    for (const index of order.slice(from, from + BUILD_CHUNK))
      accounts.set(addresses[index]!, fundedAccountData(index))
    const trie = new StateTrie(store, root)
    trie.apply({ accounts, storage: new Map(), storageResets: new Set() })
    root = trie.commit()
  }
  if (!root) throw new Error('the base trie needs at least one account')
  return root
}

/** A prime that does not divide BASE_ACCOUNTS: stepping by it visits every index once. */
const INDEX_STRIDE = 7_919

/**
 * `count` distinct accounts, a different set in every run, each one's nonce and balance moved. The
 * addresses are keccak256 outputs, so any choice of indices lands on the trie as random keys do.
 */
function changedAccounts(addresses: readonly Address[], count: number, run: number): StateWrites {
  const accounts = new Map<Address, AccountData>()
  const offset = run * count
  for (let step = 0; step < count; step++) {
    const index = (offset + step * INDEX_STRIDE) % addresses.length
    const { nonce, balance, codeHash } = fundedAccountData(index)
    accounts.set(addresses[index]!, { nonce: nonce + 1n, balance: balance - BigInt(run + 1), codeHash })
  }
  return { accounts, storage: new Map(), storageResets: new Set() }
}

/** A run's own layer over the base store: nodes it commits go to the layer, reads fall through. */
class LayeredNodeStore implements TrieNodeStore {
  private readonly layer = new Map<string, Uint8Array>()

  constructor(private readonly base: MemoryNodeStore) {}

  get(hash: Uint8Array): Uint8Array | undefined {
    return this.layer.get(nodeKey(hash)) ?? this.base.get(hash)
  }

  put(hash: Uint8Array, encoded: Uint8Array): void {
    this.layer.set(nodeKey(hash), encoded)
  }
}
