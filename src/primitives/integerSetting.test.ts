import { describe, expect, it } from 'vitest'
import { parseIntegerSetting } from './integerSetting.ts'

describe('parseIntegerSetting', () => {
  it('reads decimal digits within the range, bounds included', () => {
    expect(parseIntegerSetting('N', '0', { min: 0 })).toBe(0)
    expect(parseIntegerSetting('N', '64', { min: 1, max: 64 })).toBe(64)
    expect(parseIntegerSetting('N', '007', { min: 1, max: 64 })).toBe(7)
    expect(parseIntegerSetting('N', '9007199254740991', { min: 0 })).toBe(Number.MAX_SAFE_INTEGER)
  })

  it('refuses whatever Number() would have read as something else, naming the setting', () => {
    for (const text of ['', ' 5', '5 ', '1.5', '5e4', '0x10', '-1', '+3', 'lots', '9007199254740992'])
      expect(() => parseIntegerSetting('PARALLEL_EXECUTORS', text, { min: 0 })).toThrow(
        `PARALLEL_EXECUTORS must be an integer of at least 0, got ${JSON.stringify(text)}`,
      )
  })

  it('refuses values out of range, with the range in the message', () => {
    expect(() => parseIntegerSetting('--threads', '0', { min: 1, max: 64 })).toThrow(
      '--threads must be an integer in 1..64, got "0"',
    )
    expect(() => parseIntegerSetting('--threads', '65', { min: 1, max: 64 })).toThrow(
      '--threads must be an integer in 1..64, got "65"',
    )
    expect(() => parseIntegerSetting('MIN', '1', { min: 2 })).toThrow(
      'MIN must be an integer of at least 2, got "1"',
    )
  })

  it("throws the caller's kind of error", () => {
    class UsageError extends Error {}
    expect(() =>
      parseIntegerSetting('--threads', 'x', { min: 1 }, (message) => new UsageError(message)),
    ).toThrow(UsageError)
  })
})
