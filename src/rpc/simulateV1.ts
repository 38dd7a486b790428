/**
 * eth_simulateV1 at the edge: its options parsed and bounded as geth reads them (blockStateCalls,
 * traceTransfers, validation, returnFullTransactions; the limits of internal/ethapi), and the
 * simulated blocks in geth's wire shape, each block object with its `calls` results.
 */
import type { Hex } from 'viem'
import type { ChainConfig } from '../execution/chainConfig.ts'
import { revertReason } from '../execution/revertReason.ts'
import {
  MAX_SIMULATED_BLOCKS,
  MAX_SIMULATED_CALLS,
  MAX_SIMULATED_CALLS_PER_BLOCK,
  type SimulatedBlock,
  type SimulatedBlockRequest,
  type SimulatedCallRequest,
  type SimulationBlockOverrides,
  type SimulationRequest,
} from '../execution/simulateBlocks.ts'
import { bytesToHex } from '../primitives/hex.ts'
import type { RpcObject } from './backend.ts'
import { parseCallObject } from './callObject.ts'
import { parseBlockOverrides, parseStateOverride } from './callOverridesParams.ts'
import { ClientLimitExceededError, InvalidParamsError, ServerError } from './errors.ts'
import { formatBlock, formatLog, formatTransaction } from './format.ts'
import { parseBoolean, parseHash, parseQuantity } from './params.ts'

const q = (n: bigint | number): Hex => `0x${n.toString(16)}`
/** geth's code for a call that halted (not a revert) in a simulated block. */
const VM_ERROR_CODE = -32015
/** geth's code 3: a revert, its data with it. */
const REVERTED_CODE = 3

/** eth_simulateV1's first parameter, with the chain id a call may name checked against the chain's. */
export function parseSimulationRequest(
  value: unknown,
  config: Pick<ChainConfig, 'chainId' | 'fork'>,
): SimulationRequest & { returnFullTransactions: boolean } {
  const options = objectOf(value, 'simulation options')
  const blocks = options.blockStateCalls ?? []
  if (!Array.isArray(blocks))
    throw new InvalidParamsError('invalid argument 0: blockStateCalls must be an array')
  if (blocks.length === 0) throw new InvalidParamsError('empty input')
  if (blocks.length > MAX_SIMULATED_BLOCKS) throw new ClientLimitExceededError('too many blocks')
  let totalCalls = 0
  for (const block of blocks) {
    const calls = objectOf(block, 'block state call').calls ?? []
    if (!Array.isArray(calls)) throw new InvalidParamsError('invalid argument 0: calls must be an array')
    if (calls.length > MAX_SIMULATED_CALLS_PER_BLOCK)
      throw new ClientLimitExceededError(
        `too many calls in block: ${calls.length} > ${MAX_SIMULATED_CALLS_PER_BLOCK}`,
      )
    totalCalls += calls.length
    if (totalCalls > MAX_SIMULATED_CALLS)
      throw new ClientLimitExceededError(`too many calls: ${totalCalls} > ${MAX_SIMULATED_CALLS}`)
  }
  const flag = (name: string) =>
    options[name] !== undefined && options[name] !== null && parseBoolean(options[name], 0)
  return {
    blocks: blocks.map((block) => parseBlockStateCall(block, config)),
    traceTransfers: flag('traceTransfers'),
    validation: flag('validation'),
    returnFullTransactions: flag('returnFullTransactions'),
  }
}

function parseBlockStateCall(
  value: unknown,
  { chainId, fork }: Pick<ChainConfig, 'chainId' | 'fork'>,
): SimulatedBlockRequest {
  const block = objectOf(value, 'block state call')
  const present = (field: unknown) => field !== undefined && field !== null
  return {
    overrides: present(block.blockOverrides) ? parseSimulationBlockOverrides(block.blockOverrides) : {},
    stateOverride: present(block.stateOverrides)
      ? parseStateOverride(block.stateOverrides, 0, fork)
      : new Map(),
    calls: ((block.calls ?? []) as unknown[]).map((call) => parseSimulatedCall(call, chainId)),
  }
}

/** eth_call's block overrides, and geth's two more for a simulated block. */
function parseSimulationBlockOverrides(value: unknown): SimulationBlockOverrides {
  const overrides: SimulationBlockOverrides = parseBlockOverrides(value, 0)
  const fields = value as Record<string, unknown>
  if (fields.beaconRoot !== undefined && fields.beaconRoot !== null)
    overrides.beaconRoot = parseHash(fields.beaconRoot, 0)
  const withdrawals = fields.withdrawals
  if (
    withdrawals !== undefined &&
    withdrawals !== null &&
    !(Array.isArray(withdrawals) && withdrawals.length === 0)
  )
    throw new InvalidParamsError('invalid argument 0: withdrawals are not supported: a Velox block has none')
  return overrides
}

/** A call object, with the nonce it may name and the chain id it may name (which must be the chain's). */
function parseSimulatedCall(value: unknown, chainId: bigint): SimulatedCallRequest {
  const request = parseCallObject(value)
  const fields = value as Record<string, unknown>
  const named =
    fields.chainId === undefined || fields.chainId === null ? undefined : parseQuantity(fields.chainId, 0)
  if (named !== undefined && named !== chainId)
    throw new ServerError(`chainId does not match node's (have=${named}, want=${chainId})`)
  return {
    ...request,
    nonce:
      fields.nonce === undefined || fields.nonce === null ? undefined : parseQuantity(fields.nonce, 0, 64),
  }
}

function objectOf(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new InvalidParamsError(`invalid argument 0: ${what} must be an object`)
  return value as Record<string, unknown>
}

/**
 * A simulated block as geth answers it: the block object (transaction hashes, or whole unsigned
 * transactions with their senders) and `calls`, each call's return data, logs, gas and status, and
 * for a failed call its error (code 3 with the revert data, or -32015 for a halt).
 */
export function formatSimulatedBlock(block: SimulatedBlock, fullTransactions: boolean): RpcObject {
  const object = formatBlock(
    block.header,
    block.hash,
    block.size,
    block.transactions.map((tx) => tx.fields.hash),
  )
  const location = (index: number) => ({
    blockHash: block.hash,
    blockNumber: block.header.number,
    blockTimestamp: block.header.timestamp,
    transactionIndex: index,
  })
  if (fullTransactions)
    object.transactions = block.transactions.map((tx, index) =>
      formatTransaction(tx.fields, tx.sender, location(index), tx.effectiveGasPrice),
    )
  let logIndex = 0
  object.calls = block.calls.map((call, index) => {
    const transactionHash = block.transactions[index]!.fields.hash
    const result: RpcObject = {
      returnData: bytesToHex(call.returnData),
      logs: call.logs.map((log) =>
        formatLog(log, { ...location(index), transactionHash, logIndex: logIndex++ }),
      ),
      gasUsed: q(call.gasUsed),
      maxUsedGas: q(call.maxUsedGas),
      status: q(call.status),
    }
    if (call.status === 0) result.error = callError(call.error, call.returnData)
    return result
  })
  return object
}

function callError(error: string | undefined, returnData: Uint8Array): RpcObject {
  if (error !== 'execution reverted') return { message: error ?? 'execution failed', code: VM_ERROR_CODE }
  const reason = revertReason(returnData)
  return {
    message: reason === undefined ? 'execution reverted' : `execution reverted: ${reason}`,
    code: REVERTED_CODE,
    data: bytesToHex(returnData),
  }
}
