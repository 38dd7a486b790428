/**
 * A small seeded PRNG (sfc32, seeded through splitmix32) so a generated case is reproducible from
 * its seed alone, in any Node version: Math.random cannot be seeded.
 */
export type Random = {
  /** An integer in [0, max). */
  int(max: number): number
  /** True with probability `p`. */
  chance(p: number): boolean
  pick<T>(items: readonly T[]): T
  /** Picks by weight: `[[weight, value], …]`. */
  weighted<T>(choices: readonly (readonly [number, T])[]): T
  bytes(length: number): Uint8Array
  /** A uniformly random 256-bit word. */
  word(): bigint
}

export function createRandom(seed: number): Random {
  let state = seed >>> 0
  const splitmix = () => {
    state = (state + 0x9e3779b9) >>> 0
    let z = state
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
    return (z ^ (z >>> 16)) >>> 0
  }
  let a = splitmix()
  let b = splitmix()
  let c = splitmix()
  let d = splitmix()
  const next = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0
    d = (d + 1) >>> 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) >>> 0
    c = ((c << 21) | (c >>> 11)) >>> 0
    c = (c + t) >>> 0
    return t
  }
  for (let i = 0; i < 12; i++) next()

  const int = (max: number) => Math.floor((next() / 0x1_0000_0000) * max)
  return {
    int,
    chance: (p) => next() / 0x1_0000_0000 < p,
    pick: (items) => {
      if (items.length === 0) throw new Error('pick from an empty list')
      return items[int(items.length)]!
    },
    weighted: (choices) => {
      const total = choices.reduce((sum, [weight]) => sum + weight, 0)
      let roll = int(total)
      for (const [weight, value] of choices) {
        if (roll < weight) return value
        roll -= weight
      }
      throw new Error('weighted pick from an empty list')
    },
    bytes: (length) => {
      const out = new Uint8Array(length)
      for (let i = 0; i < length; i++) out[i] = next() & 0xff
      return out
    },
    word: () => {
      let value = 0n
      for (let i = 0; i < 8; i++) value = (value << 32n) | BigInt(next())
      return value
    },
  }
}
