/**
 * The node the end-to-end benchmarks measure: a fresh local Velox chain (anvil as its L1) in a
 * temporary folder, stopped and its folder removed when `run` ends. peerAnvil.ts is its peer.
 * `run` also gets the chain's workerd processes by what each runs, for their CPU time.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { freePort } from '../scripts/freePort.ts'
import { startLocalChain } from '../scripts/localChain.ts'

export async function withLocalVelox<T>(
  vars: Record<string, string>,
  run: (url: string, processIds: Record<string, number[]>) => Promise<T>,
): Promise<T> {
  const persistTo = mkdtempSync(path.join(tmpdir(), 'velox-bench-'))
  try {
    const chain = await startLocalChain({ port: await freePort(), l1Port: await freePort(), persistTo, vars })
    try {
      return await run(chain.l2Url, chain.l2ProcessIds())
    } finally {
      await chain.stop()
    }
  } finally {
    rmSync(persistTo, { recursive: true, force: true })
  }
}
