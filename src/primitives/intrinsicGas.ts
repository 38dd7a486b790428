import type { Fork } from '../execution/chainConfig.ts'

/** Yellow paper G_transaction. */
export const TX_GAS = 21_000n
/** G_transaction + G_txcreate. */
export const TX_CREATE_GAS = 53_000n
/** EIP-2028. */
export const TX_DATA_ZERO_GAS = 4n
export const TX_DATA_NONZERO_GAS = 16n
/** EIP-3860: per 32-byte word of initcode. */
export const INITCODE_WORD_GAS = 2n
/** EIP-2930. */
export const ACCESS_LIST_ADDRESS_GAS = 2_400n
export const ACCESS_LIST_STORAGE_KEY_GAS = 1_900n
/** EIP-7702: PER_EMPTY_ACCOUNT_COST, charged per authorization up front. */
export const PER_AUTHORIZATION_GAS = 25_000n
/** EIP-7623: TOTAL_COST_FLOOR_PER_TOKEN. */
export const FLOOR_GAS_PER_TOKEN = 10n

type GasShape = {
  to: string | null
  data: Uint8Array
  accessList: readonly { storageKeys: readonly unknown[] }[]
  authorizationList?: readonly unknown[]
}

function countZeroBytes(data: Uint8Array): bigint {
  let zeros = 0
  for (let i = 0; i < data.length; i++) if (data[i] === 0) zeros++
  return BigInt(zeros)
}

/** Gas charged before execution starts (yellow paper g0, with EIP-2028, 2930, 3860 and 7702). */
export function intrinsicGas(tx: GasShape, _options: { fork: Fork }): bigint {
  const length = BigInt(tx.data.length)
  const zeros = countZeroBytes(tx.data)
  let gas = tx.to === null ? TX_CREATE_GAS : TX_GAS
  gas += zeros * TX_DATA_ZERO_GAS + (length - zeros) * TX_DATA_NONZERO_GAS
  if (tx.to === null) gas += ((length + 31n) / 32n) * INITCODE_WORD_GAS
  for (const entry of tx.accessList)
    gas += ACCESS_LIST_ADDRESS_GAS + BigInt(entry.storageKeys.length) * ACCESS_LIST_STORAGE_KEY_GAS
  if (tx.authorizationList) gas += BigInt(tx.authorizationList.length) * PER_AUTHORIZATION_GAS
  return gas
}

/** EIP-7623 (Prague): the least gas a transaction pays for its calldata, 21000 + 10 per token. */
export function floorDataGas(tx: { data: Uint8Array }): bigint {
  const zeros = countZeroBytes(tx.data)
  const tokens = zeros + (BigInt(tx.data.length) - zeros) * 4n
  return TX_GAS + tokens * FLOOR_GAS_PER_TOKEN
}
