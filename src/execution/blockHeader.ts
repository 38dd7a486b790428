import type { Address, Hash, Hex } from 'viem'
import { bigintToBytes, bytesToHex, hexToBytes } from '../primitives/hex.ts'
import { keccak256 } from '../primitives/keccak256.ts'
import { encodeRlp } from '../primitives/rlp.ts'
import type { Fork } from './chainConfig.ts'

/** An Ethereum block header with the fields Cancun and Prague add (EIP-1559, 4895, 4844, 4788, 7685). */
export type BlockHeader = {
  parentHash: Hash
  ommersHash: Hash
  coinbase: Address
  stateRoot: Hash
  transactionsRoot: Hash
  receiptsRoot: Hash
  logsBloom: Hex
  difficulty: bigint
  number: bigint
  gasLimit: bigint
  gasUsed: bigint
  timestamp: bigint
  extraData: Hex
  mixHash: Hash
  nonce: Hex
  baseFeePerGas: bigint
  withdrawalsRoot: Hash
  blobGasUsed: bigint
  excessBlobGas: bigint
  parentBeaconBlockRoot: Hash
  /** Prague only (EIP-7685). */
  requestsHash: Hash | undefined
}

/** keccak256(rlp([])): the ommers hash of every post-merge block. */
export const EMPTY_OMMERS_HASH: Hash = '0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347'
/** keccak256(rlp('')): the root of an empty trie (no transactions, receipts or withdrawals). */
export { EMPTY_TRIE_ROOT } from '../state/trie/merklePatriciaTrie.ts'
/** EIP-7685: sha256 of no requests. An L2 has no consensus-layer requests. */
export const EMPTY_REQUESTS_HASH: Hash = '0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
export const ZERO_HASH: Hash = '0x0000000000000000000000000000000000000000000000000000000000000000'
export const EMPTY_BLOOM: Hex = `0x${'00'.repeat(256)}`

export function headerFieldsForFork(fork: Fork): { requestsHash: Hash | undefined } {
  return { requestsHash: fork === 'prague' ? EMPTY_REQUESTS_HASH : undefined }
}

export function encodeBlockHeader(header: BlockHeader): Uint8Array {
  const fields = [
    hexToBytes(header.parentHash),
    hexToBytes(header.ommersHash),
    hexToBytes(header.coinbase),
    hexToBytes(header.stateRoot),
    hexToBytes(header.transactionsRoot),
    hexToBytes(header.receiptsRoot),
    hexToBytes(header.logsBloom),
    bigintToBytes(header.difficulty),
    bigintToBytes(header.number),
    bigintToBytes(header.gasLimit),
    bigintToBytes(header.gasUsed),
    bigintToBytes(header.timestamp),
    hexToBytes(header.extraData),
    hexToBytes(header.mixHash),
    hexToBytes(header.nonce),
    bigintToBytes(header.baseFeePerGas),
    hexToBytes(header.withdrawalsRoot),
    bigintToBytes(header.blobGasUsed),
    bigintToBytes(header.excessBlobGas),
    hexToBytes(header.parentBeaconBlockRoot),
  ]
  if (header.requestsHash !== undefined) fields.push(hexToBytes(header.requestsHash))
  return encodeRlp(fields)
}

export function hashBlockHeader(header: BlockHeader): Hash {
  return bytesToHex(keccak256(encodeBlockHeader(header)))
}
