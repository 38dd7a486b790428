import { describe, expect, it } from 'vitest'
import { parseChainConfig } from '../execution/chainConfig.ts'
import { chainConfigView, crc32 } from './chainConfigView.ts'

describe('eth_config (EIP-7910)', () => {
  it('computes CRC-32 as Go does, and EIP-2124 fork ids from the genesis hash', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926)
    // EIP-2124's first mainnet test vector: an unsynced node (no fork passed yet) reports 0xfc64ec04.
    const mainnetGenesis = '0xd4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3'
    const view = chainConfigView(parseChainConfig({}, { blockGasLimit: 30_000_000n }), mainnetGenesis)
    expect((view.current as { forkId: string }).forkId).toBe('0xfc64ec04')
  })

  it('reports the one fork Velox runs, from genesis, with what it has', () => {
    const prague = chainConfigView(
      parseChainConfig({ CHAIN_ID: '7077' }, { blockGasLimit: 30_000_000n }),
      `0x${'11'.repeat(32)}`,
    )
    expect(prague.next).toBeNull()
    expect(prague.last).toBeNull()
    expect(prague.current).toMatchObject({
      activationTime: 0,
      blobSchedule: { target: 6, max: 9, baseFeeUpdateFraction: 5_007_716 },
      chainId: '0x1ba5',
      systemContracts: {
        BEACON_ROOTS_ADDRESS: '0x000f3df6d732807ef1319fb7b8bb8522d0beac02',
        HISTORY_STORAGE_ADDRESS: '0x0000f90827f1c53a10cb7a02335b175320002935',
      },
    })
    const precompiles = (prague.current as { precompiles: Record<string, string> }).precompiles
    expect(Object.keys(precompiles)).toHaveLength(17)
    expect(precompiles.ECREC).toBe('0x0000000000000000000000000000000000000001')
    expect(precompiles.BLS12_MAP_FP2_TO_G2).toBe('0x0000000000000000000000000000000000000011')
    const cancun = chainConfigView(
      parseChainConfig({ FORK: 'cancun' }, { blockGasLimit: 30_000_000n }),
      `0x${'11'.repeat(32)}`,
    )
    expect(Object.keys((cancun.current as { precompiles: object }).precompiles)).toHaveLength(10)
    expect((cancun.current as { systemContracts: object }).systemContracts).not.toHaveProperty(
      'HISTORY_STORAGE_ADDRESS',
    )
  })
})
