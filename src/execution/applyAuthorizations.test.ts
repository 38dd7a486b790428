import { secp256k1 } from '@noble/curves/secp256k1.js'
import { type Address, bytesToHex as viemBytesToHex } from 'viem'
import { privateKeyToAddress } from 'viem/accounts'
import { hashAuthorization } from 'viem/utils'
import { describe, expect, it } from 'vitest'
import type { BlockContext } from '../evm/evm.ts'
import { EvmState } from '../evm/evmState.ts'
import { precompilesFor } from '../evm/precompiles/index.ts'
import { bytesToHex, hexToBytes } from '../primitives/hex.ts'
import { type Authorization, SECP256K1_N } from '../primitives/transaction.ts'
import { MemoryState } from '../state/memoryState.ts'
import { authorizationSigningHash } from './applyAuthorizations.ts'
import { InvalidTransactionError } from './executableTransaction.ts'
import { type EvmTransaction, processTransaction } from './processTransaction.ts'

const CHAIN_ID = 1337n
const AUTHORITY_KEY = `0x${'11'.repeat(32)}` as const
const SENDER_KEY = `0x${'22'.repeat(32)}` as const
const authority = privateKeyToAddress(AUTHORITY_KEY).toLowerCase() as Address
const sender = privateKeyToAddress(SENDER_KEY).toLowerCase() as Address
/** The delegate's code: SSTORE(0, 1), so a call through the delegation leaves a trace in the authority. */
const DELEGATE: Address = '0x00000000000000000000000000000000000d1e9a'
const DELEGATE_CODE = hexToBytes('0x600160005500')
const ZERO_ADDRESS: Address = '0x0000000000000000000000000000000000000000'

const block: BlockContext = {
  number: 1n,
  timestamp: 1n,
  coinbase: '0x00000000000000000000000000000000000c0ffe',
  gasLimit: 30_000_000n,
  baseFeePerGas: 0n,
  prevRandao: 0n,
  blobBaseFee: 1n,
  chainId: CHAIN_ID,
  blockHash: () => 0n,
}

function sign(
  fields: { chainId?: bigint; address?: Address; nonce?: bigint },
  key: `0x${string}` = AUTHORITY_KEY,
): Authorization {
  const unsigned = {
    chainId: fields.chainId ?? CHAIN_ID,
    address: fields.address ?? DELEGATE,
    nonce: fields.nonce ?? 0n,
  }
  const signature = secp256k1.Signature.fromBytes(
    secp256k1.sign(authorizationSigningHash(unsigned), hexToBytes(key), {
      prehash: false,
      format: 'recovered',
    }),
    'recovered',
  )
  return { ...unsigned, yParity: signature.recovery!, r: signature.r, s: signature.s }
}

function setCodeTransaction(
  authorizationList: Authorization[],
  overrides: Partial<EvmTransaction> = {},
): EvmTransaction {
  return {
    type: 4,
    sender,
    to: authority,
    nonce: 0n,
    gasLimit: 200_000n,
    value: 0n,
    data: new Uint8Array(0),
    maxFeePerGas: 1n,
    maxPriorityFeePerGas: 0n,
    accessList: [],
    maxFeePerBlobGas: 0n,
    blobVersionedHashes: [],
    authorizationList,
    ...overrides,
  }
}

function chain(
  options: { authorityBalance?: bigint; authorityCode?: Uint8Array; authorityNonce?: bigint } = {},
) {
  const base = new MemoryState()
  base.setAccount(sender, { balance: 10n ** 18n })
  base.setAccount(DELEGATE, { code: DELEGATE_CODE })
  if (options.authorityBalance !== undefined || options.authorityCode || options.authorityNonce)
    base.setAccount(authority, {
      balance: options.authorityBalance ?? 0n,
      nonce: options.authorityNonce ?? 0n,
      ...(options.authorityCode ? { code: options.authorityCode } : {}),
    })
  const state = new EvmState(base)
  const run = (tx: EvmTransaction) =>
    processTransaction(state, tx, {
      fork: 'prague',
      block,
      precompiles: precompilesFor('prague'),
      blockGasAvailable: block.gasLimit,
    })
  return { state, run }
}

const designatorFor = (address: Address) => `0xef0100${address.slice(2)}`

describe('EIP-7702 authorizations', () => {
  it('sign the hash viem computes: keccak256(0x05 ‖ rlp([chain_id, address, nonce]))', () => {
    const fields = { chainId: CHAIN_ID, address: DELEGATE, nonce: 7n }
    expect(bytesToHex(authorizationSigningHash(fields))).toBe(
      hashAuthorization({ chainId: Number(CHAIN_ID), address: DELEGATE, nonce: 7 }),
    )
  })

  it('install a delegation, bump the authority nonce, and the call runs the delegate in the authority', () => {
    const { state, run } = chain()
    const receipt = run(setCodeTransaction([sign({})]))
    expect(receipt.status).toBe(1)
    expect(viemBytesToHex(state.getCode(authority))).toBe(designatorFor(DELEGATE))
    expect(state.getNonce(authority)).toBe(1n)
    expect(state.getStorage(authority, 0n)).toBe(1n)
    expect(state.getStorage(DELEGATE, 0n)).toBe(0n)
    // 21,000 + 25,000 per authorization + PUSH1 ×2 + cold SSTORE 0 → 1; a new authority earns no refund.
    expect(receipt.gasUsed).toBe(21_000n + 25_000n + 6n + 22_100n)
  })

  it('refund PER_EMPTY_ACCOUNT_COST - PER_AUTH_BASE_COST when the authority already exists', () => {
    const { run } = chain({ authorityBalance: 1n })
    expect(run(setCodeTransaction([sign({})])).gasUsed).toBe(21_000n + 25_000n + 6n + 22_100n - 12_500n)
  })

  it('accept chain id 0 (any chain) and skip another chain id, keeping the transaction valid', () => {
    const any = chain()
    any.run(setCodeTransaction([sign({ chainId: 0n })]))
    expect(any.state.getNonce(authority)).toBe(1n)

    const other = chain()
    const receipt = other.run(setCodeTransaction([sign({ chainId: CHAIN_ID + 1n })]))
    expect(receipt.status).toBe(1)
    expect(other.state.getCode(authority)).toHaveLength(0)
    expect(other.state.getNonce(authority)).toBe(0n)
  })

  it('skip a nonce mismatch, an authority with contract code, and a high-s signature', () => {
    const mismatch = chain()
    mismatch.run(setCodeTransaction([sign({ nonce: 1n })]))
    expect(mismatch.state.getNonce(authority)).toBe(0n)

    const contract = chain({ authorityCode: hexToBytes('0x00') })
    contract.run(setCodeTransaction([sign({})]))
    expect(viemBytesToHex(contract.state.getCode(authority))).toBe('0x00')

    const highS = chain()
    const valid = sign({})
    highS.run(setCodeTransaction([{ ...valid, s: SECP256K1_N - valid.s, yParity: 1 - valid.yParity }]))
    expect(highS.state.getNonce(authority)).toBe(0n)
  })

  it('apply in order: the second authorization of a signer sees the first, and the zero address clears', () => {
    const { state, run } = chain()
    const other: Address = '0x00000000000000000000000000000000000000aa'
    run(setCodeTransaction([sign({ nonce: 0n }), sign({ nonce: 1n, address: other })]))
    expect(viemBytesToHex(state.getCode(authority))).toBe(designatorFor(other))
    expect(state.getNonce(authority)).toBe(2n)

    run(setCodeTransaction([sign({ nonce: 2n, address: ZERO_ADDRESS })], { nonce: 1n }))
    expect(state.getCode(authority)).toHaveLength(0)
    expect(state.getNonce(authority)).toBe(3n)
  })

  it('let the sender delegate itself: its authorization signs the nonce after the transaction’s', () => {
    const { state, run } = chain()
    const self = sign({ nonce: 1n }, SENDER_KEY)
    const receipt = run(setCodeTransaction([self], { to: sender }))
    expect(receipt.status).toBe(1)
    expect(viemBytesToHex(state.getCode(sender))).toBe(designatorFor(DELEGATE))
    expect(state.getNonce(sender)).toBe(2n)
    expect(state.getStorage(sender, 0n)).toBe(1n)
  })

  it('refuse a set-code transaction without authorizations, or one that creates', () => {
    const { run } = chain()
    expect(() => run(setCodeTransaction([]))).toThrow(
      new InvalidTransactionError(`EIP-7702 transaction with empty auth list (sender ${sender})`),
    )
    expect(() => run(setCodeTransaction([sign({})], { to: null }))).toThrow(InvalidTransactionError)
  })
})
