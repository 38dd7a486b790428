import type { Address } from 'viem'
import type { Fork } from '../../src/evm/evm.ts'
import { SENDER_KEY } from './generateScenario.ts'
import {
  addressOfKey,
  type Scenario,
  type ScenarioAccount,
  type ScenarioBlock,
  type ScenarioTransaction,
} from './scenario.ts'

export type ScenarioSpec = {
  name: string
  fork: Fork
  /** Accounts besides the sender (which gets 1000 ether unless listed here). */
  accounts?: (Partial<ScenarioAccount> & { address: Address })[]
  block?: Partial<ScenarioBlock>
  /** Defaults: type 2 from SENDER_KEY, nonces in order, 1M gas, no value or data, fee cap 1000, tip 2. */
  transactions: (Partial<ScenarioTransaction> & { to: Address | null })[]
}

const DEFAULT_BLOCK: ScenarioBlock = {
  number: 1n,
  timestamp: 1_700_000_000n,
  coinbase: '0xc014ba5e00000000000000000000000000000000',
  gasLimit: 30_000_000n,
  baseFeePerGas: 7n,
  prevRandao: 0x5eedn,
  excessBlobGas: 0n,
}

/** A hand-written scenario with everything not said filled in. */
export function buildScenario(spec: ScenarioSpec): Scenario {
  const accounts: ScenarioAccount[] = (spec.accounts ?? []).map((account) => ({
    nonce: 0n,
    balance: 0n,
    code: new Uint8Array(0),
    storage: new Map(),
    ...account,
  }))
  const nextNonce = new Map<Address, bigint>()
  const transactions = spec.transactions.map((partial): ScenarioTransaction => {
    const senderKey = partial.senderKey ?? SENDER_KEY
    const sender = addressOfKey(senderKey)
    if (!accounts.some((account) => account.address === sender))
      accounts.push({
        address: sender,
        nonce: 0n,
        balance: 10n ** 21n,
        code: new Uint8Array(0),
        storage: new Map(),
      })
    const nonce = partial.nonce ?? nextNonce.get(sender) ?? accounts.find((a) => a.address === sender)!.nonce
    nextNonce.set(sender, nonce + 1n)
    return {
      type: 2,
      gasLimit: 1_000_000n,
      value: 0n,
      data: new Uint8Array(0),
      maxFeePerGas: 1000n,
      maxPriorityFeePerGas: 2n,
      accessList: [],
      authorizationList: [],
      ...partial,
      senderKey,
      nonce,
    }
  })
  return {
    name: spec.name,
    fork: spec.fork,
    block: { ...DEFAULT_BLOCK, ...spec.block },
    accounts,
    transactions,
  }
}
