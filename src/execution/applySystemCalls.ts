import type { Address, Hex } from 'viem'
import { type BlockContext, Evm, type Fork } from '../evm/evm.ts'
import type { EvmState } from '../evm/evmState.ts'
import type { Precompile } from '../evm/precompiles/types.ts'
import { hexToBytes } from '../primitives/hex.ts'

/** EIP-4788 / EIP-2935: the caller of a system call, an address nobody holds a key for. */
export const SYSTEM_ADDRESS: Address = '0xfffffffffffffffffffffffffffffffffffffffe'
/** Gas a system call may use; it is not charged to the block (EIP-4788, EIP-2935). */
const SYSTEM_CALL_GAS = 30_000_000n

/**
 * EIP-4788 (Cancun): the beacon roots contract, a ring buffer of 8,191 (timestamp, parent beacon
 * block root) pairs. Its runtime code is the EIP's, byte for byte (code hash 0xf57acd40…b02c).
 */
export const BEACON_ROOTS_ADDRESS: Address = '0x000f3df6d732807ef1319fb7b8bb8522d0beac02'
export const BEACON_ROOTS_CODE: Hex =
  '0x3373fffffffffffffffffffffffffffffffffffffffe14604d57602036146024575f5ffd5b5f35801560495762001fff810690815414603c575f5ffd5b62001fff01545f5260205ff35b5f5ffd5b62001fff42064281555f359062001fff015500'

/**
 * EIP-2935 (Prague): the history storage contract, the hashes of the last 8,191 blocks. Its runtime
 * code is the EIP's, byte for byte (code hash 0x6e49e667…0a5d).
 */
export const HISTORY_STORAGE_ADDRESS: Address = '0x0000f90827f1c53a10cb7a02335b175320002935'
export const HISTORY_STORAGE_CODE: Hex =
  '0x3373fffffffffffffffffffffffffffffffffffffffe14604657602036036042575f35600143038111604257611fff81430311604257611fff9006545f5260205ff35b5f5ffd5b5f35611fff60014303065500'

/** The forks' system contracts, as a chain's genesis installs them (nonce 1, no storage). */
export function systemContractsOf(fork: Fork): { address: Address; code: Hex }[] {
  const contracts = [{ address: BEACON_ROOTS_ADDRESS, code: BEACON_ROOTS_CODE }]
  if (fork === 'prague') contracts.push({ address: HISTORY_STORAGE_ADDRESS, code: HISTORY_STORAGE_CODE })
  return contracts
}

export type SystemCallOptions = {
  fork: Fork
  block: BlockContext
  precompiles: ReadonlyMap<number, Precompile>
  parentHash: Hex
  /** The parent beacon block root the header commits to (an L2 takes its L1 origin's). */
  parentBeaconBlockRoot: Hex
}

/**
 * The calls a block makes before its first transaction, as geth's ProcessBeaconBlockRoot and
 * ProcessParentBlockHash: EIP-4788 stores the parent beacon block root (Cancun on), EIP-2935 the
 * parent's hash (Prague on, every block but genesis). Each runs as its own transaction from
 * SYSTEM_ADDRESS with no fee, no intrinsic gas and no share of the block's gas; a contract that is
 * not deployed makes its call a no-op.
 */
export function applySystemCalls(state: EvmState, options: SystemCallOptions): void {
  systemCall(state, options, BEACON_ROOTS_ADDRESS, options.parentBeaconBlockRoot)
  if (options.fork === 'prague' && options.block.number > 0n)
    systemCall(state, options, HISTORY_STORAGE_ADDRESS, options.parentHash)
}

function systemCall(state: EvmState, options: SystemCallOptions, contract: Address, input: Hex): void {
  state.beginTransaction()
  state.warmAddress(contract)
  const evm = new Evm(state, {
    fork: options.fork,
    block: options.block,
    transaction: { origin: SYSTEM_ADDRESS, gasPrice: 0n, blobVersionedHashes: [] },
    precompiles: options.precompiles,
  })
  evm.execute({
    kind: 'call',
    caller: SYSTEM_ADDRESS,
    target: contract,
    codeAddress: contract,
    value: 0n,
    input: hexToBytes(input),
    gas: SYSTEM_CALL_GAS,
    depth: 0,
    isStatic: false,
  })
  state.finalizeTransaction()
}
