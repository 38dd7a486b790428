import { concatBytes } from './hex.ts'

/**
 * A stream's bytes, read chunk by chunk and abandoned (the stream cancelled) once past `maxBytes`:
 * what arrives without a known length (a chunked HTTP body, an inflating stream) is never held
 * whole before its size is known. `tooLarge` makes the error thrown then.
 */
export async function readBounded(
  stream: ReadableStream<Uint8Array>,
  maxBytes: number,
  tooLarge: () => Error,
): Promise<Uint8Array> {
  const reader = stream.getReader()
  const chunks: Uint8Array[] = []
  let received = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    received += value.byteLength
    if (received > maxBytes) {
      await reader.cancel()
      throw tooLarge()
    }
    chunks.push(value)
  }
  return concatBytes(...chunks)
}
