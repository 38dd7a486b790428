import type { Address } from 'viem'
import type { CallRequest } from '../execution/simulateCall.ts'
import { hexToBytes } from '../primitives/hex.ts'
import type { Authorization } from '../primitives/transaction.ts'
import { MAX_TRANSACTION_SIZE } from '../primitives/transactionLimits.ts'
import { InvalidParamsError } from './errors.ts'
import { parseAddress, parseData, parseQuantity } from './params.ts'

const ZERO_ADDRESS: Address = '0x0000000000000000000000000000000000000000'

/**
 * eth_call's and eth_estimateGas's transaction call object, as geth reads it: `input` or `data`
 * (equal if both), `from` defaulting to the zero address, and either `gasPrice` or the EIP-1559
 * fee fields, never both.
 */
export function parseCallObject(value: unknown): CallRequest {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new InvalidParamsError('invalid argument 0: transaction call object expected')
  const call = value as Record<string, unknown>
  const input = call.input ?? call.data
  if (call.input !== undefined && call.data !== undefined && call.input !== call.data)
    throw new InvalidParamsError(
      'invalid argument 0: both "data" and "input" are set and not equal. Please use "input" to pass transaction call data',
    )
  const quantity = (field: string, bits = 256): bigint | undefined =>
    call[field] === undefined || call[field] === null ? undefined : parseQuantity(call[field], 0, bits)
  const gasPrice = quantity('gasPrice')
  const maxFeePerGas = quantity('maxFeePerGas')
  const maxPriorityFeePerGas = quantity('maxPriorityFeePerGas')
  if (gasPrice !== undefined && (maxFeePerGas !== undefined || maxPriorityFeePerGas !== undefined))
    throw new InvalidParamsError('both gasPrice and (maxFeePerGas or maxPriorityFeePerGas) specified')
  if (maxFeePerGas !== undefined && maxPriorityFeePerGas !== undefined && maxPriorityFeePerGas > maxFeePerGas)
    throw new InvalidParamsError(
      `maxFeePerGas (${maxFeePerGas}) < maxPriorityFeePerGas (${maxPriorityFeePerGas})`,
    )
  return {
    from: call.from === undefined || call.from === null ? ZERO_ADDRESS : parseAddress(call.from, 0),
    to: call.to === undefined || call.to === null ? null : parseAddress(call.to, 0),
    gas: quantity('gas', 64),
    gasPrice,
    maxFeePerGas,
    maxPriorityFeePerGas,
    value: quantity('value') ?? 0n,
    data:
      input === undefined || input === null
        ? new Uint8Array()
        : hexToBytes(parseData(input, 0, MAX_TRANSACTION_SIZE)),
    accessList:
      call.accessList === undefined || call.accessList === null ? [] : parseAccessList(call.accessList),
    authorizationList:
      call.authorizationList === undefined || call.authorizationList === null
        ? undefined
        : parseAuthorizationList(call.authorizationList),
  }
}

/** Delegations one call may carry: each is a signature recovery, so the request is bounded. */
export const MAX_CALL_AUTHORIZATIONS = 1_024

/** EIP-7702's authorization list as geth reads it: every field required, yParity a byte. */
function parseAuthorizationList(value: unknown): Authorization[] {
  if (!Array.isArray(value))
    throw new InvalidParamsError('invalid argument 0: authorizationList must be an array')
  if (value.length > MAX_CALL_AUTHORIZATIONS)
    throw new InvalidParamsError(
      `invalid argument 0: more than ${MAX_CALL_AUTHORIZATIONS} authorizations in authorizationList`,
    )
  return value.map((entry) => {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
      throw new InvalidParamsError('invalid argument 0: bad authorization list entry')
    const fields = entry as Record<string, unknown>
    const required = (name: string) => {
      if (fields[name] === undefined || fields[name] === null)
        throw new InvalidParamsError(
          `invalid argument 0: missing required field '${name}' for SetCodeAuthorization`,
        )
      return fields[name]
    }
    return {
      chainId: parseQuantity(required('chainId'), 0),
      address: parseAddress(required('address'), 0),
      nonce: parseQuantity(required('nonce'), 0, 64),
      yParity: Number(parseQuantity(required('yParity'), 0, 8)),
      r: parseQuantity(required('r'), 0),
      s: parseQuantity(required('s'), 0),
    }
  })
}

function parseAccessList(value: unknown): CallRequest['accessList'] {
  if (!Array.isArray(value)) throw new InvalidParamsError('invalid argument 0: accessList must be an array')
  return value.map((entry) => {
    if (typeof entry !== 'object' || entry === null)
      throw new InvalidParamsError('invalid argument 0: bad access list entry')
    const { address, storageKeys } = entry as Record<string, unknown>
    if (!Array.isArray(storageKeys))
      throw new InvalidParamsError('invalid argument 0: access list storageKeys must be an array')
    return {
      address: parseAddress(address, 0),
      storageKeys: storageKeys.map((key) => {
        const data = parseData(key, 0, 32)
        if (data.length !== 66)
          throw new InvalidParamsError('invalid argument 0: storage key must be 32 bytes')
        return data
      }),
    }
  })
}
