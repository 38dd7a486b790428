import type { Hex } from 'viem'
import { type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts'
import { hexToBytes } from '../../src/primitives/hex.ts'
import {
  type BenchTransaction,
  CHAIN_ID,
  MAX_FEE_PER_GAS,
  MAX_PRIORITY_FEE_PER_GAS,
} from '../evm/benchChain.ts'

/** The workload's transactions as signed EIP-1559 envelopes, as users would send them (never timed). */
export async function signTransactions(transactions: readonly BenchTransaction[]): Promise<Uint8Array[]> {
  const signers = new Map<Hex, PrivateKeyAccount>()
  const signed: Uint8Array[] = []
  for (const tx of transactions) {
    let signer = signers.get(tx.sender.privateKey)
    if (!signer) signers.set(tx.sender.privateKey, (signer = privateKeyToAccount(tx.sender.privateKey)))
    const raw = await signer.signTransaction({
      chainId: Number(CHAIN_ID),
      type: 'eip1559',
      nonce: Number(tx.nonce),
      to: tx.to,
      value: tx.value,
      data: tx.data,
      gas: tx.gasLimit,
      maxFeePerGas: MAX_FEE_PER_GAS,
      maxPriorityFeePerGas: MAX_PRIORITY_FEE_PER_GAS,
    })
    signed.push(hexToBytes(raw))
  }
  return signed
}
