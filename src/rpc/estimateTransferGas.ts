import type { Address } from 'viem'
import { hexToBytes } from '../primitives/hex.ts'
import { floorDataGas, intrinsicGas } from '../primitives/intrinsicGas.ts'
import { MAX_TRANSACTION_SIZE } from '../primitives/transactionLimits.ts'
import { InvalidParamsError, ServerError } from './errors.ts'
import type { RpcContext } from './methods.ts'
import { type BlockRef, parseAddress, parseData, parseQuantity } from './params.ts'

type CallObject = {
  from: Address | undefined
  to: Address | undefined
  gas: bigint | undefined
  value: bigint
  data: Uint8Array
  accessList: { address: Address; storageKeys: `0x${string}`[] }[]
}

/**
 * eth_estimateGas for calls that run no code: the exact gas a transfer uses, max(intrinsic gas,
 * EIP-7623 floor). Calls into code and contract creation need the EVM and are refused clearly.
 */
export async function estimateTransferGas(
  value: unknown,
  ref: BlockRef,
  { backend, config }: RpcContext,
): Promise<bigint> {
  const call = parseCallObject(value)
  if (call.to === undefined)
    throw new ServerError(
      'contract creation is not supported by this build: it executes value transfers only',
    )
  const code = await backend.getCode(call.to, ref)
  if (code !== '0x')
    throw new ServerError(
      'calls to contracts are not supported by this build: it executes value transfers only',
    )
  if (call.from !== undefined && call.value > 0n) {
    const balance = await backend.getBalance(call.from, ref)
    if (balance < call.value) throw new ServerError('insufficient funds for transfer')
  }
  const shape = { to: call.to, data: call.data, accessList: call.accessList, authorizationList: [] }
  let gas = intrinsicGas(shape, { fork: config.fork })
  if (config.fork === 'prague') {
    const floor = floorDataGas(shape)
    if (floor > gas) gas = floor
  }
  const cap = call.gas ?? config.blockGasLimit
  if (gas > cap) throw new ServerError(`gas required exceeds allowance (${cap})`)
  return gas
}

function parseCallObject(value: unknown): CallObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new InvalidParamsError('invalid argument 0: transaction call object expected')
  const call = value as Record<string, unknown>
  const input = call.input ?? call.data
  if (call.input !== undefined && call.data !== undefined && call.input !== call.data)
    throw new InvalidParamsError(
      'invalid argument 0: both "data" and "input" are set and not equal. Please use "input" to pass transaction call data',
    )
  const accessList =
    call.accessList === undefined || call.accessList === null ? [] : parseAccessList(call.accessList)
  return {
    from: call.from === undefined || call.from === null ? undefined : parseAddress(call.from, 0),
    to: call.to === undefined || call.to === null ? undefined : parseAddress(call.to, 0),
    gas: call.gas === undefined || call.gas === null ? undefined : parseQuantity(call.gas, 0, 64),
    value: call.value === undefined || call.value === null ? 0n : parseQuantity(call.value, 0),
    data:
      input === undefined || input === null
        ? new Uint8Array()
        : hexToBytes(parseData(input, 0, MAX_TRANSACTION_SIZE)),
    accessList,
  }
}

function parseAccessList(value: unknown): CallObject['accessList'] {
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
