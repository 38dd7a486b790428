/** geth's txMaxSize: 4 slots of 32 KiB. A larger transaction is refused with "oversized data". */
export const MAX_TRANSACTION_SIZE = 4 * 32 * 1024
/** EIP-3860: the maximum initcode size, twice EIP-170's code size limit. */
export const MAX_INITCODE_SIZE = 2 * 24_576
