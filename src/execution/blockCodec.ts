/**
 * Whole blocks on the wire: rlp([header, transactions, ommers, withdrawals]) as devp2p, geth's
 * debug_getRawBlock and the BlockchainTests carry them. Typed transactions are byte strings in the
 * body, legacy ones the RLP lists they are. Decoding checks shapes and refuses what is not a
 * post-merge (Cancun or Prague) block.
 */
import type { Hash } from 'viem'
import { bigintToBytes, bytesToBigInt, bytesToHex, hexToBytes } from '../primitives/hex.ts'
import { decodeRlp, encodeRlp, type RlpInput, type RlpItem } from '../primitives/rlp.ts'
import { type BlockHeader, EMPTY_OMMERS_HASH, encodeBlockHeader, hashBlockHeader } from './blockHeader.ts'
import type { Withdrawal } from './executeBlock.ts'

export type DecodedBlock = {
  header: BlockHeader
  hash: Hash
  /** Each transaction's canonical encoding (a typed envelope, or a legacy RLP list). */
  transactions: Uint8Array[]
  withdrawals: Withdrawal[]
}

export class BlockDecodingError extends Error {
  override name = 'BlockDecodingError'
}

export function encodeBlock(
  header: BlockHeader,
  transactions: readonly Uint8Array[],
  withdrawals: readonly Withdrawal[],
): Uint8Array {
  return encodeRlp([
    decodeRlp(encodeBlockHeader(header)) as RlpInput,
    transactions.map((raw) => (raw[0]! >= 0xc0 ? (decodeRlp(raw) as RlpInput) : raw)),
    [],
    withdrawals.map(encodeWithdrawal),
  ])
}

export function decodeBlock(bytes: Uint8Array): DecodedBlock {
  let item: RlpItem
  try {
    item = decodeRlp(bytes)
  } catch (error) {
    throw new BlockDecodingError(`block is not valid RLP: ${(error as Error).message}`)
  }
  const [headerItem, transactionItems, ommerItems, withdrawalItems, ...rest] = list(item, 'block')
  if (rest.length > 0 || withdrawalItems === undefined)
    throw new BlockDecodingError('a post-merge block is rlp([header, transactions, ommers, withdrawals])')
  const header = decodeBlockHeader(headerItem)
  if (list(ommerItems, 'ommers').length > 0 || header.ommersHash !== EMPTY_OMMERS_HASH)
    throw new BlockDecodingError('a post-merge block has no ommers')
  return {
    header,
    hash: hashBlockHeader(header),
    transactions: list(transactionItems, 'transactions').map((tx) =>
      tx instanceof Uint8Array ? tx : encodeRlp(tx),
    ),
    withdrawals: list(withdrawalItems, 'withdrawals').map(decodeWithdrawal),
  }
}

/** BlockHeader's fields are Cancun's 20 and Prague's requestsHash: a header with others is refused. */
export function decodeBlockHeader(item: RlpItem | undefined): BlockHeader {
  const fields = list(item, 'header')
  if (fields.length !== 20 && fields.length !== 21)
    throw new BlockDecodingError(
      `a header of ${fields.length} fields: BlockHeader holds 20 (Cancun) or 21 (Prague)`,
    )
  const hex = (index: number) => bytesToHex(bytes(fields[index], `header field ${index}`))
  const uint = (index: number) => bytesToBigInt(bytes(fields[index], `header field ${index}`))
  return {
    parentHash: hex(0),
    ommersHash: hex(1),
    coinbase: hex(2),
    stateRoot: hex(3),
    transactionsRoot: hex(4),
    receiptsRoot: hex(5),
    logsBloom: hex(6),
    difficulty: uint(7),
    number: uint(8),
    gasLimit: uint(9),
    gasUsed: uint(10),
    timestamp: uint(11),
    extraData: hex(12),
    mixHash: hex(13),
    nonce: hex(14),
    baseFeePerGas: uint(15),
    withdrawalsRoot: hex(16),
    blobGasUsed: uint(17),
    excessBlobGas: uint(18),
    parentBeaconBlockRoot: hex(19),
    requestsHash: fields.length === 21 ? hex(20) : undefined,
  }
}

/** EIP-4895: rlp([index, validatorIndex, address, amount]). */
export function encodeWithdrawal(withdrawal: Withdrawal): Uint8Array[] {
  return [
    bigintToBytes(withdrawal.index),
    bigintToBytes(withdrawal.validatorIndex),
    hexToBytes(withdrawal.address),
    bigintToBytes(withdrawal.amount),
  ]
}

function decodeWithdrawal(item: RlpItem): Withdrawal {
  const fields = list(item, 'withdrawal')
  if (fields.length !== 4)
    throw new BlockDecodingError('a withdrawal is rlp([index, validatorIndex, address, amount])')
  const [index, validatorIndex, address, amount] = fields
  if (bytes(address, 'withdrawal address').length !== 20)
    throw new BlockDecodingError('a withdrawal address is 20 bytes')
  return {
    index: bytesToBigInt(bytes(index, 'withdrawal index')),
    validatorIndex: bytesToBigInt(bytes(validatorIndex, 'withdrawal validatorIndex')),
    address: bytesToHex(bytes(address, 'withdrawal address')),
    amount: bytesToBigInt(bytes(amount, 'withdrawal amount')),
  }
}

function list(item: RlpItem | undefined, what: string): RlpItem[] {
  if (!Array.isArray(item)) throw new BlockDecodingError(`${what}: expected an RLP list`)
  return item
}

function bytes(item: RlpItem | undefined, what: string): Uint8Array {
  if (!(item instanceof Uint8Array)) throw new BlockDecodingError(`${what}: expected an RLP string`)
  return item
}
