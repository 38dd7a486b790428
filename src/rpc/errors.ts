/**
 * JSON-RPC errors. Each carries its EIP-1474 code as a static field; messages follow geth's so that
 * tools matching on them (viem, ethers, wallets) behave as they do against geth.
 */
import { VeloxError, type VeloxErrorOptions } from '../errors/base.ts'

export class RpcError extends VeloxError {
  override name = 'RpcError'
  static code = -32603
  readonly data: unknown
  readonly code: number

  /** `code` overrides the class's code, for errors that arrive as data (the sequencer's rejections). */
  constructor(message: string, options: VeloxErrorOptions & { data?: unknown; code?: number } = {}) {
    super(message, options)
    this.data = options.data
    this.code = options.code ?? (new.target as typeof RpcError).code
  }
}

/** -32700: the body is not JSON. */
export class ParseError extends RpcError {
  override name = 'ParseError'
  static override code = -32700
}

/** -32600: JSON, but not a JSON-RPC 2.0 request. */
export class InvalidRequestError extends RpcError {
  override name = 'InvalidRequestError'
  static override code = -32600
}

/** -32601 */
export class MethodNotFoundError extends RpcError {
  override name = 'MethodNotFoundError'
  static override code = -32601
  constructor(method: string) {
    super(`the method ${method} does not exist/is not available`)
  }
}

/** -32602: geth names the argument by position: "invalid argument 0: ...". */
export class InvalidParamsError extends RpcError {
  override name = 'InvalidParamsError'
  static override code = -32602
}

/** -32603 */
export class InternalError extends RpcError {
  override name = 'InternalError'
  static override code = -32603
}

/** -32000: geth's code for a transaction the pool or the chain refuses, and for missing state. */
export class ServerError extends RpcError {
  override name = 'ServerError'
  static override code = -32000
}

/** -38026: geth's code for a request past one of its limits (too many blocks, calls or slots). */
export class ClientLimitExceededError extends RpcError {
  override name = 'ClientLimitExceededError'
  static override code = -38026
}

/** EIP-7966 code 4: accepted, but no receipt within the timeout. `data` is the transaction hash. */
export class SyncTimeoutError extends RpcError {
  override name = 'SyncTimeoutError'
  static override code = 4
}

/** EIP-7966 code 6: not added to the pool because of a nonce gap. `data` is the expected nonce. */
export class SyncNonceGapError extends RpcError {
  override name = 'SyncNonceGapError'
  static override code = 6
}

/**
 * Code 3: the call reverted with data (geth's revertError). The message carries the reason when the
 * data is Error(string) or Panic(uint256); `data` is the revert data, hex.
 */
export class ExecutionRevertedError extends RpcError {
  override name = 'ExecutionRevertedError'
  static override code = 3
}
