/** geth's price for the precompiles charged by the 32-byte word of input: base + perWord * ceil(length / 32). */
export function wordPrice(inputLength: number, base: number, perWord: number): number {
  return base + perWord * Math.ceil(inputLength / 32)
}
