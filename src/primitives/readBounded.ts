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

/**
 * A response's body as text, at most `maxBytes`: refused at once when its content-length says more
 * (`tooLarge` gets that length), else read with readBounded, so a chunked body is never held whole
 * past the limit (`tooLarge` gets nothing). An absent body is empty text.
 */
export async function readResponseText(
  response: Response,
  maxBytes: number,
  tooLarge: (declaredBytes?: number) => Error,
): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? 0)
  if (declared > maxBytes) {
    await response.body?.cancel()
    throw tooLarge(declared)
  }
  if (!response.body) return ''
  return new TextDecoder().decode(await readBounded(response.body, maxBytes, () => tooLarge()))
}
