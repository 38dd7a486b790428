/**
 * The body of one worker thread of WorkerThreadPool: GroupRequests in, GroupResults out, with the
 * same WASM keccak256 the main thread uses.
 */
import { parentPort } from 'node:worker_threads'
import { useWasmKeccak256 } from '../../primitives/keccak256Wasm.node.ts'
import { executeGroup, type GroupRequest } from './executeGroup.ts'

export type ExecutorThreadMessage = { id: number; request: GroupRequest }
export type ExecutorThreadReply =
  | { id: number; result: ReturnType<typeof executeGroup> }
  | { id: number; error: string }

useWasmKeccak256()
parentPort?.on('message', ({ id, request }: ExecutorThreadMessage) => {
  let reply: ExecutorThreadReply
  try {
    reply = { id, result: executeGroup(request) }
  } catch (error) {
    reply = { id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }
  }
  parentPort?.postMessage(reply)
})
