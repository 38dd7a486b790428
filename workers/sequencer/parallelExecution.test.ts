import { describe, expect, it } from 'vitest'
import { DEFAULT_MIN_GAS_PER_TRANSACTION } from '../../src/execution/parallel/executePartitioned.ts'
import { parseParallelExecutionConfig } from './parallelExecution.ts'

describe('parseParallelExecutionConfig', () => {
  it('defaults to in-process execution and the documented thresholds', () => {
    expect(parseParallelExecutionConfig({})).toEqual({
      executors: 1,
      minTransactions: 256,
      minGasPerTransaction: DEFAULT_MIN_GAS_PER_TRANSACTION,
    })
    expect(DEFAULT_MIN_GAS_PER_TRANSACTION).toBe(150_000)
  })

  it('takes the vars as given, 0 turning the gas threshold off', () => {
    expect(
      parseParallelExecutionConfig({
        PARALLEL_EXECUTORS: '4',
        PARALLEL_MIN_TRANSACTIONS: '2',
        PARALLEL_MIN_GAS_PER_TRANSACTION: '0',
      }),
    ).toEqual({ executors: 4, minTransactions: 2, minGasPerTransaction: 0 })
  })

  it('refuses what is not a count, naming the var', () => {
    for (const value of ['', '-1', '1.5', '5e4', 'lots', '99999999999999999999'])
      expect(() => parseParallelExecutionConfig({ PARALLEL_MIN_GAS_PER_TRANSACTION: value })).toThrow(
        `PARALLEL_MIN_GAS_PER_TRANSACTION must be an integer of at least 0, got ${JSON.stringify(value)}`,
      )
    // Number() would have read these as 10 and 16 executors.
    for (const value of ['1e1', '0x10'])
      expect(() => parseParallelExecutionConfig({ PARALLEL_EXECUTORS: value })).toThrow(
        `PARALLEL_EXECUTORS must be an integer in 1..64, got "${value}"`,
      )
    expect(() => parseParallelExecutionConfig({ PARALLEL_EXECUTORS: '65' })).toThrow(
      'PARALLEL_EXECUTORS must be an integer in 1..64, got "65"',
    )
    expect(() => parseParallelExecutionConfig({ PARALLEL_MIN_TRANSACTIONS: '1' })).toThrow(
      'PARALLEL_MIN_TRANSACTIONS must be an integer of at least 2, got "1"',
    )
  })
})
