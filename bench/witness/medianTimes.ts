/** Repeated timing: a run reports the phases it timed; warm-up runs are discarded, the rest give medians. */

/** Times the phases of one run (milliseconds, performance.now()). */
export type Stopwatch<Phase extends string> = {
  time<T>(phase: Phase, step: () => T): T
  timeAsync<T>(phase: Phase, step: () => Promise<T>): Promise<T>
}

export type PhaseTimes<Phase extends string> = Record<Phase, number>

/** Runs `run` `warmup` times untimed, then `timed` times; the median of each phase over the timed runs. */
export async function medianTimes<Phase extends string>(
  { warmup, timed }: { warmup: number; timed: number },
  run: (stopwatch: Stopwatch<Phase>, index: number) => unknown,
): Promise<PhaseTimes<Phase>> {
  const samples = new Map<Phase, number[]>()
  for (let index = 0; index < warmup + timed; index++) {
    const record = (phase: Phase, started: number) => {
      if (index < warmup) return
      let times = samples.get(phase)
      if (!times) samples.set(phase, (times = []))
      times.push(performance.now() - started)
    }
    await run(
      {
        time: (phase, step) => {
          const started = performance.now()
          const result = step()
          record(phase, started)
          return result
        },
        timeAsync: async (phase, step) => {
          const started = performance.now()
          const result = await step()
          record(phase, started)
          return result
        },
      },
      index,
    )
  }
  const medians = {} as PhaseTimes<Phase>
  for (const [phase, times] of samples) medians[phase] = median(times)
  return medians
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}
