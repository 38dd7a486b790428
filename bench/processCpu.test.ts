import { existsSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { cpuMsOf } from './processCpu.ts'

describe.skipIf(!existsSync('/proc/self/stat'))('process CPU time (Linux /proc)', () => {
  it("counts a process's CPU as it works, and nothing for a process that is gone", () => {
    const before = cpuMsOf({ self: [process.pid] })!.self!
    const until = Date.now() + 150
    let spins = 0
    while (Date.now() < until) spins++
    const after = cpuMsOf({ self: [process.pid] })!.self!
    expect(spins).toBeGreaterThan(0)
    // 150 ms of wall time spinning: at least a third of it on a core, whatever else runs (ticks are 10 ms).
    expect(after - before).toBeGreaterThanOrEqual(50)
    expect(cpuMsOf({ self: [process.pid], gone: [0x7fff_fff0] })).toBeUndefined()
  })
})
