/**
 * Starts a local Velox chain: anvil as L1, the D1 index migrated, and the Velox worker in workerd.
 * By default the worker runs through Miniflare, as four workerd processes with the JSON-RPC entry
 * point bound straight to the port (see startMiniflare); `wrangler dev` (runtime 'wrangler-dev', or
 * npm run dev) runs the same code in one process with live reload, but puts a proxy in front of the worker that costs about 1.5 ms a request, and a
 * real-time chain's local endpoint should not.
 * Used by `npm start`, the end-to-end tests and the benchmarks, so all of them run the same thing.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { mkdirSync, readdirSync, rmSync } from 'node:fs'
import { setPriority } from 'node:os'
import path from 'node:path'
import { Log, LogLevel, Miniflare, type MiniflareOptions } from 'miniflare'
import { type Abi, type Address, createPublicClient, createWalletClient, type Hex, http } from 'viem'
import { mnemonicToAccount, privateKeyToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { unstable_getMiniflareWorkerOptions } from 'wrangler'
import BatchInbox from '../contracts/artifacts/BatchInbox.json' with { type: 'json' }
import StateCommitments from '../contracts/artifacts/StateCommitments.json' with { type: 'json' }
import { withChildProcessesStarted } from './processes.ts'

const ROOT = path.resolve(import.meta.dirname, '..')
const BIN = path.join(ROOT, 'node_modules', '.bin')

export type LocalChainOptions = {
  /** L2 JSON-RPC port (default 8547). */
  port?: number
  /** L1 (anvil) port (default 8545). */
  l1Port?: number
  /** Where local Durable Object, D1 and R2 state lives; a fresh folder means a fresh chain. */
  persistTo?: string
  /** Vars for the worker over wrangler.toml's, e.g. { BLOCK_INTERVAL_MS: '2000' }. */
  vars?: Record<string, string>
  /** Print the children's output (npm start does; tests keep it in a buffer for failures). */
  inheritOutput?: boolean
  /**
   * Chrome DevTools inspector for the Durable Objects' process (Miniflare only), for CPU profiles of
   * the sequencer: chrome://inspect.
   */
  inspectorPort?: number
  /** The same for the JSON-RPC entry point's process (Miniflare only): CPU profiles of the edge. */
  edgeInspectorPort?: number
  /** What serves the L2: Miniflare on a direct socket (default) or `wrangler dev`. */
  runtime?: 'miniflare' | 'wrangler-dev'
  /** anvil's block time in seconds (default 1, so confirmations advance); 0 mines each transaction at once. */
  l1BlockTimeSeconds?: number
  /**
   * Deploy BatchInbox and StateCommitments on anvil and run the batcher against them (npm start
   * does); off by default, so the chain's other tests and benchmarks measure the L2 alone.
   */
  settlement?: boolean | { finalizationPeriodSeconds?: number }
}

/** The L2's processes under Miniflare (startMiniflare). */
export type L2Process = 'edge' | 'sequencer' | 'indexer' | 'validator'

/** The L1 contracts and the account that posts and commits, when the chain settles. */
export type LocalSettlement = {
  inbox: Address
  stateCommitments: Address
  batcher: Address
  finalizationPeriodSeconds: number
}

export type LocalChain = {
  l2Url: string
  l1Url: string
  settlement: LocalSettlement | null
  /** Everything the children printed, for diagnosing a failed start. */
  output: () => string
  /**
   * The L2's workerd processes by what each runs (Miniflare only; none under `wrangler dev`), as
   * started last: the edge (the JSON-RPC entry point), the sequencer (with the executors and the
   * batcher), the indexer and the validator. The benchmarks read their CPU time.
   */
  l2ProcessIds: () => Partial<Record<L2Process, number[]>>
  /** Stops the L2 only, keeping its state: `restartL2` brings it back on the same port. */
  stopL2: () => Promise<void>
  restartL2: () => Promise<void>
  stop: () => Promise<void>
}

export async function startLocalChain(options: LocalChainOptions = {}): Promise<LocalChain> {
  const port = options.port ?? 8547
  const l1Port = options.l1Port ?? 8545
  const persistTo = path.resolve(options.persistTo ?? path.join(ROOT, '.wrangler', 'state'))
  mkdirSync(persistTo, { recursive: true })
  let output = ''
  const collect = (chunk: Buffer | string) => {
    output += chunk.toString()
    if (output.length > 1_000_000) output = output.slice(-500_000)
    if (options.inheritOutput) process.stdout.write(chunk)
  }
  const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1', CI: 'true' }
  const launch = (command: string, args: string[]) => {
    // Its own process group, so stopping it also stops what it started (wrangler starts workerd).
    const child = spawn(path.join(BIN, command), args, {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    })
    child.stdout?.on('data', collect)
    child.stderr?.on('data', collect)
    return child
  }
  const blockTime = options.l1BlockTimeSeconds ?? DEFAULT_L1_BLOCK_TIME_SECONDS
  const anvil = launch('anvil', [
    '--host',
    '127.0.0.1',
    '--port',
    String(l1Port),
    '--silent',
    // One more than the L2's 10 development accounts, so the batcher has a key no test signs with.
    '--accounts',
    String(BATCHER_ACCOUNT_INDEX + 1),
    ...(blockTime > 0 ? ['--block-time', String(blockTime)] : []),
  ])
  // However this process ends (Miniflare's own exit hook answers Ctrl-C with process.exit before
  // any async shutdown can run), the children it started end with it.
  const children = new Set([anvil])
  const killChildrenNow = () => {
    for (const child of children)
      if (child.exitCode === null && child.pid !== undefined)
        try {
          process.kill(-child.pid, 'SIGTERM')
        } catch {
          // already gone
        }
  }
  process.once('exit', killChildrenNow)
  let stopWorker: (() => Promise<void>) | undefined
  const l1Url = `http://127.0.0.1:${l1Port}`
  const l2Url = `http://127.0.0.1:${port}`
  let settlement: LocalSettlement | null = null
  let settlementVars: Record<string, string> = {}
  let l2ProcessIds: Partial<Record<L2Process, number[]>> = {}
  const startL2 = async () => {
    const configPath = path.join(ROOT, 'wrangler.toml')
    migrateIndex({ persistTo, configPath, env })
    const vars = { ...settlementVars, ...options.vars }
    if (options.runtime === 'wrangler-dev') {
      const varArgs = Object.entries(vars).flatMap(([key, value]) => ['--var', `${key}:${value}`])
      const wrangler = launch('wrangler', [
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
      children.add(wrangler)
      stopWorker = () => stopChild(wrangler)
      await waitForRpc(l2Url, [anvil, wrangler], () => output)
      // `wrangler dev` fires no cron triggers: reading the batcher's status wakes it, as the cron would.
      if (settlement)
        await fetch(l2Url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'velox_batcherStatus', params: [] }),
        })
    } else {
      const miniflare = await startMiniflare({
        persistTo,
        configPath,
        port,
        vars,
        env,
        collect,
        inspectorPort: options.inspectorPort,
        edgeInspectorPort: options.edgeInspectorPort,
      })
      // Miniflare fires no cron triggers: this does, now and then on wrangler.toml's cadence, through
      // the worker's own `scheduled` handler (which wakes the batcher).
      const cron = () =>
        miniflare.runCron().catch((error: unknown) => collect(`the cron trigger failed: ${error}\n`))
      l2ProcessIds = miniflare.processIds
      const cronTimer = setInterval(cron, CRON_PERIOD_MS)
      cronTimer.unref()
      stopWorker = async () => {
        clearInterval(cronTimer)
        await miniflare.dispose()
      }
      await waitForRpc(l2Url, [anvil], () => output)
      await cron()
    }
  }
  const stopL2 = async () => {
    await stopWorker?.()
    stopWorker = undefined
  }
  const stop = async () => {
    await stopL2()
    await stopChild(anvil)
    process.off('exit', killChildrenNow)
  }
  try {
    await waitForRpc(l1Url, [anvil], () => output)
    if (options.settlement) {
      const period =
        typeof options.settlement === 'object' ? options.settlement.finalizationPeriodSeconds : undefined
      settlement = await deploySettlement(l1Url, period ?? DEFAULT_FINALIZATION_PERIOD_SECONDS)
      settlementVars = {
        L1_RPC_URL: l1Url,
        BATCHER_PRIVATE_KEY: BATCHER_KEY,
        BATCH_INBOX_ADDRESS: settlement.inbox,
        STATE_COMMITMENTS_ADDRESS: settlement.stateCommitments,
        BATCH_INTERVAL_MS: '1000',
        BATCHER_CONFIRMATIONS: String(LOCAL_CONFIRMATIONS),
        // Blobs would win on anvil (blob base fee 1 wei), and their KZG proofs (pure JavaScript,
        // ~1.5 s a blob) would hold up the sequencer, which shares workerd's thread locally.
        BATCHER_DATA_PATH: 'calldata',
      }
    }
    await startL2()
    return {
      l1Url,
      l2Url,
      settlement,
      output: () => output,
      l2ProcessIds: () => l2ProcessIds,
      stopL2,
      restartL2: startL2,
      stop,
    }
  } catch (error) {
    await stop()
    throw error
  }
}

/** wrangler.toml's cron trigger ("* * * * *"), fired by startL2 under Miniflare. */
const CRON = '* * * * *'
const CRON_PERIOD_MS = 60_000
/** anvil's block time by default: confirmations advance, and a batch is mined within a second. */
const DEFAULT_L1_BLOCK_TIME_SECONDS = 1
/** L1 blocks over a batch before `safe` moves: a couple of seconds at the default block time. */
const LOCAL_CONFIRMATIONS = 2
/** nice 19, where SCHED_IDLE cannot be had: the background validator's process yields to the chain. */
const LOWEST_PRIORITY = 19
/** The challenge window locally: one minute (tests shorten it, or move anvil's clock). */
const DEFAULT_FINALIZATION_PERIOD_SECONDS = 60
/** anvil's test mnemonic; the L2 genesis funds its accounts 0–9, the batcher is account 10. */
const DEV_MNEMONIC = 'test test test test test test test test test test test junk'
const BATCHER_ACCOUNT_INDEX = 10
const BATCHER_KEY = (() => {
  const key = mnemonicToAccount(DEV_MNEMONIC, { addressIndex: BATCHER_ACCOUNT_INDEX }).getHdKey().privateKey
  if (!key) throw new Error('the development mnemonic gave no batcher key')
  return `0x${Buffer.from(key).toString('hex')}` as Hex
})()

/** BatchInbox (from L2 block 1) and StateCommitments on anvil, the batcher as poster and proposer. */
async function deploySettlement(l1Url: string, finalizationPeriodSeconds: number): Promise<LocalSettlement> {
  const account = privateKeyToAccount(BATCHER_KEY)
  const chain = { ...foundry, rpcUrls: { default: { http: [l1Url] } } }
  const wallet = createWalletClient({ account, chain, transport: http(l1Url) })
  const client = createPublicClient({ chain, transport: http(l1Url) })
  const deploy = async (artifact: { abi: unknown; bytecode: string }, args: unknown[]): Promise<Address> => {
    const hash = await wallet.deployContract({
      abi: artifact.abi as Abi,
      bytecode: artifact.bytecode as Hex,
      args,
    })
    const receipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 100 })
    if (!receipt.contractAddress) throw new Error(`deploying a settlement contract failed: ${hash}`)
    return receipt.contractAddress
  }
  const inbox = await deploy(BatchInbox, [account.address, 1n])
  const stateCommitments = await deploy(StateCommitments, [
    account.address,
    inbox,
    BigInt(finalizationPeriodSeconds),
  ])
  return { inbox, stateCommitments, batcher: account.address, finalizationPeriodSeconds }
}

function migrateIndex({
  persistTo,
  configPath,
  env,
}: {
  persistTo: string
  configPath: string
  env: NodeJS.ProcessEnv
}): void {
  const migrate = spawnSync(
    path.join(BIN, 'wrangler'),
    [
      'd1',
      'migrations',
      'apply',
      'velox-index',
      '--local',
      '--persist-to',
      persistTo,
      '--config',
      configPath,
    ],
    { cwd: ROOT, env, encoding: 'utf8' },
  )
  if (migrate.status !== 0)
    throw new Error(`applying D1 migrations failed:\n${migrate.stdout}\n${migrate.stderr}`)
}

/**
 * Bundles the worker as `wrangler deploy` would and runs the bundle in four workerd processes, laid
 * out as Cloudflare runs it: the sequencer, executors and batcher in one, under the script's own
 * name, so their storage is the one `wrangler dev` uses; the background validator in another (its
 * own machine on Cloudflare); the D1 indexer in a third; the JSON-RPC entry point in a fourth. Each
 * reaches the others' Durable Objects through Miniflare's dev registry. workerd runs a process's
 * isolates on one thread (D1's too, in the process that binds it), and on Cloudflare neither the
 * RPC worker, nor the validator, nor D1 runs on the sequencer's, so here the edge's work (HTTP,
 * JSON, sender recovery), the re-execution of every block and the index's SQLite work do not take
 * it either. All share the D1 and R2 folders. The validator's progress is kept under its process's
 * name, apart from `wrangler dev`'s: switching between the two validates the chain again from its
 * start.
 * The validator's process runs at the lowest CPU priority: on one machine it competes with the edge
 * and the sequencer for the same cores (at 1,000 tx/s on 2 cores it used 0.3 of a core, most of it
 * recovering senders), and validation in the background may lag where a transaction's answer may
 * not. On Linux that is SCHED_IDLE (it runs only on a core nothing else wants): under nice 19 alone
 * it still took enough to move eth_sendRawTransactionSync's p50 at 700 tx/s from 34–35 ms to
 * 371–422 ms on this machine. On Cloudflare it has a machine of its own.
 */
async function startMiniflare(options: {
  persistTo: string
  configPath: string
  port: number
  vars: Record<string, string>
  env: NodeJS.ProcessEnv
  collect: (chunk: string) => void
  inspectorPort: number | undefined
  edgeInspectorPort: number | undefined
}): Promise<{
  dispose: () => Promise<void>
  runCron: () => Promise<void>
  processIds: Partial<Record<L2Process, number[]>>
}> {
  const { persistTo, configPath, env } = options
  const buildDir = path.join(persistTo, 'build')
  const build = spawnSync(
    path.join(BIN, 'wrangler'),
    ['deploy', '--dry-run', '--outdir', buildDir, '--config', configPath],
    {
      cwd: ROOT,
      env,
      encoding: 'utf8',
    },
  )
  if (build.status !== 0) throw new Error(`bundling the worker failed:\n${build.stdout}\n${build.stderr}`)

  const { workerOptions } = unstable_getMiniflareWorkerOptions(configPath)
  // wrangler.toml's name: Durable Object storage is kept under it, as `wrangler dev` keeps it.
  const scriptName = 'velox'
  const wasmFiles = readdirSync(buildDir).filter((file) => file.endsWith('.wasm'))
  // Where each process finds the other's address; its own per chain, so parallel chains stay apart.
  const devRegistry = path.join(persistTo, 'dev-registry')
  rmSync(devRegistry, { recursive: true, force: true })
  mkdirSync(devRegistry, { recursive: true })
  const shared = {
    ...workerOptions,
    modulesRoot: buildDir,
    modules: [
      { type: 'ESModule' as const, path: path.join(buildDir, 'index.js') },
      ...wasmFiles.map((file) => ({ type: 'CompiledWasm' as const, path: path.join(buildDir, file) })),
    ],
    bindings: { ...(workerOptions.bindings ?? {}), ...options.vars },
    // The same folders `wrangler dev --persist-to` and `wrangler d1 migrations apply` use.
    durableObjectsPersist: path.join(persistTo, 'v3', 'do'),
    d1Persist: path.join(persistTo, 'v3', 'd1'),
    r2Persist: path.join(persistTo, 'v3', 'r2'),
    host: '127.0.0.1',
    port: 0,
    unsafeDevRegistryPath: devRegistry,
    log: new CollectingLog(options.collect),
  }
  // Which process hosts each Durable Object class; the others reach it through the dev registry.
  const hostOf = (className: string) =>
    className === 'Validator'
      ? `${scriptName}-validator`
      : className === 'Indexer'
        ? `${scriptName}-indexer`
        : scriptName
  const bindingsFrom = (processName: string) =>
    Object.fromEntries(
      Object.entries(workerOptions.durableObjects ?? {}).map(([binding, designator]) => {
        const object = typeof designator === 'string' ? { className: designator } : designator
        const host = hostOf(object.className)
        return [binding, host === processName ? object : { ...object, scriptName: host }]
      }),
    )
  const started: Miniflare[] = []
  const processIds: Partial<Record<L2Process, number[]>> = {}
  const start = async (
    role: L2Process,
    processName: string,
    own: Partial<MiniflareOptions>,
  ): Promise<Miniflare> => {
    const [miniflare, pids] = await withChildProcessesStarted(async () => {
      const instance = new Miniflare({
        ...shared,
        name: processName,
        durableObjects: bindingsFrom(processName),
        ...own,
      } as MiniflareOptions)
      started.push(instance)
      await instance.ready
      return instance
    })
    processIds[role] = pids
    return miniflare
  }
  const dispose = async () => {
    for (const miniflare of started.reverse()) await miniflare.dispose()
  }
  let edge: Miniflare
  try {
    // The validator first: the sequencer wakes it after its first seal.
    await start('validator', `${scriptName}-validator`, {})
    lowerPriority(processIds.validator ?? [], options.collect)
    // At normal priority: it holds D1's write lock while it writes, and the edge's reads wait for it.
    await start('indexer', `${scriptName}-indexer`, {})
    await start(
      'sequencer',
      scriptName,
      options.inspectorPort ? { inspectorPort: options.inspectorPort } : {},
    )
    edge = await start('edge', `${scriptName}-edge`, {
      unsafeDirectSockets: [{ host: '127.0.0.1', port: options.port }],
      ...(options.edgeInspectorPort ? { inspectorPort: options.edgeInspectorPort } : {}),
    })
  } catch (error) {
    await dispose()
    throw error
  }
  const runCron = async () => {
    const { outcome } = await (await edge.getWorker()).scheduled({ cron: CRON })
    if (outcome !== 'ok') throw new Error(`the scheduled handler ended with ${outcome}`)
  }
  return { dispose, runCron, processIds }
}

/**
 * Gives `pids` the lowest CPU priority (SCHED_IDLE on Linux, and nice 19); where that fails, the
 * chain runs as it would have.
 */
function lowerPriority(pids: number[], collect: (chunk: string) => void): void {
  if (pids.length === 0) collect("could not find the validator's process: it runs at normal priority\n")
  for (const pid of pids) {
    try {
      setPriority(pid, LOWEST_PRIORITY)
    } catch (error) {
      // A short-lived child that has ended since it was listed: nothing to lower.
      if ((error as { info?: { code?: string } }).info?.code === 'ESRCH') continue
      collect(`could not lower the validator's priority: ${error}\n`)
    }
    if (process.platform !== 'linux') continue
    // util-linux's chrt; every thread of the process, as a thread's scheduling policy is its own.
    const idle = spawnSync('chrt', ['--all-tasks', '--idle', '--pid', '0', String(pid)], { encoding: 'utf8' })
    if (idle.status !== 0)
      collect(
        `could not put the validator under SCHED_IDLE (${idle.error ?? idle.stderr.trim()}): it runs at nice 19\n`,
      )
  }
}

/** Miniflare's log, kept with the rest of the chain's output. */
class CollectingLog extends Log {
  constructor(private readonly collect: (chunk: string) => void) {
    super(LogLevel.WARN)
  }
  override log(message: string): void {
    this.collect(`${message}\n`)
  }
}

/** Waits until `url` answers JSON-RPC, failing early if one of `children` exits. */
export async function waitForRpc(url: string, children: ChildProcess[], output: () => string): Promise<void> {
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
        // eth_blockNumber rather than eth_chainId: on the L2 it wakes the sequencer, which then seals blocks.
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_blockNumber', params: [] }),
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
  throw new Error(`${url} did not answer eth_blockNumber within 90 s:\n${output().slice(-4000)}`)
}

/** Stops a child and its process group (wrangler starts workerd under it), SIGKILL after 5 s. */
export async function stopChild(child: ChildProcess): Promise<void> {
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
