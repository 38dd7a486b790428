import { type Address, type Hex, keccak256, serializeTransaction } from 'viem'
import { describe, expect, it } from 'vitest'
import type { CallRequest } from '../execution/simulateCall.ts'
import { bytesToHex } from '../primitives/hex.ts'
import {
  encodeUnsignedTransaction,
  type FillRequest,
  type FillSources,
  fillTransaction,
  unsignedTransactionJson,
} from './fillTransaction.ts'

const sender = '0x00000000000000000000000000000000000a11ce' as Address
const recipient = '0x0000000000000000000000000000000000000b0b' as Address
const ZERO_SIGNATURE = { r: `0x${'00'.repeat(32)}`, s: `0x${'00'.repeat(32)}`, yParity: 0 } as const

function request(fields: Partial<FillRequest> = {}): FillRequest {
  return {
    from: sender,
    to: recipient,
    gas: undefined,
    gasPrice: undefined,
    maxFeePerGas: undefined,
    maxPriorityFeePerGas: undefined,
    value: 5n,
    data: Uint8Array.of(0xaa, 0xbb),
    accessList: [{ address: recipient, storageKeys: [`0x${'01'.padStart(64, '0')}`] }],
    nonce: undefined,
    chainId: undefined,
    ...fields,
  }
}

/** The node's answers, and the requests it was asked to estimate. */
function sources(estimated: CallRequest[] = []): FillSources {
  return {
    chainId: 4_242n,
    pendingNonce: async (address) => (address === sender ? 7n : 0n),
    suggestPriorityFee: async () => 1_000n,
    latestBaseFee: async () => 50_000n,
    estimateGas: async (call) => {
      estimated.push(call)
      return 30_123n
    },
  }
}

describe('eth_fillTransaction', () => {
  it("fills nonce, fees (tip + twice the latest base fee), gas and chain id as geth's setDefaults", async () => {
    const estimated: CallRequest[] = []
    const filled = await fillTransaction(request(), sources(estimated))
    expect(filled).toMatchObject({
      type: 2,
      chainId: 4_242n,
      nonce: 7n,
      gas: 30_123n,
      gasPrice: undefined,
      maxPriorityFeePerGas: 1_000n,
      maxFeePerGas: 101_000n,
    })
    // The estimate runs with the fees it will pay.
    expect(estimated[0]).toMatchObject({ maxFeePerGas: 101_000n, maxPriorityFeePerGas: 1_000n })
    // What the caller gave is kept, and nothing is looked up for it.
    const given = await fillTransaction(
      request({ nonce: 3n, gas: 50_000n, maxFeePerGas: 9n, maxPriorityFeePerGas: 2n, chainId: 4_242n }),
      { ...sources(), estimateGas: () => Promise.reject(new Error('no estimate wanted')) },
    )
    expect(given).toMatchObject({ nonce: 3n, gas: 50_000n, maxFeePerGas: 9n, maxPriorityFeePerGas: 2n })
    // A gas price makes it legacy; an authorization list, set-code.
    expect(await fillTransaction(request({ gasPrice: 77n }), sources())).toMatchObject({
      type: 0,
      gasPrice: 77n,
      maxFeePerGas: undefined,
    })
    const authorization = { chainId: 4_242n, address: recipient, nonce: 1n, yParity: 1, r: 3n, s: 4n }
    expect((await fillTransaction(request({ authorizationList: [authorization] }), sources())).type).toBe(4)
  })

  it("refuses what geth refuses, in geth's words", async () => {
    const refusal = (fields: Partial<FillRequest>) => fillTransaction(request(fields), sources())
    await expect(refusal({ to: null, data: new Uint8Array() })).rejects.toThrow(
      'contract creation without any data provided',
    )
    await expect(refusal({ chainId: 1n })).rejects.toThrow(
      "chainId does not match node's (have=1, want=4242)",
    )
    await expect(refusal({ gasPrice: 0n })).rejects.toThrow('gasPrice must be non-zero after london fork')
    await expect(refusal({ maxFeePerGas: 0n, maxPriorityFeePerGas: 0n })).rejects.toThrow(
      'maxFeePerGas must be non-zero',
    )
    await expect(refusal({ maxFeePerGas: 10n })).rejects.toThrow(
      'maxFeePerGas (10) < maxPriorityFeePerGas (1000)',
    )
    await expect(
      refusal({
        to: null,
        authorizationList: [{ chainId: 1n, address: recipient, nonce: 0n, yParity: 0, r: 1n, s: 1n }],
      }),
    ).rejects.toThrow('authorizationList provided for contract creation, but "to" field is missing')
  })

  it('encodes the envelope with a zero signature, byte for byte as viem does with one', async () => {
    const dynamic = await fillTransaction(request(), sources())
    const raw = encodeUnsignedTransaction(dynamic)
    const viaViem = serializeTransaction(
      {
        type: 'eip1559',
        chainId: 4_242,
        nonce: 7,
        to: recipient,
        gas: 30_123n,
        maxFeePerGas: 101_000n,
        maxPriorityFeePerGas: 1_000n,
        value: 5n,
        data: '0xaabb',
        accessList: dynamic.accessList,
      },
      ZERO_SIGNATURE,
    )
    expect(bytesToHex(raw)).toBe(viaViem)
    const json = unsignedTransactionJson(dynamic, raw)
    expect(Object.keys(json)).toEqual([
      'type',
      'chainId',
      'nonce',
      'to',
      'gas',
      'gasPrice',
      'maxPriorityFeePerGas',
      'maxFeePerGas',
      'value',
      'input',
      'accessList',
      'v',
      'r',
      's',
      'yParity',
      'hash',
    ])
    expect(json).toMatchObject({
      type: '0x2',
      gasPrice: null,
      maxFeePerGas: '0x18a88',
      hash: keccak256(viaViem),
    })

    const authorization = { chainId: 4_242n, address: recipient, nonce: 1n, yParity: 1, r: 3n, s: 4n }
    const setCode = await fillTransaction(request({ authorizationList: [authorization] }), sources())
    expect(bytesToHex(encodeUnsignedTransaction(setCode))).toBe(
      serializeTransaction(
        {
          type: 'eip7702',
          chainId: 4_242,
          nonce: 7,
          to: recipient,
          gas: 30_123n,
          maxFeePerGas: 101_000n,
          maxPriorityFeePerGas: 1_000n,
          value: 5n,
          data: '0xaabb',
          accessList: dynamic.accessList,
          authorizationList: [
            { chainId: 4_242, address: recipient, nonce: 1, yParity: 1, r: '0x03', s: '0x04' },
          ],
        },
        ZERO_SIGNATURE,
      ),
    )

    const legacy = await fillTransaction(request({ gasPrice: 77n, to: null }), sources())
    const legacyRaw = encodeUnsignedTransaction(legacy)
    // RLP [nonce, gasPrice, gas, to, value, data, v, r, s] with v, r and s empty.
    expect(bytesToHex(legacyRaw)).toBe('0xcd074d8275ab800582aabb808080')
    expect(unsignedTransactionJson(legacy, legacyRaw)).toEqual({
      type: '0x0',
      nonce: '0x7',
      to: null,
      gas: '0x75ab',
      gasPrice: '0x4d',
      maxPriorityFeePerGas: null,
      maxFeePerGas: null,
      value: '0x5',
      input: '0xaabb',
      v: '0x0',
      r: '0x0',
      s: '0x0',
      hash: keccak256(bytesToHex(legacyRaw) as Hex),
    })
  })
})
