import { describe, expect, it } from 'vitest'
import { TraceDeadline, TraceTimeoutError } from './traceDeadline.ts'

describe('TraceDeadline', () => {
  it("reads the clock every 4,096 steps and stops past the deadline with geth's words", () => {
    let now = 0
    let reads = 0
    const deadline = new TraceDeadline(100, () => {
      reads++
      return now
    })
    for (let i = 0; i < 4096 * 2; i++) deadline.check()
    expect(reads).toBe(1 + 2)
    now = 101
    for (let i = 0; i < 4095; i++) deadline.check()
    expect(() => deadline.check()).toThrow(new TraceTimeoutError())
    expect(new TraceTimeoutError().message).toBe('execution timeout')
  })
})
