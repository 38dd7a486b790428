/**
 * The sequencer's durable state in Durable Object SQLite: flat accounts (what execution reads),
 * per-block account history (what historical reads use), the state trie's nodes by hash (what
 * state roots and proofs use), the mempool, blocks and their transactions. Every method is synchronous: DO SQLite is, and the EVM must never await.
 */
import type { Address, Hash, Hex } from 'viem'
import type { StateChanges } from '../../src/evm/evmState.ts'
import type { AccountData, StateReader } from '../../src/state/stateView.ts'
import { EMPTY_CODE_HASH } from '../../src/state/stateView.ts'
import type { TrieNodeStore } from '../../src/state/trie/merklePatriciaTrie.ts'

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (address TEXT PRIMARY KEY, nonce TEXT NOT NULL, balance TEXT NOT NULL, code_hash TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS account_history (
  address TEXT NOT NULL, block_number INTEGER NOT NULL, nonce TEXT, balance TEXT, code_hash TEXT,
  PRIMARY KEY (address, block_number)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS code (code_hash TEXT PRIMARY KEY, code BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS trie_nodes (hash BLOB PRIMARY KEY, node BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS storage (address TEXT NOT NULL, slot TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (address, slot)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS mempool (hash TEXT PRIMARY KEY, sender TEXT NOT NULL, raw BLOB NOT NULL, transfer_gas TEXT NOT NULL, arrival INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS blocks (
  number INTEGER PRIMARY KEY, hash TEXT NOT NULL UNIQUE, rpc_block TEXT NOT NULL,
  timestamp INTEGER NOT NULL, base_fee TEXT NOT NULL, gas_used TEXT NOT NULL, gas_limit TEXT NOT NULL,
  tip_distribution TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS block_transactions (
  block_number INTEGER NOT NULL, tx_index INTEGER NOT NULL, hash TEXT NOT NULL UNIQUE, raw BLOB NOT NULL,
  executed TEXT NOT NULL, PRIMARY KEY (block_number, tx_index));
`

/** Accounts kept in memory at most; past it the cache starts over (SQLite reads stay correct, just slower). */
const ACCOUNT_CACHE_LIMIT = 200_000

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
export type StoredPoolTransaction = {
  hash: Hash
  sender: Address
  raw: Uint8Array
  transferGas: bigint
  arrival: number
}

const hexOf = (n: bigint): string => `0x${n.toString(16)}`

/** SQLite binds BLOBs from ArrayBuffers: copy out exactly the view's bytes. */
const toArrayBuffer = (bytes: Uint8Array): ArrayBuffer =>
  bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer

export class ChainStore implements StateReader {
  private readonly accountCache = new Map<Address, AccountData | null>()

  /** The state trie's nodes, by hash: written at each seal, never rewritten (a hash names its content). */
  readonly trieNodes: TrieNodeStore = {
    get: (hash) => {
      const row = this.sql
        .exec<{ node: ArrayBuffer }>('SELECT node FROM trie_nodes WHERE hash = ?', toArrayBuffer(hash))
        .toArray()[0]
      return row && new Uint8Array(row.node)
    },
    put: (hash, node) => {
      this.sql.exec(
        'INSERT OR IGNORE INTO trie_nodes (hash, node) VALUES (?, ?)',
        toArrayBuffer(hash),
        toArrayBuffer(node),
      )
    },
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

  getAccount(address: Address): AccountData | undefined {
    const cached = this.accountCache.get(address)
    if (cached !== undefined) return cached ?? undefined
    const row = this.sql
      .exec<{ nonce: string; balance: string; code_hash: string }>(
        'SELECT nonce, balance, code_hash FROM accounts WHERE address = ?',
        address,
      )
      .toArray()[0]
    const account = row
      ? { nonce: BigInt(row.nonce), balance: BigInt(row.balance), codeHash: row.code_hash as Hex }
      : null
    this.cacheAccount(address, account)
    return account ?? undefined
  }

  /** Applies a write set, and records each account's value as of `blockNumber` for historical reads. */
  writeAccounts(writes: Map<Address, AccountData | null>, blockNumber: bigint): void {
    for (const [address, account] of writes) {
      if (account) {
        const nonce = hexOf(account.nonce)
        const balance = hexOf(account.balance)
        this.sql.exec(
          'INSERT INTO accounts (address, nonce, balance, code_hash) VALUES (?, ?, ?, ?) ON CONFLICT(address) DO UPDATE SET nonce = excluded.nonce, balance = excluded.balance, code_hash = excluded.code_hash',
          address,
          nonce,
          balance,
          account.codeHash,
        )
        this.sql.exec(
          'INSERT OR REPLACE INTO account_history (address, block_number, nonce, balance, code_hash) VALUES (?, ?, ?, ?, ?)',
          address,
          Number(blockNumber),
          nonce,
          balance,
          account.codeHash,
        )
      } else {
        this.sql.exec('DELETE FROM accounts WHERE address = ?', address)
        this.sql.exec(
          'INSERT OR REPLACE INTO account_history (address, block_number, nonce, balance, code_hash) VALUES (?, ?, NULL, NULL, NULL)',
          address,
          Number(blockNumber),
        )
      }
      this.cacheAccount(address, account)
    }
  }

  /** The account as it was at the end of block `blockNumber`. */
  getAccountAt(address: Address, blockNumber: bigint): AccountData | undefined {
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

  /** Every account, for rebuilding the state trie of a chain stored before trie nodes were. */
  *allAccounts(): Generator<[Address, AccountData]> {
    for (const row of this.sql.exec<{ address: string; nonce: string; balance: string; code_hash: string }>(
      'SELECT address, nonce, balance, code_hash FROM accounts',
    ))
      yield [
        row.address as Address,
        { nonce: BigInt(row.nonce), balance: BigInt(row.balance), codeHash: row.code_hash as Hex },
      ]
  }

  getCode(codeHash: Hex): Uint8Array | undefined {
    const row = this.sql
      .exec<{ code: ArrayBuffer }>('SELECT code FROM code WHERE code_hash = ?', codeHash)
      .toArray()[0]
    return row ? new Uint8Array(row.code) : undefined
  }

  /** Whether the account has any storage slot (EIP-7610: creating over it collides). */
  hasStorage(address: Address): boolean {
    return this.sql.exec('SELECT 1 FROM storage WHERE address = ? LIMIT 1', address).toArray().length > 0
  }

  /** Applies an execution's storage and code writes (a reset account's old slots go first). */
  writeContractState(changes: Pick<StateChanges, 'storage' | 'storageResets' | 'codes'>): void {
    for (const address of changes.storageResets)
      this.sql.exec('DELETE FROM storage WHERE address = ?', address)
    for (const [address, slots] of changes.storage)
      for (const [slot, value] of slots) {
        const key = `0x${slot.toString(16).padStart(64, '0')}`
        if (value === 0n) this.sql.exec('DELETE FROM storage WHERE address = ? AND slot = ?', address, key)
        else
          this.sql.exec(
            'INSERT INTO storage (address, slot, value) VALUES (?, ?, ?) ON CONFLICT(address, slot) DO UPDATE SET value = excluded.value',
            address,
            key,
            `0x${value.toString(16).padStart(64, '0')}`,
          )
      }
    for (const [codeHash, code] of changes.codes)
      this.sql.exec(
        'INSERT OR IGNORE INTO code (code_hash, code) VALUES (?, ?)',
        codeHash,
        toArrayBuffer(code),
      )
  }

  getStorage(address: Address, slot: Hex): Hex | undefined {
    const row = this.sql
      .exec<{ value: string }>('SELECT value FROM storage WHERE address = ? AND slot = ?', address, slot)
      .toArray()[0]
    return row?.value as Hex | undefined
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
    return this.sql
      .exec<{ tx_index: number; hash: string; raw: ArrayBuffer; executed: string }>(
        'SELECT tx_index, hash, raw, executed FROM block_transactions WHERE block_number = ? ORDER BY tx_index',
        Number(blockNumber),
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
