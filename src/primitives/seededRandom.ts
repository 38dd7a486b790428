/**
 * A small seeded generator (mulberry32, Tommy Ettinger's 32-bit mixer): the same seed gives the same
 * numbers in [0, 1), so a property test's failure, a benchmark's workload or a scheduler's
 * interleaving reproduces. Not for anything that must be unpredictable.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}
