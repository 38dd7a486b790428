/**
 * Starts a local Velox chain: anvil as L1, the D1 index migrated, `wrangler dev` serving the L2.
 * Used by `npm start`, the end-to-end tests and the benchmarks, so all three run the same thing.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import path from 'node:path'

const ROOT = path.resolve(import.meta.dirname, '..')
const BIN = path.join(ROOT, 'node_modules', '.bin')

export type LocalChainOptions = {
  /** L2 JSON-RPC port (default 8547). */
  port?: number
  /** L1 (anvil) port (default 8545). */
  l1Port?: number
  /** Where local Durable Object, D1 and R2 state lives; a fresh folder means a fresh chain. */
  persistTo?: string
  /** Extra vars for the worker, e.g. { BLOCK_INTERVAL_MS: '1000' }. */
  vars?: Record<string, string>
  /** Print the children's output (npm start does; tests keep it in a buffer for failures). */
  inheritOutput?: boolean
}

export type LocalChain = {
  l2Url: string
  l1Url: string
  /** Everything the children printed, for diagnosing a failed start. */
  output: () => string
  stop: () => Promise<void>
}

export async function startLocalChain(options: LocalChainOptions = {}): Promise<LocalChain> {
  const port = options.port ?? 8547
  const l1Port = options.l1Port ?? 8545
  const persistTo = path.resolve(options.persistTo ?? path.join(ROOT, '.wrangler', 'state'))
  mkdirSync(persistTo, { recursive: true })
  const children: ChildProcess[] = []
  let output = ''
  const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1', CI: 'true' }
  const launch = (command: string, args: string[]) => {
    const child = spawn(path.join(BIN, command), args, {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    })
    const collect = (chunk: Buffer) => {
      output += chunk.toString()
      if (output.length > 1_000_000) output = output.slice(-500_000)
      if (options.inheritOutput) process.stdout.write(chunk)
    }
    child.stdout?.on('data', collect)
    child.stderr?.on('data', collect)
    children.push(child)
    return child
  }
  const stop = async () => {
    await Promise.all(children.map(stopChild))
  }
  try {
    launch('anvil', ['--host', '127.0.0.1', '--port', String(l1Port), '--silent'])
    const migrate = spawnSync(
      path.join(BIN, 'wrangler'),
      ['d1', 'migrations', 'apply', 'velox-index', '--local', '--persist-to', persistTo],
      { cwd: ROOT, env, encoding: 'utf8' },
    )
    if (migrate.status !== 0)
      throw new Error(`applying D1 migrations failed:\n${migrate.stdout}\n${migrate.stderr}`)
    const varArgs = Object.entries(options.vars ?? {}).flatMap(([key, value]) => ['--var', `${key}:${value}`])
    launch('wrangler', [
      'dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--persist-to',
      persistTo,
      '--show-interactive-dev-session=false',
      '--log-level',
      'warn',
      ...varArgs,
    ])
    const l1Url = `http://127.0.0.1:${l1Port}`
    const l2Url = `http://127.0.0.1:${port}`
    await Promise.all([waitForRpc(l1Url, children, () => output), waitForRpc(l2Url, children, () => output)])
    return { l1Url, l2Url, output: () => output, stop }
  } catch (error) {
    await stop()
    throw error
  }
}

async function waitForRpc(url: string, children: ChildProcess[], output: () => string): Promise<void> {
  const deadline = Date.now() + 90_000
  while (Date.now() < deadline) {
    const exited = children.find((child) => child.exitCode !== null)
    if (exited)
      throw new Error(
        `a child process exited with code ${exited.exitCode} during start:\n${output().slice(-4000)}`,
      )
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      })
      if (response.ok) {
        const body = (await response.json()) as { result?: string }
        if (body.result) return
      }
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new Error(`${url} did not answer eth_chainId within 90 s:\n${output().slice(-4000)}`)
}

/** Stops a child and its process group (wrangler starts workerd under it), SIGKILL after 5 s. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  try {
    process.kill(-child.pid, 'SIGTERM')
  } catch {
    return
  }
  const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 5000).unref())
  if ((await Promise.race([exited, timeout])) === 'timeout') {
    try {
      process.kill(-child.pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
}
