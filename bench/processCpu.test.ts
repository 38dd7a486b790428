import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { cpuMsOf, processTree } from './processCpu.ts'

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

  it('finds the processes a child started', async () => {
    // A shell that starts a sleep and waits for it: the sleep is a grandchild of this process.
    const shell = spawn('sh', ['-c', 'sleep 5 & wait'], { stdio: 'ignore' })
    let tree: number[] = []
    try {
      for (let i = 0; i < 50 && tree.length < 2; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20))
        tree = processTree(shell.pid!)
      }
      expect(tree[0]).toBe(shell.pid)
      expect(tree.length).toBe(2)
      expect(processTree(process.pid)).toEqual(expect.arrayContaining(tree))
    } finally {
      for (const pid of tree.length > 0 ? tree : [shell.pid!])
        try {
          process.kill(pid, 'SIGKILL')
        } catch {
          // already gone
        }
    }
  })
})
