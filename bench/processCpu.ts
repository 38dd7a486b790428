/**
 * CPU time used by the processes a benchmark measures, read from Linux's /proc: on a machine of two
 * cores the client, the edge, the sequencer, the indexer and the validator share the same cores, and
 * a latency figure alone cannot say which of them took them. Elsewhere (no /proc) it reads nothing,
 * and the benchmarks leave the figures out.
 */
import { readFileSync } from 'node:fs'

/** Clock ticks a second of /proc's utime and stime (USER_HZ, 100 on every Linux Node runs on). */
const TICKS_PER_SECOND = 100

/** Milliseconds of CPU (user and system) each group of processes has used so far; undefined without /proc. */
export function cpuMsOf(groups: Record<string, number[]>): Record<string, number> | undefined {
  const used: Record<string, number> = {}
  for (const [name, pids] of Object.entries(groups)) {
    let ticks = 0
    for (const pid of pids) {
      const stat = readStat(pid)
      if (stat === undefined) return undefined
      ticks += stat
    }
    used[name] = (ticks * 1000) / TICKS_PER_SECOND
  }
  return used
}

/** utime + stime of a process, in ticks; undefined when /proc does not have it. */
function readStat(pid: number): number | undefined {
  let text: string
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return undefined
  }
  // The command name (in parentheses) may hold spaces: fields are counted after its closing one.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
  // Fields 14 and 15 of proc(5), the 12th and 13th after the name.
  return Number(fields[11]) + Number(fields[12])
}
