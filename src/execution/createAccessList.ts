/**
 * eth_createAccessList, as geth answers it (internal/ethapi AccessList, eth/tracers/logger's
 * AccessListTracer): the message runs as a call with every fee zero, traced; the accounts and slots
 * its opcodes name become the next run's access list; runs repeat until one names nothing new
 * (an access list changes gas, and so what a gas-dependent contract touches). The answer is the
 * last list, the gas that run used, and its EVM error if it failed.
 *
 * The tracer follows geth's: SLOAD and SSTORE name a slot of the running account; BALANCE,
 * EXTCODESIZE, EXTCODECOPY, EXTCODEHASH and SELFDESTRUCT the account on top of the stack; CALL,
 * CALLCODE, DELEGATECALL and STATICCALL their target. The sender, the recipient (or created
 * address) and the precompiles are left out as accounts (they are warm anyway), but a slot of any
 * account is kept, with its account. An opcode refused before geth's hook runs (stack, gas) names
 * nothing. All runs share one eth_call work budget.
 */
import type { Address, Hex } from 'viem'
import { createAddress, wordToAddress } from '../evm/evm.ts'
import { EvmState } from '../evm/evmState.ts'
import type { EvmTracer, TracedFrame } from '../evm/evmTracer.ts'
import { CALL_NEW_ACCOUNT_GAS } from '../evm/gas.ts'
import { bytesToHex } from '../primitives/hex.ts'
import { keccak256 } from '../primitives/keccak256.ts'
import { writeWordTo } from '../primitives/words.ts'
import type { ContractStateReader } from '../state/stateView.ts'
import { authorityOf } from './applyAuthorizations.ts'
import { InvalidTransactionError } from './executableTransaction.ts'
import { precompileAddressSet, processTransaction } from './processTransaction.ts'
import { unsignedLegacyEncoding } from './simulateBlocks.ts'
import {
  type CallContext,
  type CallRequest,
  callAsTransaction,
  callBudget,
  callGasLimit,
} from './simulateCall.ts'
import { gethFault } from './tracing/gethVmError.ts'
import { CALLS, NAMES_ACCOUNT_ON_TOP, SLOAD, SSTORE } from './tracing/prestateTracer.ts'

export type AccessListEntry = { address: Address; storageKeys: Hex[] }

export type AccessListOutcome =
  | { ok: true; accessList: AccessListEntry[]; gasUsed: bigint; error: string | undefined }
  /** The message could not run (geth's "failed to apply transaction"), or ran past its budget. */
  | { ok: false; message: string }

/** What a run's opcodes named, starting from the list it ran with (geth's accessList map). */
class AccessListTracer implements EvmTracer {
  readonly accounts = new Map<Address, Set<Hex>>()
  private size = 0
  /** Entries the announced step added, dropped again if it is refused before it runs. */
  private readonly added: (() => void)[] = []
  private lastOp = 0
  private lastGas = 0

  constructor(
    start: readonly AccessListEntry[],
    private readonly excluded: ReadonlySet<Address>,
  ) {
    for (const { address, storageKeys } of start) {
      if (!excluded.has(address)) this.addAccount(address)
      for (const key of storageKeys) this.addSlot(address, key)
    }
  }

  /** Accounts plus slots named: a later run named something new exactly when it grew. */
  get entryCount(): number {
    return this.size
  }

  list(): AccessListEntry[] {
    return [...this.accounts.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([address, slots]) => ({ address, storageKeys: [...slots].sort() }))
  }

  onStep(frame: TracedFrame, op: number): void {
    this.added.length = 0
    this.lastOp = op
    this.lastGas = frame.gas
    const { stack, sp } = frame
    if ((op === SLOAD || op === SSTORE) && sp >= 1)
      this.addSlot(frame.message.target, bytesToHex(wordBytes(stack[sp - 1]!)))
    else if (NAMES_ACCOUNT_ON_TOP.has(op) && sp >= 1) this.addUnlessExcluded(wordToAddress(stack[sp - 1]!))
    else if (CALLS.has(op) && sp >= 5) this.addUnlessExcluded(wordToAddress(stack[sp - 2]!))
  }

  onFault(frame: TracedFrame, reason: string): void {
    if (!gethFault(this.lastOp, reason, frame.stack, frame.sp, BigInt(this.lastGas)).beforeStep) return
    for (const undo of this.added) undo()
    this.added.length = 0
  }

  onEnter(): void {}
  onExit(): void {}
  onLog(): void {}
  onSelfDestruct(): void {}

  private addUnlessExcluded(address: Address): void {
    if (!this.excluded.has(address)) this.addAccount(address)
  }

  private addAccount(address: Address): Set<Hex> {
    let slots = this.accounts.get(address)
    if (!slots) {
      this.accounts.set(address, (slots = new Set()))
      this.size++
      this.added.push(() => {
        this.accounts.delete(address)
        this.size--
      })
    }
    return slots
  }

  private addSlot(address: Address, key: Hex): void {
    const slots = this.addAccount(address)
    if (slots.has(key)) return
    slots.add(key)
    this.size++
    this.added.push(() => {
      slots.delete(key)
      this.size--
    })
  }
}

export function createAccessList(
  reader: ContractStateReader,
  request: CallRequest,
  context: CallContext,
): AccessListOutcome {
  const budget = callBudget(context)
  // geth zeroes every price of the message (and with it the base fee): fees change no access.
  const free: CallRequest = {
    ...request,
    gasPrice: 0n,
    maxFeePerGas: undefined,
    maxPriorityFeePerGas: undefined,
  }
  const nonce = new EvmState(reader).getNonce(request.from)
  const recipient = request.to ?? createAddress(request.from, nonce)
  const excluded = new Set<Address>([request.from, recipient, ...precompileAddressSet(context.precompiles)])
  // As geth: the authorities of valid delegations are warm anyway; more delegations than the gas
  // could pay for are refused before any is recovered.
  const authorizations = request.authorizationList ?? []
  const gas = callGasLimit(request)
  if (BigInt(authorizations.length) > gas / BigInt(CALL_NEW_ACCOUNT_GAS))
    return { ok: false, message: 'insufficient gas to process all authorizations' }
  for (const authorization of authorizations) {
    const authority = authorityOf(authorization, context.block.chainId)
    if (authority) excluded.add(authority)
  }
  let previous = new AccessListTracer(request.accessList, excluded)
  // Each run starts from the last one's list and only adds to it, so the list only grows; the
  // shared budget bounds the runs (each adds at least one entry, or it is the last).
  for (;;) {
    const accessList = previous.list()
    const state = new EvmState(reader)
    const tracer = new AccessListTracer(accessList, excluded)
    const { message, options } = callAsTransaction(state, { ...free, accessList }, context.block, context)
    let receipt: ReturnType<typeof processTransaction>
    try {
      receipt = processTransaction(state, message, { ...options, tracer, budget })
    } catch (error) {
      if (error instanceof InvalidTransactionError)
        return {
          ok: false,
          message: `failed to apply transaction: ${unsignedLegacyHash(request, nonce, gas)} err: ${error.message}`,
        }
      throw error
    }
    if (tracer.entryCount === previous.entryCount)
      return { ok: true, accessList, gasUsed: receipt.gasUsed, error: receipt.error }
    previous = tracer
  }
}

/** A word as the 32 bytes geth's tracer keys a slot by. */
function wordBytes(word: bigint): Uint8Array {
  const bytes = new Uint8Array(32)
  writeWordTo(bytes, 0, word)
  return bytes
}

/**
 * What geth's error names the message by: the hash of the call object as an unsigned legacy
 * transaction (its gas price as given, else none; its gas capped as eth_call caps it).
 */
function unsignedLegacyHash(request: CallRequest, nonce: bigint, gasLimit: bigint): Hex {
  return bytesToHex(
    keccak256(unsignedLegacyEncoding({ ...request, nonce, gasPrice: request.gasPrice ?? 0n, gasLimit })),
  )
}
