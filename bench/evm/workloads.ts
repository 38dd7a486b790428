/**
 * The workloads, as engine-neutral transactions: each has its setup (deployments and funding, run
 * untimed on every engine), the operation that is timed, and the checks of the state it leaves.
 * Transaction workloads: ETH transfers, ERC-20 transfers, Uniswap V2 swaps, one transaction each.
 * Single-call workloads (evm-bench style): 5,000 ERC-20 transfers, then 10,000 keccak256, in one call.
 */
import {
  type Address,
  bytesToHex,
  decodeFunctionResult,
  encodeDeployData,
  encodeFunctionData,
  encodePacked,
  getContractAddress,
  type Hex,
  keccak256,
} from 'viem'
import { privateKeyToAddress } from 'viem/accounts'
import type { BenchAccount, BenchChain, BenchTransaction, TransactionOutcome } from './benchChain.ts'
import { CALL_GAS_LIMIT } from './benchChain.ts'
import type { BenchContracts } from './contracts.ts'

export type TransactionWorkload = {
  name: string
  /** Counted in results as, e.g., "transfers/s". */
  unit: string
  sender: BenchAccount
  setup: BenchTransaction[]
  /** The i-th timed operation (0-based, warm-up included). */
  operation: (index: number) => BenchTransaction
  /** What is wrong with the state after operations [0, count) ran; empty when all is as expected. */
  verify: (chain: StateReader, count: number) => Promise<string[]>
}

export type CallWorkload = {
  name: string
  sender: BenchAccount
  /** The contract the call goes to, deployed by the sender's first transaction. */
  initcode: Hex
  data: Hex
  /** What is wrong with the call's outcome. */
  verify: (outcome: TransactionOutcome) => string[]
}

type StateReader = Pick<BenchChain<unknown>, 'read' | 'balance'>

/** Enough ETH to pay every transaction's gas at MAX_FEE_PER_GAS, for any count the bench runs. */
export const SENDER_BALANCE = 10n ** 27n
const ETH_TRANSFER_GAS = 21_000n
const TOKEN_TRANSFER_GAS = 100_000n
const SWAP_GAS = 300_000n
const DEPLOY_GAS = 5_000_000n
/** Token.sol and TransferLoop.sol mint 1e30 to their deployer. */
const TOKEN_SUPPLY = 10n ** 30n
const TOKEN_AMOUNT = 1_000n
const POOL_LIQUIDITY = 10n ** 24n
const HELPER_FUNDS = 10n ** 27n
const SWAP_AMOUNT_IN = 10n ** 18n
export const LOOP_TRANSFERS = 5_000n
export const LOOP_HASHES = 10_000n

/** A benchmark account from a fixed key: the same on every engine and in every run. */
export function benchAccount(seed: number): BenchAccount {
  const privateKey = `0x${(0xbe9c4000n + BigInt(seed)).toString(16).padStart(64, '0')}` as Hex
  return { privateKey, address: privateKeyToAddress(privateKey).toLowerCase() as Address }
}

/** The i-th recipient: a fresh account, so every transfer creates an account or a balance slot. */
function recipient(index: number): Address {
  return `0x${(0xe7e000000000n + BigInt(index)).toString(16).padStart(40, '0')}` as Address
}

function deployedBy(sender: BenchAccount, nonce: bigint): Address {
  return getContractAddress({ from: sender.address, nonce }).toLowerCase() as Address
}

const ERC20_ABI = [
  {
    type: 'function',
    name: 'transfer',
    stateMutability: 'nonpayable',
    inputs: [
      { name: 'to', type: 'address' },
      { name: 'amount', type: 'uint256' },
    ],
    outputs: [{ name: '', type: 'bool' }],
  },
  {
    type: 'function',
    name: 'balanceOf',
    stateMutability: 'view',
    inputs: [{ name: 'owner', type: 'address' }],
    outputs: [{ name: '', type: 'uint256' }],
  },
] as const

const PAIR_ABI = [
  {
    type: 'function',
    name: 'mint',
    stateMutability: 'nonpayable',
    inputs: [{ name: 'to', type: 'address' }],
    outputs: [{ name: 'liquidity', type: 'uint256' }],
  },
  {
    type: 'function',
    name: 'getReserves',
    stateMutability: 'view',
    inputs: [],
    outputs: [
      { name: 'reserve0', type: 'uint112' },
      { name: 'reserve1', type: 'uint112' },
      { name: 'blockTimestampLast', type: 'uint32' },
    ],
  },
] as const

const FACTORY_ABI = [
  {
    type: 'function',
    name: 'createPair',
    stateMutability: 'nonpayable',
    inputs: [
      { name: 'tokenA', type: 'address' },
      { name: 'tokenB', type: 'address' },
    ],
    outputs: [{ name: 'pair', type: 'address' }],
  },
] as const

const SWAP_HELPER_ABI = [
  {
    type: 'function',
    name: 'swap',
    stateMutability: 'nonpayable',
    inputs: [
      { name: 'pair', type: 'address' },
      { name: 'zeroForOne', type: 'bool' },
      { name: 'amountIn', type: 'uint256' },
    ],
    outputs: [{ name: 'amountOut', type: 'uint256' }],
  },
] as const

const LOOP_ABI = [
  {
    type: 'function',
    name: 'transferMany',
    stateMutability: 'nonpayable',
    inputs: [{ name: 'count', type: 'uint256' }],
    outputs: [],
  },
  {
    type: 'function',
    name: 'hashChain',
    stateMutability: 'pure',
    inputs: [{ name: 'count', type: 'uint256' }],
    outputs: [{ name: 'hash', type: 'bytes32' }],
  },
] as const

const transfer = (to: Address, amount: bigint) =>
  encodeFunctionData({ abi: ERC20_ABI, functionName: 'transfer', args: [to, amount] })

async function tokenBalance(chain: StateReader, token: Address, owner: Address): Promise<bigint> {
  const data = encodeFunctionData({ abi: ERC20_ABI, functionName: 'balanceOf', args: [owner] })
  const output = await chain.read(token, data)
  return decodeFunctionResult({ abi: ERC20_ABI, functionName: 'balanceOf', data: bytesToHex(output) })
}

/** First, middle and last of [0, count): the recipients whose balances are checked. */
function sampled(count: number): number[] {
  return [...new Set([0, Math.floor(count / 2), count - 1])]
}

function expectEqual(problems: string[], what: string, actual: bigint, expected: bigint): void {
  if (actual !== expected) problems.push(`${what}: ${actual}, expected ${expected}`)
}

export function ethTransfers(sender: BenchAccount): TransactionWorkload {
  return {
    name: 'ETH transfers',
    unit: 'transfers/s',
    sender,
    setup: [],
    operation: (index) => ({
      sender,
      nonce: BigInt(index),
      to: recipient(index),
      value: 1n,
      data: '0x',
      gasLimit: ETH_TRANSFER_GAS,
    }),
    verify: async (chain, count) => {
      const problems: string[] = []
      for (const index of sampled(count))
        expectEqual(problems, `balance of recipient ${index}`, await chain.balance(recipient(index)), 1n)
      return problems
    },
  }
}

export function erc20Transfers(sender: BenchAccount, contracts: BenchContracts): TransactionWorkload {
  const token = deployedBy(sender, 0n)
  return {
    name: 'ERC-20 transfers (OpenZeppelin)',
    unit: 'transfers/s',
    sender,
    setup: [deploy(sender, 0n, contracts.Token.bytecode)],
    operation: (index) => ({
      sender,
      nonce: BigInt(index + 1),
      to: token,
      value: 0n,
      data: transfer(recipient(index), TOKEN_AMOUNT),
      gasLimit: TOKEN_TRANSFER_GAS,
    }),
    verify: async (chain, count) => {
      const problems: string[] = []
      for (const index of sampled(count))
        expectEqual(
          problems,
          `token balance of recipient ${index}`,
          await tokenBalance(chain, token, recipient(index)),
          TOKEN_AMOUNT,
        )
      expectEqual(
        problems,
        'token balance of the sender',
        await tokenBalance(chain, token, sender.address),
        TOKEN_SUPPLY - BigInt(count) * TOKEN_AMOUNT,
      )
      return problems
    },
  }
}

/**
 * Uniswap V2 from its published artifacts: two Tokens, the factory, createPair, liquidity by
 * transfer + mint; then each swap is SwapHelper.swap: a token transfer into the pair and pair.swap,
 * alternating direction so the pool stays balanced.
 */
export function uniswapSwaps(sender: BenchAccount, contracts: BenchContracts): TransactionWorkload {
  const tokenA = deployedBy(sender, 0n)
  const tokenB = deployedBy(sender, 1n)
  const factory = deployedBy(sender, 2n)
  const helper = deployedBy(sender, 3n)
  const [token0, token1] = tokenA < tokenB ? [tokenA, tokenB] : [tokenB, tokenA]
  // UniswapV2Factory.createPair: CREATE2 with salt keccak256(token0 ‖ token1), checked after setup.
  const pair = getContractAddress({
    opcode: 'CREATE2',
    from: factory,
    salt: keccak256(encodePacked(['address', 'address'], [token0, token1])),
    bytecode: contracts.UniswapV2Pair.bytecode,
  }).toLowerCase() as Address
  const call = (nonce: bigint, to: Address, data: Hex): BenchTransaction => ({
    sender,
    nonce,
    to,
    value: 0n,
    data,
    gasLimit: DEPLOY_GAS,
  })
  const setup = [
    deploy(sender, 0n, contracts.Token.bytecode),
    deploy(sender, 1n, contracts.Token.bytecode),
    deploy(
      sender,
      2n,
      encodeDeployData({
        abi: contracts.UniswapV2Factory.abi,
        bytecode: contracts.UniswapV2Factory.bytecode,
        args: [sender.address],
      }),
    ),
    deploy(sender, 3n, contracts.SwapHelper.bytecode),
    call(
      4n,
      factory,
      encodeFunctionData({ abi: FACTORY_ABI, functionName: 'createPair', args: [tokenA, tokenB] }),
    ),
    call(5n, tokenA, transfer(pair, POOL_LIQUIDITY)),
    call(6n, tokenB, transfer(pair, POOL_LIQUIDITY)),
    call(7n, pair, encodeFunctionData({ abi: PAIR_ABI, functionName: 'mint', args: [sender.address] })),
    call(8n, tokenA, transfer(helper, HELPER_FUNDS)),
    call(9n, tokenB, transfer(helper, HELPER_FUNDS)),
  ]
  return {
    name: 'Uniswap V2 swaps',
    unit: 'swaps/s',
    sender,
    setup,
    operation: (index) => ({
      sender,
      nonce: BigInt(setup.length + index),
      to: helper,
      value: 0n,
      data: encodeFunctionData({
        abi: SWAP_HELPER_ABI,
        functionName: 'swap',
        args: [pair, index % 2 === 0, SWAP_AMOUNT_IN],
      }),
      gasLimit: SWAP_GAS,
    }),
    verify: async (chain, count) => {
      // The constant product with the 0.3% fee, as UniswapV2Library.getAmountOut computes it.
      let reserve0 = POOL_LIQUIDITY
      let reserve1 = POOL_LIQUIDITY
      let helper0 = HELPER_FUNDS
      let helper1 = HELPER_FUNDS
      for (let index = 0; index < count; index++) {
        const zeroForOne = index % 2 === 0
        const [reserveIn, reserveOut] = zeroForOne ? [reserve0, reserve1] : [reserve1, reserve0]
        const withFee = SWAP_AMOUNT_IN * 997n
        const out = (withFee * reserveOut) / (reserveIn * 1000n + withFee)
        if (zeroForOne) {
          reserve0 += SWAP_AMOUNT_IN
          reserve1 -= out
          helper0 -= SWAP_AMOUNT_IN
          helper1 += out
        } else {
          reserve1 += SWAP_AMOUNT_IN
          reserve0 -= out
          helper1 -= SWAP_AMOUNT_IN
          helper0 += out
        }
      }
      const problems: string[] = []
      const reserves = decodeFunctionResult({
        abi: PAIR_ABI,
        functionName: 'getReserves',
        data: bytesToHex(
          await chain.read(pair, encodeFunctionData({ abi: PAIR_ABI, functionName: 'getReserves' })),
        ),
      })
      expectEqual(problems, 'pair reserve0', reserves[0], reserve0)
      expectEqual(problems, 'pair reserve1', reserves[1], reserve1)
      expectEqual(problems, 'helper token0', await tokenBalance(chain, token0, helper), helper0)
      expectEqual(problems, 'helper token1', await tokenBalance(chain, token1, helper), helper1)
      return problems
    },
  }
}

export function transferLoop(sender: BenchAccount, contracts: BenchContracts): CallWorkload {
  return {
    name: `${LOOP_TRANSFERS.toLocaleString('en-US')} ERC-20 transfers in one call`,
    sender,
    initcode: contracts.TransferLoop.bytecode,
    data: encodeFunctionData({ abi: LOOP_ABI, functionName: 'transferMany', args: [LOOP_TRANSFERS] }),
    verify: (outcome) => (outcome.status === 1 ? [] : ['the call failed']),
  }
}

export function hashLoop(sender: BenchAccount, contracts: BenchContracts): CallWorkload {
  let expected: Hex = `0x${'00'.repeat(32)}`
  for (let i = 0n; i < LOOP_HASHES; i++) expected = keccak256(expected)
  return {
    name: `${LOOP_HASHES.toLocaleString('en-US')} keccak256 in one call`,
    sender,
    initcode: contracts.HashLoop.bytecode,
    data: encodeFunctionData({ abi: LOOP_ABI, functionName: 'hashChain', args: [LOOP_HASHES] }),
    verify: (outcome) => {
      if (outcome.status !== 1) return ['the call failed']
      const hash = bytesToHex(outcome.output)
      return hash === expected ? [] : [`returned ${hash}, expected ${expected}`]
    },
  }
}

/** A CallWorkload's setup: the deployment of its contract. */
export function loopSetup(workload: CallWorkload): BenchTransaction[] {
  return [deploy(workload.sender, 0n, workload.initcode)]
}

/** The single call of a CallWorkload as a transaction, right after its setup. */
export function loopTransaction(workload: CallWorkload): BenchTransaction {
  return {
    sender: workload.sender,
    nonce: 1n,
    to: deployedBy(workload.sender, 0n),
    value: 0n,
    data: workload.data,
    gasLimit: CALL_GAS_LIMIT,
  }
}

function deploy(sender: BenchAccount, nonce: bigint, initcode: Hex): BenchTransaction {
  return { sender, nonce, to: null, value: 0n, data: initcode, gasLimit: DEPLOY_GAS }
}
