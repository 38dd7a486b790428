/**
 * One workload's measured block (block 2, BLOCK_TRANSACTIONS operations), three ways:
 *
 *   stateful   what the sequencer does with the full state: decode and recover senders,
 *              executeBlock over an EvmState on the MemoryState, apply the writes to the state
 *              trie opened at the parent root, hash the new root, assemble the header
 *   witness    commitBlockState (the same root update, recording the parent nodes it loads, and
 *              committing), encodeWitness, gzip; and its size
 *   stateless  validateBlock on the block's RLP and the witness alone; the witness's way in
 *              (gunzip, decodeWitness) is timed apart
 *
 * Every run starts from fresh EvmState and StateTrie objects, as they mutate. The stateful,
 * witness and stateless roots must all be the header's.
 */
import type { Hash } from 'viem'
import { EvmState, type StateChanges } from '../../src/evm/evmState.ts'
import { assembleBlock } from '../../src/execution/assembleBlock.ts'
import { encodeBlock } from '../../src/execution/blockCodec.ts'
import { type BlockHeader, encodeBlockHeader } from '../../src/execution/blockHeader.ts'
import type { BlockExecution } from '../../src/execution/executeBlock.ts'
import { StateTrie } from '../../src/state/stateTrie.ts'
import {
  commitBlockState,
  compressWitness,
  decodeWitness,
  decompressWitness,
  type ExecutionWitness,
  encodeWitness,
} from '../../src/state/witness.ts'
import { validateBlock } from '../../src/validator/validateBlock.ts'
import type { TransactionWorkload } from '../evm/workloads.ts'
import { executeOpenBlock, expectAllSucceeded, openBlock, RULES, recoverTransactions } from './block.ts'
import { medianTimes, type PhaseTimes } from './medianTimes.ts'
import type { ParentState } from './parentState.ts'
import { signTransactions } from './signTransactions.ts'

/** The block: 1,000 transactions of one kind. */
export const BLOCK_TRANSACTIONS = 1_000
/**
 * Runs of each timed step: three to warm up (with one, V8 had not yet optimized executeBlock's
 * paths: a 1,000-transfer block then took 2-3× as long), then the median of five.
 */
export const RUNS = { warmup: 3, timed: 5 }

type StatefulPhase = 'recover' | 'execute' | 'trieApply' | 'root' | 'assemble' | 'total'
type WitnessPhase = 'commitBlockState' | 'encode' | 'compress'
type StatelessPhase = 'decodeWitness' | 'validate'

export type WitnessBlockRun = {
  transactions: number
  gasUsed: bigint
  blockBytes: number
  /** What the block read of its parent state and wrote to it. */
  touched: { accountsRead: number; slotsRead: number; accountsWritten: number; slotsWritten: number }
  /**
   * trieApply includes collecting the write set (EvmState.changes), as validateBlock's root step
   * does, and hashing the storage roots written (StateTrie.apply needs them for the account leaves);
   * assemble seals the header (transactions and receipts roots, bloom), which validateBlock redoes
   * to compare.
   */
  stateful: PhaseTimes<StatefulPhase>
  witnessBuild: PhaseTimes<WitnessPhase>
  witness: {
    rawBytes: number
    compressedBytes: number
    stateNodes: number
    stateNodeBytes: number
    codes: number
    codeBytes: number
    keys: number
    headers: number
  }
  stateless: PhaseTimes<StatelessPhase>
}

export async function measureWitnessBlock(
  workload: TransactionWorkload,
  parent: ParentState,
): Promise<WitnessBlockRun> {
  const raws = await signTransactions(
    Array.from({ length: BLOCK_TRANSACTIONS }, (_, index) => workload.operation(index)),
  )
  const open = openBlock(parent.header.number + 1n, parent.hash)

  let sequenced: { execution: BlockExecution; changes: StateChanges; header: BlockHeader } | undefined
  const stateful = await medianTimes<StatefulPhase>(RUNS, (stopwatch) =>
    stopwatch.time('total', () => {
      const transactions = stopwatch.time('recover', () => recoverTransactions(raws))
      const evmState = new EvmState(parent.state)
      const execution = stopwatch.time('execute', () =>
        executeOpenBlock(evmState, open, transactions, parent.ancestors),
      )
      const trie = new StateTrie(parent.store, parent.root)
      const changes = stopwatch.time('trieApply', () => {
        const blockChanges = evmState.changes()
        trie.apply(blockChanges)
        return blockChanges
      })
      const root = stopwatch.time('root', () => trie.root())
      const { header } = stopwatch.time('assemble', () =>
        assembleBlock(
          open,
          raws.map((raw, index) => ({ raw, executed: execution.executed[index]! })),
          root,
        ),
      )
      sequenced = { execution, changes, header }
    }),
  )
  if (!sequenced) throw new Error('the stateful runs did not run')
  const { execution, changes, header } = sequenced
  expectAllSucceeded(workload.name, execution)

  let built:
    | { root: Hash; witness: ExecutionWitness; encoded: Uint8Array; compressed: Uint8Array }
    | undefined
  const witnessBuild = await medianTimes<WitnessPhase>(RUNS, async (stopwatch) => {
    const { root, witness } = stopwatch.time('commitBlockState', () =>
      commitBlockState({
        store: parent.store,
        parentRoot: parent.root,
        reads: changes.reads,
        writes: changes,
        codeOf: (codeHash) => parent.state.getCode(codeHash),
      }),
    )
    const full = { ...witness, headers: [encodeBlockHeader(parent.header)] }
    const encoded = stopwatch.time('encode', () => encodeWitness(full))
    const compressed = await stopwatch.timeAsync('compress', () => compressWitness(encoded))
    built = { root, witness: full, encoded, compressed }
  })
  if (!built) throw new Error('the witness runs did not run')
  const { witness, encoded, compressed } = built
  if (built.root !== header.stateRoot)
    throw new Error(
      `${workload.name}: commitBlockState's root ${built.root} is not the stateful ${header.stateRoot}`,
    )

  const blockRlp = encodeBlock(header, raws, [])
  const stateless = await medianTimes<StatelessPhase>(RUNS, async (stopwatch) => {
    await stopwatch.timeAsync('decodeWitness', async () => decodeWitness(await decompressWitness(compressed)))
    const report = stopwatch.time('validate', () => validateBlock(blockRlp, witness, RULES))
    if (report.stateRoot !== header.stateRoot)
      throw new Error(
        `${workload.name}: validateBlock's root ${report.stateRoot} is not the header's ${header.stateRoot}`,
      )
  })

  const sum = (parts: readonly Uint8Array[]) => parts.reduce((total, part) => total + part.length, 0)
  let slotsRead = 0
  for (const slots of changes.reads.storage.values()) slotsRead += slots.size
  let slotsWritten = 0
  for (const slots of changes.storage.values()) slotsWritten += slots.size
  return {
    transactions: raws.length,
    gasUsed: execution.gasUsed,
    blockBytes: blockRlp.length,
    touched: {
      accountsRead: changes.reads.accounts.size,
      slotsRead,
      accountsWritten: changes.accounts.size,
      slotsWritten,
    },
    stateful,
    witnessBuild,
    witness: {
      rawBytes: encoded.length,
      compressedBytes: compressed.length,
      stateNodes: witness.state.length,
      stateNodeBytes: sum(witness.state),
      codes: witness.codes.length,
      codeBytes: sum(witness.codes),
      keys: witness.keys.length,
      headers: witness.headers.length,
    },
    stateless,
  }
}
