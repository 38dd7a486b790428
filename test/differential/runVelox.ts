/**
 * Executes a scenario with Velox: the pre-state in a MemoryState, one EvmState for the block, each
 * transaction through processTransaction (as the sequencer and `velox statetest` do), then the
 * write set folded back to read the post-state and compute the state root.
 */
import type { Address, Hex } from 'viem'
import type { BlockContext } from '../../src/evm/evm.ts'
import { EvmState } from '../../src/evm/evmState.ts'
import { precompilesFor } from '../../src/evm/precompiles/index.ts'
import { blobBaseFee } from '../../src/execution/blobBaseFee.ts'
import { InvalidTransactionError } from '../../src/execution/executableTransaction.ts'
import { type EvmTransaction, processTransaction } from '../../src/execution/processTransaction.ts'
import { bytesToHex } from '../../src/primitives/hex.ts'
import { keccak256 } from '../../src/primitives/keccak256.ts'
import { computeStateRoot, computeStorageRoot } from '../../src/state/computeStateRoot.ts'
import { MemoryState } from '../../src/state/memoryState.ts'
import {
  type AccountOutcome,
  addressOfKey,
  type DriverRun,
  type Scenario,
  type ScenarioTransaction,
  type TransactionOutcome,
} from './scenario.ts'

/** Mainnet's chain id: the Common ethereumjs runs with. */
const CHAIN_ID = 1n

export async function runVelox(scenario: Scenario): Promise<DriverRun> {
  const pre = new MemoryState()
  for (const account of scenario.accounts)
    pre.setAccount(account.address, {
      nonce: account.nonce,
      balance: account.balance,
      code: account.code,
      storage: account.storage,
    })
  const { fork } = scenario
  const header = scenario.block
  const block: BlockContext = {
    number: header.number,
    timestamp: header.timestamp,
    coinbase: header.coinbase,
    gasLimit: header.gasLimit,
    baseFeePerGas: header.baseFeePerGas,
    prevRandao: header.prevRandao,
    blobBaseFee: blobBaseFee(header.excessBlobGas, fork),
    chainId: CHAIN_ID,
    // ethereumjs's stand-in blockchain hashes every block to zero.
    blockHash: () => 0n,
  }
  const state = new EvmState(pre)
  const precompiles = precompilesFor(fork)
  const transactions: TransactionOutcome[] = []
  let blockGasUsed = 0n
  for (const tx of scenario.transactions) {
    try {
      const receipt = processTransaction(state, veloxTransaction(tx), {
        fork,
        block,
        precompiles,
        blockGasAvailable: header.gasLimit - blockGasUsed,
      })
      blockGasUsed += receipt.gasUsed
      transactions.push({
        kind: 'executed',
        status: receipt.status,
        gasUsed: receipt.gasUsed,
        output: bytesToHex(receipt.output),
        logs: receipt.logs.map((log) => ({
          address: log.address,
          topics: log.topics.map((topic) => `0x${topic.toString(16).padStart(64, '0')}` as Hex),
          data: bytesToHex(log.data),
        })),
        contractAddress: receipt.contractAddress,
        error: receipt.error,
      })
    } catch (error) {
      if (error instanceof InvalidTransactionError)
        transactions.push({ kind: 'rejected', reason: error.message })
      else transactions.push({ kind: 'crashed', error: (error as Error).stack ?? String(error) })
    }
  }

  const changes = state.changes()
  const post = pre.clone()
  post.apply(changes)
  const accounts = new Map(post.entries())
  const touched = new Set<Address>([...changes.accounts.keys(), ...changes.reads.accounts])
  return {
    transactions,
    stateRoot: computeStateRoot(accounts.entries()),
    touched,
    readAccounts: async (addresses) => {
      const out = new Map<Address, AccountOutcome | null>()
      for (const address of addresses) {
        const account = accounts.get(address)
        if (!account) {
          out.set(address, null)
          continue
        }
        const code = post.getCode(account.codeHash)
        const storage = new Map<Hex, bigint>()
        for (const [slot, value] of account.storage) if (value !== 0n) storage.set(hashedSlot(slot), value)
        out.set(address, {
          nonce: account.nonce,
          balance: account.balance,
          code: code ? bytesToHex(code) : '0x',
          storageRoot: bytesToHex(computeStorageRoot(account.storage)),
          storage,
        })
      }
      return out
    },
  }
}

/**
 * Velox's view of a transaction. `authorizationList` is passed whether or not this build's
 * EvmTransaction declares it yet (EIP-7702 processing is being added): the object is not a fresh
 * literal at the call, so an extra field type-checks today and a required one tomorrow.
 */
function veloxTransaction(tx: ScenarioTransaction): EvmTransaction {
  const transaction = {
    type: tx.type,
    sender: addressOfKey(tx.senderKey),
    to: tx.to,
    nonce: tx.nonce,
    gasLimit: tx.gasLimit,
    value: tx.value,
    data: tx.data,
    maxFeePerGas: tx.maxFeePerGas,
    maxPriorityFeePerGas: tx.type === 0 || tx.type === 1 ? tx.maxFeePerGas : tx.maxPriorityFeePerGas,
    accessList: tx.accessList,
    maxFeePerBlobGas: 0n,
    blobVersionedHashes: [],
    authorizationList: tx.authorizationList,
  }
  return transaction
}

function hashedSlot(slot: bigint): Hex {
  const key = new Uint8Array(32)
  for (let i = 31, rest = slot; i >= 0; i--, rest >>= 8n) key[i] = Number(rest & 0xffn)
  return bytesToHex(keccak256(key))
}
