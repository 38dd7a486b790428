/**
 * Uniswap V2 pools for parallel-execution workloads: the factory and pairs exactly as
 * @uniswap/v2-core ships them, each pair with its own two tokens, initial liquidity and a
 * SwapHelper holding both tokens, so a swap is one call from any account. Deployed through the
 * caller's own transactions (`deploy`, `call`), so bench:parallel and the property tests build
 * their pools the same way on whatever state they run.
 */
import { type Address, encodeDeployData, encodeFunctionData, type Hex } from 'viem'
import { hexToBytes } from '../../src/primitives/hex.ts'
import type { BenchContracts } from './contracts.ts'

export type SwapPool = { pair: Address; helper: Address }

/** One transaction from the deployer each: create (returns the address) or call (returns the output). */
export type DeployerCalls = {
  deploy: (initcode: Hex) => Address
  call: (to: Address, data: Uint8Array) => Uint8Array
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
