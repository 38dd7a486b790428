/**
 * Runs `attempt`; while it throws an error `isRetryable` accepts, waits the next of `delaysMs` and
 * runs it again. Past the last delay, or on any other error, the error is thrown.
 */
export async function withRetries<T>(
  attempt: () => Promise<T>,
  delaysMs: readonly number[],
  isRetryable: (error: unknown) => boolean,
): Promise<T> {
  for (let retry = 0; ; retry++) {
    try {
      return await attempt()
    } catch (error) {
      const delay = delaysMs[retry]
      if (delay === undefined || !isRetryable(error)) throw error
      await new Promise((resolve) => setTimeout(resolve, delay))
    }
  }
}
