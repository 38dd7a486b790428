/**
 * The platform's floor on this machine, for bench:realtime: what the least a JSON-RPC node on
 * Workers could do for eth_sendRawTransactionSync costs in latency, measured with the same client,
 * loads and transactions as Velox and anvil.
 *
 * Two minimal nodes run in workerd through Miniflare, laid out as Velox runs locally (an edge
 * process bound to the port, Durable Objects in a process of their own, reached through the dev
 * registry):
 * - `edge only`: the edge Worker parses the request and answers a receipt-shaped result at once;
 *   no Durable Object, no storage. What serving HTTP in workerd costs.
 * - `edge → DO`: the edge Worker calls a Durable Object once per request (DO RPC, no coalescing),
 *   which inserts the raw transaction into its SQLite and answers; workerd releases the answer once
 *   that write is committed. No decoding, signature recovery, execution or state.
 * Velox does more work than either, but also coalesces the edge's calls (SubmissionBatcher), so
 * these are the platform's costs to set its figures against, not a bound under them.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Miniflare, type MiniflareOptions } from 'miniflare'
import { freePort } from '../scripts/freePort.ts'
import { withChildProcessesStarted } from '../scripts/processes.ts'

export type FloorNode = 'edge only' | 'edge → DO'

const COMPATIBILITY = { compatibilityDate: '2026-04-20', compatibilityFlags: ['nodejs_compat'] }

/** The Durable Object: one SQLite row per transaction, answered once it is committed. */
const DURABLE_OBJECT_SCRIPT = `import { DurableObject } from 'cloudflare:workers'
export class FloorSequencer extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env)
    ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS received (seq INTEGER PRIMARY KEY, raw TEXT NOT NULL)')
    this.count = 0
  }
  submit(raw) {
    this.ctx.storage.sql.exec('INSERT INTO received (seq, raw) VALUES (?, ?)', this.count++, raw)
    return this.count
  }
}
export default { fetch() { return new Response('floor') } }`

/** The edge: a receipt-shaped answer (what bench:realtime reads of a receipt), with or without the DO. */
const edgeScript = (callsDurableObject: boolean) => `export default {
  async fetch(request, env) {
    const body = await request.json()
    const raw = body.params[0]
    const sequence = ${callsDurableObject ? "await env.FLOOR.get(env.FLOOR.idFromName('sequencer')).submit(raw)" : '1'}
    return Response.json({ jsonrpc: '2.0', id: body.id, result: {
      transactionHash: '0x' + raw.slice(-64), blockNumber: '0x' + sequence.toString(16), status: '0x1' } })
  },
}`

/** Starts the floor node, runs `measure` against its URL, and stops it. */
export async function withPlatformFloor<T>(
  node: FloorNode,
  measure: (url: string, processIds: Record<string, number[]>) => Promise<T>,
): Promise<T> {
  const directory = mkdtempSync(path.join(tmpdir(), 'velox-floor-'))
  const devRegistry = path.join(directory, 'dev-registry')
  mkdirSync(devRegistry)
  const port = await freePort()
  const started: Miniflare[] = []
  // Each Miniflare's workerd process, for its CPU time.
  const processIds: Record<string, number[]> = {}
  const start = async (name: string, options: MiniflareOptions) => {
    const [, pids] = await withChildProcessesStarted(async () => {
      const miniflare = new Miniflare(options)
      started.push(miniflare)
      await miniflare.ready
    })
    processIds[name] = pids
  }
  try {
    const common = {
      ...COMPATIBILITY,
      modules: true,
      host: '127.0.0.1',
      port: 0,
      unsafeDevRegistryPath: devRegistry,
    }
    if (node === 'edge → DO')
      await start('durable object', {
        ...common,
        name: 'floor-sequencer',
        script: DURABLE_OBJECT_SCRIPT,
        durableObjects: { FLOOR: { className: 'FloorSequencer', useSQLite: true } },
        durableObjectsPersist: path.join(directory, 'do'),
      })
    await start('edge', {
      ...common,
      name: 'floor-edge',
      script: edgeScript(node === 'edge → DO'),
      ...(node === 'edge → DO'
        ? {
            durableObjects: {
              FLOOR: { className: 'FloorSequencer', scriptName: 'floor-sequencer', useSQLite: true },
            },
          }
        : {}),
      unsafeDirectSockets: [{ host: '127.0.0.1', port }],
    })
    return await measure(`http://127.0.0.1:${port}`, processIds)
  } finally {
    for (const miniflare of started.reverse()) await miniflare.dispose()
    rmSync(directory, { recursive: true, force: true })
  }
}
