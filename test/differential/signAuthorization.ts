import {
  bigIntToUnpaddedBytes,
  bytesToBigInt,
  eoaCode7702SignAuthorization,
  hexToBytes,
} from '@ethereumjs/util'
import type { Address, Hex } from 'viem'
import type { SignedAuthorization } from './scenario.ts'

/** Chain 1 (Mainnet, what both engines run) unless another chain id is given. */
const CHAIN_ID = 1n

/** An EIP-7702 authorization signed by `key`: keccak256(0x05 ‖ rlp([chain id, address, nonce])). */
export function signAuthorization(
  key: Hex,
  fields: { address: Address; nonce: bigint; chainId?: bigint },
): SignedAuthorization {
  const chainId = fields.chainId ?? CHAIN_ID
  const [, , , yParity, r, s] = eoaCode7702SignAuthorization(
    [bigIntToUnpaddedBytes(chainId), hexToBytes(fields.address), bigIntToUnpaddedBytes(fields.nonce)],
    hexToBytes(key),
  )
  return {
    chainId,
    address: fields.address,
    nonce: fields.nonce,
    yParity: Number(bytesToBigInt(yParity)),
    r: bytesToBigInt(r),
    s: bytesToBigInt(s),
  }
}
