/**
 * Why the pool refuses a transaction. These cross the Durable Object boundary as plain data
 * (`{ code, message, data }`), so they are values here, not thrown classes.
 */
export type Rejection = {
  /** JSON-RPC error code: -32000 for geth's pool errors, 6 for EIP-7966's nonce gap. */
  code: number
  message: string
  data?: string
}

export const rejection = {
  alreadyKnown: (): Rejection => ({ code: -32000, message: 'already known' }),
  nonceTooLow: (next: bigint, nonce: bigint): Rejection => ({
    code: -32000,
    message: `nonce too low: next nonce ${next}, tx nonce ${nonce}`,
  }),
  insufficientFunds: (address: string, have: bigint, want: bigint): Rejection => ({
    code: -32000,
    message: `insufficient funds for gas * price + value: address ${address} have ${have} want ${want}`,
  }),
  replacementUnderpriced: (): Rejection => ({ code: -32000, message: 'replacement transaction underpriced' }),
  accountLimitExceeded: (): Rejection => ({ code: -32000, message: 'account limit exceeded' }),
  poolFull: (): Rejection => ({ code: -32000, message: 'txpool is full' }),
  feeCapTooLow: (address: string, maxFeePerGas: bigint, baseFee: bigint): Rejection => ({
    code: -32000,
    message: `max fee per gas less than block base fee: address ${address}, maxFeePerGas: ${maxFeePerGas}, baseFee: ${baseFee}`,
  }),
  nonceGap: (expected: bigint): Rejection => ({
    code: 6,
    message: `nonce gap: expected nonce ${expected}`,
    data: `0x${expected.toString(16)}`,
  }),
}
