import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { rpcCaller } from './rpcCaller.ts'

/** A loopback JSON-RPC server answering the n-th request (from 0) with `answer(n)`. */
async function serve(
  answer: (n: number) => 'drop' | { status: number; body: string },
): Promise<{ url: string; requests: () => number }> {
  let count = 0
  const server = createServer((request, response) => {
    request.resume()
    request.on('end', () => {
      const reply = answer(count++)
      if (reply === 'drop') return request.socket.destroy()
      response.writeHead(reply.status, { 'content-type': 'application/json' }).end(reply.body)
    })
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}`, requests: () => count }
}

const servers: Server[] = []
afterEach(async () => {
  for (const server of servers.splice(0))
    await new Promise((resolve) => server.close(resolve).closeAllConnections())
})

const result = (value: unknown) => ({
  status: 200,
  body: JSON.stringify({ jsonrpc: '2.0', id: 1, result: value }),
})

describe('rpcCaller', () => {
  it('tries again after a dropped connection and after 503, then takes the answer', async () => {
    const node = await serve((n) =>
      n === 0 ? 'drop' : n === 1 ? { status: 503, body: 'busy' } : result('0x5'),
    )
    const call = rpcCaller(node.url, [1, 1, 1])
    expect(await call('eth_blockNumber', [])).toBe('0x5')
    expect(node.requests()).toBe(3)
  })

  it('gives up after its retries, saying why', async () => {
    const node = await serve(() => ({ status: 502, body: 'bad gateway' }))
    const call = rpcCaller(node.url, [1, 1])
    await expect(call('eth_blockNumber', [])).rejects.toThrow('eth_blockNumber: HTTP 502')
    expect(node.requests()).toBe(3)
  })

  it('does not retry an answer: a JSON-RPC error or a body that is not JSON', async () => {
    const failing = await serve(() => ({
      status: 200,
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, error: { code: -32000, message: 'block not found' } }),
    }))
    await expect(rpcCaller(failing.url, [1])('debug_getRawBlock', ['0x9'])).rejects.toThrow(
      'debug_getRawBlock: block not found (code -32000)',
    )
    expect(failing.requests()).toBe(1)
    const garbled = await serve(() => ({ status: 500, body: 'oops' }))
    await expect(rpcCaller(garbled.url, [1])('eth_chainId', [])).rejects.toThrow('HTTP 500, not JSON: oops')
    expect(garbled.requests()).toBe(1)
  })
})
