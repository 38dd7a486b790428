import { connect, type Socket } from 'node:net'

/**
 * How long a connection may sit idle and still carry the next request. workerd closes a kept-alive
 * connection idle for 5 s (seen from this client: every close came 5,000–5,003 ms after the last
 * answer); a request written as it closes is reset (ECONNRESET, 10–46 in a 20 s run at 1,000/s,
 * and each one then failed its sender's later nonces as gaps). Stopping a second short of it, as
 * undici does of a server's keep-alive timeout, leaves that race to a stalled machine.
 */
const REUSE_IDLE_CONNECTIONS_FOR_MS = 4_000

/**
 * JSON-RPC over HTTP/1.1 on kept-alive TCP connections, one request at a time on each, written and
 * parsed here. The client shares this machine's two cores with the node it measures, so it is kept
 * lean: fetch (undici) spent several times the CPU per request, and node:http's request objects
 * 0.28 ms a request where this takes 0.18 (against a Worker answering at once, 1,000 requests/s):
 * CPU the measured node would otherwise lack. Responses must carry a Content-Length (Velox's
 * workerd, anvil and the platform floor all do); anything else fails the call.
 */
export class RpcClient {
  private id = 0
  private readonly idle: Connection[] = []
  private readonly open = new Set<Connection>()
  private readonly host: string
  private readonly port: number
  private readonly path: string
  private sweeper: ReturnType<typeof setInterval> | undefined

  /**
   * @param timeoutMs how long a call may go unanswered before it fails: a node that stops answering
   * (anvil's closed-loop ERC-20 run once left 64 synchronous sends unanswered for ten minutes while
   * it mined empty blocks) shows up as errors instead of hanging the benchmark.
   * @param reuseIdleForMs how long an idle connection may wait for its next request; older ones are
   * closed instead.
   */
  constructor(
    url: string,
    private readonly timeoutMs = 60_000,
    private readonly reuseIdleForMs = REUSE_IDLE_CONNECTIONS_FOR_MS,
  ) {
    const target = new URL(url)
    this.host = target.hostname
    this.port = Number(target.port)
    this.path = target.pathname
  }

  async call(method: string, params: unknown[]): Promise<unknown> {
    const payload = JSON.stringify({ jsonrpc: '2.0', id: ++this.id, method, params })
    const head = `POST ${this.path} HTTP/1.1\r\nHost: ${this.host}:${this.port}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(payload)}\r\n\r\n`
    const connection = await this.connection()
    let text: string
    try {
      text = await new Promise<string>((resolve, reject) =>
        connection.send(head + payload, { resolve, reject, sentAt: performance.now() }),
      )
    } catch (error) {
      throw new Error(`${method}: ${(error as Error).message}`)
    }
    this.idle.push(connection)
    const body = JSON.parse(text) as { result?: unknown; error?: { message: string } }
    if (body.error) throw new Error(`${method}: ${body.error.message}`)
    return body.result
  }

  private connection(): Promise<Connection> {
    const staleBefore = performance.now() - this.reuseIdleForMs
    for (let connection = this.idle.pop(); connection; connection = this.idle.pop()) {
      if (connection.closed) continue
      if (connection.idleSince >= staleBefore) return Promise.resolve(connection)
      connection.close()
    }
    // One timer for every call's deadline, rather than one per call.
    this.sweeper ??= setInterval(() => this.failOverdue(), Math.min(1_000, this.timeoutMs)).unref()
    return new Promise((resolve, reject) => {
      const socket = connect(this.port, this.host, () => {
        socket.off('error', reject)
        const connection = new Connection(socket, () => this.open.delete(connection))
        this.open.add(connection)
        resolve(connection)
      })
      socket.once('error', reject)
    })
  }

  private failOverdue(): void {
    const overdue = performance.now() - this.timeoutMs
    for (const connection of this.open)
      if (connection.waitingSince !== undefined && connection.waitingSince < overdue)
        connection.fail(new Error(`no answer within ${this.timeoutMs} ms`))
  }
}

type Pending = { resolve: (body: string) => void; reject: (error: Error) => void; sentAt: number }

const HEADER_END = Buffer.from('\r\n\r\n')
const CONTENT_LENGTH = /\r\ncontent-length:[ \t]*(\d+)/i

/** One kept-alive connection carrying one request at a time. */
class Connection {
  private received: Buffer = Buffer.alloc(0)
  private pending: Pending | undefined
  closed = false
  /** When the last answer arrived (or the connection opened). */
  idleSince = performance.now()

  constructor(
    readonly socket: Socket,
    private readonly onClose: () => void,
  ) {
    socket.setNoDelay(true)
    socket.on('data', (chunk: Buffer) => this.receive(chunk))
    socket.on('error', (error) => this.fail(error))
    socket.on('close', () => this.fail(new Error('the connection closed')))
  }

  get waitingSince(): number | undefined {
    return this.pending?.sentAt
  }

  send(request: string, pending: Pending): void {
    this.pending = pending
    // Only a connection waiting for an answer keeps the process alive, as node:http's idle ones.
    this.socket.ref()
    this.socket.write(request)
  }

  /** Closes an idle connection: nothing waits on it. */
  close(): void {
    this.fail(new Error('closed by the client'))
  }

  fail(error: Error): void {
    if (!this.closed) {
      this.closed = true
      this.onClose()
      this.socket.destroy()
    }
    const pending = this.pending
    this.pending = undefined
    pending?.reject(error)
  }

  private receive(chunk: Buffer): void {
    this.received = this.received.length === 0 ? chunk : Buffer.concat([this.received, chunk])
    const headerEnd = this.received.indexOf(HEADER_END)
    if (headerEnd < 0) return
    const head = this.received.toString('latin1', 0, headerEnd)
    const length = CONTENT_LENGTH.exec(head)
    if (!length) {
      this.fail(new Error(`a response without Content-Length: ${head.slice(0, 200)}`))
      return
    }
    const bodyStart = headerEnd + HEADER_END.length
    const bodyEnd = bodyStart + Number(length[1])
    if (this.received.length < bodyEnd) return
    const body = this.received.toString('utf8', bodyStart, bodyEnd)
    this.received = this.received.subarray(bodyEnd)
    const pending = this.pending
    this.pending = undefined
    this.socket.unref()
    this.idleSince = performance.now()
    pending?.resolve(body)
  }
}
