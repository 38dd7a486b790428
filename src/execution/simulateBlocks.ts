/**
 * eth_simulateV1, as geth runs it (internal/ethapi/simulate.go): a chain of blocks grown on a base
 * block, each with its own block and state overrides and its calls run one after another on the
 * state the earlier ones left. Nothing is kept: the blocks, their headers and roots exist only in
 * the answer.
 *
 *   sanitizeChain: numbers and timestamps strictly increasing (+1, +12 s by default), gaps filled
 *                  with empty blocks, at most MAX_SIMULATED_BLOCKS past the base in all
 *   each block:    header fields from its parent and overrides ─▶ state overrides ─▶ system calls
 *                  ─▶ each call (the block's gas pool; the request's gas cap and work budget)
 *                  ─▶ its writes into the trie ─▶ state, transactions and receipts roots, hash
 *
 * A call the chain would refuse (nonce, fees, funds, intrinsic gas) fails the whole request with
 * geth's code for it; a call that reverts or halts is a result with its error. Without
 * `validation`, nonces are not checked and the base fee is zero unless overridden; with it, nonces
 * and fees are held to the chain's rules and the base fee follows EIP-1559 from the parent. The
 * sender-is-EOA rule is never applied, as in geth.
 *
 * Where Velox follows its own chain rather than geth's: the base fee under validation has the
 * chain's floor (minBaseFee); requests (EIP-7685) are none, as in every Velox block; and a call's
 * logs are numbered as its block's receipts number them (geth's counter also counts logs that a
 * failed inner call dropped).
 */
import type { Address, Hash } from 'viem'
import { VeloxError } from '../errors/base.ts'
import type { BlockContext, Fork } from '../evm/evm.ts'
import { EvmState } from '../evm/evmState.ts'
import type { Precompile } from '../evm/precompiles/types.ts'
import { CALL_TIMEOUT_MS, CALL_WORK_UNITS, ExecutionTimeoutError, WorkBudget } from '../evm/workBudget.ts'
import { encodeSignedTransaction } from '../l1/encodeSignedTransaction.ts'
import { bigintToBytes, bytesToHex, hexToBytes } from '../primitives/hex.ts'
import { keccak256 } from '../primitives/keccak256.ts'
import { encodeRlp } from '../primitives/rlp.ts'
import type { TransactionFields } from '../primitives/transaction.ts'
import { wordHex } from '../primitives/words.ts'
import type { StateTrie } from '../state/stateTrie.ts'
import { type ContractStateReader, EMPTY_CODE_HASH } from '../state/stateView.ts'
import { applySystemCalls } from './applySystemCalls.ts'
import { BlockBody, type OpenBlock } from './assembleBlock.ts'
import { blobBaseFee } from './blobBaseFee.ts'
import { type BlockHeader, headerFieldsForFork, ZERO_HASH } from './blockHeader.ts'
import { calcNextBaseFee } from './calcNextBaseFee.ts'
import { type BlockOverrides, precompileRelocationsOf, type StateOverride } from './callOverrides.ts'
import { InvalidTransactionError } from './executableTransaction.ts'
import { executedTransactionOf } from './executeBlock.ts'
import { transactionWritesOf } from './parallel/executeGroup.ts'
import type { TransactionWrites } from './parallel/preStateSlice.ts'
import { type EvmTransaction, processTransaction } from './processTransaction.ts'
import { type Log, receiptLogsOf } from './receipt.ts'
import { CALL_GAS_CAP, type CallRequest, feesOf } from './simulateCall.ts'
import { TransferLogTracer } from './tracing/transferLogTracer.ts'

/** geth's limits: blocks a request may span (gap fillers counted), calls in one block and in all. */
export const MAX_SIMULATED_BLOCKS = 256
export const MAX_SIMULATED_CALLS_PER_BLOCK = 5_000
export const MAX_SIMULATED_CALLS = 10_000
/** A block's timestamp when none is given: its parent's plus geth's 12 s. */
const TIMESTAMP_INCREMENT = 12n

/** geth's codes for what stops a simulation (internal/ethapi/errors.go). */
export const SimulationErrorCode = {
  nonceTooLow: -38010,
  nonceTooHigh: -38011,
  baseFeeTooLow: -38012,
  intrinsicGas: -38013,
  insufficientFunds: -38014,
  blockGasLimitReached: -38015,
  blockNumberInvalid: -38020,
  blockTimestampInvalid: -38021,
  senderIsNotEoa: -38024,
  maxInitCodeSizeExceeded: -38025,
  clientLimitExceeded: -38026,
  invalidParams: -32602,
  internal: -32603,
} as const

/** What fails a whole eth_simulateV1 request, with geth's JSON-RPC code for it. */
export class SimulationError extends VeloxError {
  override name = 'SimulationError'
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message)
  }
}

/** A call of a simulated block: eth_call's call object, and the nonce it may name. */
export type SimulatedCallRequest = CallRequest & { nonce: bigint | undefined }

/** geth's simulation blockOverrides: eth_call's, and the parent beacon block root. */
export type SimulationBlockOverrides = BlockOverrides & { beaconRoot?: Hash }

export type SimulatedBlockRequest = {
  overrides: SimulationBlockOverrides
  /** Applied before the block's first call; what they set stays for the blocks after. */
  stateOverride: StateOverride
  calls: SimulatedCallRequest[]
}

export type SimulationRequest = {
  blocks: SimulatedBlockRequest[]
  /** Ether transfers as ERC-20 Transfer logs of the ERC-7528 address (tracing/transferLogTracer.ts). */
  traceTransfers: boolean
  /** Nonces, fees and the base fee held to the chain's rules. */
  validation: boolean
}

/** The block the simulated chain grows on, and its state. */
export type SimulationBase = {
  header: BlockHeader
  hash: Hash
  reader: ContractStateReader
  /** The same state as a trie, for the blocks' state roots: applied to and hashed, never committed. */
  trie: StateTrie
  /** BLOCKHASH up to the base: the chain's own hashes. */
  blockHash: (number: bigint) => bigint
  fork: Fork
  chainId: bigint
  precompiles: ReadonlyMap<number, Precompile>
  /** The chain's base fee floor (calcNextBaseFee). */
  minBaseFee: bigint
  /** The request's work budget in work units: CALL_WORK_UNITS (geth's 5 s) when omitted. */
  callWorkUnits?: number | undefined
}

export type SimulatedCall = {
  status: 0 | 1
  returnData: Uint8Array
  gasUsed: bigint
  /** Gas used before the refund: geth's maxUsedGas. */
  maxUsedGas: bigint
  /** Why it failed: "execution reverted", or the halt (noting a gas limit cut to the request's cap). */
  error: string | undefined
  /** The receipt's logs, or with traceTransfers those and the transfers, in order. */
  logs: Log[]
}

export type SimulatedTransaction = {
  fields: TransactionFields
  sender: Address
  effectiveGasPrice: bigint
}

export type SimulatedBlock = {
  header: BlockHeader
  hash: Hash
  /** RLP size of the whole block. */
  size: number
  transactions: SimulatedTransaction[]
  calls: SimulatedCall[]
}

/** A block once its number and timestamp are settled. */
type SanitizedBlock = SimulatedBlockRequest & {
  overrides: SimulationBlockOverrides & { number: bigint; timestamp: bigint }
}

/** The part of a header the next block inherits or is computed from. */
type ParentBlock = Pick<BlockHeader, 'number' | 'gasLimit' | 'gasUsed' | 'baseFeePerGas' | 'coinbase'> & {
  hash: Hash
}

const CAPPED_GAS_NOTE = " (gas limit was capped by the RPC server's global gas cap)"

/**
 * Runs the request's blocks on the base. Throws SimulationError for what fails the whole request
 * (geth's code with it), ExecutionTimeoutError's message included as an internal error.
 */
export function simulateBlocks(base: SimulationBase, request: SimulationRequest): SimulatedBlock[] {
  const blocks = sanitizeChain(base.header, request.blocks)
  const run = new SimulationRun(base, request)
  try {
    return blocks.map((block) => run.block(block))
  } catch (error) {
    if (error instanceof InvalidTransactionError)
      throw new SimulationError(error.message, invalidTransactionCode(error.message))
    if (error instanceof ExecutionTimeoutError)
      throw new SimulationError(error.message, SimulationErrorCode.internal)
    throw error
  }
}

/** Numbers and timestamps in order, defaults filled in, gaps filled with empty blocks (geth's sanitizeChain). */
function sanitizeChain(base: BlockHeader, blocks: readonly SimulatedBlockRequest[]): SanitizedBlock[] {
  const sanitized: SanitizedBlock[] = []
  let previousNumber = base.number
  let previousTimestamp = base.timestamp
  for (const block of blocks) {
    const number = block.overrides.number ?? previousNumber + 1n
    if (number <= previousNumber)
      throw new SimulationError(
        `block numbers must be in order: ${number} <= ${previousNumber}`,
        SimulationErrorCode.blockNumberInvalid,
      )
    if (number - base.number > BigInt(MAX_SIMULATED_BLOCKS))
      throw new SimulationError('too many blocks', SimulationErrorCode.clientLimitExceeded)
    for (let filler = previousNumber + 1n; filler < number; filler++) {
      previousTimestamp += TIMESTAMP_INCREMENT
      sanitized.push({
        overrides: { number: filler, timestamp: previousTimestamp },
        stateOverride: new Map(),
        calls: [],
      })
    }
    previousNumber = number
    const timestamp = block.overrides.timestamp ?? previousTimestamp + TIMESTAMP_INCREMENT
    if (timestamp <= previousTimestamp)
      throw new SimulationError(
        `block timestamps must be in order: ${timestamp} <= ${previousTimestamp}`,
        SimulationErrorCode.blockTimestampInvalid,
      )
    previousTimestamp = timestamp
    sanitized.push({ ...block, overrides: { ...block.overrides, number, timestamp } })
  }
  return sanitized
}

/** One request's blocks, built in order on one state. */
class SimulationRun {
  /** The state as the blocks so far left it; each block runs on a state of its own over this one. */
  private readonly chainState: EvmState
  private readonly budget: WorkBudget
  /** What is left of the request's gas cap (geth's RPCGasCap, shared by every call). */
  private gasCapLeft = CALL_GAS_CAP
  private parent: ParentBlock
  private readonly hashes = new Map<bigint, bigint>()

  constructor(
    private readonly base: SimulationBase,
    private readonly request: SimulationRequest,
  ) {
    this.chainState = new EvmState(base.reader)
    this.budget = new WorkBudget(CALL_TIMEOUT_MS, base.callWorkUnits ?? CALL_WORK_UNITS)
    this.parent = { ...base.header, hash: base.hash }
  }

  block(block: SanitizedBlock): SimulatedBlock {
    const { base, request, parent } = this
    const { overrides } = block
    const open: OpenBlock = {
      number: overrides.number,
      parentHash: parent.hash,
      timestamp: overrides.timestamp,
      baseFeePerGas:
        overrides.baseFeePerGas ??
        (request.validation ? calcNextBaseFee({ ...parent, minBaseFee: base.minBaseFee }) : 0n),
      // geth's simulated headers take these two from their parent unless overridden.
      gasLimit: overrides.gasLimit ?? parent.gasLimit,
      coinbase: overrides.coinbase ?? parent.coinbase,
      prevRandao: overrides.prevRandao === undefined ? ZERO_HASH : wordHex(overrides.prevRandao),
      extraData: '0x',
      ...headerFieldsForFork(base.fork),
      parentBeaconBlockRoot: overrides.beaconRoot ?? ZERO_HASH,
    }
    const context: BlockContext = {
      number: open.number,
      timestamp: open.timestamp,
      coinbase: open.coinbase,
      gasLimit: open.gasLimit,
      baseFeePerGas: open.baseFeePerGas,
      prevRandao: BigInt(open.prevRandao),
      blobBaseFee: overrides.blobBaseFee ?? blobBaseFee(0n, base.fork),
      chainId: base.chainId,
      blockHash: (number) =>
        this.hashes.get(number) ?? (number <= base.header.number ? base.blockHash(number) : 0n),
    }

    const state = new EvmState(this.chainState.preStateReader())
    if (block.stateOverride.size > 0) state.applyTransactionWrites(overrideWrites(state, block.stateOverride))
    // As geth: precompiles moved or overridden in this block's overrides, for this block alone.
    const precompileRelocations = precompileRelocationsOf(block.stateOverride, base.precompiles)
    applySystemCalls(state, {
      fork: base.fork,
      block: context,
      precompiles: base.precompiles,
      parentHash: open.parentHash,
      parentBeaconBlockRoot: open.parentBeaconBlockRoot!,
    })

    const body = new BlockBody()
    const transactions: SimulatedTransaction[] = []
    const calls: SimulatedCall[] = []
    let gasUsed = 0n
    for (const call of block.calls) {
      const { fields, raw, message, capped } = this.transactionOf(call, state, open.gasLimit - gasUsed)
      const offersNoFee = message.maxFeePerGas === 0n && message.maxPriorityFeePerGas === 0n
      const tracer = request.traceTransfers ? new TransferLogTracer() : undefined
      const receipt = processTransaction(state, message, {
        fork: base.fork,
        // As eth_call: a message that offers no fee, unvalidated, sees no base fee.
        block: !request.validation && offersNoFee ? { ...context, baseFeePerGas: 0n } : context,
        precompiles: base.precompiles,
        precompileRelocations,
        blockGasAvailable: open.gasLimit - gasUsed,
        simulation: request.validation ? 'validated' : 'call',
        tracer,
        budget: this.budget,
      })
      gasUsed += receipt.gasUsed
      this.gasCapLeft -= receipt.gasUsed
      const executed = executedTransactionOf(
        { hash: fields.hash, type: fields.type, sender: call.from, to: call.to, nonce: message.nonce },
        receipt,
        gasUsed,
      )
      body.add(raw, executed)
      transactions.push({ fields, sender: call.from, effectiveGasPrice: receipt.effectiveGasPrice })
      calls.push({
        status: receipt.status,
        returnData: receipt.output,
        gasUsed: receipt.gasUsed,
        maxUsedGas: receipt.peakGasUsed,
        error:
          receipt.error === undefined || receipt.error === 'execution reverted' || !capped
            ? receipt.error
            : receipt.error + CAPPED_GAS_NOTE,
        logs: tracer ? receiptLogsOf(tracer.logs) : executed.logs,
      })
    }

    const writes = transactionWritesOf(state)
    base.trie.apply(writes)
    const sealed = body.assemble(open, base.trie.root())
    this.chainState.applyTransactionWrites(writes)
    this.hashes.set(open.number, BigInt(sealed.hash))
    this.parent = { ...sealed.header, hash: sealed.hash }
    return { header: sealed.header, hash: sealed.hash, size: sealed.size, transactions, calls }
  }

  /**
   * The call as the transaction the block lists (geth's ToTransaction: legacy when it names a gas
   * price, else set-code with an authorization list, else EIP-1559; unsigned) and as the message
   * it executes. Its gas defaults to what the
   * block has left, and is cut to what is left of the request's gas cap.
   */
  private transactionOf(
    call: SimulatedCallRequest,
    state: EvmState,
    blockGasLeft: bigint,
  ): { fields: TransactionFields; raw: Uint8Array; message: EvmTransaction; capped: boolean } {
    const requested = call.gas ?? blockGasLeft
    if (requested > blockGasLeft)
      throw new SimulationError(
        `block gas limit reached: remaining: ${blockGasLeft}, required: ${requested}`,
        SimulationErrorCode.blockGasLimitReached,
      )
    const gasLimit = requested > this.gasCapLeft ? this.gasCapLeft : requested
    const nonce = call.nonce ?? state.getNonce(call.from)
    const fees = feesOf(call)
    const unsigned = { hash: ZERO_HASH, nonce, gasLimit, to: call.to, value: call.value, data: call.data }
    const signature = { yParity: 0, r: 0n, s: 0n }
    let fields: TransactionFields
    let raw: Uint8Array
    if (call.gasPrice !== undefined) {
      fields = {
        type: 0,
        ...unsigned,
        chainId: undefined,
        gasPrice: call.gasPrice,
        v: 0n,
        accessList: [],
        ...signature,
      }
      raw = unsignedLegacyEncoding(fields)
    } else {
      const dynamicFee = {
        ...unsigned,
        chainId: this.base.chainId,
        maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
        maxFeePerGas: fees.maxFeePerGas,
        accessList: call.accessList.map((entry) => ({
          address: entry.address,
          storageKeys: [...entry.storageKeys],
        })),
        ...signature,
      }
      fields =
        call.authorizationList && call.to !== null
          ? { type: 4, ...dynamicFee, to: call.to, authorizationList: [...call.authorizationList] }
          : { type: 2, ...dynamicFee }
      raw = encodeSignedTransaction(fields)
    }
    fields.hash = bytesToHex(keccak256(raw))
    const message: EvmTransaction = {
      type: call.authorizationList ? 4 : fields.type,
      sender: call.from,
      to: call.to,
      nonce,
      gasLimit,
      value: call.value,
      data: call.data,
      ...fees,
      accessList: call.accessList,
      maxFeePerBlobGas: 0n,
      blobVersionedHashes: [],
      authorizationList: call.authorizationList ?? [],
    }
    return { fields, raw, message, capped: gasLimit < requested }
  }
}

/** A call as an unsigned legacy transaction: rlp([nonce, gasPrice, gas, to, value, data, 0, 0, 0]). */
export function unsignedLegacyEncoding(call: {
  nonce: bigint
  gasPrice: bigint
  gasLimit: bigint
  to: Address | null
  value: bigint
  data: Uint8Array
}): Uint8Array {
  const empty = new Uint8Array(0)
  return encodeRlp([
    bigintToBytes(call.nonce),
    bigintToBytes(call.gasPrice),
    bigintToBytes(call.gasLimit),
    call.to === null ? empty : hexToBytes(call.to),
    bigintToBytes(call.value),
    call.data,
    empty,
    empty,
    empty,
  ])
}

/**
 * A block's state overrides as the writes they make (geth's StateOverride.Apply): the account's
 * fields as given or as they stand, `state` replacing its whole storage, `stateDiff` some slots.
 */
function overrideWrites(state: EvmState, overrides: StateOverride): TransactionWrites {
  const writes: TransactionWrites = {
    accounts: new Map(),
    storage: new Map(),
    storageResets: new Set(),
    codes: new Map(),
  }
  for (const [address, override] of overrides) {
    let codeHash = state.getCodeHash(address)
    if (override.code) {
      codeHash = override.code.length === 0 ? EMPTY_CODE_HASH : bytesToHex(keccak256(override.code))
      if (override.code.length > 0) writes.codes.set(codeHash, override.code)
    }
    writes.accounts.set(address, {
      nonce: override.nonce ?? state.getNonce(address),
      balance: override.balance ?? state.getBalance(address),
      codeHash,
    })
    if (override.state) writes.storageResets.add(address)
    const slots = override.state ?? override.stateDiff
    if (slots) writes.storage.set(address, new Map(slots))
  }
  return writes
}

/** geth's txValidationError: the code for each reason a call could not be applied. */
function invalidTransactionCode(message: string): number {
  const codes: [prefix: string, code: number][] = [
    ['nonce too low', SimulationErrorCode.nonceTooLow],
    ['nonce too high', SimulationErrorCode.nonceTooHigh],
    ['sender not an eoa', SimulationErrorCode.senderIsNotEoa],
    ['max fee per gas higher than 2^256-1', SimulationErrorCode.invalidParams],
    ['max priority fee per gas higher than', SimulationErrorCode.invalidParams],
    ['max fee per gas less than block base fee', SimulationErrorCode.baseFeeTooLow],
    ['insufficient funds', SimulationErrorCode.insufficientFunds],
    ['intrinsic gas too low', SimulationErrorCode.intrinsicGas],
    ['max initcode size exceeded', SimulationErrorCode.maxInitCodeSizeExceeded],
  ]
  return codes.find(([prefix]) => message.startsWith(prefix))?.[1] ?? SimulationErrorCode.internal
}
