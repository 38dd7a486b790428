/**
 * The sequencer's durable state in Durable Object SQLite: per-block account and storage history
 * (the newest row of each is its value now; historical reads use the rest), the state log (each
 * execution's writes and read keys, one row each, for the blocks whose history rows are not
 * written yet), the state trie's nodes by hash (what state roots and proofs use), the mempool,
 * blocks, their headers and transactions, and witnesses waiting for R2. Every method is
 * synchronous: DO SQLite is, and the EVM must never await.
 *
 *   execution ─▶ logStateChanges: one state_log row; caches written through; the caller folds the
 *                changes into the block's BlockChanges, which the store reads through (tracked)
 *   after the block's seal ─▶ writeStateRows, a few at a time: its history rows (one per account
 *                and slot the block wrote, whatever the mini-blocks), then its log rows go
 */
import type { Address, Hash, Hex } from 'viem'
import type { StateChanges } from '../../src/evm/evmState.ts'
import { wordHex } from '../../src/primitives/words.ts'
import type { StateWrites } from '../../src/state/stateTrie.ts'
import type { AccountData, StateReader } from '../../src/state/stateView.ts'
import { EMPTY_CODE_HASH } from '../../src/state/stateView.ts'
import { nodeKey } from '../../src/state/trie/memoryNodeStore.ts'
import type { TrieNodeStore } from '../../src/state/trie/merklePatriciaTrie.ts'

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
DROP TABLE IF EXISTS accounts;
CREATE TABLE IF NOT EXISTS account_history (
  address TEXT NOT NULL, block_number INTEGER NOT NULL, nonce TEXT, balance TEXT, code_hash TEXT,
  PRIMARY KEY (address, block_number)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS account_history_by_block ON account_history (block_number);
CREATE TABLE IF NOT EXISTS code (code_hash TEXT PRIMARY KEY, code BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS trie_nodes (hash BLOB PRIMARY KEY, node BLOB NOT NULL) WITHOUT ROWID;
DROP TABLE IF EXISTS storage;
CREATE TABLE IF NOT EXISTS storage_history (
  address TEXT NOT NULL, slot TEXT NOT NULL, block_number INTEGER NOT NULL, value TEXT NOT NULL,
  PRIMARY KEY (address, slot, block_number)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS storage_history_by_block ON storage_history (block_number);
CREATE TABLE IF NOT EXISTS state_log (id INTEGER PRIMARY KEY, block_number INTEGER NOT NULL, changes TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS block_headers (number INTEGER PRIMARY KEY, header BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS witness_outbox (block_number INTEGER PRIMARY KEY, witness BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS mempool (hash TEXT PRIMARY KEY, sender TEXT NOT NULL, raw BLOB NOT NULL, transfer_gas TEXT NOT NULL, arrival INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS blocks (
  number INTEGER PRIMARY KEY, hash TEXT NOT NULL UNIQUE, rpc_block TEXT NOT NULL,
  timestamp INTEGER NOT NULL, base_fee TEXT NOT NULL, gas_used TEXT NOT NULL, gas_limit TEXT NOT NULL,
  tip_distribution TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS block_transactions (
  block_number INTEGER NOT NULL, tx_index INTEGER NOT NULL, hash TEXT NOT NULL UNIQUE, raw BLOB NOT NULL,
  executed TEXT NOT NULL, PRIMARY KEY (block_number, tx_index));
CREATE TABLE IF NOT EXISTS mini_blocks (
  number INTEGER PRIMARY KEY, block_number INTEGER NOT NULL, block_index INTEGER NOT NULL,
  first_tx INTEGER NOT NULL, tx_count INTEGER NOT NULL, gas_used TEXT NOT NULL, timestamp_us INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS mini_blocks_by_block ON mini_blocks (block_number);
CREATE TABLE IF NOT EXISTS subscriptions (id TEXT PRIMARY KEY, connection TEXT NOT NULL, spec TEXT NOT NULL) WITHOUT ROWID;
`

/** Accounts kept in memory at most; past it the cache starts over (SQLite reads stay correct, just slower). */
const ACCOUNT_CACHE_LIMIT = 200_000
/**
 * Storage slots kept in memory at most (a bigint key and value in a per-contract map, ~100 bytes
 * each: ~5 MB); past it the cache starts over.
 */
const SLOT_CACHE_LIMIT = 50_000
/** Contract code kept in memory at most, in bytes (a contract has at most 24 KiB); past it the cache starts over. */
const CODE_CACHE_BYTES = 4 * 1024 * 1024
/** Trie nodes kept in memory at most (~150 bytes to 530 bytes each): ~10 MB of the object's 128 MB. */
const TRIE_NODE_CACHE_LIMIT = 30_000
/** Rows per trie-node INSERT: two bound parameters each, and SQLite in a Durable Object binds at most 100. */
const TRIE_NODES_PER_INSERT = 50

export type StoredBlock = {
  number: bigint
  hash: Hash
  rpcBlock: string
  timestamp: bigint
  baseFeePerGas: bigint
  gasUsed: bigint
  gasLimit: bigint
  tipDistribution: string
}

export type StoredTransaction = {
  blockNumber: bigint
  index: number
  hash: Hash
  raw: Uint8Array
  executed: string
}
/** A mini-block: its place in the chain, and which of its block's transactions it executed. */
export type StoredMiniBlock = {
  /** Global height, from 0. */
  number: number
  blockNumber: bigint
  /** Its index within its block. */
  blockIndex: number
  firstTransaction: number
  transactionCount: number
  gasUsed: bigint
  /** When it was built, in Unix microseconds. */
  timestampUs: number
}

/** A WebSocket subscription as kept across hibernation: its id, its connection's id, its spec as JSON. */
export type StoredSubscription = { id: string; connection: string; spec: string }

/** Meta key: the last block whose account and storage writes are all in the history tables. */
export const STATE_WRITTEN_THROUGH = 'state_written_through'

/** One execution's writes to a block and the read keys it added, as the state log keeps them. */
export type LoggedStateChanges = StateWrites & { readKeys: string[] }

/** A history row to write: an account's value, or a slot's (both as their column text). */
type HistoryRow =
  | [address: Address, account: AccountData | null]
  | [address: Address, slot: string, value: string]

/**
 * A block whose writes are logged but not (all) in the history tables: its writes as the caller
 * folds them, read through; `rows` once writing them began, `written` of them done.
 */
type UnwrittenBlock = { number: bigint; writes: StateWrites; rows: HistoryRow[] | undefined; written: number }

export type StoredPoolTransaction = {
  hash: Hash
  sender: Address
  raw: Uint8Array
  transferGas: bigint
  arrival: number
}

const hexOf = (n: bigint): string => `0x${n.toString(16)}`
/** Slots and values as 32-byte hex words, the form eth_getStorageAt answers in. */
const ZERO_WORD = wordHex(0n)
/**
 * The slots of an account (?1) that hold a value now: each slot's newest history row, when it is
 * not zero (?2).
 */
const CURRENT_SLOTS = `SELECT slot FROM storage_history AS row WHERE address = ?1 AND value != ?2
  AND block_number = (SELECT MAX(block_number) FROM storage_history WHERE address = row.address AND slot = row.slot)`

/** The accounts whose fields, and those with slots, blocks ?1 through ?2 wrote: ?3 of them at most. */
const ACCOUNTS_WRITTEN_IN = `SELECT DISTINCT address FROM account_history WHERE block_number BETWEEN ?1 AND ?2 LIMIT ?3`
const STORAGE_WRITTEN_IN = `SELECT DISTINCT address FROM storage_history WHERE block_number BETWEEN ?1 AND ?2 LIMIT ?3`

/** SQLite binds BLOBs from ArrayBuffers: copy out exactly the view's bytes. */
const toArrayBuffer = (bytes: Uint8Array): ArrayBuffer =>
  bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer

export class ChainStore implements StateReader {
  private readonly accountCache = new Map<Address, AccountData | null>()
  /**
   * Current storage values the EVM read or the sequencer wrote, by contract and slot (zero for an
   * empty slot). Written through by logStateChanges; a storage transaction that fails resets the
   * whole object (Sequencer.inStorageTransaction), this with it.
   */
  private readonly slotCache = new Map<Address, Map<bigint, bigint>>()
  private cachedSlotCount = 0
  /** Code by hash (a hash names its content, so never stale): every mini-block's EVM reads it anew. */
  private readonly codeCache = new Map<Hex, Uint8Array>()
  private cachedCodeBytes = 0

  /**
   * Trie nodes recently read or written. A hash names its content, so a cached node is never stale;
   * every seal walks the trie's upper levels again, and this spares it their SQLite reads.
   */
  private readonly trieNodeCache = new Map<string, Uint8Array>()

  /** Blocks logged and not yet in the history tables, oldest first: the open one, the last sealed. */
  private readonly unwrittenBlocks: UnwrittenBlock[] = []

  /**
   * The state trie's nodes, by hash, never rewritten (a hash names its content). What a seal puts
   * waits in memory until flushTrieNodes writes it: the sequencer writes a block's nodes a few
   * dozen at a time in turns after its seal, and rebuilds them at boot if a restart lost them.
   */
  readonly trieNodes: TrieNodeStore = {
    get: (hash) => {
      const key = nodeKey(hash)
      const cached = this.trieNodeCache.get(key) ?? this.unwrittenTrieNodes.get(key)?.[1]
      if (cached) return cached
      const row = this.sql
        .exec<{ node: ArrayBuffer }>('SELECT node FROM trie_nodes WHERE hash = ?', toArrayBuffer(hash))
        .toArray()[0]
      if (!row) return undefined
      const node = new Uint8Array(row.node)
      this.cacheTrieNode(key, node)
      return node
    },
    put: (hash, node) => {
      const key = nodeKey(hash)
      // Cached means stored already, or about to be: a storage transaction that fails resets the
      // whole object (Sequencer.inStorageTransaction), this cache and the unwritten nodes with it.
      if (this.trieNodeCache.has(key) || this.unwrittenTrieNodes.has(key)) return
      this.unwrittenTrieNodes.set(key, [hash, node])
      this.cacheTrieNode(key, node)
    },
  }

  /** Trie nodes put and not yet written, oldest first: written many to a statement, by flushTrieNodes. */
  private readonly unwrittenTrieNodes = new Map<string, [Uint8Array, Uint8Array]>()

  /** How many trie nodes wait to be written. */
  get unwrittenTrieNodeCount(): number {
    return this.unwrittenTrieNodes.size
  }

  /** Writes the oldest `limit` trie nodes put and not yet written (all of them by default). */
  flushTrieNodes(limit = Number.POSITIVE_INFINITY): void {
    const rows: [Uint8Array, Uint8Array][] = []
    for (const [key, row] of this.unwrittenTrieNodes) {
      if (rows.length >= limit) break
      rows.push(row)
      this.unwrittenTrieNodes.delete(key)
    }
    for (let i = 0; i < rows.length; i += TRIE_NODES_PER_INSERT) {
      const chunk = rows.slice(i, i + TRIE_NODES_PER_INSERT)
      this.sql.exec(
        `INSERT OR IGNORE INTO trie_nodes (hash, node) VALUES ${chunk.map(() => '(?, ?)').join(', ')}`,
        ...chunk.flatMap(([hash, node]) => [toArrayBuffer(hash), toArrayBuffer(node)]),
      )
    }
  }

  constructor(private readonly sql: SqlStorage) {
    sql.exec(SCHEMA)
  }

  getMeta(key: string): string | undefined {
    const row = this.sql.exec<{ value: string }>('SELECT value FROM meta WHERE key = ?', key).toArray()[0]
    return row?.value
  }

  setMeta(key: string, value: string): void {
    this.sql.exec(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      key,
      value,
    )
  }

  /**
   * The account now (after the latest mini-block): as an unwritten block left it, else its newest
   * history row (a null one if deleted).
   */
  getAccount(address: Address): AccountData | undefined {
    const cached = this.accountCache.get(address)
    if (cached !== undefined) return cached ?? undefined
    const unwritten = this.unwrittenAccount(address)
    if (unwritten !== undefined) {
      this.cacheAccount(address, unwritten)
      return unwritten ?? undefined
    }
    const row = this.sql
      .exec<{ nonce: string | null; balance: string | null; code_hash: string | null }>(
        'SELECT nonce, balance, code_hash FROM account_history WHERE address = ? ORDER BY block_number DESC LIMIT 1',
        address,
      )
      .toArray()[0]
    const account =
      row?.nonce != null && row.balance != null && row.code_hash != null
        ? { nonce: BigInt(row.nonce), balance: BigInt(row.balance), codeHash: row.code_hash as Hex }
        : null
    this.cacheAccount(address, account)
    return account ?? undefined
  }

  /**
   * Writes accounts' history rows at once, as of `blockNumber` (genesis: executions log theirs,
   * logStateChanges). The newest row is the current account.
   */
  writeAccounts(writes: Map<Address, AccountData | null>, blockNumber: bigint): void {
    for (const [address, account] of writes) {
      this.recordAccount(address, account, blockNumber)
      this.cacheAccount(address, account)
    }
  }

  private recordAccount(address: Address, account: AccountData | null, blockNumber: bigint): void {
    if (account)
      this.sql.exec(
        'INSERT OR REPLACE INTO account_history (address, block_number, nonce, balance, code_hash) VALUES (?, ?, ?, ?, ?)',
        address,
        Number(blockNumber),
        hexOf(account.nonce),
        hexOf(account.balance),
        account.codeHash,
      )
    else
      this.sql.exec(
        'INSERT OR REPLACE INTO account_history (address, block_number, nonce, balance, code_hash) VALUES (?, ?, NULL, NULL, NULL)',
        address,
        Number(blockNumber),
      )
  }

  /** The account as it was at the end of block `blockNumber`. */
  getAccountAt(address: Address, blockNumber: bigint): AccountData | undefined {
    const unwritten = this.unwrittenAccount(address, blockNumber)
    if (unwritten !== undefined) return unwritten ?? undefined
    const row = this.sql
      .exec<{ nonce: string | null; balance: string | null; code_hash: string | null }>(
        'SELECT nonce, balance, code_hash FROM account_history WHERE address = ? AND block_number <= ? ORDER BY block_number DESC LIMIT 1',
        address,
        Number(blockNumber),
      )
      .toArray()[0]
    if (!row || row.nonce === null || row.balance === null) return undefined
    return {
      nonce: BigInt(row.nonce),
      balance: BigInt(row.balance),
      codeHash: (row.code_hash ?? EMPTY_CODE_HASH) as Hex,
    }
  }

  /** Each account changed in block `blockNumber`, with its value at the block's end (null: deleted). */
  *accountsChangedIn(blockNumber: bigint): Generator<[Address, AccountData | null]> {
    for (const row of this.sql.exec<{
      address: string
      nonce: string | null
      balance: string | null
      code_hash: string | null
    }>(
      'SELECT address, nonce, balance, code_hash FROM account_history WHERE block_number = ?',
      Number(blockNumber),
    ))
      yield [
        row.address as Address,
        row.nonce === null || row.balance === null
          ? null
          : { nonce: BigInt(row.nonce), balance: BigInt(row.balance), codeHash: row.code_hash as Hex },
      ]
  }

  /** The code with this hash. Callers share the array: read it only. */
  getCode(codeHash: Hex): Uint8Array | undefined {
    const cached = this.codeCache.get(codeHash)
    if (cached) return cached
    const row = this.sql
      .exec<{ code: ArrayBuffer }>('SELECT code FROM code WHERE code_hash = ?', codeHash)
      .toArray()[0]
    if (!row) return undefined
    const code = new Uint8Array(row.code)
    if (this.cachedCodeBytes + code.length > CODE_CACHE_BYTES) {
      this.codeCache.clear()
      this.cachedCodeBytes = 0
    }
    this.codeCache.set(codeHash, code)
    this.cachedCodeBytes += code.length
    return code
  }

  /**
   * Whether the account has any storage slot now (EIP-7610: creating over it collides): a non-zero
   * slot an unwritten block left, else one in the history rows that no unwritten block cleared.
   */
  hasStorage(address: Address): boolean {
    const cleared = new Set<bigint>()
    for (let i = this.unwrittenBlocks.length - 1; i >= 0; i--) {
      const { writes } = this.unwrittenBlocks[i]!
      for (const [slot, value] of writes.storage.get(address) ?? []) {
        if (cleared.has(slot)) continue
        if (value !== 0n) return true
        cleared.add(slot)
      }
      if (writes.storageResets.has(address)) return false
    }
    if (cleared.size === 0)
      return this.sql.exec(`${CURRENT_SLOTS} LIMIT 1`, address, ZERO_WORD).toArray().length > 0
    const clearedWords = new Set<string>([...cleared].map(wordHex))
    return this.sql
      .exec<{ slot: string }>(`${CURRENT_SLOTS} LIMIT ?3`, address, ZERO_WORD, cleared.size + 1)
      .toArray()
      .some(({ slot }) => !clearedWords.has(slot))
  }

  /**
   * Reads block `number`'s state through `writes` (its BlockChanges' writes, which the caller folds
   * each execution into) until writeStateRows has put them in the history tables. Blocks come in
   * order; tracking the newest block again replaces it (a boot rebuilding it).
   */
  trackUnwrittenBlock(number: bigint, writes: StateWrites): void {
    const newest = this.unwrittenBlocks.at(-1)
    if (newest?.number === number && newest.rows === undefined) this.unwrittenBlocks.pop()
    else if (newest && newest.number >= number)
      throw new Error(`block ${number} is tracked after block ${newest.number}`)
    this.unwrittenBlocks.push({ number, writes, rows: undefined, written: 0 })
  }

  /**
   * One execution's changes to block `number` (tracked; the caller folds them into its writes) and
   * the read keys it added: one state_log row, so that a restart can fold them again. Not a history
   * row per account and slot written, as mini-blocks once wrote: one statement each was a sixth of
   * the sequencer's CPU at 1,000 ERC-20 transfers a second, and a block's rows are written once,
   * after its seal (writeStateRows). The caches are written through; new code is stored at once.
   */
  logStateChanges(
    number: bigint,
    changes: Pick<StateChanges, 'accounts' | 'storage' | 'storageResets' | 'codes'>,
    readKeys: readonly string[],
  ): void {
    const entry: LoggedEntry = {
      x: [...changes.storageResets],
      s: [...changes.storage].map(([address, slots]) => [
        address,
        [...slots].map(([slot, value]) => [hexOf(slot), hexOf(value)]),
      ]),
      a: [...changes.accounts].map(([address, account]) =>
        account ? [address, hexOf(account.nonce), hexOf(account.balance), account.codeHash] : [address],
      ),
      r: readKeys,
    }
    this.sql.exec(
      'INSERT INTO state_log (block_number, changes) VALUES (?, ?)',
      Number(number),
      JSON.stringify(entry),
    )
    for (const address of changes.storageResets) this.forgetSlots(address)
    for (const [address, slots] of changes.storage)
      for (const [slot, value] of slots) this.cacheSlot(address, slot, value)
    for (const [address, account] of changes.accounts) this.cacheAccount(address, account)
    for (const [codeHash, code] of changes.codes)
      this.sql.exec(
        'INSERT OR IGNORE INTO code (code_hash, code) VALUES (?, ?)',
        codeHash,
        toArrayBuffer(code),
      )
  }

  /** Block `number`'s logged changes, in the order they were logged. */
  loggedStateChanges(number: bigint): LoggedStateChanges[] {
    return this.sql
      .exec<{ changes: string }>(
        'SELECT changes FROM state_log WHERE block_number = ? ORDER BY id',
        Number(number),
      )
      .toArray()
      .map(({ changes }) => parseLoggedEntry(changes))
  }

  /**
   * The accounts blocks `from` through `to` wrote, their fields or any of their slots (a storage
   * reset among them): from the history rows, and from the logged changes of blocks whose rows are
   * not (all) written. Undefined when there are more than `limit`, so that a caller's answer stays
   * bounded; each query stops reading past it.
   */
  addressesWrittenIn(from: bigint, to: bigint, limit: number): Set<Address> | undefined {
    const addresses = new Set<Address>()
    const add = (address: Address) => {
      addresses.add(address)
      return addresses.size <= limit
    }
    for (const { number, writes } of this.unwrittenBlocks) {
      if (number < from || number > to) continue
      for (const address of writes.accounts.keys()) if (!add(address)) return undefined
      for (const address of writes.storage.keys()) if (!add(address)) return undefined
      for (const address of writes.storageResets) if (!add(address)) return undefined
    }
    for (const query of [ACCOUNTS_WRITTEN_IN, STORAGE_WRITTEN_IN])
      for (const { address } of this.sql.exec<{ address: Address }>(
        query,
        Number(from),
        Number(to),
        limit + 1,
      ))
        if (!add(address)) return undefined
    return addresses
  }

  /** About how many history rows of unwritten blocks through `sealedThrough` are left to write. */
  unwrittenStateRowCount(sealedThrough: bigint): number {
    let count = 0
    for (const block of this.unwrittenBlocks) {
      if (block.number > sealedThrough) break
      if (block.rows) {
        count += block.rows.length - block.written
        continue
      }
      // Not begun: a reset's zeroed slots are not known yet, and count as one.
      count += block.writes.accounts.size + block.writes.storageResets.size + 1
      for (const slots of block.writes.storage.values()) count += slots.size
    }
    return count
  }

  /**
   * Writes up to `limit` history rows of the unwritten blocks through `sealedThrough`, oldest
   * first. A block's rows: each slot a reset cleared, as zero (those its history holds when the
   * block's writing begins), then each slot and account it wrote. Once all are written its log rows
   * go and STATE_WRITTEN_THROUGH moves to it. Writing a block's rows again (a restart in the middle)
   * writes the same values: the rows are keyed by block.
   */
  writeStateRows(limit: number, sealedThrough: bigint): void {
    let budget = limit
    for (;;) {
      const block = this.unwrittenBlocks[0]
      if (!block || block.number > sealedThrough) return
      block.rows ??= this.historyRowsOf(block)
      const number = block.number
      while (budget > 0 && block.written < block.rows.length) {
        const row = block.rows[block.written++]!
        if (row.length === 2) this.recordAccount(row[0], row[1], number)
        else this.recordSlot(row[0], row[1], row[2], number)
        budget--
      }
      if (block.written < block.rows.length) return
      this.sql.exec('DELETE FROM state_log WHERE block_number = ?', Number(number))
      this.setMeta(STATE_WRITTEN_THROUGH, number.toString())
      this.unwrittenBlocks.shift()
    }
  }

  private historyRowsOf({ writes }: UnwrittenBlock): HistoryRow[] {
    const rows: HistoryRow[] = []
    for (const address of writes.storageResets)
      for (const { slot } of this.sql.exec<{ slot: string }>(CURRENT_SLOTS, address, ZERO_WORD))
        rows.push([address, slot, ZERO_WORD])
    for (const [address, slots] of writes.storage)
      for (const [slot, value] of slots) rows.push([address, wordHex(slot), wordHex(value)])
    for (const [address, account] of writes.accounts) rows.push([address, account])
    return rows
  }

  /** The newest write of the account by an unwritten block (through block `at`); undefined if none. */
  private unwrittenAccount(address: Address, at?: bigint): AccountData | null | undefined {
    for (let i = this.unwrittenBlocks.length - 1; i >= 0; i--) {
      const block = this.unwrittenBlocks[i]!
      if (at !== undefined && block.number > at) continue
      const account = block.writes.accounts.get(address)
      if (account !== undefined) return account
    }
    return undefined
  }

  /**
   * The slot as the newest unwritten block (through block `at`) to write it or reset its account's
   * storage left it; undefined if none did.
   */
  private unwrittenSlot(address: Address, slot: bigint, at?: bigint): bigint | undefined {
    for (let i = this.unwrittenBlocks.length - 1; i >= 0; i--) {
      const block = this.unwrittenBlocks[i]!
      if (at !== undefined && block.number > at) continue
      const value = block.writes.storage.get(address)?.get(slot)
      if (value !== undefined) return value
      if (block.writes.storageResets.has(address)) return 0n
    }
    return undefined
  }

  private recordSlot(address: Address, slot: string, value: string, blockNumber: bigint): void {
    this.sql.exec(
      'INSERT OR REPLACE INTO storage_history (address, slot, block_number, value) VALUES (?, ?, ?, ?)',
      address,
      slot,
      Number(blockNumber),
      value,
    )
  }

  /** The slot as it was at the end of block `blockNumber` (32-byte hex), undefined when never written. */
  getStorageAt(address: Address, slot: Hex, blockNumber: bigint): Hex | undefined {
    const unwritten = this.unwrittenSlot(address, BigInt(slot), blockNumber)
    if (unwritten !== undefined) return wordHex(unwritten)
    const row = this.sql
      .exec<{ value: string }>(
        'SELECT value FROM storage_history WHERE address = ? AND slot = ? AND block_number <= ? ORDER BY block_number DESC LIMIT 1',
        address,
        slot,
        Number(blockNumber),
      )
      .toArray()[0]
    return row?.value as Hex | undefined
  }

  /** Each slot written in block `blockNumber`, with its value at the block's end (wiped: zero). */
  *storageChangedIn(blockNumber: bigint): Generator<[Address, bigint, bigint]> {
    for (const row of this.sql.exec<{ address: string; slot: string; value: string }>(
      'SELECT address, slot, value FROM storage_history WHERE block_number = ?',
      Number(blockNumber),
    ))
      yield [row.address as Address, BigInt(row.slot), BigInt(row.value)]
  }

  /**
   * Read keys of the open block that a chain stored before the state log kept in `block_reads`,
   * which this drops: boot folds them into the block's first log row.
   */
  takeLegacyBlockReads(blockNumber: bigint): string[] {
    const table = this.sql
      .exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'block_reads'")
      .toArray()
    if (table.length === 0) return []
    const keys = this.sql
      .exec<{ key: string }>('SELECT key FROM block_reads WHERE block_number = ?', Number(blockNumber))
      .toArray()
      .map((row) => row.key)
    this.sql.exec('DROP TABLE block_reads')
    return keys
  }

  /** A sealed block's header, RLP-encoded. */
  insertHeader(number: bigint, header: Uint8Array): void {
    this.sql.exec(
      'INSERT INTO block_headers (number, header) VALUES (?, ?)',
      Number(number),
      toArrayBuffer(header),
    )
  }

  getHeader(number: bigint): Uint8Array | undefined {
    const row = this.sql
      .exec<{ header: ArrayBuffer }>('SELECT header FROM block_headers WHERE number = ?', Number(number))
      .toArray()[0]
    return row && new Uint8Array(row.header)
  }

  /** A sealed block's witness (RLP), kept until it is in R2. */
  insertOutboxWitness(blockNumber: bigint, witness: Uint8Array): void {
    this.sql.exec(
      'INSERT INTO witness_outbox (block_number, witness) VALUES (?, ?)',
      Number(blockNumber),
      toArrayBuffer(witness),
    )
  }

  outboxWitness(blockNumber: bigint): Uint8Array | undefined {
    const row = this.sql
      .exec<{ witness: ArrayBuffer }>(
        'SELECT witness FROM witness_outbox WHERE block_number = ?',
        Number(blockNumber),
      )
      .toArray()[0]
    return row && new Uint8Array(row.witness)
  }

  /** The oldest block numbers whose witnesses still wait for R2, at most `limit`. */
  outboxBlocks(limit: number): bigint[] {
    return this.sql
      .exec<{ block_number: number }>(
        'SELECT block_number FROM witness_outbox ORDER BY block_number LIMIT ?',
        limit,
      )
      .toArray()
      .map((row) => BigInt(row.block_number))
  }

  deleteOutboxWitness(blockNumber: bigint): void {
    this.sql.exec('DELETE FROM witness_outbox WHERE block_number = ?', Number(blockNumber))
  }

  /** The slot's value now (after the latest mini-block), zero when empty: what the EVM reads. */
  getStorageValue(address: Address, slot: bigint): bigint {
    const cached = this.slotCache.get(address)?.get(slot)
    if (cached !== undefined) return cached
    const value = this.unwrittenSlot(address, slot) ?? this.newestSlotRow(address, slot)
    this.cacheSlot(address, slot, value)
    return value
  }

  /** The slot's value now (32-byte hex), undefined when empty. */
  getStorage(address: Address, slot: Hex): Hex | undefined {
    const value = this.getStorageValue(address, BigInt(slot))
    return value === 0n ? undefined : wordHex(value)
  }

  private newestSlotRow(address: Address, slot: bigint): bigint {
    const row = this.sql
      .exec<{ value: string }>(
        'SELECT value FROM storage_history WHERE address = ? AND slot = ? ORDER BY block_number DESC LIMIT 1',
        address,
        wordHex(slot),
      )
      .toArray()[0]
    return row === undefined ? 0n : BigInt(row.value)
  }

  insertPoolTransaction(tx: StoredPoolTransaction): void {
    this.sql.exec(
      'INSERT INTO mempool (hash, sender, raw, transfer_gas, arrival) VALUES (?, ?, ?, ?, ?)',
      tx.hash,
      tx.sender,
      toArrayBuffer(tx.raw),
      hexOf(tx.transferGas),
      tx.arrival,
    )
  }

  deletePoolTransaction(hash: Hash): void {
    this.sql.exec('DELETE FROM mempool WHERE hash = ?', hash)
  }

  poolTransactions(): StoredPoolTransaction[] {
    return this.sql
      .exec<{ hash: string; sender: string; raw: ArrayBuffer; transfer_gas: string; arrival: number }>(
        'SELECT hash, sender, raw, transfer_gas, arrival FROM mempool ORDER BY arrival',
      )
      .toArray()
      .map((row) => ({
        hash: row.hash as Hash,
        sender: row.sender as Address,
        raw: new Uint8Array(row.raw),
        transferGas: BigInt(row.transfer_gas),
        arrival: row.arrival,
      }))
  }

  insertBlockTransaction(tx: StoredTransaction): void {
    this.sql.exec(
      'INSERT INTO block_transactions (block_number, tx_index, hash, raw, executed) VALUES (?, ?, ?, ?, ?)',
      Number(tx.blockNumber),
      tx.index,
      tx.hash,
      toArrayBuffer(tx.raw),
      tx.executed,
    )
  }

  blockTransactions(blockNumber: bigint): StoredTransaction[] {
    return this.blockTransactionRange(blockNumber, 0, 0x7fff_ffff)
  }

  findTransaction(hash: Hash): StoredTransaction | undefined {
    const row = this.sql
      .exec<{ block_number: number; tx_index: number; raw: ArrayBuffer; executed: string }>(
        'SELECT block_number, tx_index, raw, executed FROM block_transactions WHERE hash = ?',
        hash,
      )
      .toArray()[0]
    return row
      ? {
          blockNumber: BigInt(row.block_number),
          index: row.tx_index,
          hash,
          raw: new Uint8Array(row.raw),
          executed: row.executed,
        }
      : undefined
  }

  insertBlock(block: StoredBlock): void {
    this.sql.exec(
      'INSERT INTO blocks (number, hash, rpc_block, timestamp, base_fee, gas_used, gas_limit, tip_distribution) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      Number(block.number),
      block.hash,
      block.rpcBlock,
      Number(block.timestamp),
      hexOf(block.baseFeePerGas),
      hexOf(block.gasUsed),
      hexOf(block.gasLimit),
      block.tipDistribution,
    )
  }

  getBlock(by: { number: bigint } | { hash: Hash }): StoredBlock | undefined {
    const query =
      'SELECT number, hash, rpc_block, timestamp, base_fee, gas_used, gas_limit, tip_distribution FROM blocks WHERE '
    const rows =
      'number' in by
        ? this.sql.exec<BlockRow>(`${query}number = ?`, Number(by.number))
        : this.sql.exec<BlockRow>(`${query}hash = ?`, by.hash)
    const row = rows.toArray()[0]
    return row ? blockFromRow(row) : undefined
  }

  blocksFrom(first: bigint, limit: number): StoredBlock[] {
    return this.sql
      .exec<BlockRow>(
        'SELECT number, hash, rpc_block, timestamp, base_fee, gas_used, gas_limit, tip_distribution FROM blocks WHERE number >= ? ORDER BY number LIMIT ?',
        Number(first),
        limit,
      )
      .toArray()
      .map(blockFromRow)
  }

  insertMiniBlock(miniBlock: StoredMiniBlock): void {
    this.sql.exec(
      'INSERT INTO mini_blocks (number, block_number, block_index, first_tx, tx_count, gas_used, timestamp_us) VALUES (?, ?, ?, ?, ?, ?, ?)',
      miniBlock.number,
      Number(miniBlock.blockNumber),
      miniBlock.blockIndex,
      miniBlock.firstTransaction,
      miniBlock.transactionCount,
      hexOf(miniBlock.gasUsed),
      miniBlock.timestampUs,
    )
  }

  /** The newest mini-block, if any. */
  lastMiniBlock(): StoredMiniBlock | undefined {
    return this.miniBlocksWhere('ORDER BY number DESC LIMIT 1')[0]
  }

  /** Mini-blocks of blocks from `blockNumber` on, up to global height `through`, oldest first. */
  miniBlocksFrom(blockNumber: bigint, through: number): StoredMiniBlock[] {
    return this.miniBlocksWhere(
      'WHERE block_number >= ? AND number <= ? ORDER BY number',
      Number(blockNumber),
      through,
    )
  }

  /** A sealed block's mini-blocks, in order: where each starts in the block and how many transactions it has. */
  miniBlocksOf(blockNumber: bigint): StoredMiniBlock[] {
    return this.miniBlocksWhere('WHERE block_number = ? ORDER BY number', Number(blockNumber))
  }

  /** How many mini-blocks a block was built from. */
  miniBlockCount(blockNumber: bigint): number {
    return this.sql
      .exec<{ count: number }>(
        'SELECT COUNT(*) AS count FROM mini_blocks WHERE block_number = ?',
        Number(blockNumber),
      )
      .one().count
  }

  /** Transactions executed in blocks from `blockNumber` on: what a resumed stream would replay. */
  transactionCountFrom(blockNumber: bigint): number {
    return this.sql
      .exec<{ count: number }>(
        'SELECT COUNT(*) AS count FROM block_transactions WHERE block_number >= ?',
        Number(blockNumber),
      )
      .one().count
  }

  /** Transactions [first, first + count) of a block, in order. */
  blockTransactionRange(blockNumber: bigint, first: number, count: number): StoredTransaction[] {
    return this.sql
      .exec<{ tx_index: number; hash: string; raw: ArrayBuffer; executed: string }>(
        'SELECT tx_index, hash, raw, executed FROM block_transactions WHERE block_number = ? AND tx_index >= ? AND tx_index < ? ORDER BY tx_index',
        Number(blockNumber),
        first,
        first + count,
      )
      .toArray()
      .map((row) => ({
        blockNumber,
        index: row.tx_index,
        hash: row.hash as Hash,
        raw: new Uint8Array(row.raw),
        executed: row.executed,
      }))
  }

  insertSubscription(subscription: StoredSubscription): void {
    this.sql.exec(
      'INSERT INTO subscriptions (id, connection, spec) VALUES (?, ?, ?)',
      subscription.id,
      subscription.connection,
      subscription.spec,
    )
  }

  deleteSubscription(id: string): void {
    this.sql.exec('DELETE FROM subscriptions WHERE id = ?', id)
  }

  deleteConnectionSubscriptions(connection: string): void {
    this.sql.exec('DELETE FROM subscriptions WHERE connection = ?', connection)
  }

  subscriptions(): StoredSubscription[] {
    return this.sql.exec<StoredSubscription>('SELECT id, connection, spec FROM subscriptions').toArray()
  }

  private miniBlocksWhere(clause: string, ...bindings: number[]): StoredMiniBlock[] {
    return this.sql
      .exec<{
        number: number
        block_number: number
        block_index: number
        first_tx: number
        tx_count: number
        gas_used: string
        timestamp_us: number
      }>(
        `SELECT number, block_number, block_index, first_tx, tx_count, gas_used, timestamp_us FROM mini_blocks ${clause}`,
        ...bindings,
      )
      .toArray()
      .map((row) => ({
        number: row.number,
        blockNumber: BigInt(row.block_number),
        blockIndex: row.block_index,
        firstTransaction: row.first_tx,
        transactionCount: row.tx_count,
        gasUsed: BigInt(row.gas_used),
        timestampUs: row.timestamp_us,
      }))
  }

  private cacheTrieNode(key: string, node: Uint8Array): void {
    // Past the bound the cache starts over: the next seals refill it with the nodes they touch.
    if (this.trieNodeCache.size >= TRIE_NODE_CACHE_LIMIT) this.trieNodeCache.clear()
    this.trieNodeCache.set(key, node)
  }

  private forgetSlots(address: Address): void {
    const cached = this.slotCache.get(address)
    if (!cached) return
    this.cachedSlotCount -= cached.size
    this.slotCache.delete(address)
  }

  private cacheSlot(address: Address, slot: bigint, value: bigint): void {
    if (this.cachedSlotCount >= SLOT_CACHE_LIMIT) {
      this.slotCache.clear()
      this.cachedSlotCount = 0
    }
    let slots = this.slotCache.get(address)
    if (!slots) this.slotCache.set(address, (slots = new Map()))
    const size = slots.size
    slots.set(slot, value)
    this.cachedSlotCount += slots.size - size
  }

  private cacheAccount(address: Address, account: AccountData | null): void {
    if (this.accountCache.size >= ACCOUNT_CACHE_LIMIT && !this.accountCache.has(address))
      this.accountCache.clear()
    this.accountCache.set(address, account)
  }
}

type BlockRow = {
  number: number
  hash: string
  rpc_block: string
  timestamp: number
  base_fee: string
  gas_used: string
  gas_limit: string
  tip_distribution: string
}

function blockFromRow(row: BlockRow): StoredBlock {
  return {
    number: BigInt(row.number),
    hash: row.hash as Hash,
    rpcBlock: row.rpc_block,
    timestamp: BigInt(row.timestamp),
    baseFeePerGas: BigInt(row.base_fee),
    gasUsed: BigInt(row.gas_used),
    gasLimit: BigInt(row.gas_limit),
    tipDistribution: row.tip_distribution,
  }
}

/** A state_log row: resets, slots and accounts written (in the order BlockChanges folds them), read keys. */
type LoggedEntry = {
  x: Address[]
  s: [Address, [string, string][]][]
  a: ([Address] | [Address, string, string, Hex])[]
  r: readonly string[]
}

function parseLoggedEntry(text: string): LoggedStateChanges {
  const entry = JSON.parse(text) as LoggedEntry
  return {
    storageResets: new Set(entry.x),
    storage: new Map(
      entry.s.map(([address, slots]) => [
        address,
        new Map(slots.map(([slot, value]) => [BigInt(slot), BigInt(value)])),
      ]),
    ),
    accounts: new Map(
      entry.a.map((row) => [
        row[0],
        row.length === 4 ? { nonce: BigInt(row[1]), balance: BigInt(row[2]), codeHash: row[3] } : null,
      ]),
    ),
    readKeys: [...entry.r],
  }
}
