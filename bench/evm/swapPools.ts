/**
 * Uniswap V2 pools for parallel-execution workloads: the factory and pairs exactly as
 * @uniswap/v2-core ships them, each pair with its own two tokens, initial liquidity and a
 * SwapHelper holding both tokens, so a swap is one call from any account. Deployed through the
 * caller's own transactions (`deploy`, `call`), so bench:parallel and the property tests build
 * their pools the same way on whatever state they run.
 */
import { type Address, encodeDeployData, encodeFunctionData, type Hex } from 'viem'
import { createAddress } from '../../src/evm/evm.ts'
import type { EvmState } from '../../src/evm/evmState.ts'
import { type ProcessTransactionOptions, processTransaction } from '../../src/execution/processTransaction.ts'
import { hexToBytes } from '../../src/primitives/hex.ts'
import type { BenchContracts } from './contracts.ts'

export type SwapPool = { pair: Address; helper: Address }

/** One transaction from the deployer each: create (returns the address) or call (returns the output). */
export type DeployerCalls = {
  deploy: (initcode: Hex) => Address
  call: (to: Address, data: Uint8Array) => Uint8Array
}

/** Gas each setup transaction may use. */
const SETUP_GAS_LIMIT = 10_000_000n

/**
 * DeployerCalls as `sender`'s transactions on `state`, from nonce 0, each with SETUP_GAS_LIMIT at
 * `maxFeePerGas` and no tip. A transaction that does not succeed throws, with its error.
 */
export function deployerCallsOn(
  state: EvmState,
  sender: Address,
  maxFeePerGas: bigint,
  options: Omit<ProcessTransactionOptions, 'blockGasAvailable'>,
): DeployerCalls {
  let nonce = 0n
  const call = (to: Address | null, data: Uint8Array): Uint8Array => {
    const receipt = processTransaction(
      state,
      {
        type: 2,
        sender,
        to,
        nonce: nonce++,
        gasLimit: SETUP_GAS_LIMIT,
        value: 0n,
        data,
        maxFeePerGas,
        maxPriorityFeePerGas: 0n,
        accessList: [],
        maxFeePerBlobGas: 0n,
        blobVersionedHashes: [],
        authorizationList: [],
      },
      { ...options, blockGasAvailable: SETUP_GAS_LIMIT },
    )
    if (receipt.status !== 1) throw new Error(`setup transaction ${nonce - 1n} failed: ${receipt.error}`)
    return receipt.output
  }
  const deploy = (initcode: Hex): Address => {
    const address = createAddress(sender, nonce)
    call(null, hexToBytes(initcode))
    return address
  }
  return { deploy, call }
}

export type SwapPoolAmounts = {
  /** Of each token, minted into each pair as its first liquidity. */
  liquidity: bigint
  /** Of each token, given to each pair's helper to swap from. */
  helperFunds: bigint
}

/** Deploys a factory and `count` funded pools on it; `owner` sets its fees and holds the liquidity. */
export function deploySwapPools(
  deployer: DeployerCalls,
  contracts: Pick<BenchContracts, 'Token' | 'SwapHelper' | 'UniswapV2Factory' | 'UniswapV2Pair'>,
  count: number,
  owner: Address,
  amounts: SwapPoolAmounts,
): SwapPool[] {
  const transfer = (to: Address, amount: bigint) =>
    hexToBytes(encodeFunctionData({ abi: contracts.Token.abi, functionName: 'transfer', args: [to, amount] }))
  const factory = deployer.deploy(
    encodeDeployData({
      abi: contracts.UniswapV2Factory.abi,
      bytecode: contracts.UniswapV2Factory.bytecode,
      args: [owner],
    }),
  )
  const pools: SwapPool[] = []
  for (let index = 0; index < count; index++) {
    const tokenA = deployer.deploy(contracts.Token.bytecode)
    const tokenB = deployer.deploy(contracts.Token.bytecode)
    const created = deployer.call(
      factory,
      hexToBytes(
        encodeFunctionData({
          abi: contracts.UniswapV2Factory.abi,
          functionName: 'createPair',
          args: [tokenA, tokenB],
        }),
      ),
    )
    const pair = `0x${Buffer.from(created.subarray(12, 32)).toString('hex')}` as Address
    const helper = deployer.deploy(contracts.SwapHelper.bytecode)
    deployer.call(tokenA, transfer(pair, amounts.liquidity))
    deployer.call(tokenB, transfer(pair, amounts.liquidity))
    deployer.call(
      pair,
      hexToBytes(
        encodeFunctionData({ abi: contracts.UniswapV2Pair.abi, functionName: 'mint', args: [owner] }),
      ),
    )
    deployer.call(tokenA, transfer(helper, amounts.helperFunds))
    deployer.call(tokenB, transfer(helper, amounts.helperFunds))
    pools.push({ pair, helper })
  }
  return pools
}

/** Calldata for `pool.helper`: swap `amountIn` of token0 (zeroForOne) or token1 through the pair. */
export function swapCalldata(
  contracts: Pick<BenchContracts, 'SwapHelper'>,
  pair: Address,
  zeroForOne: boolean,
  amountIn: bigint,
): Uint8Array {
  return hexToBytes(
    encodeFunctionData({
      abi: contracts.SwapHelper.abi,
      functionName: 'swap',
      args: [pair, zeroForOne, amountIn],
    }),
  )
}
