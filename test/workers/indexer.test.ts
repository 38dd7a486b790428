/**
 * The indexer Durable Object inside workerd: what it writes is in D1 once `index` returns, and
 * calls that overlap (a sequencer that restarted sends blocks again) are written one after another.
 */
import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { INDEXER_NAME, MAX_BLOCKS_PER_INDEX_CALL } from '../../workers/indexer/indexer.ts'
import { sealedBlockRows } from '../../workers/indexer/sealedBlockRows.ts'

const indexer = () => env.INDEXER.get(env.INDEXER.idFromName(INDEXER_NAME))

async function logCount(blockNumber: number): Promise<number> {
  const row = await env.INDEX_DB.prepare('SELECT count(*) AS count FROM logs WHERE block_number = ?')
    .bind(blockNumber)
    .first<{ count: number }>()
  return row!.count
}

describe('Indexer', () => {
  it('writes a block sent twice at once exactly once: its logs are not doubled', async () => {
    // Many D1 batches each: the two calls would interleave at every one of them.
    const sealed = await sealedBlockRows(200, 9_000n)
    await Promise.all([indexer().index([sealed]), indexer().index([sealed])])
    expect(await logCount(9_000)).toBe(200)
    const block = await env.INDEX_DB.prepare('SELECT hash FROM blocks WHERE number = ?')
      .bind(9_000)
      .first<{ hash: string }>()
    expect(block?.hash).toBe(sealed.block.hash)
    // And again later: a retried call replaces the block's rows.
    await indexer().index([sealed])
    expect(await logCount(9_000)).toBe(200)
  })

  it(`refuses more than ${MAX_BLOCKS_PER_INDEX_CALL} blocks in one call`, async () => {
    const sealed = await sealedBlockRows(0, 9_100n)
    const refusal = await indexer()
      .index(Array(MAX_BLOCKS_PER_INDEX_CALL + 1).fill(sealed))
      .then(
        () => undefined,
        (error: Error) => error,
      )
    expect(refusal?.message).toBe(`index takes 0 to ${MAX_BLOCKS_PER_INDEX_CALL} blocks`)
  })
})
