import { Agent, request as httpRequest } from 'node:http'

/**
 * JSON-RPC over node:http with kept-alive connections. The client shares this machine's two cores
 * with the node it measures, so it is kept lean: fetch (undici) spent several times the CPU per
 * request, which the slower-to-serve node then lacks.
 */
export class RpcClient {
  private id = 0
  private readonly target: URL
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 256 })
  /**
   * @param timeoutMs how long a call may go unanswered before it fails: a node that stops answering
   * (anvil's closed-loop ERC-20 run once left 64 synchronous sends unanswered for ten minutes while
   * it mined empty blocks) shows up as errors instead of hanging the benchmark.
   */
  constructor(
    url: string,
    private readonly timeoutMs = 60_000,
  ) {
    this.target = new URL(url)
  }
  call(method: string, params: unknown[]): Promise<unknown> {
    const payload = JSON.stringify({ jsonrpc: '2.0', id: ++this.id, method, params })
    return new Promise((resolve, reject) => {
      const request = httpRequest(
        {
          host: this.target.hostname,
          port: this.target.port,
          path: this.target.pathname,
          method: 'POST',
          agent: this.agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        },
        (response) => {
          const chunks: Buffer[] = []
          response.on('data', (chunk: Buffer) => chunks.push(chunk))
          response.on('end', () => {
            try {
              const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
                result?: unknown
                error?: { message: string }
              }
              if (body.error) reject(new Error(`${method}: ${body.error.message}`))
              else resolve(body.result)
            } catch (error) {
              reject(error)
            }
          })
          response.on('error', reject)
        },
      )
      request.on('error', reject)
      request.setTimeout(this.timeoutMs, () =>
        request.destroy(new Error(`${method}: no answer within ${this.timeoutMs} ms`)),
      )
      request.end(payload)
    })
  }
}
