import os from 'node:os'

export type Machine = { date: string; node: string; cpu: string; cores: number; loadAverageAtEnd: number[] }

/** What a benchmark's figures were measured on, and how busy the machine was when it ended. */
export function describeMachine(): Machine {
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    loadAverageAtEnd: os.loadavg().map((load) => Number(load.toFixed(2))),
  }
}

export function machineLine(machine: Machine): string {
  return `${machine.date}, node ${machine.node}, ${machine.cpu} (${machine.cores} cores)`
}
