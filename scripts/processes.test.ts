import { spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { processTree, withChildProcessesStarted } from './processes.ts'

describe('processes started here, by ps', () => {
  it('finds the processes a child started, and the children a start started', async () => {
    // A shell that starts a sleep and waits for it: the sleep is a grandchild of this process.
    const [shell, started] = await withChildProcessesStarted(async () =>
      spawn('sh', ['-c', 'sleep 5 & wait'], { stdio: 'ignore' }),
    )
    let tree: number[] = []
    try {
      expect(started).toEqual([shell.pid])
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
