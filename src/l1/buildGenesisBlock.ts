/**
 * Block 0 and its state, from a genesis file (config/genesis.dev.json's shape), built as the
 * sequencer writes it (workers/sequencer/sequencer.ts `writeGenesis`): every `alloc` account with
 * its balance (nonce 0, no code), and a header with no parent, zero coinbase and PREVRANDAO, the
 * file's timestamp, base fee and extraData, and the chain's block gas limit.
 */
import type { Address, Hash, Hex } from 'viem'
import { assembleBlock } from '../execution/assembleBlock.ts'
import { type BlockHeader, headerFieldsForFork, ZERO_HASH } from '../execution/blockHeader.ts'
import type { Fork } from '../execution/chainConfig.ts'
import { computeStateRoot } from '../state/computeStateRoot.ts'
import { MemoryState } from '../state/memoryState.ts'
import { DerivationError } from './derivationErrors.ts'

export type GenesisFile = {
  timestamp: string
  gasLimit: string
  baseFeePerGas: string
  extraData: string
  alloc: Record<string, { balance: string; nonce?: unknown; code?: unknown; storage?: unknown }>
}

export type GenesisBlock = { header: BlockHeader; hash: Hash; state: MemoryState }

const QUANTITY = /^(0x[0-9a-fA-F]+|[0-9]+)$/
const ADDRESS = /^0x[0-9a-fA-F]{40}$/

export function buildGenesisBlock(
  file: GenesisFile,
  rules: { fork: Fork; blockGasLimit: bigint },
): GenesisBlock {
  const state = new MemoryState()
  for (const [address, account] of Object.entries(file.alloc ?? {})) {
    if (!ADDRESS.test(address)) throw new DerivationError(`genesis alloc key ${address} is not an address`)
    // The sequencer writes balances only: an account with more would make another chain than it runs.
    if (account.nonce !== undefined || account.code !== undefined || account.storage !== undefined)
      throw new DerivationError(`genesis account ${address} has a nonce, code or storage`, {
        details: 'the sequencer reads only balances from genesis, so derivation does too',
      })
    state.setAccount(address as Address, { balance: quantity(account.balance, `alloc ${address} balance`) })
  }
  if (typeof file.extraData !== 'string' || !/^0x([0-9a-fA-F]{2})*$/.test(file.extraData))
    throw new DerivationError('genesis extraData is not hex')
  // A whole-state root: genesis is small, and deriveChain's incremental trie is checked against it.
  const root = computeStateRoot(state.entries())
  const sealed = assembleBlock(
    {
      number: 0n,
      parentHash: ZERO_HASH,
      timestamp: quantity(file.timestamp, 'timestamp'),
      baseFeePerGas: quantity(file.baseFeePerGas, 'baseFeePerGas'),
      gasLimit: rules.blockGasLimit,
      coinbase: '0x0000000000000000000000000000000000000000',
      prevRandao: ZERO_HASH,
      extraData: file.extraData.toLowerCase() as Hex,
      ...headerFieldsForFork(rules.fork),
    },
    [],
    root,
  )
  return { header: sealed.header, hash: sealed.hash, state }
}

function quantity(value: unknown, name: string): bigint {
  if (typeof value !== 'string' || !QUANTITY.test(value))
    throw new DerivationError(`genesis ${name} is not a number: ${String(value)}`)
  return BigInt(value)
}
