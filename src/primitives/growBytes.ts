/**
 * `buffer` if `used + extra` bytes fit in it, else a buffer of at least double the size holding
 * its first `used` bytes: the growth step of the append-only writers (batches, executor messages).
 */
export function growBytes(
  buffer: Uint8Array<ArrayBuffer>,
  used: number,
  extra: number,
): Uint8Array<ArrayBuffer> {
  if (used + extra <= buffer.length) return buffer
  let capacity = Math.max(buffer.length * 2, 16)
  while (capacity < used + extra) capacity *= 2
  const grown = new Uint8Array(capacity)
  grown.set(buffer.subarray(0, used))
  return grown
}
