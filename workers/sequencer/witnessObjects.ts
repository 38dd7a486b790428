/** Where a sealed block's execution witness lives in R2: one gzip-compressed RLP object per block. */
export const witnessKey = (blockNumber: bigint): string => `witnesses/${blockNumber}.rlp.gz`

/** The chain's one background validator Durable Object is addressed by this name. */
export const VALIDATOR_NAME = 'chain'
