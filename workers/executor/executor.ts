/**
 * An executor of partitioned parallel execution on Cloudflare: a Durable Object addressed by index
 * (`executor-0`, `executor-1`, …), so that each is its own isolate, possibly its own machine. A
 * service binding would run on the caller's thread and give no parallelism. It holds nothing: each
 * call brings its transactions and the slice of state they need, and gets receipts, read sets and
 * write sets back (src/execution/parallel/executeGroup.ts).
 *
 *   sequencer ──DO RPC executeGroup(encoded GroupRequest)──▶ Executor ──▶ encoded GroupResult
 *   (src/execution/parallel/groupWire.ts)
 */
import { DurableObject } from 'cloudflare:workers'
import { executeGroup } from '../../src/execution/parallel/executeGroup.ts'
import { decodeGroupRequest, encodeGroupResult } from '../../src/execution/parallel/groupWire.ts'

export class Executor extends DurableObject<Env> {
  executeGroup(request: Uint8Array): Uint8Array {
    // A copy of exactly what was written: RPC would clone the view's whole, roomier buffer.
    return encodeGroupResult(executeGroup(decodeGroupRequest(request))).slice()
  }
}
