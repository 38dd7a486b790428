import { createServer, type Server, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { RpcClient } from './rpcClient.ts'

/** A loopback HTTP/1.1 server answering every request with `{"result": <connection number>}`. */
async function startCountingServer(): Promise<{
  url: string
  server: Server
  sockets: Set<Socket>
  ended: number[]
}> {
  const ended: number[] = []
  const sockets = new Set<Socket>()
  let connections = 0
  const server = createServer((socket: Socket) => {
    const number = ++connections
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    let received = ''
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1')
      const headerEnd = received.indexOf('\r\n\r\n')
      if (headerEnd < 0) return
      const length = Number(/content-length:\s*(\d+)/i.exec(received)?.[1] ?? 0)
      if (received.length < headerEnd + 4 + length) return
      received = received.slice(headerEnd + 4 + length)
      const body = JSON.stringify({ jsonrpc: '2.0', id: 1, result: number })
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`)
    })
    socket.on('end', () => {
      ended.push(number)
      socket.end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  return { url: `http://127.0.0.1:${address.port}/`, server, sockets, ended }
}

describe('RpcClient connection reuse', () => {
  let server: Awaited<ReturnType<typeof startCountingServer>> | undefined
  afterEach(async () => {
    // The client keeps its connections open: the server closes them, or it would wait on them.
    for (const socket of server?.sockets ?? []) socket.destroy()
    await new Promise((resolve) => server?.server.close(resolve))
    server = undefined
  })

  it('carries calls on one kept-alive connection while it has been idle briefly', async () => {
    const started = await startCountingServer()
    server = started
    const client = new RpcClient(started.url, 5_000, 1_000)
    expect(await client.call('eth_chainId', [])).toBe(1)
    expect(await client.call('eth_chainId', [])).toBe(1)
  })

  it('closes a connection idle past the reuse limit and opens another, before the server would', async () => {
    const started = await startCountingServer()
    server = started
    const client = new RpcClient(started.url, 5_000, 200)
    expect(await client.call('eth_chainId', [])).toBe(1)
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(await client.call('eth_chainId', [])).toBe(2)
    expect(await client.call('eth_chainId', [])).toBe(2)
    // The stale connection was ended by the client, not left for the server to close under a request.
    for (let waited = 0; !started.ended.includes(1) && waited < 1_000; waited += 10)
      await new Promise((resolve) => setTimeout(resolve, 10))
    expect(started.ended).toEqual([1])
  })
})
