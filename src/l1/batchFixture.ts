/**
 * What the batch tests share: transactions of every type signed with viem, and chains of sealed
 * block headers (linked by hash, prevRandao by the sequencer's rule) to put them in.
 */
import { type Address, type Hash, type Hex, parseGwei } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import {
  type BlockHeader,
  EMPTY_BLOOM,
  EMPTY_OMMERS_HASH,
  EMPTY_REQUESTS_HASH,
  EMPTY_TRIE_ROOT,
  hashBlockHeader,
  ZERO_HASH,
} from '../execution/blockHeader.ts'
import { hexToBytes } from '../primitives/hex.ts'
import type { BatchBlock } from './batchFormat.ts'
import { derivePrevRandao } from './derivePrevRandao.ts'

export const CHAIN_ID = 7077n
/** anvil's first development key. */
export const account = privateKeyToAccount(
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
)
const TOKEN: Address = '0x5fbdb2315678afecb367f032d93f642f64180aa3'
const RECIPIENT: Address = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8'
const word = (hex: string) => hex.replace(/^0x/, '').padStart(64, '0')

/** One signed envelope of each kind a batch must carry, by name. */
export async function signedTransactionsOfEveryType(): Promise<Record<string, Uint8Array>> {
  const chainId = Number(CHAIN_ID)
  const common = { to: RECIPIENT, gas: 21_000n, value: 1_000_000_000_000_000n }
  const transfer = `0xa9059cbb${word(RECIPIENT)}${word((1234n * 10n ** 16n).toString(16))}` as Hex
  const signed: Record<string, Hex> = {
    'legacy (EIP-155)': await account.signTransaction({
      type: 'legacy',
      chainId,
      nonce: 0,
      gasPrice: parseGwei('1.5'),
      ...common,
    }),
    'legacy (before EIP-155)': await account.signTransaction({
      type: 'legacy',
      nonce: 1,
      gasPrice: parseGwei('2'),
      ...common,
    }),
    'legacy contract creation': await account.signTransaction({
      type: 'legacy',
      chainId,
      nonce: 2,
      gasPrice: parseGwei('1'),
      gas: 100_000n,
      to: null,
      data: '0x6080604052348015600e575f5ffd5b50603e80601a5f395ff3fe',
    }),
    'EIP-2930 with an access list': await account.signTransaction({
      type: 'eip2930',
      chainId,
      nonce: 3,
      gasPrice: parseGwei('1'),
      gas: 60_000n,
      to: TOKEN,
      data: transfer,
      accessList: [
        { address: TOKEN, storageKeys: [`0x${word('1')}`, `0x${word('beef')}`] },
        { address: RECIPIENT, storageKeys: [] },
      ],
    }),
    'EIP-1559 ETH transfer': await account.signTransaction({
      type: 'eip1559',
      chainId,
      nonce: 4,
      maxFeePerGas: parseGwei('3'),
      maxPriorityFeePerGas: parseGwei('0.001'),
      ...common,
    }),
    'EIP-1559 ERC-20 transfer': await account.signTransaction({
      type: 'eip1559',
      chainId,
      nonce: 5,
      maxFeePerGas: parseGwei('3'),
      maxPriorityFeePerGas: 1n,
      gas: 52_000n,
      to: TOKEN,
      data: transfer,
    }),
    'EIP-1559 creation': await account.signTransaction({
      type: 'eip1559',
      chainId,
      nonce: 6,
      maxFeePerGas: parseGwei('3'),
      maxPriorityFeePerGas: 0n,
      gas: 100_000n,
      data: '0x600a600c600039600a6000f3602a60005260206000f3',
    }),
    'EIP-1559 with odd-length data': await account.signTransaction({
      type: 'eip1559',
      chainId,
      nonce: 7,
      maxFeePerGas: 123_456_789_123n,
      maxPriorityFeePerGas: 7n,
      gas: 30_000n,
      to: TOKEN,
      data: '0xdeadbeef01',
    }),
    'EIP-1559 with opaque words (negative numbers, hashes)': await account.signTransaction({
      type: 'eip1559',
      chainId,
      nonce: 8,
      maxFeePerGas: parseGwei('3'),
      maxPriorityFeePerGas: 1n,
      gas: 90_000n,
      to: TOKEN,
      data: `0x12345678${'ff'.repeat(32)}${'a5'.repeat(32)}${word('0')}`,
    }),
    'EIP-4844 blob transaction': await account.signTransaction({
      type: 'eip4844',
      chainId,
      nonce: 9,
      maxFeePerGas: parseGwei('3'),
      maxPriorityFeePerGas: 1n,
      maxFeePerBlobGas: parseGwei('0.1'),
      gas: 21_000n,
      to: RECIPIENT,
      blobVersionedHashes: [`0x01${'11'.repeat(31)}`, `0x01${'22'.repeat(31)}`],
    }),
    'EIP-7702 set-code transaction': await account.signTransaction({
      type: 'eip7702',
      chainId,
      nonce: 10,
      maxFeePerGas: parseGwei('3'),
      maxPriorityFeePerGas: 1n,
      gas: 100_000n,
      to: account.address,
      data: '0x',
      authorizationList: [
        await account.signAuthorization({ address: TOKEN, chainId, nonce: 11 }),
        await account.signAuthorization({ address: RECIPIENT, chainId: 0, nonce: 12 }),
      ],
    }),
  }
  return Object.fromEntries(Object.entries(signed).map(([name, raw]) => [name, hexToBytes(raw)]))
}

export type BlockSpec = {
  miniBlocks: Uint8Array[][]
  /** Seconds after the previous block (the first: after its parent's timestamp). */
  interval?: bigint
  header?: Partial<BlockHeader>
}

/**
 * Sealed-looking blocks from `first`, each linked to the one before by hash; roots are arbitrary
 * (a batch does not carry them), prevRandao is the sequencer's unless a spec overrides it.
 */
export function chainOfBlocks(
  specs: readonly BlockSpec[],
  options: { first?: bigint; parentHash?: Hash; timestamp?: bigint } = {},
): BatchBlock[] {
  const blocks: BatchBlock[] = []
  let number = options.first ?? 1n
  let parentHash = options.parentHash ?? (`0x${'ab'.repeat(32)}` as Hash)
  let timestamp = options.timestamp ?? 1_750_000_000n
  for (const spec of specs) {
    timestamp += spec.interval ?? 1n
    const header: BlockHeader = {
      parentHash,
      ommersHash: EMPTY_OMMERS_HASH,
      coinbase: '0x000000000000000000000000000000000000c0fe',
      stateRoot: `0x${number.toString(16).padStart(64, '5')}`,
      transactionsRoot: EMPTY_TRIE_ROOT,
      receiptsRoot: EMPTY_TRIE_ROOT,
      logsBloom: EMPTY_BLOOM,
      difficulty: 0n,
      number,
      gasLimit: 200_000_000n,
      gasUsed: 0n,
      timestamp,
      extraData: '0x',
      mixHash: derivePrevRandao(parentHash),
      nonce: '0x0000000000000000',
      baseFeePerGas: 1_000_000n,
      withdrawalsRoot: EMPTY_TRIE_ROOT,
      blobGasUsed: 0n,
      excessBlobGas: 0n,
      parentBeaconBlockRoot: ZERO_HASH,
      requestsHash: EMPTY_REQUESTS_HASH,
      ...spec.header,
    }
    blocks.push({ header, miniBlocks: spec.miniBlocks })
    parentHash = hashBlockHeader(header)
    timestamp = header.timestamp
    number++
  }
  return blocks
}
