import { existsSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { cpuMsOf, machineShare, machineTicks } from './processCpu.ts'

describe.skipIf(!existsSync('/proc/self/stat'))('process CPU time (Linux /proc)', () => {
  it("counts a process's CPU as it works, and nothing for a process that is gone", () => {
    const before = cpuMsOf({ self: [process.pid] })!.self!
    // Spin until 50 ms of CPU are counted: however loaded the machine, a working process gets
    // there (ticks are 10 ms); a reader that never counts it fails at the deadline.
    const deadline = Date.now() + 10_000
    let after = before
    let spins = 0
    while (after - before < 50 && Date.now() < deadline) {
      for (let i = 0; i < 100_000; i++) spins++
      after = cpuMsOf({ self: [process.pid] })!.self!
    }
    expect(spins).toBeGreaterThan(0)
    expect(after - before).toBeGreaterThanOrEqual(50)
    expect(cpuMsOf({ self: [process.pid], gone: [0x7fff_fff0] })).toBeUndefined()
  })
})

describe.skipIf(!existsSync('/proc/stat'))('machine CPU time (Linux /proc/stat)', () => {
  it('sees the machine busy while this process spins, and shares add up to at most all of it', () => {
    const before = machineTicks()!
    const until = Date.now() + 150
    let spins = 0
    while (Date.now() < until) spins++
    const after = machineTicks()!
    expect(spins).toBeGreaterThan(0)
    expect(after.busy).toBeGreaterThan(before.busy)
    const { busyPercent, stealPercent } = machineShare(before, after)
    // One core of two (or more) spinning: a share of the machine, never more than all of it.
    expect(busyPercent).toBeGreaterThan(0)
    expect(busyPercent + stealPercent).toBeLessThanOrEqual(100)
    expect(stealPercent).toBeGreaterThanOrEqual(0)
  })

  it('splits ticks into busy and stolen shares of the whole', () => {
    const share = machineShare({ busy: 100, idle: 100, steal: 0 }, { busy: 160, idle: 130, steal: 10 })
    expect(share.busyPercent).toBeCloseTo(60)
    expect(share.stealPercent).toBeCloseTo(10)
    expect(machineShare({ busy: 5, idle: 5, steal: 5 }, { busy: 5, idle: 5, steal: 5 })).toEqual({
      busyPercent: 0,
      stealPercent: 0,
    })
  })
})
