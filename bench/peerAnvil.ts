/**
 * The peer the end-to-end benchmarks measure Velox against: anvil with Velox's chain id on a free
 * loopback port, so the very same signed transactions are valid on both, stopped when `run` ends.
 */
import { spawn } from 'node:child_process'
import path from 'node:path'
import { freePort } from '../scripts/freePort.ts'
import { stopChild, waitForRpc } from '../scripts/localChain.ts'
import { processTree } from '../scripts/processes.ts'
import { CHAIN_ID } from '../test/e2e/harness.ts'

const ROOT = path.resolve(import.meta.dirname, '..')

/** `run` also gets anvil's processes (the npm wrapper and the binary it started), for their CPU time. */
export async function withPeerAnvil<T>(
  run: (url: string, processIds: Record<string, number[]>) => Promise<T>,
): Promise<T> {
  const port = await freePort()
  const anvil = spawn(
    path.join(ROOT, 'node_modules/.bin/anvil'),
    // --prune-history: no state snapshots written to disk at every block (they slow anvil down as its
    // state grows, and fill ~/.foundry/anvil/tmp); anvil as its users run it for speed.
    ['--port', String(port), '--chain-id', String(CHAIN_ID), '--prune-history', '--silent'],
    // Its own process group: the npm wrapper does not pass signals on to the anvil binary.
    { stdio: 'ignore', detached: true },
  )
  try {
    const url = `http://127.0.0.1:${port}`
    await waitForRpc(url, [anvil], () => '')
    return await run(url, { anvil: anvil.pid === undefined ? [] : processTree(anvil.pid) })
  } finally {
    await stopChild(anvil)
  }
}
