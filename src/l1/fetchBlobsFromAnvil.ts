/**
 * FetchBlobs for a local L1: anvil keeps the blobs of the transactions it mined and answers
 * `anvil_getBlobsByTransactionHash` with them (hex, in order). readL1Batches checks each against
 * the inbox's versioned hashes, so nothing here is trusted.
 */
import type { Hex } from 'viem'
import { hexToBytes } from '../primitives/hex.ts'
import { L1DataError } from './derivationErrors.ts'
import type { FetchBlobs } from './readL1Batches.ts'

export function fetchBlobsFromAnvil(url: string): FetchBlobs {
  return async ({ hash }) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'anvil_getBlobsByTransactionHash',
        params: [hash],
      }),
    })
    const body = (await response.json()) as { result?: unknown; error?: { message: string } }
    if (body.error || !Array.isArray(body.result) || body.result.some((blob) => typeof blob !== 'string'))
      throw new L1DataError(`anvil_getBlobsByTransactionHash ${hash} failed`, {
        details: body.error?.message ?? 'the answer is not a list of blobs',
      })
    return body.result.map((blob) => hexToBytes(blob as Hex))
  }
}
