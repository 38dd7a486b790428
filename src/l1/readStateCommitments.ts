/**
 * The state commitments on L1: every StateCommitted log of the StateCommitments contract, in log
 * order (readContractLogs). The contract takes them for increasing L2 blocks only; a reader checks
 * that again rather than trust the node it asks.
 */
import type { Abi, Address, Hash, PublicClient } from 'viem'
import StateCommitmentsArtifact from '../../contracts/artifacts/StateCommitments.json' with { type: 'json' }
import { L1DataError } from './derivationErrors.ts'
import type { L1View } from './l1View.ts'
import { readContractLogs } from './readContractLogs.ts'

export const stateCommitmentsAbi = StateCommitmentsArtifact.abi as Abi

export type StateCommitment = {
  index: bigint
  l2BlockNumber: bigint
  blockHash: Hash
  stateRoot: Hash
  /** L1 timestamp of the commit. */
  committedAt: bigint
  l1BlockNumber: bigint
}

export async function readStateCommitments(
  client: PublicClient,
  options: {
    commitments: Address
    fromL1Block: bigint
    toL1Block: bigint
    blockRange?: bigint
    view?: L1View
  },
): Promise<StateCommitment[]> {
  const commitments: StateCommitment[] = []
  for await (const log of readContractLogs(client, {
    address: options.commitments,
    abi: stateCommitmentsAbi,
    eventName: 'StateCommitted',
    fromBlock: options.fromL1Block,
    toBlock: options.toL1Block,
    ...(options.blockRange !== undefined ? { blockRange: options.blockRange } : {}),
    ...(options.view ? { view: options.view } : {}),
  })) {
    const args = log.args as Omit<StateCommitment, 'l1BlockNumber'>
    const previous = commitments[commitments.length - 1]
    if (previous && args.l2BlockNumber <= previous.l2BlockNumber)
      throw new L1DataError(`commitment ${args.index} is for block ${args.l2BlockNumber}`, {
        details: `not after the previous commitment's block ${previous.l2BlockNumber}`,
      })
    commitments.push({
      index: args.index,
      l2BlockNumber: args.l2BlockNumber,
      blockHash: args.blockHash,
      stateRoot: args.stateRoot,
      committedAt: args.committedAt,
      l1BlockNumber: log.blockNumber,
    })
  }
  return commitments
}
