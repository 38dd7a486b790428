import { VeloxError } from '../errors/base.ts'
import {
  InternalError,
  InvalidRequestError,
  MethodNotFoundError,
  ParseError,
  RpcError,
  ServerError,
} from './errors.ts'
import { methods, namespaceOf, type RpcContext } from './methods.ts'

/** Over this many requests in one batch the whole batch is refused (geth's BatchRequestLimit is 1,000). */
export const MAX_BATCH_SIZE = 1000

type Id = string | number | null
export type JsonRpcResponse =
  | { jsonrpc: '2.0'; id: Id; result: unknown }
  | { jsonrpc: '2.0'; id: Id; error: { code: number; message: string; data?: unknown } }

/**
 * Answers a JSON-RPC 2.0 body: a single request or a batch. Returns undefined when nothing is owed
 * (only notifications). Never throws: every failure becomes an error object.
 */
export async function handleJsonRpc(
  body: string,
  context: RpcContext,
): Promise<JsonRpcResponse | JsonRpcResponse[] | undefined> {
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch (error) {
    return errorResponse(null, new ParseError('parse error', { details: (error as Error).message }))
  }
  if (Array.isArray(parsed)) {
    if (parsed.length === 0) return errorResponse(null, new InvalidRequestError('empty batch'))
    if (parsed.length > MAX_BATCH_SIZE) return errorResponse(null, new InvalidRequestError('batch too large'))
    const responses = await Promise.all(parsed.map((request) => handleOne(request, context)))
    const owed = responses.filter((response): response is JsonRpcResponse => response !== undefined)
    return owed.length > 0 ? owed : undefined
  }
  return handleOne(parsed, context)
}

async function handleOne(request: unknown, context: RpcContext): Promise<JsonRpcResponse | undefined> {
  if (typeof request !== 'object' || request === null || Array.isArray(request))
    return errorResponse(null, new InvalidRequestError('invalid request'))
  const { jsonrpc, method, params, id } = request as Record<string, unknown>
  const isNotification = !('id' in request)
  const validId: Id = typeof id === 'string' || typeof id === 'number' || id === null ? id : null
  if (!isNotification && validId !== id)
    return errorResponse(
      null,
      new InvalidRequestError('invalid request: id must be a string, a number or null'),
    )
  if (jsonrpc !== '2.0')
    return errorResponse(validId, new InvalidRequestError('invalid request: jsonrpc must be "2.0"'))
  if (typeof method !== 'string')
    return errorResponse(validId, new InvalidRequestError('invalid request: method must be a string'))
  if (params !== undefined && !Array.isArray(params))
    return errorResponse(validId, new InvalidRequestError('invalid request: params must be an array'))

  const served = context.namespaces === undefined || context.namespaces.has(namespaceOf(method))
  const handler = served && Object.hasOwn(methods, method) ? methods[method] : undefined
  let response: JsonRpcResponse
  if (!handler) response = errorResponse(validId, new MethodNotFoundError(method))
  else {
    try {
      response = { jsonrpc: '2.0', id: validId, result: await handler(params ?? [], context) }
    } catch (error) {
      response = errorResponse(validId, toRpcError(error))
    }
  }
  return isNotification ? undefined : response
}

function toRpcError(error: unknown): RpcError {
  if (error instanceof RpcError) return error
  // A domain error is the user's to fix; anything else is ours, and the user gets no internals.
  if (error instanceof VeloxError) return new ServerError(error.message)
  console.error('unexpected error in JSON-RPC handler', error)
  return new InternalError('internal error')
}

function errorResponse(id: Id, error: RpcError): JsonRpcResponse {
  const body: { code: number; message: string; data?: unknown } = { code: error.code, message: error.message }
  if (error.data !== undefined) body.data = error.data
  return { jsonrpc: '2.0', id, error: body }
}
