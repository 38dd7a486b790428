/**
 * One contract event's logs from L1, in log order, read with eth_getLogs over consecutive block
 * ranges of at most `blockRange` blocks (providers refuse wide ranges), decoded with the ABI.
 * Yielded page by page, so a long history is never held at once. With a `view`, each log's block
 * is noted in it, so the read can be checked against reorganisations afterwards.
 */
import type { Abi, Address, Hash, PublicClient } from 'viem'
import type { L1View } from './l1View.ts'

/**
 * Blocks per eth_getLogs call: the range Alchemy allows on every plan (Infura: 10,000 blocks or
 * 10,000 results); wider ranges are refused by hosted nodes, not by geth itself.
 */
export const DEFAULT_LOG_BLOCK_RANGE = 2_000n

export type ContractLog = {
  args: Record<string, unknown>
  blockNumber: bigint
  blockHash: Hash
  transactionHash: Hash
  logIndex: number
}

export async function* readContractLogs(
  client: PublicClient,
  options: {
    address: Address
    abi: Abi
    eventName: string
    fromBlock: bigint
    toBlock: bigint
    blockRange?: bigint
    view?: L1View
  },
): AsyncGenerator<ContractLog> {
  const range = options.blockRange ?? DEFAULT_LOG_BLOCK_RANGE
  if (range < 1n) throw new RangeError(`blockRange must be at least 1, got ${range}`)
  for (let from = options.fromBlock; from <= options.toBlock; from += range) {
    const to = from + range - 1n < options.toBlock ? from + range - 1n : options.toBlock
    const logs = await client.getContractEvents({
      address: options.address,
      abi: options.abi,
      eventName: options.eventName,
      fromBlock: from,
      toBlock: to,
      strict: true,
    })
    for (const log of logs) {
      // A node answers with pending logs only for a pending block tag; these ranges are mined.
      if (
        log.blockNumber === null ||
        log.blockHash === null ||
        log.transactionHash === null ||
        log.logIndex === null
      )
        throw new Error(`eth_getLogs returned a ${options.eventName} log without its block or transaction`)
      options.view?.note(log.blockNumber, log.blockHash)
      yield {
        args: log.args as Record<string, unknown>,
        blockNumber: log.blockNumber,
        blockHash: log.blockHash,
        transactionHash: log.transactionHash,
        logIndex: log.logIndex,
      }
    }
  }
}
