/**
 * Posts an encoded batch (encodeBatchForL1) to BatchInbox: one L1 transaction per frame, in order,
 * each awaited, calldata frames through postCalldataFrame and blob frames as type-3 transactions
 * calling postBlobFrame. The contract's artifact (contracts/artifacts) gives the ABI.
 */
import {
  type Abi,
  type Account,
  type Address,
  type Chain,
  type Client,
  encodeFunctionData,
  type Kzg,
  type TransactionReceipt,
  type Transport,
} from 'viem'
import { getBlobBaseFee, sendTransaction, waitForTransactionReceipt } from 'viem/actions'
import BatchInbox from '../../contracts/artifacts/BatchInbox.json' with { type: 'json' }
import { bytesToHex } from '../primitives/hex.ts'
import type { L1Batch } from './encodeBatchForL1.ts'

export const batchInboxAbi = BatchInbox.abi as Abi

export type PostBatchOptions = {
  inbox: Address
  batch: Pick<L1Batch, 'firstBlock' | 'lastBlock' | 'posts'>
  /** Needed when the batch is in blobs (loadKzg). */
  kzg?: Kzg
  /** EIP-4844: the most the blobs may cost per blob gas; twice the current blob base fee when absent. */
  maxFeePerBlobGas?: bigint
}

/** The receipts of the batch's transactions, in frame order; throws if one reverted. */
export async function postBatch(
  client: Client<Transport, Chain, Account>,
  options: PostBatchOptions,
): Promise<TransactionReceipt[]> {
  const { batch, inbox } = options
  const frameCount = batch.posts.length
  const receipts: TransactionReceipt[] = []
  for (const [frameIndex, post] of batch.posts.entries()) {
    const range = [batch.firstBlock, batch.lastBlock, frameIndex, frameCount] as const
    let hash: `0x${string}`
    if (post.source === 'calldata')
      hash = await sendTransaction(client, {
        to: inbox,
        data: encodeFunctionData({
          abi: batchInboxAbi,
          functionName: 'postCalldataFrame',
          args: [...range, bytesToHex(post.frame)],
        }),
      })
    else {
      if (!options.kzg) throw new Error('posting blobs needs a KZG implementation (loadKzg)')
      hash = await sendTransaction(client, {
        to: inbox,
        data: encodeFunctionData({ abi: batchInboxAbi, functionName: 'postBlobFrame', args: [...range] }),
        blobs: post.blobs,
        kzg: options.kzg,
        // The blob base fee can rise 12.5% a block (EIP-4844); viem leaves the cap at 0 otherwise.
        maxFeePerBlobGas: options.maxFeePerBlobGas ?? 2n * (await getBlobBaseFee(client)),
      })
    }
    const receipt = await waitForTransactionReceipt(client, { hash })
    if (receipt.status !== 'success')
      throw new Error(
        `frame ${frameIndex} of ${frameCount} (blocks ${batch.firstBlock}..${batch.lastBlock}) reverted: ${hash}`,
      )
    receipts.push(receipt)
  }
  return receipts
}
