/**
 * Ethereum's BlockchainTests/ValidBlocks, every Cancun test, through executeBlock, and again through
 * executeBlockParallel (Block-STM with 4 logical workers), which must give exactly the same blocks:
 * one vitest test per fixture folder and executor, listing each failing test. The folder is
 * ../shared/fixtures/ethereum-tests beside the project, or VELOX_FIXTURES; the suite is skipped when
 * it is absent.
 */

import { readdirSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { collectFixtureFiles } from '../../src/cli/statetest.ts'
import { executeBlock } from '../../src/execution/executeBlock.ts'
import { executeBlockParallel } from '../../src/execution/parallel/executeBlockParallel.ts'
import { useSecp256k1 } from '../../src/primitives/recoverSender.ts'
import { loadWasmSecp256k1 } from '../../src/primitives/secp256k1/wasm.node.ts'
import { type BlockExecutor, runBlockchainTestFile } from './blockchainTests.ts'
import { FIXTURES_DIR, fixturesPresent } from './fixtures.ts'

const SUITE = 'BlockchainTests/ValidBlocks'
const ROOT = path.join(FIXTURES_DIR, SUITE)
const present = fixturesPresent(SUITE)

const executors: [string, BlockExecutor][] = [
  ['executeBlock', executeBlock],
  [
    'executeBlockParallel, 4 workers',
    (state, block, options) => executeBlockParallel(state, block, { ...options, workers: 4, seed: 7 }),
  ],
]

for (const [name, execute] of executors)
  describe.runIf(present)(
    `BlockchainTests/ValidBlocks (Cancun, libsecp256k1 WASM recovery) through ${name}`,
    () => {
      useSecp256k1(loadWasmSecp256k1())
      for (const folder of present ? readdirSync(ROOT).sort() : [])
        it(folder, () => {
          const failures: string[] = []
          let tests = 0
          for (const file of collectFixtureFiles([path.join(ROOT, folder)]))
            for (const result of runBlockchainTestFile(file, 'Cancun', execute)) {
              tests++
              if (!result.passed)
                failures.push(`${path.relative(ROOT, file)} ${result.name}: ${result.message}`)
            }
          expect(tests, 'a fixture folder without Cancun tests').toBeGreaterThan(0)
          expect(failures, `${failures.length} of ${tests} tests failed`).toEqual([])
        })
    },
  )
