/**
 * Bad input gets a clear answer, never a crash: every refusal the node makes, with the EIP-1474
 * code and geth's message, against the real server.
 */
import { connect } from 'node:net'
import { type Hex, parseGwei, serializeTransaction } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { CHAIN_ID, chainForFile, devAccounts, devKeys, expectEveryBlockValidates, rpc } from './harness.ts'

const chain = chainForFile()
async function post(
  body: string,
  headers: Record<string, string> = { 'content-type': 'application/json' },
): Promise<{ status: number; body: any }> {
  const response = await fetch(chain.l2Url, { method: 'POST', headers, body })
  return {
    status: response.status,
    body: response.status === 200 ? await response.json() : await response.text(),
  }
}

const sender = privateKeyToAccount(devKeys[8]!)
const to = devAccounts[0]!.address
const base = {
  chainId: CHAIN_ID,
  type: 'eip1559' as const,
  to,
  value: 1n,
  gas: 21_000n,
  maxFeePerGas: parseGwei('3'),
  maxPriorityFeePerGas: parseGwei('0.001'),
}
async function sign(overrides: Record<string, unknown> = {}): Promise<Hex> {
  const nonce = Number(
    (await rpc(chain.l2Url, 'eth_getTransactionCount', [sender.address, 'pending'])).result,
  )
  return sender.signTransaction({ ...base, nonce, ...overrides } as Parameters<
    typeof sender.signTransaction
  >[0])
}
async function sendError(raw: Hex) {
  return (await rpc(chain.l2Url, 'eth_sendRawTransaction', [raw])).error
}

describe('JSON-RPC envelope', () => {
  it('-32700 for malformed JSON', async () => {
    const { body } = await post('{"jsonrpc":"2.0",')
    expect(body.error.code).toBe(-32700)
  })
  it('-32600 for an invalid request, an empty batch and a batch over 1,000', async () => {
    expect((await post('{"jsonrpc":"1.0","id":1,"method":"eth_chainId"}')).body.error.code).toBe(-32600)
    expect((await post('[]')).body.error).toEqual({ code: -32600, message: 'empty batch' })
    const big = JSON.stringify(
      Array.from({ length: 1001 }, (_, id) => ({ jsonrpc: '2.0', id, method: 'eth_chainId' })),
    )
    expect((await post(big)).body.error).toEqual({ code: -32600, message: 'batch too large' })
  })
  it('answers a batch in order, errors and results side by side', async () => {
    const { body } = await post(
      JSON.stringify([
        { jsonrpc: '2.0', id: 1, method: 'eth_chainId' },
        { jsonrpc: '2.0', id: 2, method: 'eth_nope' },
        { jsonrpc: '2.0', id: 3, method: 'net_version' },
      ]),
    )
    expect(body).toEqual([
      { jsonrpc: '2.0', id: 1, result: `0x${CHAIN_ID.toString(16)}` },
      {
        jsonrpc: '2.0',
        id: 2,
        error: { code: -32601, message: 'the method eth_nope does not exist/is not available' },
      },
      { jsonrpc: '2.0', id: 3, result: String(CHAIN_ID) },
    ])
  })
  it('-32601 for an unknown method', async () => {
    expect((await rpc(chain.l2Url, 'eth_bogus')).error?.code).toBe(-32601)
  })
  it('-32602 naming the offending parameter', async () => {
    expect((await rpc(chain.l2Url, 'eth_getBalance', ['0x1234', 'latest'])).error).toEqual({
      code: -32602,
      message: 'invalid argument 0: hex string has length 4, want 40 for common.Address',
    })
    expect((await rpc(chain.l2Url, 'eth_getBlockByNumber', ['latest', 'yes'])).error?.message).toMatch(
      /^invalid argument 1:/,
    )
    expect((await rpc(chain.l2Url, 'eth_getBalance', [to, 'newest'])).error?.message).toMatch(
      /^invalid argument 1:/,
    )
    expect((await rpc(chain.l2Url, 'eth_sendRawTransaction', ['0xzz'])).error?.code).toBe(-32602)
  })
  // The server answers 413 without reading the rest of an oversized body, so a client still writing
  // it may see the connection reset before it reads the answer (geth behaves the same). These
  // requests stop writing once past the limit and then read, which makes the check deterministic.
  it('HTTP 413 for a body declared over 5 MiB', async () => {
    const head = `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${5 * 1024 * 1024 + 1}\r\n\r\n`
    expect(await rawExchange(head, [`{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":["`])).toMatch(
      /^HTTP\/1\.1 413 /,
    )
  })
  it('HTTP 413 for a streamed body that grows past 5 MiB', async () => {
    const head =
      'POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n'
    const chunk = 'x'.repeat(256 * 1024)
    const chunks = Array.from({ length: 21 }, () => `${chunk.length.toString(16)}\r\n${chunk}\r\n`)
    expect(await rawExchange(head, chunks)).toMatch(/^HTTP\/1\.1 413 /)
  })
})

/** Writes a request by hand over one connection and returns the first bytes of the answer. */
function rawExchange(head: string, bodyParts: string[]): Promise<string> {
  const { hostname, port } = new URL(chain.l2Url)
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) })
    let answer = ''
    socket.setEncoding('utf8')
    socket.on('data', (data) => {
      answer += data
      if (answer.includes('\r\n')) {
        socket.destroy()
        resolve(answer)
      }
    })
    socket.on('error', (error) => (answer ? resolve(answer) : reject(error)))
    socket.write(head)
    for (const part of bodyParts) socket.write(part)
  })
}

describe('transaction refusals (-32000, geth messages)', () => {
  it('nonce too low', async () => {
    const first = await sign()
    expect((await rpc(chain.l2Url, 'eth_sendRawTransactionSync', [first])).error).toBeUndefined()
    const stale = await sign({ nonce: 0, value: 2n })
    expect(await sendError(stale)).toEqual({
      code: -32000,
      message: 'nonce too low: next nonce 1, tx nonce 0',
    })
    // An executed transaction sent again is refused as geth refuses it: by its nonce.
    expect(await sendError(first)).toEqual({
      code: -32000,
      message: 'nonce too low: next nonce 1, tx nonce 0',
    })
  })
  it('insufficient funds for gas * price + value', async () => {
    const error = await sendError(await sign({ value: 10n ** 30n }))
    expect(error?.code).toBe(-32000)
    expect(error?.message).toMatch(
      /^insufficient funds for gas \* price \+ value: address 0x[0-9a-f]{40} have \d+ want \d+$/,
    )
  })
  it('already known', async () => {
    // A gap nonce keeps the transaction in the pool, so the second send meets it there.
    const nonce = Number(
      (await rpc(chain.l2Url, 'eth_getTransactionCount', [sender.address, 'pending'])).result,
    )
    const queued = await sign({ nonce: nonce + 5 })
    expect(await sendError(queued)).toBeUndefined()
    expect(await sendError(queued)).toEqual({ code: -32000, message: 'already known' })
  })
  it('replacement transaction underpriced (10% bump on both fee fields)', async () => {
    const nonce = Number(
      (await rpc(chain.l2Url, 'eth_getTransactionCount', [sender.address, 'pending'])).result,
    )
    expect(await sendError(await sign({ nonce: nonce + 10 }))).toBeUndefined()
    const underpriced = await sign({
      nonce: nonce + 10,
      maxFeePerGas: parseGwei('3.2'),
      maxPriorityFeePerGas: parseGwei('0.01'),
    })
    expect(await sendError(underpriced)).toEqual({
      code: -32000,
      message: 'replacement transaction underpriced',
    })
    const replaced = await sign({
      nonce: nonce + 10,
      maxFeePerGas: parseGwei('3.3'),
      maxPriorityFeePerGas: parseGwei('0.0011'),
    })
    expect(await sendError(replaced)).toBeUndefined()
  })
  it('intrinsic gas too low', async () => {
    expect(await sendError(await sign({ gas: 20_999n }))).toEqual({
      code: -32000,
      message: 'intrinsic gas too low: gas 20999, minimum needed 21000',
    })
  })
  it('exceeds block gas limit', async () => {
    expect(await sendError(await sign({ gas: 10n ** 12n }))).toEqual({
      code: -32000,
      message: 'exceeds block gas limit',
    })
  })
  it('transaction type not supported (blob transactions)', async () => {
    // A well-formed, signed type-3 envelope (no sidecar): refused for its type.
    const raw = await sender.signTransaction({
      ...base,
      type: 'eip4844',
      nonce: 0,
      maxFeePerBlobGas: 1n,
      blobVersionedHashes: [`0x01${'00'.repeat(31)}`],
    } as Parameters<typeof sender.signTransaction>[0])
    expect(await sendError(raw)).toEqual({ code: -32000, message: 'transaction type not supported' })
  })
  it('max initcode size exceeded (EIP-3860), and a set-code transaction without authorizations', async () => {
    const initcode = `0x${'00'.repeat(49_153)}` as Hex
    expect(await sendError(await sign({ to: null, data: initcode, gas: 10_000_000n }))).toEqual({
      code: -32000,
      message: 'max initcode size exceeded: code size 49153 limit 49152',
    })
    const setCode = serializeTransaction(
      { ...base, type: 'eip7702', nonce: 0, authorizationList: [] } as Parameters<
        typeof serializeTransaction
      >[0],
      { r: `0x${'11'.repeat(32)}`, s: `0x${'22'.repeat(32)}`, yParity: 0 },
    ) as Hex
    expect(await sendError(setCode)).toEqual({
      code: -32000,
      message: 'EIP-7702 transaction with empty auth list',
    })
  })
  it('only replay-protected (EIP-155) transactions allowed over RPC', async () => {
    const unprotected = await sender.signTransaction({
      type: 'legacy',
      to,
      value: 1n,
      gas: 21_000n,
      gasPrice: parseGwei('3'),
      nonce: 0,
    })
    expect(await sendError(unprotected)).toEqual({
      code: -32000,
      message: 'only replay-protected (EIP-155) transactions allowed over RPC',
    })
  })
  it('oversized data (over 128 KB)', async () => {
    const raw = await sign({ data: `0x${'01'.repeat(130 * 1024)}`, gas: 5_000_000n })
    expect(await sendError(raw)).toEqual({ code: -32000, message: 'oversized data' })
  })
  it('a wrong chain id and a bad signature are refused, not crashed on', async () => {
    expect((await sendError(await sign({ chainId: 1 })))?.message).toMatch(/^invalid chain id for signer/)
    const garbage = `0x02${'c0'}` as Hex
    expect((await sendError(garbage))?.code).toBe(-32000)
    const unsigned = serializeTransaction({ ...base, nonce: 0 }) as Hex
    expect((await sendError(unsigned))?.code).toBe(-32000)
  })
  it('EIP-7966: a nonce gap on the sync call answers code 6 with the expected nonce', async () => {
    const nonce = Number(
      (await rpc(chain.l2Url, 'eth_getTransactionCount', [sender.address, 'latest'])).result,
    )
    const answer = await rpc(chain.l2Url, 'eth_sendRawTransactionSync', [await sign({ nonce: nonce + 50 })])
    expect(answer.error?.code).toBe(6)
    expect(answer.error?.data).toBe(`0x${nonce.toString(16)}`)
  })
})

describe('stateless validation', () => {
  it('validates every block this chain sealed from its witness alone', async () => {
    await expectEveryBlockValidates(chain.l2Url)
  })
})
