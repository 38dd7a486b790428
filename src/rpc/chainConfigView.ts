/**
 * eth_config (EIP-7910), as geth answers it: the rules of the fork the chain runs now — its blob
 * schedule, chain id, EIP-2124 fork id, precompiles by geth's names, and the system contracts it
 * has — and of the next and last scheduled forks. Velox runs one fork from genesis and schedules
 * none, so `current` is activated at 0 and `next` and `last` are null.
 */
import type { Address, Hash, Hex } from 'viem'
import { precompilesFor } from '../evm/precompiles/index.ts'
import { BEACON_ROOTS_ADDRESS, HISTORY_STORAGE_ADDRESS } from '../execution/applySystemCalls.ts'
import { BLOB_SCHEDULE } from '../execution/blobBaseFee.ts'
import type { ChainConfig } from '../execution/chainConfig.ts'
import { hexToBytes } from '../primitives/hex.ts'
import type { RpcObject } from './backend.ts'

/** geth's names for the precompiles (core/vm/contracts.go), by address. */
const PRECOMPILE_NAMES: Record<number, string> = {
  1: 'ECREC',
  2: 'SHA256',
  3: 'RIPEMD160',
  4: 'ID',
  5: 'MODEXP',
  6: 'BN254_ADD',
  7: 'BN254_MUL',
  8: 'BN254_PAIRING',
  9: 'BLAKE2F',
  10: 'KZG_POINT_EVALUATION',
  11: 'BLS12_G1ADD',
  12: 'BLS12_G1MSM',
  13: 'BLS12_G2ADD',
  14: 'BLS12_G2MSM',
  15: 'BLS12_PAIRING_CHECK',
  16: 'BLS12_MAP_FP_TO_G1',
  17: 'BLS12_MAP_FP2_TO_G2',
}

export function chainConfigView(config: ChainConfig, genesisHash: Hash): RpcObject {
  const precompiles: Record<string, Address> = {}
  for (const address of precompilesFor(config.fork).keys())
    precompiles[PRECOMPILE_NAMES[address] ?? `0x${address.toString(16)}`] =
      `0x${address.toString(16).padStart(40, '0')}`
  // The system contracts Velox's blocks call (an L2 has no deposit or request queues).
  const systemContracts: Record<string, Address> = { BEACON_ROOTS_ADDRESS }
  if (config.fork === 'prague') systemContracts.HISTORY_STORAGE_ADDRESS = HISTORY_STORAGE_ADDRESS
  return {
    current: {
      activationTime: 0,
      blobSchedule: BLOB_SCHEDULE[config.fork],
      chainId: `0x${config.chainId.toString(16)}`,
      forkId: forkId(genesisHash),
      precompiles,
      systemContracts,
    },
    next: null,
    last: null,
  }
}

/**
 * EIP-2124's fork hash: CRC32 of the genesis hash, then of each fork block or time past genesis.
 * Every Velox fork is active at genesis, and forks at genesis are not counted.
 */
function forkId(genesisHash: Hash): Hex {
  return `0x${crc32(hexToBytes(genesisHash)).toString(16).padStart(8, '0')}`
}

const CRC32_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

/** CRC-32 (IEEE 802.3, as Go's crc32.ChecksumIEEE). */
export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff
  for (const byte of bytes) crc = CRC32_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
}
