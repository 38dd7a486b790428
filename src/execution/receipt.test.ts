import { describe, expect, it } from 'vitest'
import type { Log as EvmLog } from '../evm/evmState.ts'
import { bytesToHex } from '../primitives/hex.ts'
import { seededRandom } from '../primitives/seededRandom.ts'
import { encodeReceipt, receiptBloom, receiptLogsOf } from './receipt.ts'

const MAX_WORD = 2n ** 256n - 1n

describe('receiptLogsOf', () => {
  it('gives logs whose receipt and bloom are those of the same logs read back from their hex', () => {
    const random = seededRandom(7)
    const word = () => {
      const pick = random()
      if (pick < 0.1) return 0n
      if (pick < 0.2) return MAX_WORD
      let value = 0n
      for (let i = 0; i < 4; i++) value = (value << 64n) | BigInt(Math.floor(random() * 2 ** 52))
      return value
    }
    for (let run = 0; run < 200; run++) {
      const evmLogs: EvmLog[] = Array.from({ length: Math.floor(random() * 4) }, () => ({
        address: bytesToHex(Uint8Array.from({ length: 20 }, () => Math.floor(random() * 256))),
        topics: Array.from({ length: Math.floor(random() * 5) }, word),
        data: Uint8Array.from({ length: Math.floor(random() * 80) }, () => Math.floor(random() * 256)),
      }))
      const logs = receiptLogsOf(evmLogs)
      // A copy has no bytes kept for it: it is encoded from its hex, as logs read from storage are.
      const copy = structuredClone(logs)
      for (const [index, log] of copy.entries()) {
        const evmLog = evmLogs[index]!
        expect(log.address).toBe(evmLog.address)
        expect(log.topics).toEqual(evmLog.topics.map((topic) => `0x${topic.toString(16).padStart(64, '0')}`))
        expect(log.data).toBe(bytesToHex(evmLog.data))
      }
      const receipt = { type: 2, status: 1 as const, cumulativeGasUsed: 21_000n }
      expect(receiptBloom(logs)).toEqual(receiptBloom(copy))
      expect(encodeReceipt({ ...receipt, logs })).toEqual(encodeReceipt({ ...receipt, logs: copy }))
    }
  })
})
