import { keccak256 } from '../../primitives/keccak256.ts'

/** Sets the 3 bits a value contributes to a 2048-bit bloom (yellow paper M3:2048). */
export function addToBloom(bloom: Uint8Array, value: Uint8Array): void {
  const hash = keccak256(value)
  for (let i = 0; i < 6; i += 2) {
    const bit = ((hash[i]! << 8) | hash[i + 1]!) & 2047
    bloom[255 - (bit >> 3)]! |= 1 << (bit & 7)
  }
}

/** The logs bloom of a receipt: every log's address and topics. */
export function logsBloom(logs: { address: Uint8Array; topics: Uint8Array[] }[]): Uint8Array {
  const bloom = new Uint8Array(256)
  for (const log of logs) {
    addToBloom(bloom, log.address)
    for (const topic of log.topics) addToBloom(bloom, topic)
  }
  return bloom
}
