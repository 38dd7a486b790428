/**
 * @ethereumjs/vm's runTx (the transaction layer over @ethereumjs/evm) behind the benchmark's
 * BenchChain, with createVM's defaults: a MerkleStateManager with its caches. Blocks are run as its
 * own runBlock does: a journal checkpoint when the block opens, runTx per transaction, the commit
 * (which flushes the block's writes into the trie) when it closes; no state root is computed.
 * Transactions are signed, and their senders recovered, in `prepare`, before any timing.
 */
import { type Block, createBlock } from '@ethereumjs/block'
import { Common, Hardfork, Mainnet } from '@ethereumjs/common'
import { createFeeMarket1559Tx, type FeeMarket1559Tx } from '@ethereumjs/tx'
import { createAccount, createAddressFromString } from '@ethereumjs/util'
import { createVM, runTx, type VM } from '@ethereumjs/vm'
import type { Address, Hex } from 'viem'
import { bytesToHex, hexToBytes } from '../../src/primitives/hex.ts'
import {
  BASE_FEE_PER_GAS,
  type BenchChain,
  type BenchTransaction,
  BLOCK_GAS_LIMIT,
  BLOCK_NUMBER,
  BLOCK_TIMESTAMP,
  CALL_GAS_LIMIT,
  CHAIN_ID,
  COINBASE,
  type ExecutedBlocks,
  MAX_FEE_PER_GAS,
  MAX_PRIORITY_FEE_PER_GAS,
  type TransactionOutcome,
} from './benchChain.ts'

const READER = createAddressFromString(COINBASE)

export class EthereumjsChain implements BenchChain<FeeMarket1559Tx> {
  readonly engine = '@ethereumjs/vm runTx (on @ethereumjs/evm)'

  private constructor(
    private readonly vm: VM,
    private readonly common: Common,
    private readonly block: Block,
    private readonly callBlock: Block,
  ) {}

  static async create(genesis: readonly { address: Address; balance: bigint }[]): Promise<EthereumjsChain> {
    const common = new Common({ chain: Mainnet, hardfork: Hardfork.Prague })
    if (common.chainId() !== CHAIN_ID)
      throw new Error(`ethereumjs: chain id ${common.chainId()}, want ${CHAIN_ID}`)
    const vm = await createVM({ common })
    const header = (gasLimit: bigint) => ({
      number: BLOCK_NUMBER,
      timestamp: BLOCK_TIMESTAMP,
      coinbase: COINBASE,
      gasLimit,
      baseFeePerGas: BASE_FEE_PER_GAS,
      excessBlobGas: 0n,
    })
    const block = createBlock({ header: header(BLOCK_GAS_LIMIT) }, { common })
    const callBlock = createBlock({ header: header(CALL_GAS_LIMIT) }, { common })
    await vm.stateManager.checkpoint()
    for (const { address, balance } of genesis)
      await vm.stateManager.putAccount(createAddressFromString(address), createAccount({ balance }))
    await vm.stateManager.commit()
    return new EthereumjsChain(vm, common, block, callBlock)
  }

  prepare(transactions: readonly BenchTransaction[]): FeeMarket1559Tx[] {
    return transactions.map((tx) => {
      const signed = createFeeMarket1559Tx(
        {
          chainId: CHAIN_ID,
          nonce: tx.nonce,
          maxFeePerGas: MAX_FEE_PER_GAS,
          maxPriorityFeePerGas: MAX_PRIORITY_FEE_PER_GAS,
          gasLimit: tx.gasLimit,
          ...(tx.to === null ? {} : { to: tx.to }),
          value: tx.value,
          data: tx.data,
        },
        { common: this.common },
      ).sign(hexToBytes(tx.sender.privateKey))
      // Sender recovered and hash computed now, both cached in the transaction: runTx redoes neither.
      if (signed.getSenderAddress().toString() !== tx.sender.address.toLowerCase())
        throw new Error(`ethereumjs: signed by ${signed.getSenderAddress()}, not ${tx.sender.address}`)
      signed.hash()
      return signed
    })
  }

  async execute(transactions: readonly FeeMarket1559Tx[]): Promise<ExecutedBlocks> {
    const vm = this.vm
    const outcomes: TransactionOutcome[] = []
    await vm.evm.journal.checkpoint()
    let blocks = 1
    let gasLeft = BLOCK_GAS_LIMIT
    for (const tx of transactions) {
      if (tx.gasLimit > gasLeft) {
        await vm.evm.journal.commit()
        await vm.evm.journal.checkpoint()
        blocks++
        gasLeft = BLOCK_GAS_LIMIT
      }
      const result = await runTx(vm, { tx, block: this.block, blockGasUsed: BLOCK_GAS_LIMIT - gasLeft })
      gasLeft -= result.totalGasSpent
      outcomes.push({
        status: result.execResult.exceptionError ? 0 : 1,
        gasUsed: result.totalGasSpent,
        output: result.execResult.returnValue,
        contractAddress: result.createdAddress ? (result.createdAddress.toString() as Address) : null,
      })
    }
    await vm.evm.journal.commit()
    return { outcomes, blocks }
  }

  async simulate(tx: FeeMarket1559Tx): Promise<TransactionOutcome> {
    const stateManager = this.vm.stateManager
    await stateManager.checkpoint()
    try {
      const result = await runTx(this.vm, { tx, block: this.callBlock })
      return {
        status: result.execResult.exceptionError ? 0 : 1,
        gasUsed: result.totalGasSpent,
        output: result.execResult.returnValue,
        contractAddress: null,
      }
    } finally {
      await stateManager.revert()
    }
  }

  async read(to: Address, data: Hex): Promise<Uint8Array> {
    const stateManager = this.vm.stateManager
    await stateManager.checkpoint()
    try {
      const result = await this.vm.evm.runCall({
        caller: READER,
        origin: READER,
        to: createAddressFromString(to),
        data: hexToBytes(data),
        gasLimit: CALL_GAS_LIMIT,
        block: this.callBlock,
        isStatic: true,
      })
      if (result.execResult.exceptionError)
        throw new Error(
          `ethereumjs: read of ${to} failed: ${result.execResult.exceptionError.error} ${bytesToHex(result.execResult.returnValue)}`,
        )
      return result.execResult.returnValue
    } finally {
      await stateManager.revert()
    }
  }

  async balance(address: Address): Promise<bigint> {
    return (await this.vm.stateManager.getAccount(createAddressFromString(address)))?.balance ?? 0n
  }
}
