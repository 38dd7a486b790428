import type { Address } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { signAuthorization } from '../../test/differential/signAuthorization.ts'
import { hexToBytes } from '../primitives/hex.ts'
import { MemoryState } from '../state/memoryState.ts'
import { createAccessList } from './createAccessList.ts'
import { type CallRequest, simulateCall } from './simulateCall.ts'
import { CALL_CONTEXT, callRequest } from './tracing/tracingFixture.ts'

const KEY = `0x${'42'.repeat(32)}` as const
const FROM: Address = '0x00000000000000000000000000000000000f4011'
const TOUCHER: Address = '0x000000000000000000000000000000000070c4e5'
const FAULTER: Address = '0x00000000000000000000000000000000000fa017'
const OTHER: Address = '0x0000000000000000000000000000000000000a7e'
const LATER: Address = '0x0000000000000000000000000000000000001a7e'
const CONTEXT = CALL_CONTEXT

const staticCall = (target: string) => `600060006000600073${target}5afa50`
/**
 * BALANCE(OTHER); SLOAD(5); STATICCALL the ecrecover precompile and the sender (both left out of
 * the list); STATICCALL LATER.
 */
const TOUCHER_CODE = hexToBytes(
  `0x73${OTHER.slice(2)}3150` +
    '60055450' +
    '600060006000600060015afa50' +
    staticCall(FROM.slice(2)) +
    staticCall(LATER.slice(2)) +
    '00',
)
/** SLOAD(7), then a CALL with five stack items of its seven (OTHER second): refused before it runs. */
const FAULTER_CODE = hexToBytes(`0x60075450600060006000 73${OTHER.slice(2)} 6000 f1`.replaceAll(' ', ''))

function state(): MemoryState {
  const memory = new MemoryState()
  memory.setAccount(FROM, { balance: 10n ** 18n })
  memory.setAccount(TOUCHER, { code: TOUCHER_CODE })
  memory.setAccount(FAULTER, { code: FAULTER_CODE })
  return memory
}

const request = (fields: Partial<CallRequest>): CallRequest => callRequest(FROM, fields)

const slot = (n: number): `0x${string}` => `0x${n.toString(16).padStart(64, '0')}`

describe('createAccessList (eth_createAccessList)', () => {
  it("lists what the opcodes name, sorted: the recipient's slots, not the sender, recipient or precompiles as accounts", () => {
    const outcome = createAccessList(state(), request({ to: TOUCHER }), CONTEXT)
    expect(outcome).toEqual({
      ok: true,
      accessList: [
        { address: OTHER, storageKeys: [] },
        { address: LATER, storageKeys: [] },
        { address: TOUCHER, storageKeys: [slot(5)] },
      ],
      gasUsed: expect.any(BigInt),
      error: undefined,
    })
  })

  it('gives the gas the call uses with the list, and the same list again when given it', () => {
    const outcome = createAccessList(state(), request({ to: TOUCHER }), CONTEXT)
    const given = createAccessList(
      state(),
      request({ to: TOUCHER, accessList: outcome.ok ? outcome.accessList : [] }),
      CONTEXT,
    )
    expect(given).toEqual(outcome)
    // EIP-2930: OTHER, LATER (2,600 cold) and slot 5 (2,100 cold) listed cost 2,400 and 1,900 up
    // front and 100 each warm: 100 less each. TOUCHER, listed for its slot as geth lists it though
    // it is warm as the recipient, costs 2,400 more: 2,100 more in all than the plain call.
    const plain = simulateCall(state(), request({ to: TOUCHER }), CONTEXT)
    expect(outcome.ok && outcome.gasUsed).toBe(plain.gasUsed + 2_100n)
  })

  it('keeps entries it was given (but not the sender, recipient or a precompile as accounts)', () => {
    const outcome = createAccessList(
      state(),
      request({
        to: TOUCHER,
        accessList: [
          { address: FROM, storageKeys: [] },
          { address: '0x0000000000000000000000000000000000000001', storageKeys: [] },
          { address: '0x00000000000000000000000000000000000000ee', storageKeys: [slot(1)] },
        ],
      }),
      CONTEXT,
    )
    expect(outcome.ok && outcome.accessList.map((entry) => entry.address)).toEqual([
      '0x00000000000000000000000000000000000000ee',
      OTHER,
      LATER,
      TOUCHER,
    ])
  })

  it('leaves out what an opcode refused before it runs would have named, and answers the failure', () => {
    const outcome = createAccessList(state(), request({ to: FAULTER }), CONTEXT)
    expect(outcome).toMatchObject({
      ok: true,
      accessList: [{ address: FAULTER, storageKeys: [slot(7)] }],
      error: expect.stringMatching(/stack underflow/),
    })
  })

  it('leaves out the authorities of the delegations it carries, and refuses more than the gas pays for', () => {
    const authority = privateKeyToAccount(KEY)
    const address = authority.address.toLowerCase() as Address
    const authorization = signAuthorization(KEY, {
      address: OTHER,
      nonce: 0n,
      chainId: CONTEXT.block.chainId,
    })
    const memory = state()
    // BALANCE(authority): an account the list would name.
    memory.setAccount(LATER, { code: hexToBytes(`0x73${address.slice(2)}3100`) })
    const named = createAccessList(memory, request({ to: LATER }), CONTEXT)
    expect(named.ok && named.accessList).toEqual([{ address, storageKeys: [] }])
    const delegated = createAccessList(
      memory,
      request({ to: LATER, authorizationList: [authorization] }),
      CONTEXT,
    )
    expect(delegated.ok && delegated.accessList).toEqual([])
    const twoAuthorizations = request({
      to: LATER,
      gas: 49_999n,
      authorizationList: [authorization, authorization],
    })
    expect(createAccessList(memory, twoAuthorizations, CONTEXT)).toEqual({
      ok: false,
      message: 'insufficient gas to process all authorizations',
    })
  })

  it('refuses a call that cannot start, naming it as geth does', () => {
    const outcome = createAccessList(state(), request({ from: OTHER, to: TOUCHER, value: 1n }), CONTEXT)
    expect(outcome).toEqual({
      ok: false,
      message: expect.stringMatching(
        /^failed to apply transaction: 0x[0-9a-f]{64} err: insufficient funds for gas \* price \+ value: address 0x0+a7e have 0 want 1$/,
      ),
    })
  })
})
