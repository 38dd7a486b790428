/**
 * A whole-number setting (a Worker var, a command-line option) read from its text: decimal digits
 * only, so that `''`, `'1.5'`, `'5e4'`, `'0x10'` or `' 5'` are refused rather than read as something
 * else, within `min`..`max` (no upper bound: up to Number.MAX_SAFE_INTEGER). Anything else throws
 * an Error of the caller's kind (`errorOf`) that names the setting as the user wrote it.
 */
export function parseIntegerSetting(
  name: string,
  text: string,
  range: { min: number; max?: number },
  errorOf: (message: string) => Error = (message) => new Error(message),
): number {
  const { min, max } = range
  const value = Number(text)
  if (
    !/^[0-9]+$/.test(text) ||
    !Number.isSafeInteger(value) ||
    value < min ||
    (max !== undefined && value > max)
  )
    throw errorOf(
      max === undefined
        ? `${name} must be an integer of at least ${min}, got ${JSON.stringify(text)}`
        : `${name} must be an integer in ${min}..${max}, got ${JSON.stringify(text)}`,
    )
  return value
}
