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

/** The whole machine's CPU time by kind so far, in ticks of every core together (/proc/stat). */
export type MachineTicks = { busy: number; idle: number; steal: number }

/**
 * What every core of the machine has done since boot: `busy` running anything (user, nice,
 * system, interrupts), `idle` (waiting for I/O included) and `steal`, the time the hypervisor gave
 * this machine's cores to someone else while they had work. Undefined without /proc.
 */
export function machineTicks(): MachineTicks | undefined {
  let text: string
  try {
    text = readFileSync('/proc/stat', 'utf8')
  } catch {
    return undefined
  }
  // "cpu  user nice system idle iowait irq softirq steal guest guest_nice" (proc(5)); guest time is
  // already inside user and nice.
  const line = text.slice(0, text.indexOf('\n'))
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.split(/\s+/).slice(1, 9).map(Number)
  if (steal === undefined || Number.isNaN(steal)) return undefined
  return { busy: user! + nice! + system! + irq! + softirq!, idle: idle! + iowait!, steal }
}

/**
 * The machine between two readings, as percentages of all its cores' time: busy (by anything, the
 * measured processes and everything else) and stolen by the hypervisor.
 */
export function machineShare(
  from: MachineTicks,
  to: MachineTicks,
): { busyPercent: number; stealPercent: number } {
  const busy = to.busy - from.busy
  const steal = to.steal - from.steal
  const total = busy + steal + to.idle - from.idle
  if (total <= 0) return { busyPercent: 0, stealPercent: 0 }
  return { busyPercent: (100 * busy) / total, stealPercent: (100 * steal) / total }
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
