import { describe, expect, it } from 'vitest'
import { L1DataError } from './derivationErrors.ts'
import { readBoundedText } from './fetchBlobsFromBeacon.ts'

/** A response streamed in `chunks` pieces of `size` bytes, with no content-length, as chunked HTTP. */
function streamed(chunks: number, size: number): { response: Response; pulled: () => number } {
  let pulled = 0
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled === chunks) return controller.close()
      pulled++
      controller.enqueue(new Uint8Array(size).fill(0x61))
    },
  })
  return { response: new Response(body), pulled: () => pulled }
}

describe('readBoundedText', () => {
  it('reads a body within the limit whole', async () => {
    const { response } = streamed(4, 1000)
    const text = await readBoundedText(response, 4000, 'the test answer')
    expect(text).toBe('a'.repeat(4000))
  })

  it('gives up on a body without a length once it passes the limit, without reading the rest', async () => {
    const { response, pulled } = streamed(1000, 1000)
    const reading = readBoundedText(response, 4500, 'the test answer')
    await expect(reading).rejects.toThrow(L1DataError)
    await expect(reading).rejects.toThrow('the test answer: the answer is over the limit of 4500 bytes')
    // The fifth chunk crosses the limit; the stream may have one more queued, never the thousand.
    expect(pulled()).toBeLessThan(10)
  })

  it('reads an empty body as empty text', async () => {
    expect(await readBoundedText(new Response(null), 10, 'the test answer')).toBe('')
  })
})
