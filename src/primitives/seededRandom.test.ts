import { describe, expect, it } from 'vitest'
import { seededRandom } from './seededRandom.ts'

describe('seededRandom', () => {
  it('gives the same numbers for the same seed, different ones for another, all in [0, 1)', () => {
    const draw = (seed: number) => {
      const next = seededRandom(seed)
      return Array.from({ length: 1000 }, () => next())
    }
    const a = draw(7)
    expect(draw(7)).toEqual(a)
    expect(draw(8)).not.toEqual(a)
    for (const value of a) {
      expect(value).toBeGreaterThanOrEqual(0)
      expect(value).toBeLessThan(1)
    }
    // Spread over the interval: each tenth gets a share near 100 of the 1,000 draws.
    const tenths = new Array<number>(10).fill(0)
    for (const value of a) tenths[Math.floor(value * 10)]!++
    for (const count of tenths) expect(count).toBeGreaterThan(60)
  })
})
