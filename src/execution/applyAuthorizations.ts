import type { Address } from 'viem'
import { delegationTarget, MAX_NONCE } from '../evm/evm.ts'
import type { EvmState } from '../evm/evmState.ts'
import { bigintToBytes, hexToBytes } from '../primitives/hex.ts'
import { PER_AUTHORIZATION_GAS } from '../primitives/intrinsicGas.ts'
import { keccak256 } from '../primitives/keccak256.ts'
import { recoverAddress } from '../primitives/recoverSender.ts'
import { encodeRlp } from '../primitives/rlp.ts'
import { type Authorization, SECP256K1_N } from '../primitives/transaction.ts'

/** EIP-7702: the magic byte that prefixes an authorization's signed message. */
const AUTHORIZATION_MAGIC = 0x05
/** EIP-7702: what an authorization costs when its authority already exists (PER_AUTH_BASE_COST). */
const PER_AUTH_BASE_COST = 12_500
const HALF_N = SECP256K1_N / 2n
const ZERO_ADDRESS: Address = '0x0000000000000000000000000000000000000000'
const DELEGATION_PREFIX = Uint8Array.of(0xef, 0x01, 0x00)

/**
 * EIP-7702: applies a set-code transaction's authorizations, in order, after the sender's nonce is
 * taken and before its call runs. An authorization that fails a check is skipped, not an error:
 * the transaction stays valid. Each valid one sets its authority's code to a delegation designator
 * (or clears it, for the zero address) and bumps the authority's nonce; an authority that already
 * existed earns back the difference between the intrinsic charge and the base cost. As geth, the
 * authority is warmed as soon as its signature recovers, even when a later check rejects it.
 */
export function applyAuthorizations(
  state: EvmState,
  authorizations: readonly Authorization[],
  chainId: bigint,
): void {
  for (const authorization of authorizations) {
    const authority = authorityOf(authorization, chainId)
    if (!authority) continue
    state.warmAddress(authority)
    const code = state.getCode(authority)
    if (code.length > 0 && !delegationTarget(code)) continue
    if (state.getNonce(authority) !== authorization.nonce) continue

    if (state.exists(authority)) state.addRefund(Number(PER_AUTHORIZATION_GAS) - PER_AUTH_BASE_COST)
    state.setNonce(authority, authorization.nonce + 1n)
    if (authorization.address === ZERO_ADDRESS) state.setCode(authority, new Uint8Array(0))
    else {
      const designator = new Uint8Array(23)
      designator.set(DELEGATION_PREFIX)
      designator.set(hexToBytes(authorization.address), 3)
      state.setCode(authority, designator)
    }
  }
}

/**
 * Who signed the authorization, if it is for this chain (or any chain), its nonce can still be
 * bumped (EIP-2681), and its signature is canonical (low s, EIP-2) and recovers a key.
 */
export function authorityOf(authorization: Authorization, chainId: bigint): Address | undefined {
  const { r, s, yParity } = authorization
  if (authorization.chainId !== 0n && authorization.chainId !== chainId) return undefined
  if (authorization.nonce >= MAX_NONCE) return undefined
  if (yParity > 1 || r === 0n || r >= SECP256K1_N || s === 0n || s > HALF_N) return undefined
  try {
    return recoverAddress(authorizationSigningHash(authorization), r, s, yParity)
  } catch {
    return undefined
  }
}

/** keccak256(MAGIC ‖ rlp([chain_id, address, nonce])): what an authority signs. */
export function authorizationSigningHash(
  authorization: Pick<Authorization, 'chainId' | 'address' | 'nonce'>,
) {
  const payload = encodeRlp([
    bigintToBytes(authorization.chainId),
    hexToBytes(authorization.address),
    bigintToBytes(authorization.nonce),
  ])
  const message = new Uint8Array(payload.length + 1)
  message[0] = AUTHORIZATION_MAGIC
  message.set(payload, 1)
  return keccak256(message)
}
