import type { Address, Hex } from 'viem'

/** An account as execution sees it. `codeHash` is keccak256 of the code (EMPTY_CODE_HASH for none). */
export type AccountData = {
  nonce: bigint
  balance: bigint
  codeHash: Hex
}

/**
 * The synchronous read interface every executor is handed: SQLite in the sequencer, a witness in a
 * validator, a fixture in a test. Addresses are lowercase. It never awaits.
 */
export interface StateReader {
  getAccount(address: Address): AccountData | undefined
}

/**
 * What the EVM reads besides accounts: storage slots and code. Synchronous like StateReader, so the
 * interpreter never awaits; storage keys and values are 256-bit words.
 */
export interface ContractStateReader extends StateReader {
  /** The slot's value, 0n when it was never written. */
  getStorage(address: Address, slot: bigint): bigint
  getCode(codeHash: Hex): Uint8Array | undefined
  /** Whether the account has any non-zero slot (EIP-7610: creating over it collides). */
  hasStorage(address: Address): boolean
}

/** keccak256 of the empty byte string: the code hash of an account without code. */
export const EMPTY_CODE_HASH: Hex = '0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470'
