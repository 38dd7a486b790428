/**
 * The one base class of every error Velox raises on purpose. As in viem: a short message for
 * users, optional details, and the cause; the full `message` joins them.
 */
export type VeloxErrorOptions = {
  details?: string | undefined
  cause?: unknown
}

export class VeloxError extends Error {
  override name = 'VeloxError'
  readonly shortMessage: string
  readonly details: string | undefined

  constructor(shortMessage: string, options: VeloxErrorOptions = {}) {
    super(options.details ? `${shortMessage}: ${options.details}` : shortMessage, { cause: options.cause })
    this.shortMessage = shortMessage
    this.details = options.details
  }
}
