/**
 * The RPC worker: JSON-RPC 2.0 over HTTP POST at `/` and `/rpc`. Stateless and horizontally
 * scaled; it decodes and checks transactions, recovers senders, and talks to the sequencer.
 */
import { type Context, Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import genesis from '../../config/genesis.dev.json'
import { parseChainConfig } from '../../src/execution/chainConfig.ts'
import { handleJsonRpc } from '../../src/rpc/handleJsonRpc.ts'
import { useWasmSecp256k1 } from './secp256k1.ts'
import { WorkersBackend } from './workersBackend.ts'

export { Sequencer } from '../sequencer/sequencer.ts'

/** Request bodies over 5 MiB are refused with HTTP 413 (geth's defaultBodyLimit). */
const MAX_BODY_BYTES = 5 * 1024 * 1024
const CLIENT_VERSION = 'Velox/v0.1.0/workers'

useWasmSecp256k1()

const app = new Hono<{ Bindings: Env }>()

const serveJsonRpc = async (c: Context<{ Bindings: Env }>) => {
  const config = parseChainConfig(c.env, { blockGasLimit: BigInt(genesis.gasLimit) })
  const response = await handleJsonRpc(await c.req.text(), {
    backend: new WorkersBackend(c.env, config),
    config,
    clientVersion: CLIENT_VERSION,
  })
  return response === undefined ? c.body(null, 200) : c.json(response)
}

const limitBody = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: (c) =>
    c.json({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'request body too large' } }, 413),
})

app.post('/', limitBody, (c) => serveJsonRpc(c))
app.post('/rpc', limitBody, (c) => serveJsonRpc(c))
app.get('/', (c) => c.text('Velox JSON-RPC endpoint: POST JSON-RPC 2.0 requests here.\n'))

export default app satisfies ExportedHandler<Env>
