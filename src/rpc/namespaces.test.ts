import { describe, expect, it } from 'vitest'
import type { ChainConfig } from '../execution/chainConfig.ts'
import type { RpcBackend } from './backend.ts'
import { handleJsonRpc } from './handleJsonRpc.ts'
import { parseRpcNamespaces, RPC_NAMESPACES } from './namespaces.ts'

describe('RPC_NAMESPACES', () => {
  it('reads a comma-separated list; unset or empty serves everything; an unknown name is refused', () => {
    expect(parseRpcNamespaces(undefined)).toBeUndefined()
    expect(parseRpcNamespaces(' , ')).toBeUndefined()
    expect(parseRpcNamespaces('eth, web3,eth')).toEqual(new Set(['eth', 'web3']))
    expect(() => parseRpcNamespaces('eth,admin')).toThrow(
      `RPC_NAMESPACES names an unknown namespace "admin": known are ${RPC_NAMESPACES.join(', ')}`,
    )
    expect(RPC_NAMESPACES).toEqual(['debug', 'eth', 'net', 'realtime', 'rpc', 'txpool', 'velox', 'web3'])
  })

  it('answers a method of a namespace not served as one that does not exist, in a batch too', async () => {
    const context = {
      backend: {} as RpcBackend,
      config: {} as ChainConfig,
      clientVersion: 'velox/test',
      namespaces: parseRpcNamespaces('web3,rpc'),
    }
    const answers = await handleJsonRpc(
      JSON.stringify([
        { jsonrpc: '2.0', id: 1, method: 'web3_clientVersion', params: [] },
        { jsonrpc: '2.0', id: 2, method: 'debug_getRawBlock', params: ['0x1'] },
        { jsonrpc: '2.0', id: 3, method: 'rpc_modules', params: [] },
      ]),
      context,
    )
    expect(answers).toEqual([
      { jsonrpc: '2.0', id: 1, result: 'velox/test' },
      {
        jsonrpc: '2.0',
        id: 2,
        error: { code: -32601, message: 'the method debug_getRawBlock does not exist/is not available' },
      },
      { jsonrpc: '2.0', id: 3, result: { rpc: '1.0', web3: '1.0' } },
    ])
  })
})
