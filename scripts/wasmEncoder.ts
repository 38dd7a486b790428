/**
 * Just enough of the WebAssembly binary format (core spec §5) to emit the small hand-scheduled
 * modules the generators write: LEB128 numbers, vectors, sections, and the opcodes they use.
 */

export function unsignedLeb(value: number): number[] {
  const out: number[] = []
  do {
    let byte = value & 0x7f
    value >>>= 7
    if (value !== 0) byte |= 0x80
    out.push(byte)
  } while (value !== 0)
  return out
}

export function signedLeb(value: bigint): number[] {
  const out: number[] = []
  for (;;) {
    const byte = Number(value & 0x7fn)
    value >>= 7n
    const signBit = (byte & 0x40) !== 0
    if ((value === 0n && !signBit) || (value === -1n && signBit)) {
      out.push(byte)
      return out
    }
    out.push(byte | 0x80)
  }
}

export const vector = (items: number[][]): number[] => [...unsignedLeb(items.length), ...items.flat()]
export const section = (id: number, body: number[]): number[] => [id, ...unsignedLeb(body.length), ...body]
export const name = (text: string): number[] =>
  vector([...new TextEncoder().encode(text)].map((byte) => [byte]))

export const I32 = 0x7f
export const I64 = 0x7e
export const EMPTY_BLOCK_TYPE = 0x40
export const op = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  localGet: 0x20,
  localSet: 0x21,
  i64Load: 0x29,
  i64Store: 0x37,
  i32Const: 0x41,
  i64Const: 0x42,
  i32Eqz: 0x45,
  i32Ne: 0x47,
  i32Add: 0x6a,
  i32And: 0x71,
  i32Sub: 0x6b,
  i32Shl: 0x74,
  i64Add: 0x7c,
  i64And: 0x83,
  i64Xor: 0x85,
  i64Rotl: 0x89,
  i64Rotr: 0x8a,
} as const

/** i64 memory access: alignment 2^3, then the static offset. */
export const memarg = (offset: number) => [3, ...unsignedLeb(offset)]

/** A function body being emitted: locals by index, instructions appended. */
export class FunctionBody {
  readonly code: number[] = []
  emit(...bytes: number[]): void {
    this.code.push(...bytes)
  }
  get(local: number): void {
    this.emit(op.localGet, ...unsignedLeb(local))
  }
  set(local: number): void {
    this.emit(op.localSet, ...unsignedLeb(local))
  }
  i32(value: number): void {
    this.emit(op.i32Const, ...signedLeb(BigInt(value)))
  }
  i64(value: bigint): void {
    this.emit(op.i64Const, ...signedLeb(BigInt.asIntN(64, value)))
  }
  /** The body with its local declarations: `locals` as (count, type) runs after the parameters. */
  encode(locals: [number, number][]): number[] {
    const body = [...vector(locals.map(([count, type]) => [...unsignedLeb(count), type])), ...this.code]
    return [...unsignedLeb(body.length), ...body]
  }
}

/** A module of one exported memory (`pages` of 64 KiB) and one exported function. */
export function encodeModule(options: {
  params: number[]
  pages: number
  functionName: string
  body: number[]
  /** Bytes placed at address 0. */
  data?: number[]
}): Uint8Array {
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vector([[0x60, ...vector(options.params.map((type) => [type])), ...vector([])]])),
    ...section(3, vector([unsignedLeb(0)])),
    ...section(5, vector([[0x00, ...unsignedLeb(options.pages)]])),
    ...section(
      7,
      vector([
        [...name('memory'), 0x02, 0],
        [...name(options.functionName), 0x00, 0],
      ]),
    ),
    ...section(10, vector([options.body])),
  ]
  if (options.data)
    bytes.push(
      ...section(11, vector([[0x00, op.i32Const, 0, op.end, ...vector(options.data.map((byte) => [byte]))]])),
    )
  return Uint8Array.from(bytes)
}
