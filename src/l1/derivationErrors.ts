/**
 * Why derivation (L1 data → L2 blocks → checked against the committed roots) stopped. Each names
 * what a verifier should conclude: the L1 data is unusable, the batches do not continue the chain,
 * a block cannot be executed, or a commitment disagrees with the block the data gives.
 */
import type { Hash } from 'viem'
import { VeloxError } from '../errors/base.ts'

/** The base of every derivation failure. */
export class DerivationError extends VeloxError {
  override name = 'DerivationError'
}

/** What L1 holds is inconsistent: a frame's data is not what its event announces, or events are out of order. */
export class L1DataError extends DerivationError {
  override name = 'L1DataError'
}

/** L1 reorganised under every read of it: no read saw one fork from start to end (readStableL1). */
export class L1ReorganisedError extends DerivationError {
  override name = 'L1ReorganisedError'
}

/** A batch does not start where the derived chain ends: a gap, an overlap or another parent. */
export class ChainDiscontinuityError extends DerivationError {
  override name = 'ChainDiscontinuityError'
  readonly expectedNumber: bigint
  readonly batchFirstBlock: bigint

  constructor(
    expected: { number: bigint; parentHash: Hash },
    batch: { firstBlock: bigint; parentHash: Hash },
  ) {
    const what =
      batch.firstBlock !== expected.number
        ? batch.firstBlock > expected.number
          ? `a gap: blocks ${expected.number}..${batch.firstBlock - 1n} are in no batch`
          : `an overlap: block ${batch.firstBlock} was already derived`
        : `parent hash ${batch.parentHash}, the derived block ${expected.number - 1n} is ${expected.parentHash}`
    super(`batch of blocks from ${batch.firstBlock} does not continue the derived chain`, {
      details: `the next block is ${expected.number}; the batch has ${what}`,
    })
    this.expectedNumber = expected.number
    this.batchFirstBlock = batch.firstBlock
  }
}

/** A block the batches give cannot be a block of this chain (a transaction, a timestamp). */
export class InvalidDerivedBlockError extends DerivationError {
  override name = 'InvalidDerivedBlockError'
  readonly blockNumber: bigint

  constructor(blockNumber: bigint, reason: string, cause?: unknown) {
    super(`block ${blockNumber} from L1 is invalid`, { details: reason, cause })
    this.blockNumber = blockNumber
  }
}

export type CommitmentDifference = { field: 'blockHash' | 'stateRoot'; committed: Hash; derived: Hash }

/** A StateCommitted event names a block hash or state root other than the derived block's. */
export class CommitmentMismatchError extends DerivationError {
  override name = 'CommitmentMismatchError'
  readonly blockNumber: bigint
  readonly differences: readonly CommitmentDifference[]

  constructor(blockNumber: bigint, commitmentIndex: bigint, differences: readonly CommitmentDifference[]) {
    super(`commitment ${commitmentIndex} does not match block ${blockNumber}`, {
      details: differences
        .map(({ field, committed, derived }) => `${field} committed ${committed}, derived ${derived}`)
        .join('; '),
    })
    this.blockNumber = blockNumber
    this.differences = differences
  }
}

/**
 * Derivation from a committed root: the witness given for a block does not let it execute (it
 * lacks the parent header, a node or a code on the block's paths, or holds nodes that are not the
 * parent state's). Never a pass: the block could not be checked.
 */
export class WitnessUnusableError extends DerivationError {
  override name = 'WitnessUnusableError'
  readonly blockNumber: bigint

  constructor(blockNumber: bigint, reason: string, cause?: unknown) {
    super(`the witness of block ${blockNumber} is unusable`, { details: reason, cause })
    this.blockNumber = blockNumber
  }
}
