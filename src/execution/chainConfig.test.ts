import { describe, expect, it } from 'vitest'
import { parseChainConfig } from './chainConfig.ts'

const defaults = { blockGasLimit: 30_000_000n }

describe('parseChainConfig', () => {
  it('defaults to 10 ms mini-blocks in 1 s blocks', () => {
    const config = parseChainConfig({}, defaults)
    expect(config.miniBlockIntervalMs).toBe(10)
    expect(config.blockIntervalMs).toBe(1000)
    expect(config.blockGasLimit).toBe(30_000_000n)
  })

  it('takes intervals as decimal milliseconds, and nothing Number() would read otherwise', () => {
    expect(
      parseChainConfig({ MINI_BLOCK_INTERVAL_MS: '25', BLOCK_INTERVAL_MS: '2000' }, defaults),
    ).toMatchObject({
      miniBlockIntervalMs: 25,
      blockIntervalMs: 2000,
    })
    for (const value of ['', '1e1', '0x10', '2.5', '0', '1001'])
      expect(() => parseChainConfig({ MINI_BLOCK_INTERVAL_MS: value }, defaults)).toThrow(
        `MINI_BLOCK_INTERVAL_MS must be an integer in 1..1000, got ${JSON.stringify(value)}`,
      )
    expect(() => parseChainConfig({ BLOCK_INTERVAL_MS: '1e3' }, defaults)).toThrow(
      'BLOCK_INTERVAL_MS must be an integer of at least 1000, got "1e3"',
    )
    expect(() => parseChainConfig({ BLOCK_INTERVAL_MS: '1500' }, defaults)).toThrow(
      'BLOCK_INTERVAL_MS must be a whole number of seconds in ms, got 1500',
    )
  })
})
