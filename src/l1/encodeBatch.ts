/**
 * Sealed blocks → the version-2 batch payload (uncompressed), column by column:
 *
 *   blocks ──▶ header fields that are not derivable (timestamps, overrides, mini-block sizes)
 *          ──▶ each transaction decoded (decodeTransaction) and checked to re-encode byte for byte
 *                ──▶ its fields spread over columns: flags, nonces, fees, recipients, values, data
 *                    (raw, or ABI words by shape), access lists, blob and authorization fields, r, s
 *          ──▶ addresses replaced by references into one table (in order of first use; an
 *              address the registry holds by its number there, any other spelled out), fee
 *              pairs by indexes into another (most used first)
 *          ──▶ header ‖ (length ‖ column) × 36
 *
 * Values of one kind sit together so the compressor finds their repetitions. The chain id is not
 * written (every transaction must carry the chain's own), nor anything derivation recomputes.
 * src/l1/README.md specifies the bytes; decodeBatch is the inverse.
 */
import type { Address } from 'viem'
import { EMPTY_OMMERS_HASH, EMPTY_TRIE_ROOT, hashBlockHeader, ZERO_HASH } from '../execution/blockHeader.ts'
import { bytesToBigInt, bytesToHex, equalBytes, hexToBytes } from '../primitives/hex.ts'
import { type DecodedTransaction, decodeTransaction } from '../primitives/transaction.ts'
import { MAX_TRANSACTION_SIZE } from '../primitives/transactionLimits.ts'
import type { AddressRegistryIndex } from './addressRegistry.ts'
import {
  type BatchBlock,
  BLOCK_COINBASE,
  BLOCK_EXTRA_DATA,
  BLOCK_GAS_LIMIT,
  BLOCK_PREV_RANDAO,
  COLUMNS,
  type ColumnName,
  DATA_ABI,
  DATA_EMPTY,
  DATA_RAW,
  MAX_BATCH_PAYLOAD_BYTES,
  MAX_BATCH_TRANSACTION_BYTES,
  MAX_BLOCKS_PER_BATCH,
  MAX_EXTRA_DATA_BYTES,
  TX_ACCESS_LIST,
  TX_CREATION,
  TX_DATA_SHIFT,
  TX_NO_CHAIN_ID,
  WORD_ADDRESS,
  WORD_DECIMAL,
  WORD_RAW,
  WORD_ZERO,
  Y_PARITY_BIT,
} from './batchFormat.ts'
import { ByteWriter } from './byteWriter.ts'
import { derivePrevRandao } from './derivePrevRandao.ts'
import { encodeSignedTransaction } from './encodeSignedTransaction.ts'
import { BatchEncodingError, BatchLimitError } from './errors.ts'

export type EncodeBatchOptions = {
  /** The L2 chain's id: every transaction must be signed for it (or, legacy, for no chain). */
  chainId: bigint
  /** The address registry as of the batch before this one; none: an empty registry. */
  registry?: AddressRegistryIndex
}

/** A decimal word costs at most 1 + 28 bytes below this; above it the 32 raw bytes are as small. */
const MAX_DECIMAL_WORD_MANTISSA = 1n << 192n
const WORD_BYTES = 32
const SELECTOR_BYTES = 4
const NONCE_ZERO = '0x0000000000000000'

type Columns = Record<ColumnName, ByteWriter>

export function encodeBatch(blocks: readonly BatchBlock[], options: EncodeBatchOptions): Uint8Array {
  return encodeBatchPayload(blocks, options).payload
}

/** encodeBatch, with the addresses the batch spells out: what it adds to the address registry. */
export function encodeBatchPayload(
  blocks: readonly BatchBlock[],
  options: EncodeBatchOptions,
): { payload: Uint8Array; newAddresses: Address[] } {
  const first = blocks[0]
  if (!first) throw new BatchEncodingError('a batch holds at least one block')
  if (blocks.length > MAX_BLOCKS_PER_BATCH)
    throw new BatchLimitError(`${blocks.length} blocks exceed the ${MAX_BLOCKS_PER_BATCH} of one batch`)
  const columns = Object.fromEntries(COLUMNS.map((name) => [name, new ByteWriter()])) as Columns
  const addresses = new AddressUses(columns, options.registry)
  const fees = new FeeUses()

  writeBlocks(blocks, columns)
  let transactionBytes = 0
  for (const block of blocks)
    for (const miniBlock of block.miniBlocks)
      for (const raw of miniBlock) {
        transactionBytes += raw.length
        if (transactionBytes > MAX_BATCH_TRANSACTION_BYTES)
          throw new BatchLimitError(
            `the transactions of blocks ${first.header.number}..${block.header.number} exceed the ${MAX_BATCH_TRANSACTION_BYTES} bytes of one batch`,
          )
        writeTransaction(checkedTransaction(raw, options.chainId), columns, addresses, fees)
      }
  addresses.writeTable()
  fees.writeTable(columns)

  const header = new ByteWriter()
  header.uvarintBig(first.header.number)
  header.uvarint(blocks.length)
  header.bytes(hexToBytes(first.header.parentHash))
  header.bytes(hexToBytes(first.header.coinbase))
  header.uvarintBig(first.header.gasLimit)
  writeExtraData(header, first.header.extraData, first.header.number)
  for (const name of COLUMNS) {
    header.uvarint(columns[name].length)
    header.bytes(columns[name].view())
  }
  if (header.length > MAX_BATCH_PAYLOAD_BYTES)
    throw new BatchLimitError(
      `blocks ${first.header.number}..${first.header.number + BigInt(blocks.length - 1)} encode to ${header.length} bytes, over the ${MAX_BATCH_PAYLOAD_BYTES} of one batch: batch fewer blocks`,
    )
  return { payload: header.finish(), newAddresses: addresses.spelled }
}

function writeBlocks(blocks: readonly BatchBlock[], columns: Columns): void {
  const defaults = blocks[0]!.header
  let previous: BatchBlock['header'] | undefined
  for (const { header, miniBlocks } of blocks) {
    const at = `block ${header.number}`
    if (
      header.ommersHash !== EMPTY_OMMERS_HASH ||
      header.difficulty !== 0n ||
      header.nonce !== NONCE_ZERO ||
      header.withdrawalsRoot !== EMPTY_TRIE_ROOT ||
      header.parentBeaconBlockRoot !== ZERO_HASH
    )
      throw new BatchEncodingError(`${at}: a header field the batch format takes as constant is not`, {
        details:
          'ommersHash, difficulty, nonce, withdrawalsRoot and parentBeaconBlockRoot are fixed on Velox',
      })
    if (previous) {
      if (header.number !== previous.number + 1n)
        throw new BatchEncodingError(`${at} does not follow block ${previous.number}`)
      if (header.parentHash !== hashBlockHeader(previous))
        throw new BatchEncodingError(`${at}: its parent hash is not the hash of block ${previous.number}`)
      if (header.timestamp <= previous.timestamp)
        throw new BatchEncodingError(`${at}: timestamp ${header.timestamp} does not increase`)
      columns.blockTimestamps.uvarintBig(header.timestamp - previous.timestamp)
    } else columns.blockTimestamps.uvarintBig(header.timestamp)

    let flags = 0
    if (header.coinbase !== defaults.coinbase) flags |= BLOCK_COINBASE
    if (header.gasLimit !== defaults.gasLimit) flags |= BLOCK_GAS_LIMIT
    if (header.extraData !== defaults.extraData) flags |= BLOCK_EXTRA_DATA
    if (header.mixHash !== derivePrevRandao(header.parentHash)) flags |= BLOCK_PREV_RANDAO
    columns.blockFlags.u8(flags)
    const overrides = columns.blockOverrides
    if (flags & BLOCK_COINBASE) overrides.bytes(hexToBytes(header.coinbase))
    if (flags & BLOCK_GAS_LIMIT) overrides.uvarintBig(header.gasLimit)
    if (flags & BLOCK_EXTRA_DATA) writeExtraData(overrides, header.extraData, header.number)
    if (flags & BLOCK_PREV_RANDAO) overrides.bytes(hexToBytes(header.mixHash))

    columns.miniBlockCounts.uvarint(miniBlocks.length)
    for (const miniBlock of miniBlocks) {
      if (miniBlock.length === 0) throw new BatchEncodingError(`${at}: a mini-block without transactions`)
      columns.miniBlockSizes.uvarint(miniBlock.length)
    }
    previous = header
  }
}

function writeExtraData(writer: ByteWriter, extraData: `0x${string}`, number: bigint): void {
  const bytes = hexToBytes(extraData)
  if (bytes.length > MAX_EXTRA_DATA_BYTES)
    throw new BatchEncodingError(`block ${number}: extraData longer than ${MAX_EXTRA_DATA_BYTES} bytes`)
  writer.uvarint(bytes.length)
  writer.bytes(bytes)
}

/** The transaction, refused unless it is for this chain and re-encodes to exactly `raw`. */
function checkedTransaction(raw: Uint8Array, chainId: bigint): DecodedTransaction {
  const tx = decodeTransaction(raw)
  if (tx.chainId !== undefined && tx.chainId !== chainId)
    throw new BatchEncodingError(`transaction ${tx.hash} is signed for chain ${tx.chainId}, not ${chainId}`)
  if (raw.length > MAX_TRANSACTION_SIZE)
    throw new BatchEncodingError(`transaction ${tx.hash} is larger than ${MAX_TRANSACTION_SIZE} bytes`)
  if (!equalBytes(encodeSignedTransaction(tx), raw))
    throw new BatchEncodingError(`transaction ${tx.hash} is not in its canonical encoding`, {
      details: 'a blob transaction must be given without its sidecar (blobs, commitments, proofs)',
    })
  return tx
}

function writeTransaction(
  tx: DecodedTransaction,
  columns: Columns,
  addresses: AddressUses,
  fees: FeeUses,
): void {
  const words = tx.to === null ? undefined : abiWords(tx.data)
  const dataMode = tx.data.length === 0 ? DATA_EMPTY : words ? DATA_ABI : DATA_RAW
  let flags = tx.type | (dataMode << TX_DATA_SHIFT)
  if (tx.type === 0 && tx.chainId === undefined) flags |= TX_NO_CHAIN_ID
  if (tx.to === null) flags |= TX_CREATION
  if (tx.accessList.length > 0) flags |= TX_ACCESS_LIST
  columns.txFlags.u8(flags)
  columns.nonces.uvarintBig(tx.nonce)
  columns.gasLimits.uvarintBig(tx.gasLimit)
  if (tx.type === 0 || tx.type === 1) fees.use(tx.gasPrice, 0n)
  else fees.use(tx.maxFeePerGas, tx.maxPriorityFeePerGas)
  if (tx.to !== null) addresses.use('recipients', tx.to)
  writeDecimal(columns.valueExponents, columns.valueMantissas, tx.value)

  if (dataMode === DATA_RAW) {
    columns.rawDataLengths.uvarint(tx.data.length)
    columns.rawData.bytes(tx.data)
  } else if (dataMode === DATA_ABI) {
    columns.selectors.bytes(tx.data.subarray(0, SELECTOR_BYTES))
    columns.wordCounts.uvarint(words!.length)
    for (const word of words!) {
      columns.wordTags.u8(word.tag)
      if (word.tag === WORD_ADDRESS) addresses.use('wordAddresses', word.address)
      else if (word.tag === WORD_DECIMAL) {
        columns.wordExponents.u8(word.exponent)
        columns.wordMantissas.uvarintBig(word.mantissa)
      } else if (word.tag === WORD_RAW) columns.wordRaw.bytes(word.bytes)
    }
  }

  if (tx.accessList.length > 0) {
    columns.accessLists.uvarint(tx.accessList.length)
    for (const entry of tx.accessList) {
      addresses.use('accessListAddresses', entry.address)
      columns.accessLists.uvarint(entry.storageKeys.length)
      for (const key of entry.storageKeys) columns.storageKeys.bytes(hexToBytes(key))
    }
  }
  if (tx.type === 3) {
    writeDecimal(columns.blobFeeExponents, columns.blobFeeMantissas, tx.maxFeePerBlobGas)
    columns.blobHashCounts.uvarint(tx.blobVersionedHashes.length)
    for (const hash of tx.blobVersionedHashes) columns.blobHashes.bytes(hexToBytes(hash))
  }
  if (tx.type === 4) {
    columns.authorizations.uvarint(tx.authorizationList.length)
    for (const authorization of tx.authorizationList) {
      columns.authorizations.uvarintBig(authorization.chainId)
      columns.authorizations.uvarintBig(authorization.nonce)
      columns.authorizations.u8(authorization.yParity)
      addresses.use('authorizationAddresses', authorization.address)
      columns.authorizationSignatures.fixed(authorization.r, 32)
      columns.authorizationSignatures.fixed(authorization.s, 32)
    }
  }

  columns.signatureR.fixed(tx.r, 32)
  columns.signatureYParityAndS.fixed(tx.yParity === 1 ? tx.s | Y_PARITY_BIT : tx.s, 32)
}

/** value = mantissa · 10^exponent with the largest exponent: amounts people choose are round. */
function writeDecimal(exponents: ByteWriter, mantissas: ByteWriter, value: bigint): void {
  const [exponent, mantissa] = splitDecimal(value)
  exponents.u8(exponent)
  mantissas.uvarintBig(mantissa)
}

function splitDecimal(value: bigint): [exponent: number, mantissa: bigint] {
  if (value === 0n) return [0, 0n]
  const digits = value.toString()
  let zeros = 0
  while (digits.charCodeAt(digits.length - 1 - zeros) === 48) zeros++
  return [zeros, zeros === 0 ? value : BigInt(digits.slice(0, digits.length - zeros))]
}

type Word =
  | { tag: typeof WORD_ZERO }
  | { tag: typeof WORD_ADDRESS; address: Address }
  | { tag: typeof WORD_DECIMAL; exponent: number; mantissa: bigint }
  | { tag: typeof WORD_RAW; bytes: Uint8Array }

/**
 * The words of a call's data shaped as the ABI lays it out (a selector, then 32-byte words), each
 * classified; undefined when the data has another shape, or when most words are opaque, where the
 * raw bytes serve as well.
 */
function abiWords(data: Uint8Array): Word[] | undefined {
  if (data.length < SELECTOR_BYTES || (data.length - SELECTOR_BYTES) % WORD_BYTES !== 0) return undefined
  const words: Word[] = []
  let opaque = 0
  for (let offset = SELECTOR_BYTES; offset < data.length; offset += WORD_BYTES) {
    const word = classifyWord(data.subarray(offset, offset + WORD_BYTES))
    if (word.tag === WORD_RAW) opaque++
    words.push(word)
  }
  return opaque * 2 > words.length ? undefined : words
}

function classifyWord(word: Uint8Array): Word {
  let leadingZeros = 0
  while (leadingZeros < WORD_BYTES && word[leadingZeros] === 0) leadingZeros++
  if (leadingZeros === WORD_BYTES) return { tag: WORD_ZERO }
  // An address's 20 bytes, which are random, start within the first 4 of them.
  if (leadingZeros >= 12 && leadingZeros < 16)
    return { tag: WORD_ADDRESS, address: bytesToHex(word.subarray(12)) as Address }
  const [exponent, mantissa] = splitDecimal(bytesToBigInt(word.subarray(leadingZeros)))
  if (mantissa < MAX_DECIMAL_WORD_MANTISSA) return { tag: WORD_DECIMAL, exponent, mantissa }
  return { tag: WORD_RAW, bytes: word }
}

type AddressColumn = 'recipients' | 'wordAddresses' | 'accessListAddresses' | 'authorizationAddresses'

/**
 * Every address a batch names, in one table in order of first use. A use is written as 0 when it is
 * the address's first and the registry lacks it (the next address spelled out in the addresses
 * column), 1 when it is the first and the registry has it (its number is the next in registryRefs),
 * else as 2 + its place in the table: a new address costs its 20 bytes once on the whole chain, a
 * registered one its number once per batch, and one used again in the batch a small number
 * (frequent addresses tend to come early).
 */
class AddressUses {
  private readonly table = new Map<Address, number>()
  /** The addresses spelled out, in order: the registry's next entries. */
  readonly spelled: Address[] = []

  constructor(
    private readonly columns: Columns,
    private readonly registry: AddressRegistryIndex | undefined,
  ) {}

  use(column: AddressColumn, address: Address): void {
    const key = address.toLowerCase() as Address
    const known = this.table.get(key)
    if (known !== undefined) {
      this.columns[column].uvarint(known + 2)
      return
    }
    this.table.set(key, this.table.size)
    const registered = this.registry?.indexOf(key)
    if (registered === undefined) {
      this.spelled.push(key)
      this.columns[column].uvarint(0)
    } else {
      this.columns.registryRefs.uvarint(registered)
      this.columns[column].uvarint(1)
    }
  }

  writeTable(): void {
    this.columns.addresses.uvarint(this.spelled.length)
    for (const address of this.spelled) this.columns.addresses.bytes(hexToBytes(address))
  }
}

/**
 * The fee pairs of a batch, (gasPrice, 0) or (maxFeePerGas, maxPriorityFeePerGas): wallets set them
 * by a few rules over one base fee, so a batch has few distinct pairs. Written once in a table, most
 * used first, each transaction naming its pair by index.
 */
class FeeUses {
  private readonly pairs = new Map<string, { cap: bigint; tip: bigint; count: number }>()
  private readonly uses: string[] = []

  use(cap: bigint, tip: bigint): void {
    const key = `${cap}:${tip}`
    const pair = this.pairs.get(key)
    if (pair) pair.count++
    else this.pairs.set(key, { cap, tip, count: 1 })
    this.uses.push(key)
  }

  writeTable(columns: Columns): void {
    const table = [...this.pairs.entries()].sort((a, b) => b[1].count - a[1].count)
    const index = new Map(table.map(([key], i) => [key, i]))
    columns.feeTable.uvarint(table.length)
    for (const [, { cap, tip }] of table) {
      writeDecimal(columns.feeTable, columns.feeTable, cap)
      writeDecimal(columns.feeTable, columns.feeTable, tip)
    }
    for (const key of this.uses) columns.feeIndexes.uvarint(index.get(key)!)
  }
}
