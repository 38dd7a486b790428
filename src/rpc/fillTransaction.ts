/**
 * eth_fillTransaction, as geth's: a transaction call object with every field the sender left out
 * filled in (nonce, fees, gas, chain id), answered unsigned as `{ raw, tx }` for the sender to sign.
 * The node holds no keys, so this is how a keyless client asks it for what a send needs.
 */
import type { Address, Hash, Hex } from 'viem'
import type { CallRequest } from '../execution/simulateCall.ts'
import { encodeSignedTransaction } from '../l1/encodeSignedTransaction.ts'
import { bigintToBytes, bytesToHex, hexToBytes } from '../primitives/hex.ts'
import { keccak256 } from '../primitives/keccak256.ts'
import { encodeRlp } from '../primitives/rlp.ts'
import type { Authorization } from '../primitives/transaction.ts'
import { ServerError } from './errors.ts'
import { formatAuthorization } from './format.ts'

/** The call object's fields eth_fillTransaction reads beyond a call's. */
export type FillRequest = CallRequest & { nonce: bigint | undefined; chainId: bigint | undefined }

/** What filling needs from the node: each looked up only when the request leaves it out. */
export type FillSources = {
  chainId: bigint
  pendingNonce: (sender: Address) => Promise<bigint>
  suggestPriorityFee: () => Promise<bigint>
  /** The latest block's base fee: geth's default fee cap is twice it plus the tip. */
  latestBaseFee: () => Promise<bigint>
  /** eth_estimateGas at `latest` for the request with its fees; throws its errors. */
  estimateGas: (request: CallRequest) => Promise<bigint>
}

/** An unsigned transaction: its type, and its fields as geth's ToTransaction lays them out. */
export type FilledTransaction = {
  type: 0 | 2 | 4
  chainId: bigint
  nonce: bigint
  to: Address | null
  gas: bigint
  /** Legacy (type 0): the gas price; else the fee cap and tip. */
  gasPrice: bigint | undefined
  maxFeePerGas: bigint | undefined
  maxPriorityFeePerGas: bigint | undefined
  value: bigint
  data: Uint8Array
  accessList: CallRequest['accessList']
  authorizationList: readonly Authorization[]
}

/**
 * geth's TransactionArgs.setDefaults, then ToTransaction with EIP-1559 as the default type: a gas
 * price makes it legacy (dropping any access list, as geth does), an authorization list makes it a
 * set-code transaction. Throws geth's messages for what cannot be filled.
 */
export async function fillTransaction(
  request: FillRequest,
  sources: FillSources,
): Promise<FilledTransaction> {
  const { gasPrice } = request
  let { maxFeePerGas, maxPriorityFeePerGas } = request
  if (gasPrice !== undefined && request.authorizationList !== undefined)
    throw new ServerError('both gasPrice and authorizationList specified')
  if (gasPrice !== undefined) {
    if (gasPrice === 0n) throw new ServerError('gasPrice must be non-zero after london fork')
  } else if (maxFeePerGas !== undefined && maxPriorityFeePerGas !== undefined) {
    if (maxFeePerGas === 0n) throw new ServerError('maxFeePerGas must be non-zero')
  } else {
    maxPriorityFeePerGas ??= await sources.suggestPriorityFee()
    maxFeePerGas ??= maxPriorityFeePerGas + 2n * (await sources.latestBaseFee())
    if (maxFeePerGas < maxPriorityFeePerGas)
      throw new ServerError(`maxFeePerGas (${maxFeePerGas}) < maxPriorityFeePerGas (${maxPriorityFeePerGas})`)
  }
  const nonce = request.nonce ?? (await sources.pendingNonce(request.from))
  if (request.to === null) {
    if (request.data.length === 0) throw new ServerError('contract creation without any data provided')
    if ((request.authorizationList?.length ?? 0) > 0)
      throw new ServerError('authorizationList provided for contract creation, but "to" field is missing')
  }
  const gas = request.gas ?? (await sources.estimateGas({ ...request, maxFeePerGas, maxPriorityFeePerGas }))
  if (request.chainId !== undefined && request.chainId !== sources.chainId)
    throw new ServerError(`chainId does not match node's (have=${request.chainId}, want=${sources.chainId})`)
  return {
    type: gasPrice !== undefined ? 0 : request.authorizationList !== undefined ? 4 : 2,
    chainId: sources.chainId,
    nonce,
    to: request.to,
    gas,
    gasPrice,
    maxFeePerGas: gasPrice === undefined ? maxFeePerGas : undefined,
    maxPriorityFeePerGas: gasPrice === undefined ? maxPriorityFeePerGas : undefined,
    value: request.value,
    data: request.data,
    accessList: request.accessList,
    authorizationList: request.authorizationList ?? [],
  }
}

/**
 * The transaction's envelope with a zero signature (v, r and s all 0), as geth's MarshalBinary
 * gives it unsigned: typed ones through the signed encoder, a legacy one with v = 0, which no
 * EIP-155 v is.
 */
export function encodeUnsignedTransaction(tx: FilledTransaction): Uint8Array {
  if (tx.type === 0) {
    const uint = bigintToBytes
    const to = tx.to === null ? new Uint8Array() : hexToBytes(tx.to)
    return encodeRlp([
      uint(tx.nonce),
      uint(tx.gasPrice!),
      uint(tx.gas),
      to,
      uint(tx.value),
      tx.data,
      uint(0n),
      uint(0n),
      uint(0n),
    ])
  }
  const dynamicFee = {
    chainId: tx.chainId,
    nonce: tx.nonce,
    gasLimit: tx.gas,
    to: tx.to,
    value: tx.value,
    data: tx.data,
    yParity: 0,
    r: 0n,
    s: 0n,
    maxFeePerGas: tx.maxFeePerGas!,
    maxPriorityFeePerGas: tx.maxPriorityFeePerGas!,
    accessList: tx.accessList,
  }
  if (tx.type === 2) return encodeSignedTransaction({ ...dynamicFee, type: 2 })
  return encodeSignedTransaction({
    ...dynamicFee,
    type: 4,
    to: tx.to!,
    authorizationList: [...tx.authorizationList],
  })
}

const quantity = (n: bigint | number): Hex => `0x${n.toString(16)}`

/**
 * geth's JSON of a transaction object (core/types' txJSON, not the RPC transaction): its fields in
 * txJSON's order, the fee fields a type lacks as null, a zero signature, the hash of `raw`.
 */
export function unsignedTransactionJson(tx: FilledTransaction, raw: Uint8Array): Record<string, unknown> {
  const json: Record<string, unknown> = { type: quantity(tx.type) }
  // A legacy transaction with v = 0 is not replay-protected: geth leaves its chain id out.
  if (tx.type !== 0) json.chainId = quantity(tx.chainId)
  json.nonce = quantity(tx.nonce)
  json.to = tx.to
  json.gas = quantity(tx.gas)
  json.gasPrice = tx.gasPrice === undefined ? null : quantity(tx.gasPrice)
  json.maxPriorityFeePerGas = tx.maxPriorityFeePerGas === undefined ? null : quantity(tx.maxPriorityFeePerGas)
  json.maxFeePerGas = tx.maxFeePerGas === undefined ? null : quantity(tx.maxFeePerGas)
  json.value = quantity(tx.value)
  json.input = bytesToHex(tx.data)
  if (tx.type !== 0) json.accessList = tx.accessList
  if (tx.type === 4) json.authorizationList = tx.authorizationList.map(formatAuthorization)
  json.v = '0x0'
  json.r = '0x0'
  json.s = '0x0'
  if (tx.type !== 0) json.yParity = '0x0'
  json.hash = bytesToHex(keccak256(raw)) as Hash
  return json
}
