import type { Hash } from 'viem'
import { bytesToHex } from '../primitives/hex.ts'
import { keccak256 } from '../primitives/keccak256.ts'

const encoder = new TextEncoder()

/**
 * The PREVRANDAO (header mixHash) the sequencer gives a block: keccak256 of the UTF-8 text
 * "velox-prevrandao:" followed by the parent's hash in lowercase 0x-hex. There is no beacon chain,
 * so it is derived from the parent, and a batch need not carry it. The same rule as
 * workers/sequencer/sequencer.ts `openNextBlock`, which should import this function.
 */
export function derivePrevRandao(parentHash: Hash): Hash {
  return bytesToHex(keccak256(encoder.encode(`velox-prevrandao:${parentHash.toLowerCase()}`)))
}
