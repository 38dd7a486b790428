/**
 * `npm run bench:e2e`: Velox against anvil, same machine, same run, same pre-signed ETH transfers,
 * same client code. Throughput at concurrency 1, 8, 32, 128 (eth_sendRawTransaction until every
 * receipt is available) and eth_sendRawTransactionSync latency sent one at a time.
 * Prints a table; writes bench/results/e2e.json.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { startLocalChain } from '../scripts/localChain.ts'
import { CHAIN_ID, devKeys, freePort } from '../test/e2e/harness.ts'

const CONCURRENCY = [1, 8, 32, 128]
const TRANSFERS_PER_LEVEL = Number(process.env.BENCH_TRANSFERS ?? 2000)
const SYNC_SAMPLES = Number(process.env.BENCH_SYNC_SAMPLES ?? 500)
const ROOT = path.resolve(import.meta.dirname, '..')

type Result = {
  node: string
  throughput: { concurrency: number; transfers: number; seconds: number; perSecond: number }[]
  sync: { samples: number; p50Ms: number; p99Ms: number; meanMs: number; errors: number }
}

async function main() {
  console.log(`Signing ${CONCURRENCY.length * TRANSFERS_PER_LEVEL + SYNC_SAMPLES} transfers…`)
  const plan = await signTransfers(CONCURRENCY.length * TRANSFERS_PER_LEVEL + SYNC_SAMPLES)
  const results: Result[] = []

  const persistTo = mkdtempSync(path.join(tmpdir(), 'velox-bench-'))
  const velox = await startLocalChain({ port: await freePort(), l1Port: await freePort(), persistTo })
  try {
    results.push(await measure('velox', velox.l2Url, plan))
  } finally {
    await velox.stop()
    rmSync(persistTo, { recursive: true, force: true })
  }

  const anvilPort = await freePort()
  // anvil with Velox's chain id, so the very same signed transactions are valid on both.
  const anvil = spawn(
    path.join(ROOT, 'node_modules/.bin/anvil'),
    ['--port', String(anvilPort), '--chain-id', String(CHAIN_ID), '--silent'],
    {
      stdio: 'ignore',
    },
  )
  try {
    const url = `http://127.0.0.1:${anvilPort}`
    await waitFor(url)
    results.push(await measure('anvil', url, plan))
  } finally {
    await stop(anvil)
  }

  printTable(results)
  mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true })
  const file = path.join(ROOT, 'bench/results/e2e.json')
  writeFileSync(
    file,
    `${JSON.stringify({ date: new Date().toISOString(), machine: machineInfo(), transfersPerLevel: TRANSFERS_PER_LEVEL, results }, null, 2)}\n`,
  )
  console.log(`\nwrote ${path.relative(ROOT, file)}`)
}

/** Transfers from the 10 development accounts, each sender's in nonce order, interleaved across senders. */
async function signTransfers(count: number): Promise<Hex[]> {
  const senders = devKeys.map((key) => privateKeyToAccount(key))
  const raws: Hex[] = []
  for (let i = 0; i < count; i++) {
    const sender = senders[i % senders.length]!
    raws.push(
      await sender.signTransaction({
        chainId: CHAIN_ID,
        type: 'eip1559',
        to: `0x${(0xb000 + (i % 97)).toString(16).padStart(40, '0')}`,
        value: 1n,
        nonce: Math.floor(i / senders.length),
        gas: 21_000n,
        maxFeePerGas: 5_000_000_000n,
        maxPriorityFeePerGas: 1_000_000n,
      }),
    )
  }
  return raws
}

async function measure(node: string, url: string, plan: Hex[]): Promise<Result> {
  const client = new RpcClient(url)
  const throughput: Result['throughput'] = []
  let offset = 0
  for (const concurrency of CONCURRENCY) {
    const batch = plan.slice(offset, offset + TRANSFERS_PER_LEVEL)
    offset += TRANSFERS_PER_LEVEL
    const started = performance.now()
    const hashes: string[] = new Array(batch.length)
    let next = 0
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < batch.length) {
          const i = next++
          hashes[i] = (await client.call('eth_sendRawTransaction', [batch[i]])) as string
        }
      }),
    )
    // Included means a receipt: poll the last hashes until every one is there.
    for (const hash of hashes) {
      for (let tries = 0; ; tries++) {
        if ((await client.call('eth_getTransactionReceipt', [hash])) !== null) break
        if (tries > 3000) throw new Error(`${node}: no receipt for ${hash}`)
        await new Promise((resolve) => setTimeout(resolve, 2))
      }
    }
    const seconds = (performance.now() - started) / 1000
    throughput.push({ concurrency, transfers: batch.length, seconds, perSecond: batch.length / seconds })
    console.log(`${node}: concurrency ${concurrency}: ${(batch.length / seconds).toFixed(0)} transfers/s`)
  }
  const latencies: number[] = []
  let errors = 0
  for (const raw of plan.slice(offset, offset + SYNC_SAMPLES)) {
    const started = performance.now()
    try {
      await client.call('eth_sendRawTransactionSync', [raw])
      latencies.push(performance.now() - started)
    } catch (error) {
      errors++
      if (errors === 1) console.log(`${node}: eth_sendRawTransactionSync failed: ${(error as Error).message}`)
    }
  }
  latencies.sort((a, b) => a - b)
  const pick = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor((latencies.length * p) / 100))] ?? Number.NaN
  const sync = {
    samples: latencies.length,
    p50Ms: pick(50),
    p99Ms: pick(99),
    meanMs: latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length),
    errors,
  }
  console.log(`${node}: sync p50 ${sync.p50Ms.toFixed(2)} ms, p99 ${sync.p99Ms.toFixed(2)} ms`)
  return { node, throughput, sync }
}

class RpcClient {
  private id = 0
  constructor(private readonly url: string) {}
  async call(method: string, params: unknown[]): Promise<unknown> {
    const response = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: ++this.id, method, params }),
    })
    const body = (await response.json()) as { result?: unknown; error?: { message: string } }
    if (body.error) throw new Error(`${method}: ${body.error.message}`)
    return body.result
  }
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
  console.log(
    `| sync p50 (ms) | ${velox.sync.p50Ms.toFixed(2)} | ${anvil.sync.p50Ms.toFixed(2)} | ${(anvil.sync.p50Ms / velox.sync.p50Ms).toFixed(2)}x faster |`,
  )
  console.log(
    `| sync p99 (ms) | ${velox.sync.p99Ms.toFixed(2)} | ${anvil.sync.p99Ms.toFixed(2)} | ${(anvil.sync.p99Ms / velox.sync.p99Ms).toFixed(2)}x faster |`,
  )
}

async function waitFor(url: string) {
  for (let i = 0; i < 300; i++) {
    try {
      await new RpcClient(url).call('eth_chainId', [])
      return
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
  throw new Error(`${url} did not start`)
}

async function stop(child: ChildProcess) {
  if (child.exitCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  await exited
}

function machineInfo() {
  return { node: process.version, platform: process.platform, arch: process.arch }
}

await main()
