/**
 * Version 2 of the batch payload, shared by encodeBatch and decodeBatch: its limits, flag bits and
 * column order. src/l1/README.md is the byte-level specification; this file is its code.
 */
import type { Address, Hash, Hex } from 'viem'
import type { BlockHeader } from '../execution/blockHeader.ts'

/**
 * The first byte of every frame. Version 2 names addresses earlier batches introduced by their
 * number in the address registry (addressRegistry.ts); version 1 spelled each batch's out.
 */
export const BATCH_VERSION = 2

/**
 * The largest decompressed payload a batch may have: what a decoder allocates at most. Above the
 * largest block a 200M-gas block limit allows (~20 MB of zero calldata at EIP-7623's floor of 10 gas
 * per zero byte), and within a Worker's 128 MB of memory with room for the decoded transactions.
 */
export const MAX_BATCH_PAYLOAD_BYTES = 32 * 1024 * 1024
/**
 * The most transaction bytes a batch may decode to (ABI words compress 32 to 1 in the payload, so
 * this bounds what a payload can expand into). Above the largest block a 200M-gas limit allows:
 * ~50 MB of zero calldata at Cancun's 4 gas per zero byte (EIP-2028).
 */
export const MAX_BATCH_TRANSACTION_BYTES = 64 * 1024 * 1024
/** A day of blocks at the default 1 s interval: a batcher posts far more often than that. */
export const MAX_BLOCKS_PER_BATCH = 86_400
/** geth's params.MaximumExtraDataSize. */
export const MAX_EXTRA_DATA_BYTES = 32

/** What a batch carries of one sealed block: its header and its transactions, by mini-block. */
export type BatchBlock = {
  header: BlockHeader
  /** The block's signed transactions (EIP-2718 envelopes), grouped by mini-block, in order. */
  miniBlocks: readonly (readonly Uint8Array[])[]
}

/** A block as a batch gives it back: what derivation needs besides the chain config and the parent. */
export type DecodedBlock = {
  number: bigint
  timestamp: bigint
  coinbase: Address
  gasLimit: bigint
  extraData: Hex
  /** undefined: the chain's rule, derivePrevRandao(parent hash). */
  prevRandao: Hash | undefined
  miniBlocks: Uint8Array[][]
}

export type DecodedBatch = {
  /** The hash of the block before the first: derivation checks it continues from there. */
  parentHash: Hash
  blocks: DecodedBlock[]
  /** The addresses this batch spelled out, in order: what it adds to the address registry. */
  newAddresses: Address[]
}

/** Block flags: which header fields differ from the batch's defaults (those of its first block). */
export const BLOCK_COINBASE = 0x01
export const BLOCK_GAS_LIMIT = 0x02
export const BLOCK_EXTRA_DATA = 0x04
/** prevRandao is written out: it is not derivePrevRandao(parent hash). */
export const BLOCK_PREV_RANDAO = 0x08
export const BLOCK_FLAGS = BLOCK_COINBASE | BLOCK_GAS_LIMIT | BLOCK_EXTRA_DATA | BLOCK_PREV_RANDAO

/** Transaction flags: the EIP-2718 type in the low 3 bits, then what the transaction has. */
export const TX_TYPE_MASK = 0x07
/** Legacy transaction signed before EIP-155 (v = 27 or 28): valid on any chain. */
export const TX_NO_CHAIN_ID = 0x08
/** Contract creation: no recipient. */
export const TX_CREATION = 0x10
/** A non-empty EIP-2930 access list. */
export const TX_ACCESS_LIST = 0x20
/** The data's encoding, in the top 2 bits. */
export const TX_DATA_SHIFT = 6
export const DATA_EMPTY = 0
export const DATA_RAW = 1
/** A 4-byte selector then 32-byte words, each word encoded by its shape. */
export const DATA_ABI = 2

/** Word tags of ABI-shaped data. */
export const WORD_ZERO = 0
/** 12 zero bytes, then an address (≥ 2^128): an index into the address table. */
export const WORD_ADDRESS = 1
/** m · 10^e: e in one column, m (varint) in another. */
export const WORD_DECIMAL = 2
export const WORD_RAW = 3

/** secp256k1's s is at most n/2 (EIP-2), so its top bit is free for yParity (EIP-2098). */
export const Y_PARITY_BIT = 1n << 255n

/** The payload's columns, in the order they follow the header (src/l1/README.md, "Columns"). */
export const COLUMNS = [
  'blockTimestamps',
  'blockFlags',
  'blockOverrides',
  'miniBlockCounts',
  'miniBlockSizes',
  'addresses',
  'registryRefs',
  'txFlags',
  'nonces',
  'gasLimits',
  'feeTable',
  'feeIndexes',
  'recipients',
  'valueExponents',
  'valueMantissas',
  'rawDataLengths',
  'rawData',
  'selectors',
  'wordCounts',
  'wordTags',
  'wordAddresses',
  'wordExponents',
  'wordMantissas',
  'wordRaw',
  'accessLists',
  'accessListAddresses',
  'storageKeys',
  'blobFeeExponents',
  'blobFeeMantissas',
  'blobHashCounts',
  'blobHashes',
  'authorizations',
  'authorizationAddresses',
  'authorizationSignatures',
  'signatureR',
  'signatureYParityAndS',
] as const

export type ColumnName = (typeof COLUMNS)[number]
