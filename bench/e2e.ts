/**
 * `npm run bench:e2e`: Velox against anvil, same machine, same run, same pre-signed ETH transfers,
 * same client code, in one process, one node after the other:
 * - latency, one transfer at a time, first on the fresh chain: eth_sendRawTransactionSync, and
 *   eth_sendRawTransaction followed by eth_getTransactionReceipt until it answers;
 * - throughput at concurrency 1, 8, 32, 128: from the first eth_sendRawTransaction until every
 *   transfer has a receipt (afterwards, untimed, every receipt is checked for success).
 * Prints a table; writes bench/results/e2e.json (with BENCH_BACKGROUND_VALIDATION=off, below:
 * bench/results/e2e-sequencer-alone.json).
 *
 * The load is many users, as a busy chain has: the 10 development accounts first fund SENDERS
 * accounts (not measured), then at concurrency c, lane j sends the transfers of senders j, j + c, …
 * in nonce order. No sender ever has two transactions in flight, so neither node sees nonce gaps
 * (anvil's automine leaves a transaction that arrived ahead of its predecessor unmined until the
 * next one comes).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { Address, Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { CHAIN_ID, devKeys } from '../test/e2e/harness.ts'
import { withLocalVelox } from './localVelox.ts'
import { withPeerAnvil } from './peerAnvil.ts'
import { RpcClient } from './rpcClient.ts'

const CONCURRENCY = [1, 8, 32, 128]
const TRANSFERS_PER_LEVEL = Number(process.env.BENCH_TRANSFERS ?? 2000)
const SYNC_SAMPLES = Number(process.env.BENCH_SYNC_SAMPLES ?? 500)
const SENDERS = 256
/**
 * The background validator re-executes every sealed block (senders recovered again). Locally it runs
 * in its own workerd process, as on Cloudflare on its own machine, but this machine's two cores are
 * all the client, the edge, the sequencer and it have. BENCH_BACKGROUND_VALIDATION=off measures
 * without it.
 */
const BACKGROUND_VALIDATION = process.env.BENCH_BACKGROUND_VALIDATION ?? 'on'
const ROOT = path.resolve(import.meta.dirname, '..')

type Latency = { samples: number; p50Ms: number; p99Ms: number; meanMs: number; errors: number }

type Result = {
  node: string
  throughput: { concurrency: number; transfers: number; seconds: number; perSecond: number }[]
  /** eth_sendRawTransactionSync, one at a time. */
  sync: Latency
  /** eth_sendRawTransaction, then eth_getTransactionReceipt at once and again until it answers. */
  sendThenPoll: Latency
}

async function main() {
  console.log(`Signing ${SENDERS + CONCURRENCY.length * TRANSFERS_PER_LEVEL + SYNC_SAMPLES} transfers…`)
  const plan = await signPlan()
  const results: Result[] = []

  await withLocalVelox({ BACKGROUND_VALIDATION }, async (url) => {
    results.push(await measure('velox', url, plan))
  })

  await withPeerAnvil(async (url) => {
    results.push(await measure('anvil', url, plan))
  })

  printTable(results)
  mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true })
  const file = path.join(
    ROOT,
    BACKGROUND_VALIDATION === 'off' ? 'bench/results/e2e-sequencer-alone.json' : 'bench/results/e2e.json',
  )
  writeFileSync(
    file,
    `${JSON.stringify({ date: new Date().toISOString(), machine: machineInfo(), transfersPerLevel: TRANSFERS_PER_LEVEL, backgroundValidation: BACKGROUND_VALIDATION, results }, null, 2)}\n`,
  )
  console.log(`\nwrote ${path.relative(ROOT, file)}`)
}

type Plan = {
  /** Transfers that fund the benchmark's senders from the development accounts. */
  funding: Hex[]
  /** Per concurrency level, per lane, the transfers that lane sends in order. */
  levels: { concurrency: number; lanes: { raw: Hex; sender: Address }[][] }[]
  /** Sent one at a time with eth_sendRawTransactionSync. */
  sync: Hex[]
  /** Sent one at a time with eth_sendRawTransaction, then polled for the receipt. */
  poll: Hex[]
}

async function signPlan(): Promise<Plan> {
  const funders = devKeys.map((key) => privateKeyToAccount(key))
  const senders = Array.from({ length: SENDERS }, (_, i) =>
    privateKeyToAccount(
      `0x${(0x5e1de5n * 1_000_000n + BigInt(i) + 1n).toString(16).padStart(64, '0')}` as Hex,
    ),
  )
  const nonces = new Map<string, number>()
  const sign = async (from: (typeof senders)[number], to: Address, value: bigint) => {
    const nonce = nonces.get(from.address) ?? 0
    nonces.set(from.address, nonce + 1)
    return from.signTransaction({
      chainId: CHAIN_ID,
      type: 'eip1559',
      to,
      value,
      nonce,
      gas: 21_000n,
      maxFeePerGas: 5_000_000_000n,
      maxPriorityFeePerGas: 1_000_000n,
    })
  }
  const funding: Hex[] = []
  for (const [i, sender] of senders.entries())
    funding.push(await sign(funders[i % funders.length]!, sender.address, 10n ** 18n))
  const recipient = (i: number) => `0x${(0xb000 + (i % 97)).toString(16).padStart(40, '0')}` as Address
  // Signed in the order they are sent: latency samples first, then the throughput levels.
  let count = 0
  const sync: Hex[] = []
  for (let i = 0; i < SYNC_SAMPLES; i++) sync.push(await sign(senders[i % SENDERS]!, recipient(count++), 1n))
  const poll: Hex[] = []
  for (let i = 0; i < SYNC_SAMPLES; i++) poll.push(await sign(senders[i % SENDERS]!, recipient(count++), 1n))
  const levels: Plan['levels'] = []
  for (const concurrency of CONCURRENCY) {
    const lanes: Plan['levels'][number]['lanes'] = Array.from({ length: concurrency }, () => [])
    for (let i = 0; i < TRANSFERS_PER_LEVEL; i++) {
      const sender = senders[i % SENDERS]!
      lanes[(i % SENDERS) % concurrency]!.push({
        raw: await sign(sender, recipient(count++), 1n),
        sender: sender.address,
      })
    }
    levels.push({ concurrency, lanes })
  }
  return { funding, levels, sync, poll }
}

async function measure(node: string, url: string, plan: Plan): Promise<Result> {
  const client = new RpcClient(url)
  const funded: string[] = []
  for (const raw of plan.funding) funded.push((await client.call('eth_sendRawTransaction', [raw])) as string)
  await waitForReceipts(node, client, funded)
  // Latency first, on a fresh chain, before the throughput runs grow it.
  const sync = await latency(node, 'eth_sendRawTransactionSync', plan.sync, (raw) =>
    client.call('eth_sendRawTransactionSync', [raw]),
  )
  const sendThenPoll = await latency(node, 'send, then poll the receipt', plan.poll, async (raw) => {
    const hash = await client.call('eth_sendRawTransaction', [raw])
    while ((await client.call('eth_getTransactionReceipt', [hash])) === null);
  })
  const throughput: Result['throughput'] = []
  for (const { concurrency, lanes } of plan.levels) {
    const transfers = lanes.reduce((sum, lane) => sum + lane.length, 0)
    const started = performance.now()
    const sent = await Promise.all(
      lanes.map(async (lane) => {
        const hashes: string[] = []
        for (const { raw } of lane)
          hashes.push((await client.call('eth_sendRawTransaction', [raw])) as string)
        return hashes
      }),
    )
    // Every sender's transfers are in nonce order, so its last one included means all are.
    const lastOfEachSender = new Map<Address, string>()
    for (const [l, lane] of lanes.entries())
      for (const [i, { sender }] of lane.entries()) lastOfEachSender.set(sender, sent[l]![i]!)
    await waitForReceipts(node, client, [...lastOfEachSender.values()])
    const seconds = (performance.now() - started) / 1000
    throughput.push({ concurrency, transfers, seconds, perSecond: transfers / seconds })
    // Untimed: every receipt is there and succeeded.
    const receipts = await waitForReceipts(node, client, sent.flat())
    const failed = receipts.filter((receipt) => receipt.status !== '0x1').length
    if (failed > 0) throw new Error(`${node}: ${failed} transfers failed at concurrency ${concurrency}`)
    console.log(`${node}: concurrency ${concurrency}: ${(transfers / seconds).toFixed(0)} transfers/s`)
  }
  return { node, throughput, sync, sendThenPoll }
}

async function latency(
  node: string,
  label: string,
  raws: Hex[],
  confirm: (raw: Hex) => Promise<unknown>,
): Promise<Latency> {
  const latencies: number[] = []
  let errors = 0
  for (const raw of raws) {
    const started = performance.now()
    try {
      await confirm(raw)
      latencies.push(performance.now() - started)
    } catch (error) {
      errors++
      if (errors === 1) console.log(`${node}: ${label} failed: ${(error as Error).message}`)
    }
  }
  latencies.sort((a, b) => a - b)
  const pick = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor((latencies.length * p) / 100))] ?? Number.NaN
  const result = {
    samples: latencies.length,
    p50Ms: pick(50),
    p99Ms: pick(99),
    meanMs: latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length),
    errors,
  }
  console.log(`${node}: ${label}: p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms`)
  return result
}

/**
 * Included means a receipt: poll, in order, until every one is there. anvil's automine can leave
 * ready transactions pending when they arrive concurrently (foundry-rs/foundry#10122); for anvil a
 * receipt missing after 50 ms gets an `evm_mine` to flush them, as its users do, so anvil is
 * measured at its best rather than stalled.
 */
async function waitForReceipts(
  node: string,
  client: RpcClient,
  hashes: string[],
): Promise<{ status: string }[]> {
  const receipts: { status: string }[] = []
  for (const hash of hashes) {
    const started = performance.now()
    for (let tries = 0; ; tries++) {
      const receipt = (await client.call('eth_getTransactionReceipt', [hash])) as { status: string } | null
      if (receipt !== null) {
        receipts.push(receipt)
        break
      }
      if (node === 'anvil' && performance.now() - started > 50) await client.call('evm_mine', [])
      if (tries > 3000) {
        const detail = await Promise.all([
          client.call('eth_getTransactionByHash', [hash]),
          client.call('txpool_status', []).catch(() => 'n/a'),
        ])
        throw new Error(`${node}: no receipt for ${hash}: ${JSON.stringify(detail)}`)
      }
      await new Promise((resolve) => setTimeout(resolve, 2))
    }
  }
  return receipts
}

function printTable(results: Result[]) {
  const [velox, anvil] = results
  if (!velox || !anvil) return
  console.log('\n| measure | Velox | anvil | Velox / anvil |')
  console.log('|---|---:|---:|---:|')
  for (const [i, level] of velox.throughput.entries()) {
    const peer = anvil.throughput[i]!
    console.log(
      `| transfers/s, concurrency ${level.concurrency} | ${level.perSecond.toFixed(0)} | ${peer.perSecond.toFixed(0)} | ${(level.perSecond / peer.perSecond).toFixed(2)}x |`,
    )
  }
  const rows: [string, Latency, Latency][] = [
    ['eth_sendRawTransactionSync', velox.sync, anvil.sync],
    ['send, then poll receipt', velox.sendThenPoll, anvil.sendThenPoll],
  ]
  for (const [label, mine, peer] of rows)
    for (const p of ['p50', 'p99'] as const) {
      const a = mine[`${p}Ms`]
      const b = peer[`${p}Ms`]
      console.log(
        `| ${label} ${p} (ms) | ${a.toFixed(2)} | ${b.toFixed(2)} | ${(b / a).toFixed(2)}x faster |`,
      )
    }
}

function machineInfo() {
  return { node: process.version, platform: process.platform, arch: process.arch }
}

await main()
