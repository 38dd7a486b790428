/**
 * RPC_NAMESPACES, as geth's --http.api: a chain serving only eth, net, web3 and rpc answers every
 * other namespace's methods as methods that do not exist, over HTTP and over its WebSockets (which
 * the sequencer serves), and rpc_modules lists only what it serves.
 */
import { getWebSocketRpcClient } from 'viem/utils'
import { describe, expect, it } from 'vitest'
import { CHAIN_ID, chainForFile, rpc } from './harness.ts'

const chain = chainForFile({ vars: { RPC_NAMESPACES: 'eth, net,web3,rpc' } })

describe('RPC_NAMESPACES', () => {
  it('serves the listed namespaces only, over HTTP and WebSockets alike', async () => {
    expect((await rpc(chain.l2Url, 'rpc_modules')).result).toEqual({
      eth: '1.0',
      net: '1.0',
      rpc: '1.0',
      web3: '1.0',
    })
    expect((await rpc(chain.l2Url, 'eth_chainId')).result).toBe(`0x${CHAIN_ID.toString(16)}`)
    for (const method of ['debug_traceTransaction', 'txpool_status', 'velox_validationStatus'])
      expect((await rpc(chain.l2Url, method, [])).error, method).toEqual({
        code: -32601,
        message: `the method ${method} does not exist/is not available`,
      })

    const socket = await getWebSocketRpcClient(`${chain.l2Url.replace(/^http/, 'ws')}/ws`, {
      reconnect: false,
    })
    try {
      expect((await socket.requestAsync({ body: { method: 'eth_chainId' } })).result).toBe(
        `0x${CHAIN_ID.toString(16)}`,
      )
      expect(
        (await socket.requestAsync({ body: { method: 'debug_getRawBlock', params: ['0x0'] } })).error,
      ).toEqual({
        code: -32601,
        message: 'the method debug_getRawBlock does not exist/is not available',
      })
    } finally {
      socket.close()
    }
  })
})
