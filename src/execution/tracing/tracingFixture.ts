/**
 * For the tracers' tests: a tiny assembler, a funded sender on a MemoryState, a Prague block, and
 * `trace`, which runs one transaction through traceTransaction with a config as an RPC caller
 * would pass it; a call object and context for the call-shaped methods. Not used outside tests.
 */
import type { Address } from 'viem'
import type { BlockContext } from '../../evm/evm.ts'
import { EvmState } from '../../evm/evmState.ts'
import { OPCODE_NAMES } from '../../evm/opcodes.ts'
import { precompilesFor } from '../../evm/precompiles/index.ts'
import { hexToBytes } from '../../primitives/hex.ts'
import { wordHex } from '../../primitives/words.ts'
import { MemoryState } from '../../state/memoryState.ts'
import type { EvmTransaction, ProcessTransactionOptions } from '../processTransaction.ts'
import type { CallContext, CallRequest } from '../simulateCall.ts'
import { parseTraceConfig } from './parseTraceConfig.ts'
import { type TracedTransaction, traceTransaction } from './traceTransaction.ts'

export const SENDER: Address = '0x00000000000000000000000000000000005e4de4'
export const COINBASE: Address = '0x0000000000000000000000000000000000000c0b'
export const SENDER_BALANCE = 10n ** 18n

export const BLOCK: BlockContext = {
  number: 10n,
  timestamp: 1_000n,
  coinbase: COINBASE,
  gasLimit: 30_000_000n,
  baseFeePerGas: 7n,
  prevRandao: 0n,
  blobBaseFee: 1n,
  chainId: 7077n,
  blockHash: () => 0n,
}

export const OPTIONS: ProcessTransactionOptions = {
  fork: 'prague',
  block: BLOCK,
  precompiles: precompilesFor('prague'),
  blockGasAvailable: BLOCK.gasLimit,
}

/** The call context eth_call and debug_traceCall would give a call in BLOCK. */
export const CALL_CONTEXT: CallContext = {
  fork: 'prague',
  block: BLOCK,
  precompiles: OPTIONS.precompiles,
  blockGasLimit: BLOCK.gasLimit,
}

/** A call object from `from` with nothing else set (no gas, no fees), then `fields`. */
export function callRequest(from: Address, fields: Partial<CallRequest>): CallRequest {
  return {
    from,
    to: null,
    gas: undefined,
    gasPrice: undefined,
    maxFeePerGas: undefined,
    maxPriorityFeePerGas: undefined,
    value: 0n,
    data: new Uint8Array(),
    accessList: [],
    ...fields,
  }
}

const OPCODES = new Map(OPCODE_NAMES.map((name, op) => [name, op]))

/**
 * "PUSH1 0x2a PUSH1 0 SSTORE STOP" as bytes: mnemonics, each PUSHn followed by its value (padded
 * to n bytes), and raw bytes as 0x… tokens elsewhere.
 */
export function assemble(source: string): Uint8Array {
  const bytes: number[] = []
  const tokens = source.trim().split(/\s+/)
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!
    const op = OPCODES.get(token)
    if (op === undefined) {
      if (!token.startsWith('0x')) throw new Error(`unknown mnemonic ${token}`)
      bytes.push(...hexToBytes(token))
      continue
    }
    bytes.push(op)
    if (op >= 0x60 && op <= 0x7f) {
      const size = op - 0x5f
      const value = BigInt(tokens[++i]!)
      for (let j = size - 1; j >= 0; j--) bytes.push(Number((value >> BigInt(8 * j)) & 0xffn))
    }
  }
  return Uint8Array.from(bytes)
}

export type FixtureAccount = {
  code?: string
  balance?: bigint
  nonce?: bigint
  storage?: Map<bigint, bigint>
}

/** The sender, funded, and the given accounts (code in assemble's syntax). */
export function chain(accounts: Record<Address, FixtureAccount>): MemoryState {
  const state = new MemoryState()
  state.setAccount(SENDER, { balance: SENDER_BALANCE })
  for (const [address, account] of Object.entries(accounts))
    state.setAccount(address as Address, {
      ...(account.code !== undefined ? { code: assemble(account.code) } : {}),
      ...(account.balance !== undefined ? { balance: account.balance } : {}),
      nonce: account.nonce ?? (account.code !== undefined ? 1n : 0n),
      ...(account.storage !== undefined ? { storage: account.storage } : {}),
    })
  return state
}

export function transaction(fields: Partial<EvmTransaction> & { to: Address | null }): EvmTransaction {
  return {
    type: 2,
    sender: SENDER,
    nonce: 0n,
    gasLimit: 100_000n,
    value: 0n,
    data: new Uint8Array(0),
    maxFeePerGas: 10n,
    maxPriorityFeePerGas: 1n,
    accessList: [],
    maxFeePerBlobGas: 0n,
    blobVersionedHashes: [],
    authorizationList: [],
    ...fields,
  }
}

/** Traces `tx` on a fresh EvmState over `reader`, with `config` as debug_traceTransaction takes it. */
export function trace(
  reader: MemoryState,
  tx: EvmTransaction,
  config: unknown,
  options: Partial<ProcessTransactionOptions> & { firstLogIndex?: number } = {},
): TracedTransaction & { state: EvmState } {
  const state = new EvmState(reader)
  return { ...traceTransaction(state, tx, { ...OPTIONS, ...options }, parseTraceConfig(config)), state }
}

/** A 32-byte word as geth prints storage keys and values. */
export const word = wordHex
