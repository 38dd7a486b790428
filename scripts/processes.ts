/**
 * Finding the processes the local chain and the benchmarks started, by `ps` (Linux and macOS share
 * its options): each Miniflare starts one workerd, the anvil npm wrapper starts the anvil binary.
 */
import { spawnSync } from 'node:child_process'

/** Each running process's children, as `ps` lists them now; none when `ps` fails. */
function childrenByParent(): Map<number, number[]> {
  const children = new Map<number, number[]>()
  const ps = spawnSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8' })
  if (ps.status !== 0) return children
  for (const line of ps.stdout.split('\n')) {
    const [pid, parent] = line.trim().split(/\s+/).map(Number)
    if (pid === undefined || parent === undefined || !(pid > 0)) continue
    children.set(parent, [...(children.get(parent) ?? []), pid])
  }
  return children
}

/**
 * What `start` returns, and the child processes of this process it started that still run (the
 * `ps` asked, this process's child while it ran, is not one of them).
 */
export async function withChildProcessesStarted<T>(start: () => Promise<T>): Promise<[T, number[]]> {
  const before = childrenByParent().get(process.pid) ?? []
  const result = await start()
  const started = (childrenByParent().get(process.pid) ?? []).filter(
    (pid) => !before.includes(pid) && isRunning(pid),
  )
  return [result, started]
}

/** A process and all its descendants (an npm wrapper and the binary it started, say). */
export function processTree(rootPid: number): number[] {
  const children = childrenByParent()
  const tree: number[] = []
  const visit = (pid: number) => {
    tree.push(pid)
    for (const child of children.get(pid) ?? []) visit(child)
  }
  visit(rootPid)
  return tree
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}
