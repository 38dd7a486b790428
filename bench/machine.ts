import os from 'node:os'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { recover } from 'tiny-secp256k1'

export type Machine = {
  date: string
  node: string
  cpu: string
  cores: number
  loadAverageAtEnd: number[]
  /** probeSpeed() when the benchmark ended (and began, where it says). */
  speedProbe: SpeedProbe
}

/**
 * How long one sender recovery takes on the benchmark's thread, in microseconds, with
 * tiny-secp256k1's WASM build of libsecp256k1: what the RPC worker ran per transaction until
 * 2026-11-27 (it now runs its own build, about twice as fast), kept as the probe so that every
 * results file's probe measures the same code. This machine (a shared virtual one) runs the same
 * code up to twice as slowly at some hours as at others, so figures from runs at different times
 * compare only beside this.
 */
export type SpeedProbe = {
  recoveryMicrosecondsAtStart: number | undefined
  recoveryMicrosecondsAtEnd: number
}

const PROBE_SIGNATURES = 200
const PROBE_ROUNDS = 5

/** The median of PROBE_ROUNDS timed rounds of PROBE_SIGNATURES recoveries, after one to warm up. */
export function probeSpeed(): number {
  const key = secp256k1.utils.randomSecretKey()
  const samples = Array.from({ length: PROBE_SIGNATURES }, (_, i) => {
    const hash = new Uint8Array(32).fill(i)
    const signature = secp256k1.Signature.fromBytes(
      secp256k1.sign(hash, key, { prehash: false, format: 'recovered' }),
      'recovered',
    )
    return { hash, signature: signature.toBytes('compact'), recovery: signature.recovery as 0 | 1 }
  })
  const rounds: number[] = []
  for (let round = 0; round <= PROBE_ROUNDS; round++) {
    const started = performance.now()
    for (const sample of samples)
      if (!recover(sample.hash, sample.signature, sample.recovery, false))
        throw new Error('probe: no key recovered')
    if (round > 0) rounds.push(((performance.now() - started) * 1000) / PROBE_SIGNATURES)
  }
  rounds.sort((a, b) => a - b)
  return Number(rounds[Math.floor(rounds.length / 2)]!.toFixed(1))
}

/** What a benchmark's figures were measured on, and how busy and how fast the machine was at the end. */
export function describeMachine(recoveryMicrosecondsAtStart?: number): Machine {
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    loadAverageAtEnd: os.loadavg().map((load) => Number(load.toFixed(2))),
    speedProbe: { recoveryMicrosecondsAtStart, recoveryMicrosecondsAtEnd: probeSpeed() },
  }
}

export function machineLine(machine: Machine): string {
  const { recoveryMicrosecondsAtStart: atStart, recoveryMicrosecondsAtEnd: atEnd } = machine.speedProbe
  const probe = atStart === undefined ? `${atEnd}` : `${atStart} at the start, ${atEnd} at the end`
  return `${machine.date}, node ${machine.node}, ${machine.cpu} (${machine.cores} cores); speed probe: one sender recovery took ${probe} µs`
}
