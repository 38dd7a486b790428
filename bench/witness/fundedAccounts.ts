/**
 * The accounts that make the benchmark's state tries deep: the i-th is at the last 20 bytes of
 * keccak256(i as 4 bytes), so they spread over the trie as real addresses do, the same in every run.
 */
import type { Address } from 'viem'
import { bytesToHex } from '../../src/primitives/hex.ts'
import { keccak256 } from '../../src/primitives/keccak256.ts'
import type { AccountData } from '../../src/state/stateView.ts'
import { EMPTY_CODE_HASH } from '../../src/state/stateView.ts'

const WEI_PER_ETHER = 10n ** 18n

export function fundedAccount(index: number): Address {
  const seed = new Uint8Array(4)
  new DataView(seed.buffer).setUint32(0, index)
  return bytesToHex(keccak256(seed).subarray(12)) as Address
}

/** An externally owned account that has sent one transaction: 1 ETH and a few wei that differ. */
export function fundedAccountData(index: number): AccountData {
  return { nonce: 1n, balance: WEI_PER_ETHER + BigInt(index), codeHash: EMPTY_CODE_HASH }
}
