/**
 * A signed transaction's envelope from its fields: the inverse of decodeTransaction
 * (src/primitives/transaction.ts) for every type it reads. Batch decoding rebuilds transactions
 * with it; batch encoding checks with it that a transaction comes back byte for byte.
 */
import { bigintToBytes, concatBytes, hexToBytes } from '../primitives/hex.ts'
import { encodeRlp, type RlpInput } from '../primitives/rlp.ts'
import type { AccessListEntry, DecodedTransaction } from '../primitives/transaction.ts'

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never

/** What a signed transaction is made of: a decoded transaction without what is computed from it. */
export type SignedTransactionFields = DistributiveOmit<DecodedTransaction, 'hash' | 'signingHash' | 'v'>

/** EIP-155: v = chainId · 2 + 35 + yParity; before it, 27 + yParity. */
const EIP155_V_OFFSET = 35n
const PRE_EIP155_V_OFFSET = 27n

export function encodeSignedTransaction(tx: SignedTransactionFields): Uint8Array {
  const uint = bigintToBytes
  const signature = [uint(BigInt(tx.yParity)), uint(tx.r), uint(tx.s)]
  const to = tx.to === null ? new Uint8Array() : hexToBytes(tx.to)
  switch (tx.type) {
    case 0: {
      const v =
        tx.chainId === undefined
          ? PRE_EIP155_V_OFFSET + BigInt(tx.yParity)
          : tx.chainId * 2n + EIP155_V_OFFSET + BigInt(tx.yParity)
      return encodeRlp([
        uint(tx.nonce),
        uint(tx.gasPrice),
        uint(tx.gasLimit),
        to,
        uint(tx.value),
        tx.data,
        uint(v),
        uint(tx.r),
        uint(tx.s),
      ])
    }
    case 1:
      return typed(1, [
        uint(tx.chainId),
        uint(tx.nonce),
        uint(tx.gasPrice),
        uint(tx.gasLimit),
        to,
        uint(tx.value),
        tx.data,
        accessList(tx.accessList),
        ...signature,
      ])
    case 2:
      return typed(2, [...feeMarketFields(tx, to), ...signature])
    case 3:
      return typed(3, [
        ...feeMarketFields(tx, to),
        uint(tx.maxFeePerBlobGas),
        tx.blobVersionedHashes.map(hexToBytes),
        ...signature,
      ])
    case 4:
      return typed(4, [
        ...feeMarketFields(tx, to),
        tx.authorizationList.map((authorization) => [
          uint(authorization.chainId),
          hexToBytes(authorization.address),
          uint(authorization.nonce),
          uint(BigInt(authorization.yParity)),
          uint(authorization.r),
          uint(authorization.s),
        ]),
        ...signature,
      ])
  }
}

function typed(type: number, fields: RlpInput[]): Uint8Array {
  return concatBytes(Uint8Array.of(type), encodeRlp(fields))
}

function feeMarketFields(
  tx: Extract<SignedTransactionFields, { type: 2 | 3 | 4 }>,
  to: Uint8Array,
): RlpInput[] {
  return [
    bigintToBytes(tx.chainId),
    bigintToBytes(tx.nonce),
    bigintToBytes(tx.maxPriorityFeePerGas),
    bigintToBytes(tx.maxFeePerGas),
    bigintToBytes(tx.gasLimit),
    to,
    bigintToBytes(tx.value),
    tx.data,
    accessList(tx.accessList),
  ]
}

function accessList(entries: AccessListEntry[]): RlpInput {
  return entries.map((entry) => [hexToBytes(entry.address), entry.storageKeys.map(hexToBytes)])
}
