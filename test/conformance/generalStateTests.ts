/**
 * Ethereum's GeneralStateTests, every Cancun case, through Velox's EVM (the same runner as
 * `velox statetest`), one vitest test per fixture folder listing each failing case. The folders are
 * split into shards by size, one test file per shard, so vitest runs them on all cores.
 */
import { readdirSync, statSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { collectFixtureFiles, runStateTestFile, type StateTestExecutor } from '../../src/cli/statetest.ts'
import { FIXTURES_DIR, fixturesPresent } from './fixtures.ts'

const ROOT = path.join(FIXTURES_DIR, 'GeneralStateTests')
/**
 * A folder may take long: stTimeConsuming's CALLBlake2f_MaxRounds buys 2^32 - 1 blake2f rounds,
 * about 13 minutes in JavaScript here, and VMTests' loops take over a minute.
 */
const FOLDER_TIMEOUT_MS = 40 * 60_000

/** Folders of shard `shard` (0-based) out of `shards`, balanced by fixture bytes. */
function foldersOfShard(shard: number, shards: number): string[] {
  const sized = readdirSync(ROOT)
    .sort()
    .map((folder) => ({
      folder,
      bytes: collectFixtureFiles([path.join(ROOT, folder)]).reduce(
        (sum, file) => sum + statSync(file).size,
        0,
      ),
    }))
    .sort((a, b) => b.bytes - a.bytes || a.folder.localeCompare(b.folder))
  const load = new Array<number>(shards).fill(0)
  const assigned: string[][] = Array.from({ length: shards }, () => [])
  for (const { folder, bytes } of sized) {
    const lightest = load.indexOf(Math.min(...load))
    load[lightest]! += bytes
    assigned[lightest]!.push(folder)
  }
  return assigned[shard]!.sort()
}

/**
 * With executor 'parallel', every case runs as parallel execution's executor runs a transaction and
 * the coordinator applies it (statetest.ts); a folder where none took that path would prove nothing.
 */
export function describeGeneralStateTests(
  shard: number,
  shards: number,
  executor: StateTestExecutor = 'serial',
): void {
  const present = fixturesPresent('GeneralStateTests')
  describe.runIf(present)(`GeneralStateTests (Cancun, ${executor}), shard ${shard + 1} of ${shards}`, () => {
    for (const folder of present ? foldersOfShard(shard, shards) : [])
      it(
        folder,
        () => {
          const failures: string[] = []
          let cases = 0
          let viaExecutor = 0
          for (const file of collectFixtureFiles([path.join(ROOT, folder)]))
            for (const result of runStateTestFile(file, 'Cancun', executor)) {
              cases++
              if (result.viaExecutor) viaExecutor++
              if (result.passed) continue
              const { data, gas, value } = result.indexes
              failures.push(
                `${path.relative(ROOT, result.file)} ${result.name} [d${data} g${gas} v${value}]: ${result.message}`,
              )
            }
          expect(cases, 'a fixture folder without Cancun cases').toBeGreaterThan(0)
          expect(failures, `${failures.length} of ${cases} cases failed`).toEqual([])
          if (executor === 'parallel') expect(viaExecutor, 'cases the executor ran').toBeGreaterThan(0)
        },
        FOLDER_TIMEOUT_MS,
      )
  })
}
