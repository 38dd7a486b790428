import type { Hash, Hex } from 'viem'
import { decodeBlock } from '../execution/blockCodec.ts'
import { AccessPredictor } from '../execution/parallel/accessPredictor.ts'
import {
  DEFAULT_MIN_GAS_PER_TRANSACTION,
  type PartitionedOptions,
} from '../execution/parallel/executePartitioned.ts'
import type { ExecutorPool } from '../execution/parallel/executorPool.ts'
import { hexToBytes } from '../primitives/hex.ts'
import { type ExecutionWitness, witnessFromJson } from '../state/witness.ts'
import { rpcCaller } from './rpcCaller.ts'
import {
  BlockValidationError,
  type ChainRules,
  type ValidationReport,
  validateBlock,
  validateBlockParallel,
} from './validateBlock.ts'

export type BlockOutcome =
  | {
      number: bigint
      ok: true
      report: ValidationReport
      witnessBytes: number
      /** Whether its transactions went to the pool's executors (or ran here, as one group). */
      dispatched: boolean
    }
  | { number: bigint; ok: false; kind: string; message: string }

export type ChainValidationSummary = {
  from: bigint
  to: bigint
  validated: number
  failed: number
  /** Validated blocks whose transactions went to the pool's executors. */
  dispatched: number
}

/**
 * Checks a running chain block by block from its JSON-RPC alone: for each block, debug_getRawBlock
 * and debug_executionWitness, then validateBlock on them. Consecutive blocks must link by parent
 * hash, so a validated range is one chain. `to` defaults to the head; the chain id comes from
 * eth_chainId, the fork from the caller (Velox chains run Prague).
 */
export async function validateChainOverRpc(options: {
  url: string
  from?: bigint
  to?: bigint
  fork?: ChainRules['fork']
  /** Re-execute each block in parallel on this pool, each executor given a slice of the witness. */
  pool?: ExecutorPool
  /**
   * With a pool, a block goes to it only if its transactions average at least this gas limit, as
   * the sequencer decides (DEFAULT_MIN_GAS_PER_TRANSACTION, its default); 0 sends every block.
   */
  minGasPerTransaction?: number
  onBlock?: (outcome: BlockOutcome, summary: ChainValidationSummary) => void
}): Promise<ChainValidationSummary> {
  // One predictor for the run: what one block teaches about the contracts speeds up the next.
  const parallel = options.pool && {
    pool: options.pool,
    predictor: new AccessPredictor(),
    minGasPerTransaction: options.minGasPerTransaction ?? DEFAULT_MIN_GAS_PER_TRANSACTION,
  }
  const call = rpcCaller(options.url)
  const chainId = BigInt(await call<Hex>('eth_chainId', []))
  const rules: ChainRules = { chainId, fork: options.fork ?? 'prague' }
  const from = options.from ?? 1n
  const to = options.to ?? BigInt(await call<Hex>('eth_blockNumber', []))
  if (from < 1n)
    throw new Error('--from must be at least 1: the genesis block has no parent to validate against')
  const summary: ChainValidationSummary = { from, to, validated: 0, failed: 0, dispatched: 0 }
  let previousHash: Hash | undefined
  for (let number = from; number <= to; number++) {
    const quantity = `0x${number.toString(16)}`
    let outcome: BlockOutcome
    try {
      const [raw, witnessJson] = await Promise.all([
        call<Hex>('debug_getRawBlock', [quantity]),
        call<unknown>('debug_executionWitness', [quantity]),
      ])
      outcome = await check(number, hexToBytes(raw), witnessJson, rules, previousHash, parallel)
    } catch (error) {
      outcome = { number, ok: false, kind: 'unavailable', message: (error as Error).message }
    }
    if (outcome.ok) {
      summary.validated++
      if (outcome.dispatched) summary.dispatched++
      previousHash = outcome.report.hash
    } else {
      summary.failed++
      previousHash = undefined
    }
    options.onBlock?.(outcome, summary)
  }
  return summary
}

async function check(
  number: bigint,
  block: Uint8Array,
  witnessJson: unknown,
  rules: ChainRules,
  previousHash: Hash | undefined,
  parallel: Pick<PartitionedOptions, 'pool' | 'predictor' | 'minGasPerTransaction'> | undefined,
): Promise<BlockOutcome> {
  try {
    const witness = witnessFromJson(witnessJson)
    const { header } = decodeBlock(block)
    if (header.number !== number) throw new Error(`asked for block ${number}, got block ${header.number}`)
    if (previousHash !== undefined && header.parentHash !== previousHash)
      return {
        number,
        ok: false,
        kind: 'chain-discontinuity',
        message: `parent hash ${header.parentHash} is not block ${number - 1n}'s hash ${previousHash}`,
      }
    let report: ValidationReport
    let dispatched = false
    if (parallel) {
      const { partition, ...serialReport } = await validateBlockParallel(block, witness, rules, parallel)
      report = serialReport
      dispatched = partition.groups > 0
    } else report = validateBlock(block, witness, rules)
    const witnessBytes = witness.state
      .concat(witness.codes, witness.keys, witness.headers)
      .reduce((n, b) => n + b.length, 0)
    return { number, ok: true, report, witnessBytes, dispatched }
  } catch (error) {
    if (error instanceof BlockValidationError)
      return { number, ok: false, kind: error.kind, message: error.message }
    return { number, ok: false, kind: 'malformed-response', message: (error as Error).message }
  }
}

/** Each block's execution witness from a node's debug_executionWitness (Velox serves them from R2). */
export function witnessesOverRpc(url: string): (number: bigint) => Promise<ExecutionWitness> {
  const call = rpcCaller(url)
  return async (number) =>
    witnessFromJson(await call<unknown>('debug_executionWitness', [`0x${number.toString(16)}`]))
}
