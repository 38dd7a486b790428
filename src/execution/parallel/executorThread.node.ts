/**
 * The body of one worker thread of WorkerThreadPool: encoded GroupRequests in, encoded GroupResults
 * out (groupWire.ts), with the same WASM keccak256 the main thread uses.
 */
import { parentPort } from 'node:worker_threads'
import { useWasmKeccak256 } from '../../primitives/keccak256Wasm.node.ts'
import { executeGroup } from './executeGroup.ts'
import { decodeGroupRequest, encodeGroupResult } from './groupWire.ts'

export type ExecutorThreadMessage = { id: number; request: Uint8Array<ArrayBuffer> }
export type ExecutorThreadReply =
  | { id: number; result: Uint8Array<ArrayBuffer> }
  | { id: number; error: string }

useWasmKeccak256()
parentPort?.on('message', ({ id, request }: ExecutorThreadMessage) => {
  let reply: ExecutorThreadReply
  try {
    reply = { id, result: encodeGroupResult(executeGroup(decodeGroupRequest(request))) }
  } catch (error) {
    reply = { id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }
  }
  parentPort?.postMessage(reply, 'result' in reply ? [reply.result.buffer] : [])
})
