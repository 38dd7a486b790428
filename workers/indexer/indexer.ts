/**
 * The D1 index's writer: a Durable Object of its own, so that turning sealed blocks into index rows
 * (receipts and transactions formatted as eth_getTransactionReceipt answers them, logs split into
 * columns) and D1's own SQLite work never run on the sequencer's thread. Locally that matters most:
 * Miniflare runs D1 in the process of whoever binds it, and indexing from the sequencer held its
 * thread for 70–90 ms a second at 1,000 transfers a second, while mini-blocks and their answers
 * waited. Here the indexer has a process of its own (scripts/localChain.ts); on Cloudflare, an
 * isolate of its own.
 *
 *   sequencer seals ─▶ indexPending: stored blocks from `indexed_through` on ─▶ DO RPC index(blocks)
 *                      ─▶ indexSealedBlocks (again while D1's file is locked) ─▶ D1 ─▶ returns
 *                      ─▶ sequencer moves `indexed_through`
 *
 * The sequencer stays the one that knows how far the index reaches: it moves `indexed_through`
 * only once `index` has returned, and sends the same blocks again after a failure.
 */
import { DurableObject } from 'cloudflare:workers'
import { indexSealedBlocksWhenUnlocked, type SealedBlockRows } from './indexSealedBlocks.ts'

/** The one indexer of a chain: `INDEXER.idFromName(INDEXER_NAME)`. */
export const INDEXER_NAME = 'chain'

/** Blocks one `index` call takes at most (the sequencer sends fewer, INDEX_BATCH_BLOCKS). */
export const MAX_BLOCKS_PER_INDEX_CALL = 64

export class Indexer extends DurableObject<Env> {
  /** The call being written: calls run one after another, never interleaved. */
  private writing: Promise<void> = Promise.resolve()

  /**
   * Writes `blocks` into the D1 index and returns once D1 holds them. Calls are queued: a sequencer
   * that restarted may send blocks again while its earlier call still runs, and two writes of one
   * block interleaved could each clear the other's logs before inserting their own.
   */
  index(blocks: SealedBlockRows[]): Promise<void> {
    if (!Array.isArray(blocks) || blocks.length > MAX_BLOCKS_PER_INDEX_CALL)
      throw new Error(`index takes 0 to ${MAX_BLOCKS_PER_INDEX_CALL} blocks`)
    const written = this.writing.then(() =>
      indexSealedBlocksWhenUnlocked(this.env.INDEX_DB, blocks, yieldThread),
    )
    // The queue goes on after a failure; the caller sees it and sends the blocks again.
    this.writing = written.catch(() => {})
    return written
  }
}

/** Lets events queued on this thread run between D1 batches (all of them, under `wrangler dev`). */
function yieldThread(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0))
}
