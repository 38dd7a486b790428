import { availableParallelism } from 'node:os'
import path from 'node:path'
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers'
import { defineConfig } from 'vitest/config'

// Three projects: unit and conformance tests in Node, workers tests inside workerd, and
// end-to-end tests that start anvil and the worker (Miniflare, and once `wrangler dev`) and drive
// them with real clients.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'bench/**/*.test.ts',
            'scripts/**/*.test.ts',
            'src/**/*.test.ts',
            'test/conformance/**/*.test.ts',
            'test/differential/**/*.test.ts',
            'test/l1/**/*.test.ts',
            'workers/batcher/**/*.test.ts',
            'workers/indexer/**/*.test.ts',
            'workers/rpc/**/*.test.ts',
            'workers/sequencer/**/*.test.ts',
          ],
          environment: 'node',
          setupFiles: ['test/setup/wasmPrimitives.ts'],
          testTimeout: 120_000,
          // The L1 files' hooks build chains, start anvil and post to it: 7.5 s here beside another file,
          // and past vitest's default 10 s in a CI run on a slow day (which failed so).
          hookTimeout: 120_000,
          // A worker per core. Vitest's default is one fewer: one on a 2-core machine, which ran these
          // CPU-bound files one after another while the other core idled. The projects run one
          // after another (groupOrder), so the end-to-end tests never share the cores with them.
          maxWorkers: availableParallelism(),
          sequence: { groupOrder: 0 },
        },
      },
      {
        plugins: [
          cloudflareTest(async () => ({
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              bindings: {
                TEST_MIGRATIONS: await readD1Migrations(path.join(import.meta.dirname, 'migrations')),
              },
            },
          })),
        ],
        test: {
          name: 'workers',
          include: ['test/workers/**/*.test.ts'],
          // Logs go to workerd's own console, not through vitest. In @cloudflare/vitest-pool-workers
          // 0.15 a Durable Object that logs after abortAllDurableObjects() broke its I/O context
          // forwards the line to the runner with I/O that never completes, and the run hangs
          // after the file's last test (workers-sdk#14180, fixed in releases that need Node 22).
          // A CI run hung so, past its 90 minutes, when the validator's alarm logged as it was aborted.
          disableConsoleIntercept: true,
          sequence: { groupOrder: 1 },
          setupFiles: ['test/workers/applyMigrations.ts'],
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          sequence: { groupOrder: 2 },
          environment: 'node',
          testTimeout: 300_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
})
