/**
 * What a differential case is, and what each engine reports about it. A scenario is a pre-state, a
 * block and a few transactions; runVelox and runEthereumjs each execute it and return a DriverRun,
 * which compareScenario holds side by side:
 *
 *   generateScenario(seed) ──▶ Scenario ──┬─▶ runVelox      ──▶ DriverRun ─┐
 *   (or a hand-built one)                 └─▶ runEthereumjs ──▶ DriverRun ─┴─▶ compareScenario ──▶ differences
 */

import type { Address, Hex } from 'viem'
import { privateKeyToAddress } from 'viem/accounts'
import type { Fork } from '../../src/evm/evm.ts'
import type { Authorization } from '../../src/primitives/transaction.ts'

export type ScenarioAccount = {
  address: Address
  nonce: bigint
  balance: bigint
  code: Uint8Array
  storage: ReadonlyMap<bigint, bigint>
}

/** The header fields execution reads; both engines get the same ones. */
export type ScenarioBlock = {
  number: bigint
  timestamp: bigint
  coinbase: Address
  gasLimit: bigint
  baseFeePerGas: bigint
  prevRandao: bigint
  excessBlobGas: bigint
}

/** An EIP-7702 authorization tuple, already signed (or deliberately mangled): Velox's own shape. */
export type SignedAuthorization = Authorization

export type ScenarioTransaction = {
  type: 0 | 1 | 2 | 4
  /** The signer: ethereumjs signs with it, Velox is given its address. */
  senderKey: Hex
  to: Address | null
  nonce: bigint
  gasLimit: bigint
  value: bigint
  data: Uint8Array
  /** The gas price of type 0 and 1; the fee cap of type 2 and 4. */
  maxFeePerGas: bigint
  /** Ignored for type 0 and 1 (both engines use the gas price). */
  maxPriorityFeePerGas: bigint
  accessList: { address: Address; storageKeys: Hex[] }[]
  authorizationList: SignedAuthorization[]
}

export type Scenario = {
  /** Names the case in failure messages (e.g. "cancun seed 17"). */
  name: string
  fork: Fork
  block: ScenarioBlock
  accounts: ScenarioAccount[]
  transactions: ScenarioTransaction[]
}

export type OutcomeLog = { address: Address; topics: Hex[]; data: Hex }

export type TransactionOutcome =
  /** The transaction was not valid in the block (state untouched). */
  | { kind: 'rejected'; reason: string }
  | {
      kind: 'executed'
      status: 0 | 1
      /** Gas charged (the receipt's gas used). */
      gasUsed: bigint
      output: Hex
      logs: OutcomeLog[]
      contractAddress: Address | null
      /** Why execution failed, in the engine's words (shown, not compared). */
      error: string | undefined
    }
  /** The engine threw something other than a validity error: always a finding. */
  | { kind: 'crashed'; error: string }

export type AccountOutcome = {
  nonce: bigint
  balance: bigint
  code: Hex
  storageRoot: Hex
  /** Non-zero slots, keyed by keccak256 of the 32-byte slot (what a trie dump gives). */
  storage: Map<Hex, bigint>
}

export type DriverRun = {
  transactions: TransactionOutcome[]
  stateRoot: Hex
  /** Accounts the engine says it accessed or changed. */
  touched: Set<Address>
  /** The post-state of each address; null when the account does not exist. */
  readAccounts(addresses: Iterable<Address>): Promise<Map<Address, AccountOutcome | null>>
}

/** The lowercase address of a private key, as both engines key their state. */
export function addressOfKey(key: Hex): Address {
  return privateKeyToAddress(key).toLowerCase() as Address
}
