/**
 * eth_call and eth_estimateGas, as geth runs them: the call is a message executed like a
 * transaction (intrinsic gas, gas purchase, refunds, the calldata floor) on a throwaway EvmState,
 * without the nonce and sender checks, and — when it offers no fee — without the base fee (BASEFEE
 * then reads zero). The estimate is the least gas limit with which the message succeeds, found by
 * geth's search: one run at the cap, one optimistic guess, then bisection to within 1.5%.
 *
 * Each is bounded by the gas cap and by time: a work budget standing for geth's RPCEVMTimeout
 * (src/evm/workBudget.ts). eth_call gets a whole one; an estimate's runs share one, as geth's share
 * one deadline (geth gives DoEstimateGas no timeout of its own: its runs stop with the request's
 * context); so do all the messages of one eth_callMany, as Erigon gives the request one timeout.
 */
import type { Address } from 'viem'
import type { BlockContext, Fork, PrecompileRelocations } from '../evm/evm.ts'
import { EvmState } from '../evm/evmState.ts'
import type { Precompile } from '../evm/precompiles/types.ts'
import { CALL_TIMEOUT_MS, CALL_WORK_UNITS, ExecutionTimeoutError, WorkBudget } from '../evm/workBudget.ts'
import { TX_GAS } from '../primitives/intrinsicGas.ts'
import type { Authorization } from '../primitives/transaction.ts'
import { type ContractStateReader, EMPTY_CODE_HASH } from '../state/stateView.ts'
import { type BlockOverrides, overrideBlock } from './callOverrides.ts'
import { InvalidTransactionError } from './executableTransaction.ts'
import {
  type EvmTransaction,
  type ProcessTransactionOptions,
  processTransaction,
  type TransactionReceiptData,
} from './processTransaction.ts'

/** geth's RPCGasCap: the most gas one call or estimate may use. */
export const CALL_GAS_CAP = 50_000_000n
/** EIP-150's stipend a value-carrying CALL hands its callee: geth adds it to the optimistic guess. */
const CALL_STIPEND = 2_300n
/** processTransaction's refusals of a gas limit below the intrinsic gas or the calldata floor. */
const NEEDS_MORE_GAS = /^(intrinsic gas too low|insufficient gas for floor)/
/** geth stops bisecting once the bounds are within 1.5% of the answer. */
const ESTIMATE_ERROR_PER_MILLE = 15n

/** A call object (eth_call's first parameter), parsed. Fees absent mean zero. */
export type CallRequest = {
  from: Address
  to: Address | null
  gas: bigint | undefined
  /** Legacy pricing: both fee fields. */
  gasPrice: bigint | undefined
  maxFeePerGas: bigint | undefined
  maxPriorityFeePerGas: bigint | undefined
  value: bigint
  data: Uint8Array
  accessList: { address: Address; storageKeys: `0x${string}`[] }[]
  /** EIP-7702 delegations to install first: the message runs as a set-code (type 4) transaction. */
  authorizationList?: readonly Authorization[] | undefined
}

export type CallContext = {
  fork: Fork
  block: BlockContext
  precompiles: ReadonlyMap<number, Precompile>
  /** Precompiles the call's state overrides moved or removed (precompileRelocationsOf). */
  precompileRelocations?: PrecompileRelocations | undefined
  /** The gas limit of the block the call runs in: an estimate's ceiling before the cap. */
  blockGasLimit: bigint
  /** The work one call may do, in work units: CALL_WORK_UNITS (geth's 5 s) when omitted. Tests give less. */
  callWorkUnits?: number | undefined
}

export type EstimateOutcome =
  | { ok: true; gas: bigint }
  /** The message reverts even with all the gas it may have: its revert data. */
  | { ok: false; reverted: Uint8Array }
  | { ok: false; reverted: undefined; message: string }

/**
 * Runs the message once and answers what a receipt would say, its output included. Throws
 * InvalidTransactionError when it could not even start (insufficient funds, intrinsic gas), and
 * ExecutionTimeoutError when it ran past its work budget (geth: "execution aborted (timeout = 5s)").
 */
export function simulateCall(
  reader: ContractStateReader,
  request: CallRequest,
  context: CallContext,
): TransactionReceiptData {
  return callOnState(new EvmState(reader), request, context.block, context, callBudget(context))
}

/** A whole budget for one call (eth_createAccessList's runs share one too). */
export function callBudget(context: CallContext): WorkBudget {
  return new WorkBudget(CALL_TIMEOUT_MS, context.callWorkUnits ?? CALL_WORK_UNITS)
}

/** One bundle of eth_callMany: its messages, and the block fields it sees instead of the base block's. */
export type CallBundle = { transactions: CallRequest[]; blockOverride: BlockOverrides }

/** A message of eth_callMany: its output, or why it failed (a revert keeps its output). */
export type BundleCallResult =
  | { ok: true; output: Uint8Array }
  | { ok: false; error: string; output: Uint8Array | undefined }

/** Messages eth_callMany runs in one request at most: each may use up to CALL_GAS_CAP. */
export const MAX_CALL_MANY_TRANSACTIONS = 100

/**
 * eth_callMany: bundles of messages run one after another on one throwaway state, each seeing what
 * the earlier ones did. Bundle i runs in the base block's context with its number and timestamp
 * advanced by i, then its own overrides. `state` may already hold changes (a block replayed in
 * part, for a simulation at a transaction index). All the messages draw on one eth_call budget (up
 * to 100 messages run in the sequencer's thread): past it, the whole request fails with
 * ExecutionTimeoutError, as Erigon fails an eth_callMany past its timeout.
 */
export function simulateBundles(
  state: EvmState,
  bundles: readonly CallBundle[],
  context: CallContext,
): BundleCallResult[][] {
  const budget = callBudget(context)
  return bundles.map((bundle, index) => {
    const base = context.block
    const block = overrideBlock(
      { ...base, number: base.number + BigInt(index), timestamp: base.timestamp + BigInt(index) },
      bundle.blockOverride,
    )
    return bundle.transactions.map((request): BundleCallResult => {
      try {
        const receipt = callOnState(state, request, block, context, budget)
        return receipt.status === 1
          ? { ok: true, output: receipt.output }
          : { ok: false, error: receipt.error ?? 'execution failed', output: receipt.output }
      } catch (error) {
        if (error instanceof InvalidTransactionError)
          return { ok: false, error: error.message, output: undefined }
        throw error
      }
    })
  })
}

/**
 * Runs one message as a call on `state` in `block`; what it changes stays in `state`. Past its
 * budget it throws ExecutionTimeoutError, the state left mid-transaction (unusable).
 */
function callOnState(
  state: EvmState,
  request: CallRequest,
  block: BlockContext,
  context: CallContext,
  budget: WorkBudget,
): TransactionReceiptData {
  const { message, options } = callAsTransaction(state, request, block, context)
  return processTransaction(state, message, { ...options, budget })
}

/**
 * A call object as the transaction eth_call executes (debug_traceCall traces the same one): capped
 * gas, the sender's current nonce, and when it offers no fee, no base fee (BASEFEE then reads zero).
 */
export function callAsTransaction(
  state: EvmState,
  request: CallRequest,
  block: BlockContext,
  context: CallContext,
): { message: EvmTransaction; options: ProcessTransactionOptions } {
  const gasLimit = callGasLimit(request)
  const fees = feesOf(request)
  const offersNoFee = fees.maxFeePerGas === 0n && fees.maxPriorityFeePerGas === 0n
  const message: EvmTransaction = {
    type: request.authorizationList ? 4 : 2,
    sender: request.from,
    to: request.to,
    nonce: state.getNonce(request.from),
    gasLimit,
    value: request.value,
    data: request.data,
    ...fees,
    accessList: request.accessList,
    maxFeePerBlobGas: 0n,
    blobVersionedHashes: [],
    authorizationList: request.authorizationList ?? [],
  }
  return {
    message,
    options: {
      fork: context.fork,
      block: offersNoFee ? { ...block, baseFeePerGas: 0n } : block,
      precompiles: context.precompiles,
      precompileRelocations: context.precompileRelocations,
      blockGasAvailable: gasLimit,
      simulation: 'call',
    },
  }
}

/**
 * The least gas limit with which the message succeeds (within geth's 1.5%), or why there is none.
 * Every run draws on one call's budget: past it the estimate fails with eth_call's timeout message.
 */
export function estimateGas(
  reader: ContractStateReader,
  request: CallRequest,
  context: CallContext,
): EstimateOutcome {
  const budget = callBudget(context)
  try {
    return searchGasLimit(reader, request, context, budget)
  } catch (error) {
    if (error instanceof ExecutionTimeoutError)
      return { ok: false, reverted: undefined, message: error.message }
    throw error
  }
}

function searchGasLimit(
  reader: ContractStateReader,
  request: CallRequest,
  context: CallContext,
  budget: WorkBudget,
): EstimateOutcome {
  const run = (gas: bigint) =>
    callOnState(new EvmState(reader), { ...request, gas }, context.block, context, budget)
  let hi = request.gas ?? context.blockGasLimit
  if (hi > CALL_GAS_CAP) hi = CALL_GAS_CAP
  const { maxFeePerGas } = feesOf(request)
  if (maxFeePerGas > 0n) {
    const balance = reader.getAccount(request.from)?.balance ?? 0n
    if (balance < request.value)
      return { ok: false, reverted: undefined, message: 'insufficient funds for transfer' }
    const allowance = (balance - request.value) / maxFeePerGas
    if (hi > allowance) hi = allowance
  }

  // A run that fails for want of gas (intrinsic or floor included) is a "no"; other refusals end the search.
  const attempt = (gas: bigint): TransactionReceiptData | 'too little gas' => {
    try {
      const receipt = run(gas)
      return receipt.status === 1 ? receipt : 'too little gas'
    } catch (error) {
      if (error instanceof InvalidTransactionError && NEEDS_MORE_GAS.test(error.message))
        return 'too little gas'
      throw error
    }
  }

  let top: TransactionReceiptData
  try {
    top = run(hi)
  } catch (error) {
    if (!(error instanceof InvalidTransactionError)) throw error
    if (NEEDS_MORE_GAS.test(error.message))
      return { ok: false, reverted: undefined, message: `gas required exceeds allowance (${hi})` }
    return { ok: false, reverted: undefined, message: error.message }
  }
  if (top.status === 0) {
    if (top.error === 'execution reverted') return { ok: false, reverted: top.output }
    if (top.error === 'out of gas')
      return { ok: false, reverted: undefined, message: `gas required exceeds allowance (${hi})` }
    return { ok: false, reverted: undefined, message: top.error ?? 'execution failed' }
  }

  // A plain transfer needs exactly 21,000, which bisection would overshoot: try it first, as geth.
  const recipient = request.to === null ? undefined : reader.getAccount(request.to)
  const plainTransfer =
    request.to !== null &&
    request.data.length === 0 &&
    (recipient === undefined || recipient.codeHash === EMPTY_CODE_HASH)
  if (plainTransfer && TX_GAS <= hi && attempt(TX_GAS) !== 'too little gas') return { ok: true, gas: TX_GAS }

  let lo = top.gasUsed - 1n
  const optimistic = ((top.gasUsed + CALL_STIPEND) * 64n) / 63n
  if (optimistic < hi) {
    if (attempt(optimistic) === 'too little gas') lo = optimistic
    else hi = optimistic
  }
  while (lo + 1n < hi) {
    if (((hi - lo) * 1000n) / hi < ESTIMATE_ERROR_PER_MILLE) break
    let mid = (hi + lo) / 2n
    // Most messages need little more than they use: look low first, as geth does.
    if (mid > lo * 2n) mid = lo * 2n
    if (attempt(mid) === 'too little gas') lo = mid
    else hi = mid
  }
  return { ok: true, gas: hi }
}

/** The gas a call runs with: what it asks for, at most CALL_GAS_CAP, which is also its default. */
export function callGasLimit(request: CallRequest): bigint {
  return request.gas === undefined || request.gas > CALL_GAS_CAP ? CALL_GAS_CAP : request.gas
}

/** geth's reading of a call's fee fields: gasPrice prices both; absent fields are zero. */
export function feesOf(request: CallRequest): { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint } {
  if (request.gasPrice !== undefined)
    return { maxFeePerGas: request.gasPrice, maxPriorityFeePerGas: request.gasPrice }
  return {
    maxFeePerGas: request.maxFeePerGas ?? 0n,
    maxPriorityFeePerGas: request.maxPriorityFeePerGas ?? 0n,
  }
}
