/**
 * Uniswap V2 as users deploy it, from the published artifacts (@uniswap/v2-core's factory and
 * pair, @uniswap/v2-periphery's Router02 and WETH9) and two OpenZeppelin tokens: viem deploys and
 * adds liquidity with estimated gas, eth_call quotes the swap, ethers swaps through the router, and
 * the pool and balances come out as the constant-product formula says.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { Contract, JsonRpcProvider, Wallet } from 'ethers'
import { type Abi, createPublicClient, createWalletClient, type Hex, http, parseGwei } from 'viem'
import { describe, expect, it } from 'vitest'
import { compileContracts } from '../../bench/evm/contracts.ts'
import {
  CHAIN_ID,
  chainForFile,
  devAccounts,
  devKeys,
  expectEveryBlockValidates,
  veloxChain,
} from './harness.ts'

const chain = chainForFile()

function peripheryArtifact(name: 'UniswapV2Router02' | 'WETH9'): { abi: Abi; bytecode: Hex } {
  const file = path.resolve(
    import.meta.dirname,
    `../../node_modules/@uniswap/v2-periphery/build/${name}.json`,
  )
  const artifact = JSON.parse(readFileSync(file, 'utf8')) as { abi: Abi; bytecode: string }
  return { abi: artifact.abi, bytecode: `0x${artifact.bytecode.replace(/^0x/, '')}` }
}

const { Token, UniswapV2Factory, UniswapV2Pair } = compileContracts()
const Router = peripheryArtifact('UniswapV2Router02')
const WETH = peripheryArtifact('WETH9')
const trader = devAccounts[1]!
const LIQUIDITY = 10n ** 21n
const SWAP_IN = 10n ** 18n
const DEADLINE = 2n ** 40n

describe('Uniswap V2: factory, router and pair from their published artifacts', () => {
  it('deploys, adds liquidity (viem), quotes (eth_call) and swaps through the router (ethers)', async () => {
    const client = createPublicClient({ chain: veloxChain(chain.l2Url), transport: http(chain.l2Url) })
    const wallet = createWalletClient({
      account: trader,
      chain: veloxChain(chain.l2Url),
      transport: http(chain.l2Url),
    })
    const fees = { maxFeePerGas: parseGwei('3'), maxPriorityFeePerGas: parseGwei('0.001') }
    const deploy = async (contract: { abi: Abi; bytecode: Hex }, args: unknown[] = []) => {
      const hash = await wallet.deployContract({
        abi: contract.abi,
        bytecode: contract.bytecode,
        args,
        ...fees,
      })
      const receipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 20 })
      expect(receipt.status).toBe('success')
      return receipt.contractAddress!
    }
    const write = async (address: Hex, abi: Abi, functionName: string, args: unknown[]) => {
      const hash = await wallet.writeContract({ address, abi, functionName, args, ...fees })
      const receipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 20 })
      expect(receipt.status).toBe('success')
    }

    const weth = await deploy(WETH)
    const factory = await deploy(UniswapV2Factory, [trader.address])
    const router = await deploy(Router, [factory, weth])
    const tokenA = await deploy(Token)
    const tokenB = await deploy(Token)
    for (const token of [tokenA, tokenB]) await write(token, Token.abi, 'approve', [router, 2n ** 256n - 1n])
    // addLiquidity creates the pair (CREATE2 inside the factory) and mints: gas estimated by the node.
    await write(router, Router.abi, 'addLiquidity', [
      tokenA,
      tokenB,
      LIQUIDITY,
      LIQUIDITY,
      0n,
      0n,
      trader.address,
      DEADLINE,
    ])
    const pair = (await client.readContract({
      address: factory,
      abi: UniswapV2Factory.abi,
      functionName: 'getPair',
      args: [tokenA, tokenB],
    })) as Hex
    const [reserve0, reserve1] = (await client.readContract({
      address: pair,
      abi: UniswapV2Pair.abi,
      functionName: 'getReserves',
    })) as [bigint, bigint, number]
    expect([reserve0, reserve1]).toEqual([LIQUIDITY, LIQUIDITY])

    const amounts = (await client.readContract({
      address: router,
      abi: Router.abi,
      functionName: 'getAmountsOut',
      args: [SWAP_IN, [tokenA, tokenB]],
    })) as bigint[]
    const withFee = SWAP_IN * 997n
    expect(amounts[1]).toBe((withFee * LIQUIDITY) / (LIQUIDITY * 1000n + withFee))

    const provider = new JsonRpcProvider(
      chain.l2Url,
      { chainId: CHAIN_ID, name: 'velox' },
      { staticNetwork: true, pollingInterval: 50 },
    )
    const signer = new Wallet(devKeys[1]!, provider)
    const balanceBefore = (await client.readContract({
      address: tokenB,
      abi: Token.abi,
      functionName: 'balanceOf',
      args: [trader.address],
    })) as bigint
    const routerContract = new Contract(router, Router.abi as never, signer)
    const swapFunction = routerContract.getFunction('swapExactTokensForTokens')
    const swapArgs = [SWAP_IN, amounts[1], [tokenA, tokenB], trader.address, DEADLINE] as const
    // With a margin, as wallets give one: the first swap in a block later than the pair's last update
    // also writes its two cumulative prices (~44,000 gas more), so a block sealed between the
    // estimate and the swap (it happened under load) turns an exact estimate into out of gas.
    const estimate = await swapFunction.estimateGas(...swapArgs)
    const response = await swapFunction(...swapArgs, { gasLimit: estimate * 2n })
    const receipt = await response.wait()
    expect(receipt?.status).toBe(1)
    provider.destroy()
    const balanceAfter = (await client.readContract({
      address: tokenB,
      abi: Token.abi,
      functionName: 'balanceOf',
      args: [trader.address],
    })) as bigint
    expect(balanceAfter - balanceBefore).toBe(amounts[1])
  })
})

describe('stateless validation', () => {
  it('validates every block this chain sealed from its witness alone', async () => {
    await expectEveryBlockValidates(chain.l2Url)
  })
})
