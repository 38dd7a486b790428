/**
 * `npm run bench:realtime`: how fast a transaction's result reaches its sender and a subscriber,
 * Velox against anvil, same machine, same run, the same pre-signed transactions.
 *
 * For ETH transfers and ERC-20 transfers, at offered loads of 100 and 1,000 transactions per
 * second and at the most the node sustains:
 * - eth_sendRawTransactionSync over HTTP: from the moment a transaction was due to be sent until
 *   its receipt came back (p50 / p99 / p999); and over one WebSocket, the transport a real-time
 *   client keeps open, at the offered loads (on Velox the sequencer serves WebSockets itself);
 * - first notification: from the same moment until a WebSocket subscriber was told of it. On
 *   Velox, the `miniBlocks` subscription carrying the transaction; anvil has no mini-blocks, so
 *   there the `newHeads` notification of the block that includes it (anvil mines one block per
 *   transaction as it arrives, so that is its earliest push).
 *
 * Loads of 100 and 1,000/s are open loop: sends are scheduled at fixed intervals and never wait for
 * earlier answers, and latency counts from the scheduled time, so a node (or client) falling behind
 * shows up in the figures instead of slowing the load (no coordinated omission). "max" is closed
 * loop: 64 senders each send their next transaction when the last one's receipt is back; its rate
 * is what the node sustained, and its latencies are at that rate.
 *
 * Each workload and level has its own SENDERS_PER_LEVEL funded accounts, sending in turn (a
 * sender's transactions are SENDERS_PER_LEVEL sends apart), so a synchronous send meets a nonce gap
 * only when the node has fallen that far behind, and never because of another level. Prints a table; writes bench/results/realtime.json.
 * BENCH_REALTIME_SECONDS scales the open-loop runs (default 5 s per level).
 *
 * Each level also records the CPU time each process used per transaction (Linux: /proc), Velox's
 * four workerd processes (edge, sequencer, indexer, validator) and anvil, and this client: they share
 * this machine's cores, and where a latency comes from a core being busy, this says whose work it was.
 *
 * After both nodes, the platform's floor (platformFloor.ts) answers the ETH open-loop levels: a
 * minimal edge Worker alone, and one that calls a minimal Durable Object writing one SQLite row per
 * request. They show what workerd and this machine cost before any of Velox's work.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { type Address, encodeFunctionData, getContractAddress, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { getWebSocketRpcClient } from 'viem/utils'
import { CHAIN_ID, devKeys } from '../test/e2e/harness.ts'
import { compileContracts } from './evm/contracts.ts'
import { withLocalVelox } from './localVelox.ts'
import { describeMachine, machineLine, probeSpeed } from './machine.ts'
import { withPeerAnvil } from './peerAnvil.ts'
import { type FloorNode, withPlatformFloor } from './platformFloor.ts'
import { cpuMsOf, machineShare, machineTicks } from './processCpu.ts'
import { RpcClient } from './rpcClient.ts'

const SECONDS = Number(process.env.BENCH_REALTIME_SECONDS ?? 5)
const OPEN_LOOP_RATES = [100, 1_000]
type Transport = 'http' | 'websocket'
/**
 * Each transport's levels per workload: the open-loop rates, and over HTTP then the closed loop
 * (`rate` undefined). Each transport runs on fresh nodes with only its own senders funded: anvil
 * slows as its chain grows (one block per transaction: its sync p50 at 100/s read 1.7 ms fresh and
 * 9 / 21 ms after 4,000 / 6,000 setup transfers here), so funding every transport's senders first
 * would have measured it later in its life than before.
 */
const LEVELS: Record<Transport, (number | undefined)[]> = {
  http: [...OPEN_LOOP_RATES, undefined],
  websocket: OPEN_LOOP_RATES,
}
const MAX_LOOP_SENDERS = 64
const MAX_LOOP_TRANSACTIONS = 4_000
/** A closed loop stops sending after this long, so a node that has stopped answering ends the run. */
const MAX_LOOP_SECONDS = 180
/**
 * Senders per workload and level: each level has its own, so a send that failed cannot leave a
 * nonce gap that fails the next level's.
 */
const SENDERS_PER_LEVEL = Number(process.env.BENCH_SENDERS_PER_LEVEL ?? 400)
const ROOT = path.resolve(import.meta.dirname, '..')
/**
 * The background validator re-executes every sealed block. Locally it runs in its own workerd process,
 * as on Cloudflare on its own machine, but this machine's two cores are all the client, the edge,
 * the sequencer and it have. BENCH_BACKGROUND_VALIDATION=off measures without it (results in
 * realtime-sequencer-alone.json).
 */
const BACKGROUND_VALIDATION = process.env.BENCH_BACKGROUND_VALIDATION ?? 'on'
const { Token } = compileContracts()

type Workload = 'eth' | 'erc20'
type Percentiles = { samples: number; p50Ms: number; p99Ms: number; p999Ms: number }
type Level = {
  workload: Workload
  transport: Transport
  load: string
  offeredPerSecond: number | null
  achievedPerSecond: number
  sync: Percentiles
  firstNotification: Percentiles
  errors: number
  /**
   * Milliseconds of CPU a transaction, for each of the node's processes (Velox: edge, sequencer,
   * indexer, validator; anvil: anvil) and the client, over the level and the wait after it for its
   * last notifications; null where /proc cannot be read or the node's processes are not known.
   */
  cpuMsPerTransaction: Record<string, number> | null
  /**
   * The whole machine over the same span, in percent of both cores: busy with anything, and stolen
   * by the hypervisor (a level run while the host takes the cores is slower for no fault of the
   * node's); null without /proc.
   */
  machineLoad: { busyPercent: number; stealPercent: number } | null
}

type Account = ReturnType<typeof privateKeyToAccount>
type Plan = {
  transport: Transport
  deployer: Account
  /** Funding (ETH to every sender, then the token deployment and tokens to every sender). */
  setup: Hex[]
  token: Address
  /** Per workload, per level, the transactions in send order (each level's own senders in turn). */
  runs: Record<Workload, Hex[][]>
}

async function main() {
  const speedAtStart = probeSpeed()
  const httpPlan = await signPlan('http')
  const plans = [httpPlan, await signPlan('websocket')]
  const velox = { node: 'velox', levels: [] as Level[] }
  const anvil = { node: 'anvil', levels: [] as Level[] }
  const results: { node: string; levels: Level[] }[] = [velox, anvil]

  for (const plan of plans) {
    await withLocalVelox({ BACKGROUND_VALIDATION }, async (url, processIds) => {
      velox.levels.push(...(await measure('velox', url, plan, processIds)))
    })
    await withPeerAnvil(async (url, processIds) => {
      anvil.levels.push(...(await measure('anvil', url, plan, processIds)))
    })
  }

  for (const floor of ['edge only', 'edge → DO'] as const)
    await withPlatformFloor(floor, async (url, processIds) => {
      results.push({ node: `floor: ${floor}`, levels: await measureFloor(floor, url, httpPlan, processIds) })
    })

  const machine = describeMachine(speedAtStart)
  printTable(results)
  console.log(`\n${machineLine(machine)}`)
  mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true })
  const file = `bench/results/${BACKGROUND_VALIDATION === 'off' ? 'realtime-sequencer-alone' : 'realtime'}.json`
  writeFileSync(
    path.join(ROOT, file),
    `${JSON.stringify({ machine, backgroundValidation: BACKGROUND_VALIDATION, secondsPerOpenLoopLevel: SECONDS, sendersPerLevel: SENDERS_PER_LEVEL, results }, null, 2)}\n`,
  )
  console.log(`wrote ${file}`)
}

/** The setup and the transactions of `transport`'s levels. */
async function signPlan(transport: Transport): Promise<Plan> {
  const funders = devKeys.map((key) => privateKeyToAccount(key))
  const key = (n: bigint) => `0x${n.toString(16).padStart(64, '0')}` as Hex
  const deployer = privateKeyToAccount(key(0x7e417e0000n))
  const levels = LEVELS[transport].length
  const senderGroups = Array.from({ length: 2 * levels }, (_, group) =>
    Array.from({ length: SENDERS_PER_LEVEL }, (_, i) =>
      privateKeyToAccount(key(0x7e417e1000n + BigInt(group * SENDERS_PER_LEVEL + i))),
    ),
  )
  const senders = senderGroups.flat()
  const nonces = new Map<Address, number>()
  const sign = (
    from: Account,
    fields: { to: Address | undefined; value?: bigint; data?: Hex; gas: bigint },
  ) => {
    const nonce = nonces.get(from.address) ?? 0
    nonces.set(from.address, nonce + 1)
    return from.signTransaction({
      chainId: CHAIN_ID,
      type: 'eip1559',
      nonce,
      maxFeePerGas: 5_000_000_000n,
      maxPriorityFeePerGas: 1_000_000n,
      ...fields,
    })
  }
  const perRun = LEVELS[transport].map((rate) =>
    rate === undefined ? MAX_LOOP_TRANSACTIONS : rate * SECONDS,
  )
  console.log(
    `Signing ${transport}'s ${senders.length * 1.5 + 2 + 2 * perRun.reduce((a, b) => a + b, 0)} transactions…`,
  )

  const setup: Hex[] = []
  setup.push(await sign(funders[0]!, { to: deployer.address, value: 10n ** 20n, gas: 21_000n }))
  for (const [i, sender] of senders.entries())
    setup.push(
      await sign(funders[(i % (funders.length - 1)) + 1]!, {
        to: sender.address,
        value: 10n ** 18n,
        gas: 21_000n,
      }),
    )
  // The deployer's first transaction deploys the token, so its address is the same on both nodes.
  const token = getContractAddress({ from: deployer.address, nonce: 0n })
  setup.push(await sign(deployer, { to: undefined, data: Token.bytecode, gas: 3_000_000n }))
  const transfer = (to: Address, amount: bigint) =>
    encodeFunctionData({ abi: Token.abi, functionName: 'transfer', args: [to, amount] })
  for (const sender of senderGroups.slice(levels).flat())
    setup.push(await sign(deployer, { to: token, data: transfer(sender.address, 10n ** 24n), gas: 100_000n }))

  const recipient = (i: number) => `0x${(0xcafe00 + (i % 251)).toString(16).padStart(40, '0')}` as Address
  const runs: Plan['runs'] = { eth: [], erc20: [] }
  let count = 0
  for (const [w, workload] of (['eth', 'erc20'] as const).entries())
    for (let level = 0; level < levels; level++) {
      const group = senderGroups[w * levels + level]!
      const transactions: Hex[] = []
      for (let i = 0; i < perRun[level]!; i++) {
        const sender = group[i % SENDERS_PER_LEVEL]!
        count++
        transactions.push(
          workload === 'eth'
            ? await sign(sender, { to: recipient(count), value: 1n, gas: 21_000n })
            : await sign(sender, { to: token, data: transfer(recipient(count), 1n), gas: 100_000n }),
        )
      }
      runs[workload].push(transactions)
    }
  return { transport, deployer, setup, token, runs }
}

async function measure(
  node: string,
  url: string,
  plan: Plan,
  processIds: Record<string, number[]>,
): Promise<Level[]> {
  const client = new RpcClient(url)
  // Setup, untimed: funding, the token, tokens for every sender; one at a time, each to its
  // receipt (anvil's automine can strand transactions sent in a burst, foundry-rs/foundry#10122).
  for (const raw of plan.setup) {
    const receipt = (await client.call('eth_sendRawTransactionSync', [raw])) as { status: string }
    if (receipt.status !== '0x1') throw new Error(`${node}: a setup transaction failed`)
  }

  const socket = await getWebSocketRpcClient(url.replace(/^http/, 'ws'), {
    reconnect: false,
    keepAlive: false,
  })
  // When each transaction (Velox) or block (anvil) was first pushed to the subscriber.
  const notifiedAt = new Map<string, number>()
  await new Promise<void>((resolve, reject) =>
    socket.request({
      body: { method: 'eth_subscribe', params: [node === 'velox' ? 'miniBlocks' : 'newHeads'] },
      onResponse: (message) => {
        if (message.error) return reject(new Error(message.error.message))
        if (!('params' in message)) return resolve()
        const now = performance.now()
        const result = (message.params as { result: { transactions: { hash: string }[]; number: string } })
          .result
        if (node === 'velox') for (const tx of result.transactions) notifiedAt.set(tx.hash, now)
        else notifiedAt.set(`block:${BigInt(result.number)}`, now)
      },
    }),
  )
  // The WebSocket plan sends over a WebSocket of its own, apart from the subscriber's.
  const sender =
    plan.transport === 'websocket'
      ? await getWebSocketRpcClient(url.replace(/^http/, 'ws'), { reconnect: false, keepAlive: false })
      : undefined
  const call: Call = sender
    ? async (method, params) => {
        const response = await sender.requestAsync({ body: { method, params }, timeout: 60_000 })
        if (response.error) throw new Error(`${method}: ${response.error.message}`)
        return response.result
      }
    : overHttp(client)

  // anvil's automine can leave a transaction that arrived while another was being mined pending
  // until the next one comes (foundry-rs/foundry#10122): an evm_mine for any send waiting over
  // 50 ms flushes it, as its users do, so anvil is measured at its best rather than stalled.
  const flusher =
    node === 'anvil'
      ? setInterval(() => {
          const stranded = performance.now() - 50
          for (const send of sendsInFlight)
            if (send.at < stranded) {
              void client.call('evm_mine', []).catch(() => {})
              break
            }
        }, 25)
      : undefined
  const levels: Level[] = []
  for (const workload of ['eth', 'erc20'] as const)
    for (const [level, transactions] of plan.runs[workload].entries()) {
      const rate = LEVELS[plan.transport][level]
      const cpu = startCpuCount(processIds)
      const outcome =
        rate === undefined ? await closedLoop(call, transactions) : await openLoop(call, transactions, rate)
      // Let the last notifications arrive.
      await new Promise((resolve) => setTimeout(resolve, 300))
      const usage = cpu.stop(outcome.sent.length + outcome.errors)
      const notification: number[] = []
      for (const sent of outcome.sent) {
        const key = node === 'velox' ? sent.hash : `block:${sent.blockNumber}`
        const at = notifiedAt.get(key)
        if (at !== undefined) notification.push(at - sent.dueAt)
      }
      const result = levelOf(workload, plan.transport, rate, outcome, notification, usage)
      levels.push(result)
      console.log(
        `${node} ${workload} ${plan.transport} ${result.load}: ${result.achievedPerSecond.toFixed(0)} tx/s, sync p50 ${result.sync.p50Ms.toFixed(2)} p99 ${result.sync.p99Ms.toFixed(2)} ms, first notification p50 ${result.firstNotification.p50Ms.toFixed(2)} p99 ${result.firstNotification.p99Ms.toFixed(2)} ms (${result.firstNotification.samples} seen), ${outcome.errors} errors; CPU ms/tx ${cpuLine(result.cpuMsPerTransaction)}; machine ${machineLoadLine(result.machineLoad)}`,
      )
    }
  clearInterval(flusher)
  socket.close()
  sender?.close()
  return levels
}

/** Requests sent to a floor node before it is measured, as Velox and anvil warm up on their setup. */
const FLOOR_WARMUP_REQUESTS = 500

/**
 * The ETH open-loop levels of the HTTP plan against a platform floor node (sync latency only: it has
 * no subscriptions).
 */
async function measureFloor(
  floor: FloorNode,
  url: string,
  plan: Plan,
  processIds: Record<string, number[]>,
): Promise<Level[]> {
  const client = new RpcClient(url)
  const call = overHttp(client)
  const warmup = plan.runs.eth[0]!
  for (let i = 0; i < FLOOR_WARMUP_REQUESTS; i++)
    await client.call('eth_sendRawTransactionSync', [warmup[i % warmup.length]!])
  const levels: Level[] = []
  for (const [level, rate] of OPEN_LOOP_RATES.entries()) {
    // The open-loop levels come first: the same transactions as Velox's.
    const cpu = startCpuCount(processIds)
    const outcome = await openLoop(call, plan.runs.eth[level]!, rate)
    const result = levelOf('eth', 'http', rate, outcome, [], cpu.stop(outcome.sent.length + outcome.errors))
    levels.push(result)
    console.log(
      `floor: ${floor} ${result.load}: ${result.achievedPerSecond.toFixed(0)} req/s, sync p50 ${result.sync.p50Ms.toFixed(2)} p99 ${result.sync.p99Ms.toFixed(2)} ms, ${outcome.errors} errors; CPU ms/request ${cpuLine(result.cpuMsPerTransaction)}; machine ${machineLoadLine(result.machineLoad)}`,
    )
  }
  return levels
}

/**
 * A level's figures from its outcome (`rate` undefined for the closed loop), and the failures of its
 * sends printed and cleared.
 */
function levelOf(
  workload: Workload,
  transport: Transport,
  rate: number | undefined,
  outcome: Outcome,
  notificationMs: number[],
  usage: CpuUsage,
): Level {
  for (const [message, count] of failures) console.log(`  ${count} × ${message}`)
  failures.clear()
  return {
    workload,
    transport,
    load: rate === undefined ? `max (closed loop, ${MAX_LOOP_SENDERS} senders)` : `${rate}/s`,
    offeredPerSecond: rate ?? null,
    achievedPerSecond: outcome.sent.length / outcome.seconds,
    sync: percentiles(outcome.sent.map((sent) => sent.syncMs)),
    firstNotification: percentiles(notificationMs),
    errors: outcome.errors,
    ...usage,
  }
}

/** What a level's CPU count found: per process and transaction, and the machine as a whole. */
type CpuUsage = Pick<Level, 'cpuMsPerTransaction' | 'machineLoad'>

/**
 * Counts the CPU time the node's processes and this client use from now on. `stop` divides what
 * they used by the transactions sent (null without /proc or known processes), and says how busy the
 * machine was meanwhile and what the hypervisor took.
 */
function startCpuCount(processIds: Record<string, number[]>) {
  const nodeAtStart = cpuMsOf(processIds)
  const clientAtStart = process.cpuUsage()
  const machineAtStart = machineTicks()
  return {
    stop(transactions: number): CpuUsage {
      const nodeNow = cpuMsOf(processIds)
      const machineNow = machineTicks()
      const machineLoad = machineAtStart && machineNow ? machineShare(machineAtStart, machineNow) : null
      if (!nodeAtStart || !nodeNow || Object.keys(processIds).length === 0 || transactions === 0)
        return { cpuMsPerTransaction: null, machineLoad }
      const client = process.cpuUsage(clientAtStart)
      const used: Record<string, number> = {}
      for (const [name, ms] of Object.entries(nodeNow)) used[name] = (ms - nodeAtStart[name]!) / transactions
      used.client = (client.user + client.system) / 1000 / transactions
      return { cpuMsPerTransaction: used, machineLoad }
    },
  }
}

/** "edge 0.61, sequencer 0.50, …", or n/a. */
function cpuLine(cpuMsPerTransaction: Record<string, number> | null): string {
  if (!cpuMsPerTransaction) return 'n/a'
  return Object.entries(cpuMsPerTransaction)
    .map(([name, ms]) => `${name} ${ms.toFixed(2)}`)
    .join(', ')
}

/** "busy 91%, stolen 3%", or n/a. */
function machineLoadLine(load: Level['machineLoad']): string {
  if (!load) return 'n/a'
  return `busy ${load.busyPercent.toFixed(0)}%, stolen ${load.stealPercent.toFixed(1)}%`
}

/** Why sends failed, counted by message (numbers and hashes masked), printed per level. */
const failures = new Map<string, number>()
/** When each synchronous send in flight began: anvil's flusher looks for stranded ones. */
const sendsInFlight = new Set<{ at: number }>()

type Sent = { hash: string; blockNumber: bigint; dueAt: number; syncMs: number }
type Outcome = { sent: Sent[]; seconds: number; errors: number }
/** A JSON-RPC call over one transport: its result, or an Error carrying the node's message. */
type Call = (method: string, params: unknown[]) => Promise<unknown>
const overHttp =
  (client: RpcClient): Call =>
  (method, params) =>
    client.call(method, params)

async function sendSync(call: Call, raw: Hex, dueAt: number, sent: Sent[]): Promise<boolean> {
  const started = { at: performance.now() }
  sendsInFlight.add(started)
  try {
    const receipt = (await call('eth_sendRawTransactionSync', [raw])) as {
      transactionHash: string
      blockNumber: string
      status: string
    }
    if (receipt.status !== '0x1') return false
    sent.push({
      hash: receipt.transactionHash,
      blockNumber: BigInt(receipt.blockNumber),
      dueAt,
      syncMs: performance.now() - dueAt,
    })
    return true
  } catch (error) {
    const message = (error as Error).message.replace(/0x[0-9a-f]{64}/g, '<hash>').replace(/\d+/g, 'N')
    failures.set(message, (failures.get(message) ?? 0) + 1)
    return false
  } finally {
    sendsInFlight.delete(started)
  }
}

/** Sends at fixed intervals whatever happens to earlier sends; latency counts from the due time. */
async function openLoop(call: Call, transactions: Hex[], perSecond: number): Promise<Outcome> {
  const sent: Sent[] = []
  let errors = 0
  const started = performance.now()
  const intervalMs = 1000 / perSecond
  const inFlight: Promise<void>[] = []
  let next = 0
  while (next < transactions.length) {
    const now = performance.now()
    while (next < transactions.length && started + next * intervalMs <= now) {
      const dueAt = started + next * intervalMs
      inFlight.push(
        sendSync(call, transactions[next]!, dueAt, sent).then((ok) => {
          if (!ok) errors++
        }),
      )
      next++
    }
    await new Promise((resolve) => setTimeout(resolve, 1))
  }
  await Promise.all(inFlight)
  return { sent, seconds: (performance.now() - started) / 1000, errors }
}

/**
 * MAX_LOOP_SENDERS lanes, each sending its next transaction once the last one's receipt is back, for
 * at most MAX_LOOP_SECONDS.
 */
async function closedLoop(call: Call, transactions: Hex[]): Promise<Outcome> {
  const sent: Sent[] = []
  let errors = 0
  const started = performance.now()
  const deadline = started + MAX_LOOP_SECONDS * 1000
  let next = 0
  await Promise.all(
    Array.from({ length: MAX_LOOP_SENDERS }, async () => {
      while (next < transactions.length && performance.now() < deadline) {
        const raw = transactions[next++]!
        if (!(await sendSync(call, raw, performance.now(), sent))) errors++
      }
    }),
  )
  return { sent, seconds: (performance.now() - started) / 1000, errors }
}

function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b)
  const pick = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 1000))] ?? Number.NaN
  return { samples: sorted.length, p50Ms: pick(500), p99Ms: pick(990), p999Ms: pick(999) }
}

function printTable(results: { node: string; levels: Level[] }[]) {
  const [velox, anvil, ...floors] = results
  if (!velox || !anvil) return
  const ms = (value: number) => (Number.isNaN(value) ? 'n/a' : value.toFixed(2))
  console.log(
    '\n| workload | transport | load | node | achieved tx/s | sync p50 / p99 / p999 (ms) | first notification p50 / p99 / p999 (ms) | errors | CPU ms a transaction | machine |',
  )
  console.log('|---|---|---|---|---:|---:|---:|---:|---|---|')
  for (const [i, level] of velox.levels.entries())
    for (const [node, row] of [
      ['Velox', level],
      ['anvil', anvil.levels[i]!],
      ...floors.flatMap((floor) => {
        const same = floor.levels.find(
          (l) => l.workload === level.workload && l.transport === level.transport && l.load === level.load,
        )
        return same ? [[floor.node, same] as const] : []
      }),
    ] as const)
      console.log(
        `| ${row.workload} | ${row.transport} | ${row.load} | ${node} | ${row.achievedPerSecond.toFixed(0)} | ${ms(row.sync.p50Ms)} / ${ms(row.sync.p99Ms)} / ${ms(row.sync.p999Ms)} | ${ms(row.firstNotification.p50Ms)} / ${ms(row.firstNotification.p99Ms)} / ${ms(row.firstNotification.p999Ms)} | ${row.errors} | ${cpuLine(row.cpuMsPerTransaction)} | ${machineLoadLine(row.machineLoad)} |`,
      )
}

await main()
