import { decodeWitness, decompressWitness, type ExecutionWitness } from '../../src/state/witness.ts'

/** Where a sealed block's execution witness lives in R2: one gzip-compressed RLP object per block. */
export const witnessKey = (blockNumber: bigint): string => `witnesses/${blockNumber}.rlp.gz`

/** The chain's one background validator Durable Object is addressed by this name. */
export const VALIDATOR_NAME = 'chain'

/** A sealed block's witness as R2 holds it, decoded; undefined while it is not there (yet). */
export async function readStoredWitness(
  bucket: R2Bucket,
  blockNumber: bigint,
): Promise<ExecutionWitness | undefined> {
  const object = await bucket.get(witnessKey(blockNumber))
  if (!object) return undefined
  return decodeWitness(await decompressWitness(new Uint8Array(await object.arrayBuffer())))
}
