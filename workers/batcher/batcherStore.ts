/**
 * The batcher's durable state in Durable Object SQLite: every L1 transaction it has signed, written
 * before it is sent, so that after a crash it is looked up on L1 (and sent again if L1 never got
 * it) rather than signed anew; a nonce is never used twice for different data without replacing
 * the older version by geth's rules.
 *
 *   posts      one row per nonce it still watches: what the transaction does (to, data, blobs,
 *              gas) and where L1 had it when last observed
 *   attempts   every signed version (hash, raw bytes, fees); kept after a post is forgotten, so a
 *              reused nonce is signed with fees that replace what may still be in a mempool
 *   meta       the status the RPC shows, and the alert
 *   registry   the address registry as the batches it encoded built it (src/l1/addressRegistry.ts):
 *              each address with its number and the first block of the batch that spelled it
 *              out, so that encoding from block F first forgets what batches from F on added
 */
import type { Address, Hash, Hex } from 'viem'
import type { AddressRegistryIndex } from '../../src/l1/addressRegistry.ts'
import { BYTES_PER_BLOB } from '../../src/l1/blobs.ts'
import type { L1Fees } from './bumpFees.ts'
import type { PostKind, TrackedPost } from './planBatcherRound.ts'

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS posts (
  nonce INTEGER PRIMARY KEY, kind TEXT NOT NULL, first_block INTEGER NOT NULL, last_block INTEGER NOT NULL,
  frame_index INTEGER NOT NULL DEFAULT 0, to_address TEXT NOT NULL, data TEXT NOT NULL, blobs BLOB, gas TEXT NOT NULL,
  sent_at INTEGER NOT NULL, included_at INTEGER);
CREATE TABLE IF NOT EXISTS attempts (
  hash TEXT PRIMARY KEY, nonce INTEGER NOT NULL, raw BLOB NOT NULL,
  max_fee TEXT NOT NULL, tip TEXT NOT NULL, blob_fee TEXT, sent_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS attempts_by_nonce ON attempts (nonce);
CREATE TABLE IF NOT EXISTS registry (
  number INTEGER PRIMARY KEY, address TEXT NOT NULL UNIQUE, first_block INTEGER NOT NULL);
`

/** What a post's transaction carries besides nonce and fees: enough to sign it again with higher fees. */
export type PostPayload = {
  to: Address
  data: Hex
  /** The blobs of a type-3 transaction, or null for calldata and commitments. */
  blobs: Uint8Array[] | null
  gas: bigint
}

export type StoredPost = TrackedPost & { payload: PostPayload }

export type StoredAttempt = {
  hash: Hash
  nonce: bigint
  raw: Uint8Array
  fees: L1Fees
  sentAtL1Block: bigint
}

type PostRow = {
  nonce: number
  kind: string
  first_block: number
  last_block: number
  frame_index: number
  to_address: string
  data: string
  blobs: ArrayBuffer | null
  gas: string
  sent_at: number
  included_at: number | null
}

type AttemptRow = {
  hash: string
  nonce: number
  raw: ArrayBuffer
  max_fee: string
  tip: string
  blob_fee: string | null
  sent_at: number
}

const toArrayBuffer = (bytes: Uint8Array): ArrayBuffer =>
  bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer

export class BatcherStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(SCHEMA)
    // Stores made before batches of several frames: every post there was its batch's only frame.
    if (!sql.exec('SELECT * FROM posts LIMIT 0').columnNames.includes('frame_index'))
      sql.exec('ALTER TABLE posts ADD COLUMN frame_index INTEGER NOT NULL DEFAULT 0')
  }

  getMeta(key: string): string | undefined {
    return this.sql.exec<{ value: string }>('SELECT value FROM meta WHERE key = ?', key).toArray()[0]?.value
  }

  setMeta(key: string, value: string): void {
    this.sql.exec(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      key,
      value,
    )
  }

  deleteMeta(key: string): void {
    this.sql.exec('DELETE FROM meta WHERE key = ?', key)
  }

  /** Every post still watched, by nonce. */
  posts(): StoredPost[] {
    return this.sql
      .exec<PostRow>(
        'SELECT nonce, kind, first_block, last_block, frame_index, to_address, data, blobs, gas, sent_at, included_at FROM posts ORDER BY nonce',
      )
      .toArray()
      .map((row) => ({
        nonce: BigInt(row.nonce),
        kind: row.kind as PostKind,
        firstBlock: BigInt(row.first_block),
        lastBlock: BigInt(row.last_block),
        frameIndex: row.frame_index,
        sentAtL1Block: BigInt(row.sent_at),
        includedAt: row.included_at === null ? null : BigInt(row.included_at),
        payload: {
          to: row.to_address as Address,
          data: row.data as Hex,
          blobs: row.blobs === null ? null : splitBlobs(new Uint8Array(row.blobs)),
          gas: BigInt(row.gas),
        },
      }))
  }

  /** A new post and its first signed version, together: nothing is sent before both are stored. */
  insertPost(post: StoredPost, attempt: StoredAttempt): void {
    const blobs = post.payload.blobs
    this.sql.exec(
      'INSERT INTO posts (nonce, kind, first_block, last_block, frame_index, to_address, data, blobs, gas, sent_at, included_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)',
      Number(post.nonce),
      post.kind,
      Number(post.firstBlock),
      Number(post.lastBlock),
      post.frameIndex,
      post.payload.to,
      post.payload.data,
      blobs === null ? null : toArrayBuffer(joinBlobs(blobs)),
      post.payload.gas.toString(),
      Number(post.sentAtL1Block),
    )
    this.insertAttempt(attempt)
  }

  /** A new version of a post (higher fees, same nonce), stored before it is sent. */
  insertAttempt(attempt: StoredAttempt): void {
    this.sql.exec(
      'INSERT OR IGNORE INTO attempts (hash, nonce, raw, max_fee, tip, blob_fee, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      attempt.hash,
      Number(attempt.nonce),
      toArrayBuffer(attempt.raw),
      attempt.fees.maxFeePerGas.toString(),
      attempt.fees.maxPriorityFeePerGas.toString(),
      attempt.fees.maxFeePerBlobGas?.toString() ?? null,
      Number(attempt.sentAtL1Block),
    )
    this.sql.exec(
      'UPDATE posts SET sent_at = ? WHERE nonce = ?',
      Number(attempt.sentAtL1Block),
      Number(attempt.nonce),
    )
  }

  /** Every signed version of a nonce, the latest (highest fees) last. */
  attempts(nonce: bigint): StoredAttempt[] {
    return this.sql
      .exec<AttemptRow>(
        'SELECT hash, nonce, raw, max_fee, tip, blob_fee, sent_at FROM attempts WHERE nonce = ? ORDER BY rowid',
        Number(nonce),
      )
      .toArray()
      .map((row) => ({
        hash: row.hash as Hash,
        nonce: BigInt(row.nonce),
        raw: new Uint8Array(row.raw),
        fees: {
          maxFeePerGas: BigInt(row.max_fee),
          maxPriorityFeePerGas: BigInt(row.tip),
          maxFeePerBlobGas: row.blob_fee === null ? null : BigInt(row.blob_fee),
        },
        sentAtL1Block: BigInt(row.sent_at),
      }))
  }

  setIncludedAt(nonce: bigint, l1Block: bigint | null): void {
    this.sql.exec(
      'UPDATE posts SET included_at = ? WHERE nonce = ?',
      l1Block === null ? null : Number(l1Block),
      Number(nonce),
    )
  }

  /** Stops watching a post; its attempts stay while the nonce may still be reused. */
  deletePost(nonce: bigint): void {
    this.sql.exec('DELETE FROM posts WHERE nonce = ?', Number(nonce))
  }

  /**
   * The registry as of the batches before `firstBlock`, for encoding the batch that starts there:
   * what batches from that block on added is forgotten (they are encoded again, or L1 took them
   * back), so numbers stay those derivation gives.
   */
  registryBefore(firstBlock: bigint): AddressRegistryIndex {
    this.sql.exec('DELETE FROM registry WHERE first_block >= ?', Number(firstBlock))
    return {
      indexOf: (address) =>
        this.sql
          .exec<{ number: number }>('SELECT number FROM registry WHERE address = ?', address)
          .toArray()[0]?.number,
    }
  }

  /** The addresses the batch starting at `firstBlock` spelled out, numbered on from the last. */
  register(addresses: readonly Address[], firstBlock: bigint): void {
    let next = this.sql
      .exec<{ next: number }>('SELECT COALESCE(MAX(number) + 1, 0) AS next FROM registry')
      .one().next
    for (const address of addresses)
      this.sql.exec(
        'INSERT INTO registry (number, address, first_block) VALUES (?, ?, ?)',
        next++,
        address,
        Number(firstBlock),
      )
  }

  /** Attempts of nonces below `nonce` that no post watches: those nonces are used for good. */
  deleteAttemptsBelow(nonce: bigint): void {
    this.sql.exec(
      'DELETE FROM attempts WHERE nonce < ? AND nonce NOT IN (SELECT nonce FROM posts)',
      Number(nonce),
    )
  }
}

function joinBlobs(blobs: readonly Uint8Array[]): Uint8Array {
  const joined = new Uint8Array(blobs.length * BYTES_PER_BLOB)
  for (const [i, blob] of blobs.entries()) joined.set(blob, i * BYTES_PER_BLOB)
  return joined
}

function splitBlobs(joined: Uint8Array): Uint8Array[] {
  const blobs: Uint8Array[] = []
  for (let offset = 0; offset < joined.length; offset += BYTES_PER_BLOB)
    blobs.push(joined.slice(offset, offset + BYTES_PER_BLOB))
  return blobs
}
