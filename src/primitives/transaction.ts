/**
 * Signed transaction envelopes (EIP-2718): legacy (with and without EIP-155), EIP-2930, EIP-1559,
 * EIP-4844 and EIP-7702. Decoding checks every field's shape and width, and the signature's range
 * (EIP-2 low s), so that what comes out is a transaction Ethereum would accept as well-formed.
 */
import type { Address, Hash } from 'viem'
import { VeloxError } from '../errors/base.ts'
import { bigintToBytes, bytesToBigInt, bytesToHex, concatBytes } from './hex.ts'
import { keccak256 } from './keccak256.ts'
import { decodeRlp, encodeRlp, RlpDecodingError, type RlpItem } from './rlp.ts'

export class TransactionDecodingError extends VeloxError {
  override name = 'TransactionDecodingError'
}

/** secp256k1's group order: a signature's r and s are below it, and s at most half of it (EIP-2). */
export const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
const HALF_N = SECP256K1_N / 2n

export type AccessListEntry = { address: Address; storageKeys: Hash[] }
export type Authorization = {
  chainId: bigint
  address: Address
  nonce: bigint
  yParity: number
  r: bigint
  s: bigint
}

type Common = {
  hash: Hash
  /** What the sender signed. */
  signingHash: Uint8Array
  nonce: bigint
  gasLimit: bigint
  /** null: contract creation. */
  to: Address | null
  value: bigint
  data: Uint8Array
  yParity: number
  r: bigint
  s: bigint
}

export type LegacyTransaction = Common & {
  type: 0
  /** undefined: signed before EIP-155, valid on every chain. */
  chainId: bigint | undefined
  gasPrice: bigint
  v: bigint
  accessList: AccessListEntry[]
}
export type AccessListTransaction = Common & {
  type: 1
  chainId: bigint
  gasPrice: bigint
  accessList: AccessListEntry[]
}
export type FeeMarketTransaction = Common & {
  type: 2
  chainId: bigint
  maxPriorityFeePerGas: bigint
  maxFeePerGas: bigint
  accessList: AccessListEntry[]
}
export type BlobTransaction = Common & {
  type: 3
  chainId: bigint
  to: Address
  maxPriorityFeePerGas: bigint
  maxFeePerGas: bigint
  accessList: AccessListEntry[]
  maxFeePerBlobGas: bigint
  blobVersionedHashes: Hash[]
}
export type SetCodeTransaction = Common & {
  type: 4
  chainId: bigint
  to: Address
  maxPriorityFeePerGas: bigint
  maxFeePerGas: bigint
  accessList: AccessListEntry[]
  authorizationList: Authorization[]
}

export type DecodedTransaction =
  | LegacyTransaction
  | AccessListTransaction
  | FeeMarketTransaction
  | BlobTransaction
  | SetCodeTransaction

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never

/** A transaction's fields and hash, without the signing hash that only recovering its sender needs. */
export type TransactionFields = DistributiveOmit<DecodedTransaction, 'signingHash'>

/** What a decoder gives: the signing hash only when it hashed (no known hash was given). */
type Decoded<T extends DecodedTransaction> = Omit<T, 'signingHash'> & { signingHash?: Uint8Array }

const MAX_UINT64 = (1n << 64n) - 1n

export function decodeTransaction(raw: Uint8Array): DecodedTransaction {
  // Hashed (no known hash): every decoder then sets signingHash.
  return decodeEnvelope(raw, undefined) as DecodedTransaction
}

/**
 * decodeTransaction for a transaction whose hash is known (computed from these same bytes when it
 * was admitted) and whose sender is recovered: the same checks, without hashing it twice (two
 * Keccak-256s and the signing payload's RLP: over half of a transfer's decoding).
 */
export function decodeTransactionFields(raw: Uint8Array, hash: Hash): TransactionFields {
  return decodeEnvelope(raw, hash) as TransactionFields
}

function decodeEnvelope(raw: Uint8Array, knownHash: Hash | undefined): Decoded<DecodedTransaction> {
  if (raw.length === 0) throw new TransactionDecodingError('typed transaction too short')
  try {
    const first = raw[0]!
    if (first >= 0xc0) return decodeLegacy(raw, knownHash)
    if (first >= 0x80) throw new TransactionDecodingError('rlp: expected input list for types.LegacyTx')
    if (raw.length <= 1) throw new TransactionDecodingError('typed transaction too short')
    const body = raw.subarray(1)
    switch (first) {
      case 1:
        return decodeAccessList(raw, body, knownHash)
      case 2:
        return decodeFeeMarket(raw, body, knownHash)
      case 3:
        return decodeBlob(raw, body, knownHash)
      case 4:
        return decodeSetCode(raw, body, knownHash)
      default:
        throw new TransactionDecodingError('transaction type not supported')
    }
  } catch (error) {
    if (error instanceof RlpDecodingError) throw new TransactionDecodingError(error.message, { cause: error })
    throw error
  }
}

function list(item: RlpItem | undefined, what: string, length?: number): RlpItem[] {
  if (!Array.isArray(item)) throw new TransactionDecodingError(`rlp: expected input list for ${what}`)
  if (length !== undefined && item.length !== length)
    throw new TransactionDecodingError(
      item.length < length
        ? `rlp: too few elements for ${what}`
        : `rlp: input list has too many elements for ${what}`,
    )
  return item
}

function bytes(item: RlpItem | undefined, field: string): Uint8Array {
  if (!(item instanceof Uint8Array))
    throw new TransactionDecodingError(`rlp: expected input string or byte for ${field}`)
  return item
}

function uint(item: RlpItem | undefined, field: string, max: bigint): bigint {
  const value = bytes(item, field)
  if (value.length > 0 && value[0] === 0)
    throw new TransactionDecodingError(`rlp: non-canonical integer (leading zero bytes) for ${field}`)
  if (value.length > 32) throw new TransactionDecodingError(`rlp: uint256 overflow for ${field}`)
  const n = bytesToBigInt(value)
  if (n > max) throw new TransactionDecodingError(`${field} exceeds its limit`)
  return n
}

const MAX_UINT256 = (1n << 256n) - 1n
const u256 = (item: RlpItem | undefined, field: string) => uint(item, field, MAX_UINT256)
const u64 = (item: RlpItem | undefined, field: string) => uint(item, field, MAX_UINT64)

function address(item: RlpItem | undefined, field: string): Address {
  const value = bytes(item, field)
  if (value.length !== 20)
    throw new TransactionDecodingError(
      `rlp: input string too ${value.length < 20 ? 'short' : 'long'} for common.Address, decoding into (${field})`,
    )
  return bytesToHex(value)
}

function recipient(item: RlpItem | undefined): Address | null {
  const value = bytes(item, 'to')
  return value.length === 0 ? null : address(value, 'to')
}

function accessList(item: RlpItem | undefined): AccessListEntry[] {
  return list(item, 'types.AccessList').map((entry) => {
    const [entryAddress, keys] = list(entry, 'types.AccessTuple', 2)
    return {
      address: address(entryAddress, 'AccessTuple.Address'),
      storageKeys: list(keys, 'AccessTuple.StorageKeys').map((key) => {
        const value = bytes(key, 'storage key')
        if (value.length !== 32) throw new TransactionDecodingError('rlp: storage key must be 32 bytes')
        return bytesToHex(value)
      }),
    }
  })
}

function signature(yItem: RlpItem | undefined, rItem: RlpItem | undefined, sItem: RlpItem | undefined) {
  const yParity = uint(yItem, 'yParity', 1n)
  return { yParity: Number(yParity), ...checkedRS(u256(rItem, 'r'), u256(sItem, 's')) }
}

function checkedRS(r: bigint, s: bigint): { r: bigint; s: bigint } {
  if (r === 0n || r >= SECP256K1_N || s === 0n || s >= SECP256K1_N)
    throw new TransactionDecodingError('invalid transaction v, r, s values')
  if (s > HALF_N) throw new TransactionDecodingError('invalid transaction v, r, s values')
  return { r, s }
}

function decodeLegacy(raw: Uint8Array, knownHash: Hash | undefined): Decoded<LegacyTransaction> {
  const fields = list(decodeRlp(raw), 'types.LegacyTx', 9)
  const v = u256(fields[6], 'v')
  let chainId: bigint | undefined
  let yParity: number
  if (v === 27n || v === 28n) {
    chainId = undefined
    yParity = Number(v - 27n)
  } else if (v >= 35n) {
    chainId = (v - 35n) / 2n
    yParity = Number((v - 35n) % 2n)
  } else throw new TransactionDecodingError('invalid transaction v, r, s values')
  return {
    type: 0,
    ...(knownHash === undefined ? legacyHashes(raw, fields, chainId) : { hash: knownHash }),
    chainId,
    nonce: u64(fields[0], 'nonce'),
    gasPrice: u256(fields[1], 'gasPrice'),
    gasLimit: u64(fields[2], 'gas'),
    to: recipient(fields[3]),
    value: u256(fields[4], 'value'),
    data: bytes(fields[5], 'data'),
    accessList: [],
    v,
    yParity,
    ...checkedRS(u256(fields[7], 'r'), u256(fields[8], 's')),
  }
}

function legacyHashes(raw: Uint8Array, fields: RlpItem[], chainId: bigint | undefined) {
  const unsigned = fields.slice(0, 6)
  const signingPayload =
    chainId === undefined
      ? unsigned
      : [...unsigned, bigintToBytes(chainId), new Uint8Array(), new Uint8Array()]
  return {
    hash: bytesToHex(keccak256(raw)),
    signingHash: keccak256(encodeRlp(signingPayload as Uint8Array[])),
  }
}

/** A typed transaction's hashes, or only the hash it is known by. */
function typedHashes(raw: Uint8Array, fields: RlpItem[], unsignedCount: number, knownHash: Hash | undefined) {
  if (knownHash !== undefined) return { hash: knownHash }
  return {
    hash: bytesToHex(keccak256(raw)),
    signingHash: keccak256(
      concatBytes(raw.subarray(0, 1), encodeRlp(fields.slice(0, unsignedCount) as Uint8Array[])),
    ),
  }
}

function decodeAccessList(
  raw: Uint8Array,
  body: Uint8Array,
  knownHash: Hash | undefined,
): Decoded<AccessListTransaction> {
  const fields = list(decodeRlp(body), 'types.AccessListTx', 11)
  return {
    type: 1,
    ...typedHashes(raw, fields, 8, knownHash),
    chainId: u256(fields[0], 'chainId'),
    nonce: u64(fields[1], 'nonce'),
    gasPrice: u256(fields[2], 'gasPrice'),
    gasLimit: u64(fields[3], 'gas'),
    to: recipient(fields[4]),
    value: u256(fields[5], 'value'),
    data: bytes(fields[6], 'data'),
    accessList: accessList(fields[7]),
    ...signature(fields[8], fields[9], fields[10]),
  }
}

function feeFields(fields: RlpItem[]) {
  return {
    chainId: u256(fields[0], 'chainId'),
    nonce: u64(fields[1], 'nonce'),
    maxPriorityFeePerGas: u256(fields[2], 'maxPriorityFeePerGas'),
    maxFeePerGas: u256(fields[3], 'maxFeePerGas'),
    gasLimit: u64(fields[4], 'gas'),
    value: u256(fields[6], 'value'),
    data: bytes(fields[7], 'data'),
    accessList: accessList(fields[8]),
  }
}

function decodeFeeMarket(
  raw: Uint8Array,
  body: Uint8Array,
  knownHash: Hash | undefined,
): Decoded<FeeMarketTransaction> {
  const fields = list(decodeRlp(body), 'types.DynamicFeeTx', 12)
  return {
    type: 2,
    ...typedHashes(raw, fields, 9, knownHash),
    ...feeFields(fields),
    to: recipient(fields[5]),
    ...signature(fields[9], fields[10], fields[11]),
  }
}

function decodeBlob(
  raw: Uint8Array,
  body: Uint8Array,
  knownHash: Hash | undefined,
): Decoded<BlobTransaction> {
  let decoded = decodeRlp(body)
  let envelope = raw
  // The network form wraps the transaction with its blobs: [tx, blobs, commitments, proofs].
  if (Array.isArray(decoded) && Array.isArray(decoded[0])) {
    decoded = decoded[0]
    envelope = concatBytes(raw.subarray(0, 1), encodeRlp(decoded as Uint8Array[]))
  }
  const fields = list(decoded, 'types.BlobTx', 14)
  return {
    type: 3,
    ...typedHashes(envelope, fields, 11, knownHash),
    ...feeFields(fields),
    to: address(fields[5], 'to'),
    maxFeePerBlobGas: u256(fields[9], 'maxFeePerBlobGas'),
    blobVersionedHashes: list(fields[10], 'BlobHashes').map((hash) => {
      const value = bytes(hash, 'blob hash')
      if (value.length !== 32) throw new TransactionDecodingError('rlp: blob hash must be 32 bytes')
      return bytesToHex(value)
    }),
    ...signature(fields[11], fields[12], fields[13]),
  }
}

function decodeSetCode(
  raw: Uint8Array,
  body: Uint8Array,
  knownHash: Hash | undefined,
): Decoded<SetCodeTransaction> {
  const fields = list(decodeRlp(body), 'types.SetCodeTx', 13)
  return {
    type: 4,
    ...typedHashes(raw, fields, 10, knownHash),
    ...feeFields(fields),
    to: address(fields[5], 'to'),
    authorizationList: list(fields[9], 'types.AuthorizationList').map((tuple) => {
      const [chainId, authority, nonce, yParity, r, s] = list(tuple, 'types.SetCodeAuthorization', 6)
      // Authorization signatures are checked when the authorization is applied, not here (EIP-7702).
      return {
        chainId: u256(chainId, 'authorization chainId'),
        address: address(authority, 'authorization address'),
        nonce: u64(nonce, 'authorization nonce'),
        yParity: Number(uint(yParity, 'authorization yParity', 255n)),
        r: u256(r, 'authorization r'),
        s: u256(s, 'authorization s'),
      }
    }),
    ...signature(fields[10], fields[11], fields[12]),
  }
}
