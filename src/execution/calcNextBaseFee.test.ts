import { describe, expect, it } from 'vitest'
import { calcNextBaseFee } from './calcNextBaseFee.ts'

const gwei = 1_000_000_000n

describe('calcNextBaseFee', () => {
  it('keeps the base fee at exactly the target', () => {
    expect(
      calcNextBaseFee({ baseFeePerGas: gwei, gasUsed: 15_000_000n, gasLimit: 30_000_000n, minBaseFee: 0n }),
    ).toBe(gwei)
  })
  it('rises by 1/8 on a full block and falls by 1/8 on an empty one', () => {
    expect(
      calcNextBaseFee({ baseFeePerGas: gwei, gasUsed: 30_000_000n, gasLimit: 30_000_000n, minBaseFee: 0n }),
    ).toBe(1_125_000_000n)
    expect(calcNextBaseFee({ baseFeePerGas: gwei, gasUsed: 0n, gasLimit: 30_000_000n, minBaseFee: 0n })).toBe(
      875_000_000n,
    )
  })
  it('rises by at least 1 wei above target', () => {
    expect(
      calcNextBaseFee({ baseFeePerGas: 7n, gasUsed: 15_000_001n, gasLimit: 30_000_000n, minBaseFee: 0n }),
    ).toBe(8n)
  })
  it('matches geth for a partially filled block', () => {
    // geth's TestCalcBaseFee: parent 1 gwei, limit 20M, used 9M -> 987500000
    expect(
      calcNextBaseFee({ baseFeePerGas: gwei, gasUsed: 9_000_000n, gasLimit: 20_000_000n, minBaseFee: 0n }),
    ).toBe(987_500_000n)
  })
  it('never goes below the floor', () => {
    expect(
      calcNextBaseFee({
        baseFeePerGas: 1_000_000n,
        gasUsed: 0n,
        gasLimit: 30_000_000n,
        minBaseFee: 1_000_000n,
      }),
    ).toBe(1_000_000n)
  })
})
