/** Keccak-f[1600]'s constants (FIPS 202), shared by the permutation generators. */

/** Rotation offsets r[x][y] (FIPS 202, rho). */
export const ROTATION = [
  [0, 36, 3, 41, 18],
  [1, 44, 10, 45, 2],
  [62, 6, 43, 15, 61],
  [28, 55, 25, 21, 56],
  [27, 20, 39, 8, 14],
]

/** The 24 round constants (iota), computed by FIPS 202's rc(t) LFSR rather than copied. */
export function roundConstants(): bigint[] {
  let r = 1
  const bit = () => {
    const out = r & 1
    r <<= 1
    if (r & 0x100) r ^= 0x171
    return out
  }
  const constants: bigint[] = []
  for (let round = 0; round < 24; round++) {
    let rc = 0n
    for (let j = 0; j <= 6; j++) if (bit()) rc |= 1n << BigInt((1 << j) - 1)
    constants.push(rc)
  }
  return constants
}
