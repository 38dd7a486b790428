/**
 * The version-2 batch payload → blocks with their signed transactions: the inverse of encodeBatch.
 *
 *   header ──▶ 36 columns, each a bounded reader ──▶ blocks (timestamps, overrides, mini-block sizes)
 *          ──▶ address table (spelled out, or by number from the address registry)
 *          ──▶ per transaction: one value from each column it uses
 *                                ──▶ encodeSignedTransaction ──▶ the exact envelope the sequencer had
 *
 * The payload is untrusted: counts are checked against the bytes that must hold their items
 * before anything is allocated, every column must be read to its last byte, and the first
 * inconsistency throws (TruncatedBatchError, CorruptBatchError, BatchLimitError). Nothing is
 * returned from a payload that fails anywhere.
 */
import type { Address, Hash, Hex } from 'viem'
import { bytesToHex, hexToBytes } from '../primitives/hex.ts'
import { type AccessListEntry, type Authorization, SECP256K1_N } from '../primitives/transaction.ts'
import { MAX_TRANSACTION_SIZE } from '../primitives/transactionLimits.ts'
import type { AddressRegistry } from './addressRegistry.ts'
import {
  BLOCK_COINBASE,
  BLOCK_EXTRA_DATA,
  BLOCK_FLAGS,
  BLOCK_GAS_LIMIT,
  BLOCK_PREV_RANDAO,
  COLUMNS,
  type ColumnName,
  DATA_ABI,
  DATA_EMPTY,
  DATA_RAW,
  type DecodedBatch,
  type DecodedBlock,
  MAX_BATCH_PAYLOAD_BYTES,
  MAX_BATCH_TRANSACTION_BYTES,
  MAX_BLOCKS_PER_BATCH,
  MAX_EXTRA_DATA_BYTES,
  TX_ACCESS_LIST,
  TX_CREATION,
  TX_DATA_SHIFT,
  TX_NO_CHAIN_ID,
  TX_TYPE_MASK,
  WORD_ADDRESS,
  WORD_DECIMAL,
  WORD_RAW,
  WORD_ZERO,
  Y_PARITY_BIT,
} from './batchFormat.ts'
import { ByteReader } from './byteReader.ts'
import { encodeSignedTransaction, type SignedTransactionFields } from './encodeSignedTransaction.ts'
import { BatchLimitError, CorruptBatchError } from './errors.ts'

export type DecodeBatchOptions = {
  /** The L2 chain's id, which typed and EIP-155 transactions were signed for. */
  chainId: bigint
  /** The address registry as of the batch before this one; none: an empty registry. */
  registry?: AddressRegistry
}

const EMPTY_REGISTRY: AddressRegistry = { size: 0, at: () => undefined, indexOf: () => undefined }

const MAX_UINT64 = (1n << 64n) - 1n
const MAX_UINT256 = (1n << 256n) - 1n
const HALF_N = SECP256K1_N / 2n
const ADDRESS_BYTES = 20
const HASH_BYTES = 32
const WORD_BYTES = 32
const SELECTOR_BYTES = 4
/** The largest exponent of a uint256 in decimal form: 10^77 < 2^256 < 10^78. */
const MAX_DECIMAL_EXPONENT = 77
const POWERS_OF_TEN: bigint[] = Array.from({ length: MAX_DECIMAL_EXPONENT + 1 }, (_, i) => 10n ** BigInt(i))
/** A call's data can hold at most this many words and stay within the transaction size limit. */
const MAX_WORDS = Math.floor((MAX_TRANSACTION_SIZE - SELECTOR_BYTES) / WORD_BYTES)

type Columns = Record<ColumnName, ByteReader>

export function decodeBatch(payload: Uint8Array, options: DecodeBatchOptions): DecodedBatch {
  if (payload.length > MAX_BATCH_PAYLOAD_BYTES)
    throw new BatchLimitError(`batch payload of ${payload.length} bytes exceeds ${MAX_BATCH_PAYLOAD_BYTES}`)
  const reader = new ByteReader(payload, 'batch payload')
  const firstBlock = reader.uvarintBig('first block number', MAX_UINT64)
  const blockCount = reader.uvarint('block count', MAX_BLOCKS_PER_BATCH)
  if (blockCount === 0) throw reader.corrupt('block count', 'a batch holds at least one block')
  if (firstBlock + BigInt(blockCount - 1) > MAX_UINT64)
    throw reader.corrupt('block count', 'block numbers beyond 2^64 - 1')
  const parentHash = bytesToHex(reader.bytes(HASH_BYTES, 'parent hash'))
  const defaults = {
    coinbase: bytesToHex(reader.bytes(ADDRESS_BYTES, 'default coinbase')) as Address,
    gasLimit: reader.uvarintBig('default gas limit', MAX_UINT64),
    extraData: readExtraData(reader),
  }
  const columns = {} as Columns
  for (const name of COLUMNS) {
    const length = reader.uvarint(`length of column ${name}`, reader.remaining)
    columns[name] = new ByteReader(reader.bytes(length, `column ${name}`), `column ${name}`)
  }
  reader.end()

  const blocks = readBlocks(columns, firstBlock, blockCount, defaults)
  const table = readAddressTable(columns, options.registry ?? EMPTY_REGISTRY)
  const fees = readFeeTable(columns.feeTable)
  let decodedBytes = 0
  for (const [index, block] of blocks.entries())
    for (const miniBlock of block.miniBlocks)
      for (let i = 0; i < miniBlock.length; i++) {
        const raw = encodeSignedTransaction(readTransaction(columns, table, fees, options.chainId))
        if (raw.length > MAX_TRANSACTION_SIZE)
          throw new CorruptBatchError(
            `block ${firstBlock + BigInt(index)}: a transaction of ${raw.length} bytes, over the ${MAX_TRANSACTION_SIZE} limit`,
          )
        decodedBytes += raw.length
        if (decodedBytes > MAX_BATCH_TRANSACTION_BYTES)
          throw new BatchLimitError(`batch transactions exceed ${MAX_BATCH_TRANSACTION_BYTES} bytes`)
        miniBlock[i] = raw
      }
  if (table.spelledUsed !== table.spelled.length)
    throw new CorruptBatchError(
      `the batch spells out ${table.spelled.length} addresses, ${table.spelledUsed} are used`,
    )
  for (const name of COLUMNS) columns[name].end()
  return { parentHash, blocks, newAddresses: table.spelled.map((entry) => entry.hex) }
}

function readExtraData(reader: ByteReader): Hex {
  const length = reader.uvarint('extraData length', MAX_EXTRA_DATA_BYTES)
  return bytesToHex(reader.bytes(length, 'extraData'))
}

/** Blocks with empty slots for their transactions, sized by the mini-block columns. */
function readBlocks(
  columns: Columns,
  firstBlock: bigint,
  blockCount: number,
  defaults: { coinbase: Address; gasLimit: bigint; extraData: Hex },
): DecodedBlock[] {
  if (columns.blockFlags.remaining !== blockCount)
    throw new CorruptBatchError(
      `column blockFlags holds ${columns.blockFlags.remaining} flags, not ${blockCount}`,
    )
  const blocks: DecodedBlock[] = []
  let timestamp = 0n
  let transactionCount = 0
  for (let i = 0; i < blockCount; i++) {
    if (i === 0) timestamp = columns.blockTimestamps.uvarintBig('timestamp', MAX_UINT64)
    else {
      const delta = columns.blockTimestamps.uvarintBig('timestamp delta', MAX_UINT64)
      if (delta === 0n) throw columns.blockTimestamps.corrupt('timestamp delta', 'timestamps must increase')
      timestamp += delta
      if (timestamp > MAX_UINT64) throw columns.blockTimestamps.corrupt('timestamp', 'beyond 2^64 - 1')
    }
    const flags = columns.blockFlags.u8('block flags')
    if (flags & ~BLOCK_FLAGS) throw columns.blockFlags.corrupt('block flags', `unknown bits in ${flags}`)
    const overrides = columns.blockOverrides
    const coinbase =
      flags & BLOCK_COINBASE
        ? (bytesToHex(overrides.bytes(ADDRESS_BYTES, 'coinbase')) as Address)
        : defaults.coinbase
    const gasLimit =
      flags & BLOCK_GAS_LIMIT ? overrides.uvarintBig('gas limit', MAX_UINT64) : defaults.gasLimit
    const extraData = flags & BLOCK_EXTRA_DATA ? readExtraData(overrides) : defaults.extraData
    const prevRandao =
      flags & BLOCK_PREV_RANDAO ? bytesToHex(overrides.bytes(HASH_BYTES, 'prevRandao')) : undefined

    // Each mini-block takes at least one byte of miniBlockSizes; each transaction 32 of signatureR.
    const miniBlockCount = columns.miniBlockCounts.count(
      'mini-block count',
      Number.MAX_SAFE_INTEGER,
      1,
      columns.miniBlockSizes,
    )
    const miniBlocks: Uint8Array[][] = []
    for (let m = 0; m < miniBlockCount; m++) {
      const size = columns.miniBlockSizes.uvarint('mini-block size')
      if (size === 0)
        throw columns.miniBlockSizes.corrupt('mini-block size', 'a mini-block without transactions')
      transactionCount += size
      if (transactionCount * HASH_BYTES > columns.signatureR.remaining)
        throw new CorruptBatchError(
          `mini-blocks announce ${transactionCount}+ transactions, column signatureR holds ${columns.signatureR.remaining / HASH_BYTES}`,
        )
      miniBlocks.push(new Array<Uint8Array>(size))
    }
    blocks.push({
      number: firstBlock + BigInt(i),
      timestamp,
      coinbase,
      gasLimit,
      extraData,
      prevRandao,
      miniBlocks,
    })
  }
  for (const name of ['txFlags', 'signatureR', 'signatureYParityAndS'] as const) {
    const bytesEach = name === 'txFlags' ? 1 : HASH_BYTES
    if (columns[name].remaining !== transactionCount * bytesEach)
      throw new CorruptBatchError(
        `column ${name} holds ${columns[name].remaining} bytes, not ${transactionCount * bytesEach} for ${transactionCount} transactions`,
      )
  }
  return blocks
}

/**
 * The batch's addresses in order of first use (hex and bytes), filled as they are met; the
 * addresses it spells out, and how many of those are used so far; the registry the others are read
 * from.
 */
type AddressTable = {
  hex: Address[]
  bytes: Uint8Array[]
  inTable: Set<Address>
  spelled: { hex: Address; bytes: Uint8Array }[]
  spelledUsed: number
  registryRefs: ByteReader
  registry: AddressRegistry
}

/** The spelled-out addresses: each one once, and none the registry already holds (it would be named by number). */
function readAddressTable(columns: Columns, registry: AddressRegistry): AddressTable {
  const column = columns.addresses
  const count = column.count('address count', Number.MAX_SAFE_INTEGER, ADDRESS_BYTES)
  const spelled: AddressTable['spelled'] = []
  const seen = new Set<Address>()
  for (let i = 0; i < count; i++) {
    const bytes = column.bytes(ADDRESS_BYTES, 'address')
    const hex = bytesToHex(bytes) as Address
    if (seen.has(hex)) throw column.corrupt('address', `${hex} is spelled out twice`)
    if (registry.indexOf(hex) !== undefined)
      throw column.corrupt('address', `${hex} is in the address registry, so it is named by number`)
    seen.add(hex)
    spelled.push({ hex, bytes })
  }
  return {
    hex: [],
    bytes: [],
    inTable: new Set(),
    spelled,
    spelledUsed: 0,
    registryRefs: columns.registryRefs,
    registry,
  }
}

type FeePair = { cap: bigint; tip: bigint }

/** Each entry: cap then tip, each as decimal exponent (u8) and mantissa (varint). */
function readFeeTable(column: ByteReader): FeePair[] {
  // An entry takes at least 4 bytes.
  const count = column.count('fee table size', Number.MAX_SAFE_INTEGER, 4)
  const pairs: FeePair[] = []
  for (let i = 0; i < count; i++)
    pairs.push({
      cap: readDecimal(column, column, 'fee cap'),
      tip: readDecimal(column, column, 'priority fee'),
    })
  return pairs
}

/**
 * 0: the next address spelled out, first used here; 1: the registry's address whose number is next
 * in registryRefs, first used here; k ≥ 2: the table's (k − 2)-th, used before. Returns its place in
 * the table.
 */
function readAddress(column: ByteReader, table: AddressTable, field: string): number {
  const reference = column.uvarint(field, table.hex.length + 1)
  if (reference >= 2) return reference - 2
  let hex: Address
  let bytes: Uint8Array
  if (reference === 0) {
    const next = table.spelled[table.spelledUsed]
    if (!next) throw column.corrupt(field, 'uses more addresses than the batch spells out')
    table.spelledUsed++
    ;({ hex, bytes } = next)
  } else {
    const { registryRefs, registry } = table
    if (registry.size === 0) throw column.corrupt(field, 'names a registered address; the registry is empty')
    const number = registryRefs.uvarint('registry number', registry.size - 1)
    hex = registry.at(number)!
    if (table.inTable.has(hex))
      throw registryRefs.corrupt('registry number', `${hex} is already in the table, so it is named by place`)
    bytes = hexToBytes(hex)
  }
  table.inTable.add(hex)
  table.hex.push(hex)
  table.bytes.push(bytes)
  return table.hex.length - 1
}

function readDecimal(exponents: ByteReader, mantissas: ByteReader, field: string): bigint {
  const exponent = exponents.u8(field)
  if (exponent > MAX_DECIMAL_EXPONENT) throw exponents.corrupt(field, `exponent ${exponent} above 77`)
  const mantissa = mantissas.uvarintBig(field, MAX_UINT256)
  // One value, one encoding: the largest exponent (trailing zeros in the mantissa are not allowed).
  if (mantissa === 0n ? exponent !== 0 : mantissa % 10n === 0n)
    throw mantissas.corrupt(field, 'non-canonical decimal')
  const value = mantissa * POWERS_OF_TEN[exponent]!
  if (value > MAX_UINT256) throw mantissas.corrupt(field, 'decimal above 2^256 - 1')
  return value
}

function readTransaction(
  columns: Columns,
  table: AddressTable,
  fees: FeePair[],
  chainId: bigint,
): SignedTransactionFields {
  const flags = columns.txFlags.u8('transaction flags')
  const type = flags & TX_TYPE_MASK
  const dataMode = flags >> TX_DATA_SHIFT
  if (
    type > 4 ||
    ((flags & TX_NO_CHAIN_ID) !== 0 && type !== 0) ||
    ((flags & TX_CREATION) !== 0 && type > 2) ||
    ((flags & TX_ACCESS_LIST) !== 0 && type === 0) ||
    dataMode > DATA_ABI
  )
    throw columns.txFlags.corrupt('transaction flags', `invalid combination ${flags}`)
  const nonce = columns.nonces.uvarintBig('nonce', MAX_UINT64)
  const gasLimit = columns.gasLimits.uvarintBig('gas limit', MAX_UINT64)
  if (fees.length === 0) throw columns.feeIndexes.corrupt('fee index', 'the fee table is empty')
  const { cap: feeCap, tip } = fees[columns.feeIndexes.uvarint('fee index', fees.length - 1)]!
  if (type < 2 && tip !== 0n) throw columns.feeIndexes.corrupt('fee index', 'a gas price paired with a tip')
  const to =
    flags & TX_CREATION ? null : table.hex[readAddress(columns.recipients, table, 'recipient index')]!
  const value = readDecimal(columns.valueExponents, columns.valueMantissas, 'value')
  const data =
    dataMode === DATA_EMPTY
      ? new Uint8Array()
      : dataMode === DATA_RAW
        ? readRawData(columns)
        : readAbiData(columns, table)
  const accessList = flags & TX_ACCESS_LIST ? readAccessList(columns, table) : []
  const r = columns.signatureR.fixed(HASH_BYTES, 'r')
  const yParityAndS = columns.signatureYParityAndS.fixed(HASH_BYTES, 'yParity and s')
  const yParity = yParityAndS & Y_PARITY_BIT ? 1 : 0
  const s = yParityAndS & ~Y_PARITY_BIT
  // As decodeTransaction: whatever this returns, it reads back.
  if (r === 0n || r >= SECP256K1_N || s === 0n || s > HALF_N)
    throw columns.signatureR.corrupt('signature', 'r or s out of range (EIP-2: s at most n/2)')
  const common = { nonce, gasLimit, value, data, accessList, yParity, r, s }

  switch (type) {
    case 0:
      return {
        type,
        ...common,
        chainId: flags & TX_NO_CHAIN_ID ? undefined : chainId,
        gasPrice: feeCap,
        to,
      }
    case 1:
      return { type, ...common, chainId, gasPrice: feeCap, to }
    case 2:
      return { type, ...common, chainId, maxFeePerGas: feeCap, maxPriorityFeePerGas: tip, to }
    case 3: {
      const maxFeePerBlobGas = readDecimal(
        columns.blobFeeExponents,
        columns.blobFeeMantissas,
        'max fee per blob gas',
      )
      const count = columns.blobHashCounts.count(
        'blob hash count',
        Number.MAX_SAFE_INTEGER,
        HASH_BYTES,
        columns.blobHashes,
      )
      const blobVersionedHashes: Hash[] = []
      for (let i = 0; i < count; i++)
        blobVersionedHashes.push(bytesToHex(columns.blobHashes.bytes(HASH_BYTES, 'blob hash')))
      return {
        type,
        ...common,
        chainId,
        maxFeePerGas: feeCap,
        maxPriorityFeePerGas: tip,
        to: to!,
        maxFeePerBlobGas,
        blobVersionedHashes,
      }
    }
    default:
      return {
        type: 4,
        ...common,
        chainId,
        maxFeePerGas: feeCap,
        maxPriorityFeePerGas: tip,
        to: to!,
        authorizationList: readAuthorizations(columns, table),
      }
  }
}

function readRawData(columns: Columns): Uint8Array {
  const length = columns.rawDataLengths.uvarint('data length', MAX_TRANSACTION_SIZE)
  if (length === 0) throw columns.rawDataLengths.corrupt('data length', 'empty data has its own mode')
  return columns.rawData.bytes(length, 'data')
}

function readAbiData(columns: Columns, table: AddressTable): Uint8Array {
  const selector = columns.selectors.bytes(SELECTOR_BYTES, 'selector')
  const words = columns.wordCounts.count('word count', MAX_WORDS, 1, columns.wordTags)
  const data = new Uint8Array(SELECTOR_BYTES + words * WORD_BYTES)
  data.set(selector)
  for (let i = 0, offset = SELECTOR_BYTES; i < words; i++, offset += WORD_BYTES) {
    const tag = columns.wordTags.u8('word tag')
    if (tag === WORD_ZERO) continue
    if (tag === WORD_ADDRESS)
      data.set(table.bytes[readAddress(columns.wordAddresses, table, 'word address index')]!, offset + 12)
    else if (tag === WORD_DECIMAL) {
      let value = readDecimal(columns.wordExponents, columns.wordMantissas, 'word')
      for (let j = offset + WORD_BYTES - 1; value > 0n; j--) {
        data[j] = Number(value & 0xffn)
        value >>= 8n
      }
    } else if (tag === WORD_RAW) data.set(columns.wordRaw.bytes(WORD_BYTES, 'raw word'), offset)
    else throw columns.wordTags.corrupt('word tag', `unknown tag ${tag}`)
  }
  return data
}

function readAccessList(columns: Columns, table: AddressTable): AccessListEntry[] {
  const column = columns.accessLists
  const entries = column.count('access list length', Number.MAX_SAFE_INTEGER, 1, columns.accessListAddresses)
  if (entries === 0) throw column.corrupt('access list length', 'flagged access list is empty')
  const accessList: AccessListEntry[] = []
  for (let i = 0; i < entries; i++) {
    const address = table.hex[readAddress(columns.accessListAddresses, table, 'access list address index')]!
    const keys = column.count('storage key count', Number.MAX_SAFE_INTEGER, HASH_BYTES, columns.storageKeys)
    const storageKeys: Hash[] = []
    for (let k = 0; k < keys; k++)
      storageKeys.push(bytesToHex(columns.storageKeys.bytes(HASH_BYTES, 'storage key')))
    accessList.push({ address, storageKeys })
  }
  return accessList
}

function readAuthorizations(columns: Columns, table: AddressTable): Authorization[] {
  const column = columns.authorizations
  const count = column.count(
    'authorization count',
    Number.MAX_SAFE_INTEGER,
    2 * HASH_BYTES,
    columns.authorizationSignatures,
  )
  const authorizations: Authorization[] = []
  for (let i = 0; i < count; i++)
    authorizations.push({
      chainId: column.uvarintBig('authorization chain id', MAX_UINT256),
      nonce: column.uvarintBig('authorization nonce', MAX_UINT64),
      yParity: column.u8('authorization yParity'),
      address: table.hex[readAddress(columns.authorizationAddresses, table, 'authorization address index')]!,
      r: columns.authorizationSignatures.fixed(HASH_BYTES, 'authorization r'),
      s: columns.authorizationSignatures.fixed(HASH_BYTES, 'authorization s'),
    })
  return authorizations
}
