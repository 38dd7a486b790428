import type { Address, Hex } from 'viem'
import {
  type BlockContext,
  createAddress,
  delegationTarget,
  Evm,
  type ExecutionResult,
  type Fork,
  MAX_NONCE,
  type Message,
  type PrecompileRelocations,
} from '../evm/evm.ts'
import type { EvmState, Log } from '../evm/evmState.ts'
import type { EvmTracer } from '../evm/evmTracer.ts'
import { MAX_INITCODE_SIZE, MAX_REFUND_QUOTIENT } from '../evm/gas.ts'
import type { Precompile } from '../evm/precompiles/types.ts'
import type { WorkBudget } from '../evm/workBudget.ts'
import { floorDataGas, intrinsicGas } from '../primitives/intrinsicGas.ts'
import type { Authorization } from '../primitives/transaction.ts'
import { EMPTY_CODE_HASH } from '../state/stateView.ts'
import { applyAuthorizations } from './applyAuthorizations.ts'
import { BLOB_SCHEDULE } from './blobBaseFee.ts'
import { InvalidTransactionError } from './executableTransaction.ts'

/** EIP-4844: gas per blob, and the version byte of a KZG versioned hash. */
export const GAS_PER_BLOB = 131_072n
const VERSIONED_HASH_VERSION_KZG = 0x01
const MAX_UINT256 = (1n << 256n) - 1n

/** A signed transaction as execution needs it; legacy and EIP-2930 fees are given as both fee fields. */
export type EvmTransaction = {
  type: 0 | 1 | 2 | 3 | 4
  sender: Address
  to: Address | null
  nonce: bigint
  gasLimit: bigint
  value: bigint
  data: Uint8Array
  maxFeePerGas: bigint
  maxPriorityFeePerGas: bigint
  accessList: readonly { address: Address; storageKeys: readonly Hex[] }[]
  maxFeePerBlobGas: bigint
  blobVersionedHashes: readonly Hex[]
  /** EIP-7702 (type 4): the delegations to install before the call runs. */
  authorizationList: readonly Authorization[]
}

export type TransactionReceiptData = {
  status: 0 | 1
  /** Gas charged to the sender (after the refund; under Prague, at least the calldata floor). */
  gasUsed: bigint
  /** Gas used before the refund (at least the calldata floor): geth's MaxUsedGas, what a limit must cover. */
  peakGasUsed: bigint
  logs: Log[]
  contractAddress: Address | null
  output: Uint8Array
  /** Why execution failed, when it did (the transaction is still included). */
  error: string | undefined
  effectiveGasPrice: bigint
  blobGasUsed: bigint
}

export type ProcessTransactionOptions = {
  fork: Fork
  block: BlockContext
  precompiles: ReadonlyMap<number, Precompile>
  /** eth_call's state overrides: precompiles moved or removed (EvmOptions). */
  precompileRelocations?: PrecompileRelocations | undefined
  /** Gas the block has left for this transaction. */
  blockGasAvailable: bigint
  /**
   * A message that is no signed transaction, as geth's call paths run it: never held to the
   * sender-is-EOA rule. 'call' (eth_call, eth_estimateGas, eth_simulateV1 without validation) also
   * skips the nonce checks, and a message that offers no fee is not held to the base fee (its
   * caller zeroes BASEFEE to match); 'validated' (eth_simulateV1's validation mode) keeps both.
   */
  simulation?: 'call' | 'validated' | undefined
  /** debug_trace*: the EVM's hooks (src/execution/tracing), for this transaction's execution. */
  tracer?: EvmTracer | undefined
  /**
   * Parallel execution (src/execution/parallel): offered the fee recipient's share; returning true
   * means the caller credits it later, outside this transaction's write set.
   */
  deferPriorityFee?: ((amount: bigint) => boolean) | undefined
  /** Parallel execution's access prediction: 64-byte KECCAK256 preimages, by hash (EvmOptions). */
  slotKeyPreimages?: Map<bigint, Uint8Array> | undefined
  /**
   * eth_call and its kin: the work the message may do (src/evm/workBudget.ts). Past it the EVM
   * throws ExecutionTimeoutError and the state is left mid-transaction. Block execution has none.
   */
  budget?: WorkBudget | undefined
}

/**
 * Applies one transaction to the state: the validity rules that keep it out of a block (thrown as
 * InvalidTransactionError, the state untouched), then the gas purchase, execution, refund and fee
 * payments, and the end-of-transaction deletions. Mirrors geth's state transition, rule by rule.
 */
export function processTransaction(
  state: EvmState,
  tx: EvmTransaction,
  options: ProcessTransactionOptions,
): TransactionReceiptData {
  const { fork, block } = options
  state.beginTransaction()
  const { effectiveGasPrice, intrinsic, floor, blobGasUsed } = checkValidity(state, tx, options)

  // Buy the gas, and take the nonce.
  state.subtractBalance(tx.sender, tx.gasLimit * effectiveGasPrice + blobGasUsed * block.blobBaseFee)
  const senderNonce = state.getNonce(tx.sender)
  state.setNonce(tx.sender, senderNonce + 1n)

  // EIP-2929 / EIP-2930 / EIP-3651: what starts warm.
  state.warmAtStart(tx.sender)
  state.warmAtStart(block.coinbase)
  state.warmAtStartAll(precompileAddressSet(options.precompiles))
  for (const entry of tx.accessList)
    state.warmAtStart(
      entry.address,
      entry.storageKeys.map((key) => BigInt(key)),
    )

  const evm = new Evm(state, {
    fork,
    block,
    transaction: {
      origin: tx.sender,
      gasPrice: effectiveGasPrice,
      blobVersionedHashes: tx.blobVersionedHashes.map((hash) => BigInt(hash)),
    },
    precompiles: options.precompiles,
    precompileRelocations: options.precompileRelocations,
    tracer: options.tracer,
    slotKeyPreimages: options.slotKeyPreimages,
    budget: options.budget,
  })
  const gas = tx.gasLimit - intrinsic
  let result: ExecutionResult
  let contractAddress: Address | null = null
  if (tx.to === null) {
    contractAddress = createAddress(tx.sender, senderNonce)
    state.warmAtStart(contractAddress)
    const message: Message = {
      kind: 'create',
      caller: tx.sender,
      target: contractAddress,
      codeAddress: contractAddress,
      value: tx.value,
      input: tx.data,
      gas,
      depth: 0,
      isStatic: false,
    }
    if (state.collidesWithCreate(contractAddress)) {
      result = {
        status: 'error',
        gasLeft: 0n,
        output: new Uint8Array(0),
        error: 'contract address collision',
      }
      // The EVM never sees this message; a tracer still reports it, as geth's does.
      options.tracer?.onEnter(message)
      options.tracer?.onExit(message, result)
    } else result = evm.execute(message)
  } else {
    state.warmAtStart(tx.to)
    if (tx.type === 4) applyAuthorizations(state, tx.authorizationList, block.chainId)
    // As geth, a delegated recipient's delegate starts warm; Evm.begin runs the delegate's code.
    if (fork === 'prague') {
      const delegate = delegationTarget(state.getCode(tx.to))
      if (delegate) state.warmAddress(delegate)
    }
    result = evm.execute({
      kind: 'call',
      caller: tx.sender,
      target: tx.to,
      codeAddress: tx.to,
      value: tx.value,
      input: tx.data,
      gas,
      depth: 0,
      isStatic: false,
    })
  }

  // EIP-3529: the refund is at most a fifth of the gas used; EIP-7623: never below the calldata floor.
  let gasUsed = tx.gasLimit - result.gasLeft
  const peakGasUsed = gasUsed < floor ? floor : gasUsed
  const refund = BigInt(Math.max(0, state.refund))
  gasUsed -= refund < gasUsed / BigInt(MAX_REFUND_QUOTIENT) ? refund : gasUsed / BigInt(MAX_REFUND_QUOTIENT)
  if (gasUsed < floor) gasUsed = floor
  state.addBalance(tx.sender, (tx.gasLimit - gasUsed) * effectiveGasPrice)
  const priorityFee = gasUsed * (effectiveGasPrice - block.baseFeePerGas)
  if (options.deferPriorityFee?.(priorityFee) !== true) state.addBalance(block.coinbase, priorityFee)
  const logs = result.status === 'success' ? state.logs : []
  state.finalizeTransaction()

  return {
    status: result.status === 'success' ? 1 : 0,
    gasUsed,
    peakGasUsed,
    logs,
    contractAddress: result.status === 'success' ? contractAddress : null,
    output: result.output,
    error: result.status === 'success' ? undefined : (result.error ?? 'execution reverted'),
    effectiveGasPrice,
    blobGasUsed,
  }
}

/**
 * The rules that keep a transaction out of a block, in geth's order. Returns what they computed on
 * the way: the effective gas price, the intrinsic gas, the calldata floor and the blob gas.
 */
function checkValidity(
  state: EvmState,
  tx: EvmTransaction,
  options: ProcessTransactionOptions,
): { effectiveGasPrice: bigint; intrinsic: bigint; floor: bigint; blobGasUsed: bigint } {
  const { fork, block } = options
  if (tx.type === 4 && fork !== 'prague') invalid('transaction type not supported')

  const simulation = options.simulation !== undefined
  const unvalidatedCall = options.simulation === 'call'
  const nonce = state.getNonce(tx.sender)
  if (!unvalidatedCall && tx.nonce < nonce)
    invalid(`nonce too low: address ${tx.sender}, tx: ${tx.nonce} state: ${nonce}`)
  if (!unvalidatedCall && tx.nonce > nonce)
    invalid(`nonce too high: address ${tx.sender}, tx: ${tx.nonce} state: ${nonce}`)
  if (nonce >= MAX_NONCE) invalid(`nonce has max value: address ${tx.sender}, nonce: ${nonce}`)
  // EIP-3607: only accounts without code (or, under Prague, with a delegation) send transactions.
  const senderCodeHash = state.getCodeHash(tx.sender)
  if (
    !simulation &&
    senderCodeHash !== EMPTY_CODE_HASH &&
    !(fork === 'prague' && delegationTarget(state.getCode(tx.sender)))
  )
    invalid(`sender not an eoa: address ${tx.sender}, codehash: ${senderCodeHash}`)

  if (tx.value > MAX_UINT256) invalid(`value higher than 2^256-1: address ${tx.sender}`)
  if (tx.maxFeePerGas > MAX_UINT256) invalid(`max fee per gas higher than 2^256-1: address ${tx.sender}`)
  if (tx.maxPriorityFeePerGas > MAX_UINT256)
    invalid(`max priority fee per gas higher than 2^256-1: address ${tx.sender}`)
  if (tx.gasLimit > options.blockGasAvailable)
    invalid(`gas limit reached: gas ${tx.gasLimit}, available ${options.blockGasAvailable}`)
  if (tx.maxFeePerGas < tx.maxPriorityFeePerGas)
    invalid(`max priority fee per gas higher than max fee per gas: address ${tx.sender}`)
  const offersNoFee = tx.maxFeePerGas === 0n && tx.maxPriorityFeePerGas === 0n
  if (!(unvalidatedCall && offersNoFee) && tx.maxFeePerGas < block.baseFeePerGas)
    invalid(
      `max fee per gas less than block base fee: address ${tx.sender}, maxFeePerGas: ${tx.maxFeePerGas}, baseFee: ${block.baseFeePerGas}`,
    )

  if (tx.type === 3) {
    if (tx.to === null) invalid('blob transaction of type create')
    if (tx.blobVersionedHashes.length === 0) invalid('blob transaction missing blob hashes')
    if (tx.blobVersionedHashes.length > BLOB_SCHEDULE[fork].max)
      invalid(`blob gas used exceeds maximum allowance: ${tx.blobVersionedHashes.length} blobs`)
    for (const hash of tx.blobVersionedHashes)
      if (Number.parseInt(hash.slice(2, 4), 16) !== VERSIONED_HASH_VERSION_KZG)
        invalid(`blob version hash has invalid version: ${hash}`)
    if (tx.maxFeePerBlobGas < block.blobBaseFee)
      invalid(
        `max fee per blob gas less than block blob gas fee: maxFeePerBlobGas ${tx.maxFeePerBlobGas}, blobBaseFee ${block.blobBaseFee}`,
      )
  }

  if (tx.type === 4) {
    if (tx.to === null) invalid(`set code transaction must not be a create transaction (sender ${tx.sender})`)
    if (tx.authorizationList.length === 0)
      invalid(`EIP-7702 transaction with empty auth list (sender ${tx.sender})`)
  }

  const blobGasUsed = BigInt(tx.blobVersionedHashes.length) * GAS_PER_BLOB
  const balance = state.getBalance(tx.sender)
  const required = tx.gasLimit * tx.maxFeePerGas + tx.value + blobGasUsed * tx.maxFeePerBlobGas
  if (balance < required)
    invalid(
      `insufficient funds for gas * price + value: address ${tx.sender} have ${balance} want ${required}`,
    )

  const intrinsic = intrinsicGas(
    { to: tx.to, data: tx.data, accessList: tx.accessList, authorizationList: tx.authorizationList },
    { fork },
  )
  if (tx.gasLimit < intrinsic) invalid(`intrinsic gas too low: have ${tx.gasLimit}, want ${intrinsic}`)
  // EIP-7623 (Prague): the calldata floor; before Prague there is none.
  const floor = fork === 'prague' ? floorDataGas({ data: tx.data }) : 0n
  if (tx.gasLimit < floor)
    invalid(`insufficient gas for floor data gas cost: have ${tx.gasLimit}, want ${floor}`)
  if (tx.to === null && tx.data.length > MAX_INITCODE_SIZE)
    invalid(`max initcode size exceeded: code size ${tx.data.length} limit ${MAX_INITCODE_SIZE}`)

  const tip = tx.maxFeePerGas - block.baseFeePerGas
  const effectiveGasPrice =
    block.baseFeePerGas + (tip < tx.maxPriorityFeePerGas ? tip : tx.maxPriorityFeePerGas)
  return { effectiveGasPrice, intrinsic, floor, blobGasUsed }
}

function invalid(message: string): never {
  throw new InvalidTransactionError(message)
}

const precompileAddresses = new WeakMap<ReadonlyMap<number, Precompile>, ReadonlySet<Address>>()

/** The addresses of a fork's precompiles, worked out once per precompile table. */
export function precompileAddressSet(precompiles: ReadonlyMap<number, Precompile>): ReadonlySet<Address> {
  let addresses = precompileAddresses.get(precompiles)
  if (!addresses) {
    addresses = new Set(
      [...precompiles.keys()].map((index) => `0x${index.toString(16).padStart(40, '0')}` as Address),
    )
    precompileAddresses.set(precompiles, addresses)
  }
  return addresses
}
