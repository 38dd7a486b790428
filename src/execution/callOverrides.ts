/**
 * eth_call's state and block overrides, as geth takes them: per account a balance, nonce, code,
 * and either a whole new storage (`state`) or changed slots (`stateDiff`), or for a precompile a
 * new address (`movePrecompileToAddress`); and block fields the call sees instead of its block's.
 * They change only what the call reads: nothing is written.
 */
import type { Address, Hex } from 'viem'
import type { BlockContext, PrecompileRelocations } from '../evm/evm.ts'
import type { Precompile } from '../evm/precompiles/types.ts'
import { bytesToHex } from '../primitives/hex.ts'
import { keccak256 } from '../primitives/keccak256.ts'
import { type AccountData, type ContractStateReader, EMPTY_CODE_HASH } from '../state/stateView.ts'
import { precompileAddressSet } from './processTransaction.ts'

export type AccountOverride = {
  balance?: bigint
  nonce?: bigint
  code?: Uint8Array
  /** The account's whole storage: every slot not listed reads zero. */
  state?: ReadonlyMap<bigint, bigint>
  /** Slots that read these values; the others read as stored. */
  stateDiff?: ReadonlyMap<bigint, bigint>
  /**
   * A precompile's new address for the call (geth's movePrecompileToAddress): it runs there, and
   * its own address runs the account's code. The edge checks that the account is a precompile and
   * the destination is not overridden too.
   */
  movePrecompileTo?: Address
}

export type StateOverride = ReadonlyMap<Address, AccountOverride>

/** geth's blockOverrides, in BlockContext's terms. */
export type BlockOverrides = Partial<
  Pick<
    BlockContext,
    'number' | 'timestamp' | 'gasLimit' | 'coinbase' | 'prevRandao' | 'baseFeePerGas' | 'blobBaseFee'
  >
>

/** A state with overrides laid over it; reads of accounts without one go to `base`. */
export class OverriddenState implements ContractStateReader {
  private readonly codes = new Map<Hex, Uint8Array>()
  private readonly codeHashes = new Map<Address, Hex>()

  constructor(
    private readonly base: ContractStateReader,
    private readonly overrides: StateOverride,
  ) {
    for (const [address, override] of overrides)
      if (override.code) {
        const codeHash = override.code.length === 0 ? EMPTY_CODE_HASH : bytesToHex(keccak256(override.code))
        this.codes.set(codeHash, override.code)
        this.codeHashes.set(address, codeHash)
      }
  }

  getAccount(address: Address): AccountData | undefined {
    const account = this.base.getAccount(address)
    const override = this.overrides.get(address)
    if (!override) return account
    return {
      nonce: override.nonce ?? account?.nonce ?? 0n,
      balance: override.balance ?? account?.balance ?? 0n,
      codeHash: this.codeHashes.get(address) ?? account?.codeHash ?? EMPTY_CODE_HASH,
    }
  }

  getStorage(address: Address, slot: bigint): bigint {
    const override = this.overrides.get(address)
    if (override?.state) return override.state.get(slot) ?? 0n
    const changed = override?.stateDiff?.get(slot)
    return changed ?? this.base.getStorage(address, slot)
  }

  getCode(codeHash: Hex): Uint8Array | undefined {
    return this.codes.get(codeHash) ?? this.base.getCode(codeHash)
  }

  hasStorage(address: Address): boolean {
    const override = this.overrides.get(address)
    if (override?.state) return [...override.state.values()].some((value) => value !== 0n)
    if (override?.stateDiff && [...override.stateDiff.values()].some((value) => value !== 0n)) return true
    return this.base.hasStorage(address)
  }
}

/**
 * Where overrides move or remove precompiles (geth's StateOverride.Apply): an overridden precompile
 * no longer runs at its address, and one moved runs at its destination (which keeps its account,
 * and runs no precompile of its own). Undefined when no override touches a precompile, the
 * common case, so the EVM's lookup stays the fork's.
 */
export function precompileRelocationsOf(
  overrides: StateOverride,
  precompiles: ReadonlyMap<number, Precompile>,
): PrecompileRelocations | undefined {
  const precompileAddresses = precompileAddressSet(precompiles)
  let relocations: Map<Address, number> | undefined
  for (const [address, override] of overrides) {
    if (!precompileAddresses.has(address)) continue
    relocations ??= new Map()
    relocations.set(address, 0)
    if (override.movePrecompileTo)
      relocations.set(override.movePrecompileTo, Number.parseInt(address.slice(2), 16))
  }
  return relocations
}

/** The block a call sees, its overridden fields replaced. */
export function overrideBlock(block: BlockContext, overrides: BlockOverrides): BlockContext {
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined))
  return { ...block, ...defined }
}
