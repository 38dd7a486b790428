import type { Address } from 'viem'
import { describe, expect, it } from 'vitest'
import { hexToBytes } from '../primitives/hex.ts'
import type { ContractStateReader } from '../state/stateView.ts'
import { create2Address, createAddress, delegationTarget, Evm, type Message } from './evm.ts'
import { EvmState } from './evmState.ts'

const emptyState: ContractStateReader = {
  getAccount: () => undefined,
  getStorage: () => 0n,
  getCode: () => undefined,
  hasStorage: () => false,
}

describe('contract addresses', () => {
  it('CREATE: keccak256(rlp([sender, nonce]))', () => {
    const sender = '0x6ac7ea33f8831ea9dcc53393aaa88b25a785dbf0'
    expect(createAddress(sender, 0n)).toBe('0xcd234a471b72ba2f1ccf0a70fcaba648a5eecd8d')
    expect(createAddress(sender, 1n)).toBe('0x343c43a37d37dff08ae8c4a11544c718abb4fcf8')
  })

  it('CREATE2: the examples of EIP-1014', () => {
    expect(create2Address('0x0000000000000000000000000000000000000000', 0n, hexToBytes('0x00'))).toBe(
      '0x4d1a2e2bb4f88f0250f26ffff098b0b30b26bf38',
    )
    expect(create2Address('0xdeadbeef00000000000000000000000000000000', 0n, hexToBytes('0x00'))).toBe(
      '0xb928f69bb1d91cd65274e3c79d8986362984fda3',
    )
  })
})

describe('EIP-7702 delegation designator', () => {
  it('is 0xef0100 followed by an address, and nothing else', () => {
    expect(delegationTarget(hexToBytes('0xef0100000000000000000000000000000000000000beef'))).toBe(
      '0x000000000000000000000000000000000000beef',
    )
    expect(delegationTarget(hexToBytes('0xef0100000000000000000000000000000000000000be'))).toBeUndefined()
    expect(delegationTarget(hexToBytes('0xef0200000000000000000000000000000000000000beef'))).toBeUndefined()
  })
})

describe('the frame loop', () => {
  const run = (code: string, gas = 1_000_000n) => {
    const target = '0x00000000000000000000000000000000000000c0' as Address
    const state = new EvmState({
      ...emptyState,
      getAccount: (address) =>
        address === target ? { nonce: 1n, balance: 0n, codeHash: '0x01' as `0x${string}` } : undefined,
      getCode: () => hexToBytes(code),
    })
    state.beginTransaction()
    const evm = new Evm(state, {
      fork: 'cancun',
      block: {
        number: 1n,
        timestamp: 1n,
        coinbase: '0x0000000000000000000000000000000000000000',
        gasLimit: 30_000_000n,
        baseFeePerGas: 0n,
        prevRandao: 0n,
        blobBaseFee: 1n,
        chainId: 1n,
        blockHash: () => 0n,
      },
      transaction: { origin: target, gasPrice: 0n, blobVersionedHashes: [] },
      precompiles: new Map(),
    })
    const message: Message = {
      kind: 'call',
      caller: target,
      target,
      codeAddress: target,
      value: 0n,
      input: new Uint8Array(0),
      gas,
      depth: 0,
      isStatic: false,
    }
    return Object.assign(evm.execute(message), { storageSlot0: () => state.getStorage(target, 0n) })
  }

  it('returns what RETURN returns and charges exact gas', () => {
    // PUSH1 0x2a PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN: 3 + 3 + (3 + 3 memory) + 3 + 3 = 18 gas
    const result = run('0x602a60005260206000f3')
    expect(result.status).toBe('success')
    expect(result.output[31]).toBe(0x2a)
    expect(1_000_000n - result.gasLeft).toBe(18n)
  })

  it('an invalid jump is an exceptional halt that takes all the gas', () => {
    const result = run('0x600356')
    expect(result.status).toBe('error')
    expect(result.error).toBe('invalid jump destination')
    expect(result.gasLeft).toBe(0n)
  })

  it('counts gas above 2^53 exactly: GAS reports it to the unit', () => {
    // GAS PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN
    const gas = (1n << 63n) + 12_345n
    const result = run('0x5a60005260206000f3', gas)
    let reported = 0n
    for (const byte of result.output) reported = (reported << 8n) | BigInt(byte)
    expect(reported).toBe(gas - 2n)
    expect(gas - result.gasLeft).toBe(2n + 3n + 6n + 3n + 3n)
  })

  it('keeps the storage writes of a successful frame and undoes those of a reverted one', () => {
    // PUSH1 1 PUSH1 0 SSTORE STOP
    const kept = run('0x600160005500')
    expect(kept.status).toBe('success')
    expect(kept.storageSlot0()).toBe(1n)
    // PUSH1 1 PUSH1 0 SSTORE PUSH1 0 PUSH1 0 REVERT
    const reverted = run('0x600160005560006000fd')
    expect(reverted.status).toBe('revert')
    expect(reverted.storageSlot0()).toBe(0n)
  })
})
