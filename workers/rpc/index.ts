/**
 * The RPC worker: JSON-RPC 2.0 over HTTP POST at `/` and `/rpc`. Stateless and horizontally
 * scaled; it decodes and checks transactions, recovers senders, and talks to the sequencer.
 * WebSockets at `/` and `/ws` are handed to the sequencer, which holds them and serves
 * subscriptions (workers/sequencer/subscriptionHub.ts).
 */
import { type Context, Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import genesis from '../../config/genesis.dev.json'
import { type ChainConfig, parseChainConfig } from '../../src/execution/chainConfig.ts'
import { handleJsonRpc } from '../../src/rpc/handleJsonRpc.ts'
import { parseRpcNamespaces } from '../../src/rpc/namespaces.ts'
import { BATCHER_NAME } from '../batcher/batcher.ts'
import { useWasmPrimitives } from './wasmPrimitives.ts'
import { SEQUENCER_NAME, WorkersBackend } from './workersBackend.ts'

export { Batcher } from '../batcher/batcher.ts'
export { Executor } from '../executor/executor.ts'
export { Indexer } from '../indexer/indexer.ts'
export { Sequencer } from '../sequencer/sequencer.ts'
export { Validator } from '../validator/validator.ts'

/** Request bodies over 5 MiB are refused with HTTP 413 (geth's defaultBodyLimit). */
const MAX_BODY_BYTES = 5 * 1024 * 1024
const CLIENT_VERSION = 'Velox/v0.1.0/workers'

useWasmPrimitives()

const app = new Hono<{ Bindings: Env }>()

/**
 * What depends only on the bindings, which stay the same object for the isolate's life, is built
 * once rather than per request: the config, and the sequencer's id (deriving it hashes its name).
 * The stub itself is an I/O object bound to one request, so each request gets its own.
 */
const perIsolate = new WeakMap<
  Env,
  { config: ChainConfig; sequencerId: DurableObjectId; namespaces: ReadonlySet<string> | undefined }
>()

const serveJsonRpc = async (c: Context<{ Bindings: Env }>) => {
  let shared = perIsolate.get(c.env)
  if (!shared) {
    shared = {
      config: parseChainConfig(c.env, { blockGasLimit: BigInt(genesis.gasLimit) }),
      sequencerId: c.env.SEQUENCER.idFromName(SEQUENCER_NAME),
      namespaces: parseRpcNamespaces(c.env.RPC_NAMESPACES),
    }
    perIsolate.set(c.env, shared)
  }
  const response = await handleJsonRpc(await c.req.text(), {
    backend: new WorkersBackend(c.env, shared.config, shared.sequencerId),
    config: shared.config,
    clientVersion: CLIENT_VERSION,
    namespaces: shared.namespaces,
  })
  return response === undefined ? c.body(null, 200) : c.json(response)
}

const limitBody = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: (c) =>
    c.json({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'request body too large' } }, 413),
})

/**
 * A WebSocket upgrade goes to the sequencer, which holds the connection (hibernation API) and
 * answers JSON-RPC and eth_subscribe on it; a plain GET gets a line saying where to POST.
 */
const serveWebSocket = (c: Context<{ Bindings: Env }>) => {
  if (c.req.header('Upgrade')?.toLowerCase() !== 'websocket')
    return c.text('Velox JSON-RPC endpoint: POST JSON-RPC 2.0 requests here, or open a WebSocket.\n')
  const sequencer = c.env.SEQUENCER.get(c.env.SEQUENCER.idFromName(SEQUENCER_NAME))
  return sequencer.fetch(c.req.raw)
}

app.post('/', limitBody, (c) => serveJsonRpc(c))
app.post('/rpc', limitBody, (c) => serveJsonRpc(c))
app.get('/', serveWebSocket)
app.get('/ws', serveWebSocket)

export default {
  fetch: app.fetch,
  /** The cron trigger: makes sure the batcher's alarm is set (it runs rounds every BATCH_INTERVAL_MS). */
  async scheduled(_controller, env, ctx) {
    ctx.waitUntil(env.BATCHER.get(env.BATCHER.idFromName(BATCHER_NAME)).wake())
  },
} satisfies ExportedHandler<Env>
