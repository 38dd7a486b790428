import type { Address } from 'viem'
import { describe, expect, it } from 'vitest'
import { hexToBytes } from '../primitives/hex.ts'
import { MemoryState } from '../state/memoryState.ts'
import { createAddress, Evm, type ExecutionResult, type Message } from './evm.ts'
import { EvmState } from './evmState.ts'
import type { EvmTracer, TracedFrame } from './evmTracer.ts'
import { precompilesFor } from './precompiles/index.ts'
import { TEST_BLOCK } from './testBlock.ts'

const CALLER: Address = '0x00000000000000000000000000000000000ca11e'
const TARGET: Address = '0x00000000000000000000000000000000000000c0'
const CHILD: Address = '0x00000000000000000000000000000000000000c1'
const SHA256: Address = '0x0000000000000000000000000000000000000002'
const GAS = 1_000_000n

/** Every hook call, in order, with what the frame showed at that moment. */
class Recorder implements EvmTracer {
  readonly events: string[] = []
  onEnter(message: Message): void {
    this.events.push(`enter ${message.kind} ${message.target} depth ${message.depth} gas ${message.gas}`)
  }
  onExit(message: Message, result: ExecutionResult): void {
    this.events.push(
      `exit ${message.target} ${result.status}${result.error ? ` ${result.error}` : ''} left ${result.gasLeft}`,
    )
  }
  onStep(frame: TracedFrame, op: number): void {
    const top = frame.sp > 0 ? ` top ${frame.stack[frame.sp - 1]}` : ''
    this.events.push(`step ${frame.pc} 0x${op.toString(16)} gas ${frame.exactGas()}${top}`)
  }
  onFault(frame: TracedFrame, reason: string): void {
    this.events.push(`fault ${reason} gas ${frame.gas}`)
  }
  onLog(_frame: TracedFrame, log: { topics: bigint[] }): void {
    this.events.push(`log ${log.topics.length}`)
  }
  onSelfDestruct(frame: TracedFrame, beneficiary: Address, balance: bigint): void {
    this.events.push(`selfdestruct ${frame.message.target} to ${beneficiary} ${balance}`)
  }
}

function run(
  code: string,
  accounts: Record<Address, { code?: string; balance?: bigint }> = {},
  tracer?: EvmTracer,
) {
  const reader = new MemoryState()
  reader.setAccount(TARGET, { nonce: 1n, code: hexToBytes(code) })
  for (const [address, account] of Object.entries(accounts))
    reader.setAccount(address as Address, {
      ...(account.code !== undefined ? { code: hexToBytes(account.code), nonce: 1n } : {}),
      ...(account.balance !== undefined ? { balance: account.balance } : {}),
    })
  const state = new EvmState(reader)
  state.beginTransaction()
  const evm = new Evm(state, {
    fork: 'prague',
    block: TEST_BLOCK,
    transaction: { origin: CALLER, gasPrice: 0n, blobVersionedHashes: [] },
    precompiles: precompilesFor('prague'),
    tracer,
  })
  const message: Message = {
    kind: 'call',
    caller: CALLER,
    target: TARGET,
    codeAddress: TARGET,
    value: 0n,
    input: new Uint8Array(0),
    gas: GAS,
    depth: 0,
    isStatic: false,
  }
  const result = evm.execute(message)
  return { result, changes: state.changes() }
}

/** Traced and untraced runs agree; returns the hooks' record. */
function record(code: string, accounts: Parameters<typeof run>[1] = {}): string[] {
  const recorder = new Recorder()
  const traced = run(code, accounts, recorder)
  expect(traced).toEqual(run(code, accounts))
  return recorder.events
}

/** PUSH1 0 ×4 (no input or output), PUSH1 value, PUSH20 to, PUSH2 gas, CALL. */
const callCode = (to: Address, value: number, gas = 0xffff) =>
  `6000600060006000${`60${value.toString(16).padStart(2, '0')}`}73${to.slice(2)}61${gas.toString(16).padStart(4, '0')}f1`

describe('EvmTracer hooks', () => {
  it('announces each opcode with the gas before it, then the frame ends', () => {
    // PUSH1 0x2a PUSH1 0 SSTORE STOP
    expect(record('0x602a60005500')).toEqual([
      `enter call ${TARGET} depth 0 gas ${GAS}`,
      `step 0 0x60 gas ${GAS}`,
      `step 2 0x60 gas ${GAS - 3n} top 42`,
      `step 4 0x55 gas ${GAS - 6n} top 0`,
      `step 5 0x0 gas ${GAS - 6n - 22_100n}`,
      `exit ${TARGET} success left ${GAS - 6n - 22_100n}`,
    ])
  })

  it('enters a child after the parent has paid for it, and reports a precompile and a refused call', () => {
    const code = `0x${callCode(CHILD, 0)}50${callCode(SHA256, 0)}50${callCode(CHILD, 1)}5000`
    const events = record(code, { [CHILD]: { code: '0x00' } })
    const entries = events.filter((event) => event.startsWith('enter') || event.startsWith('exit'))
    expect(entries).toEqual([
      `enter call ${TARGET} depth 0 gas ${GAS}`,
      `enter call ${CHILD} depth 1 gas ${0xffff}`,
      `exit ${CHILD} success left ${0xffff}`,
      `enter call ${SHA256} depth 1 gas ${0xffff}`,
      `exit ${SHA256} success left ${0xffff - 60}`,
      // TARGET has no balance: refused, with the stipend handed back.
      `enter call ${CHILD} depth 1 gas ${0xffff + 2300}`,
      `exit ${CHILD} error insufficient balance for transfer left ${0xffff + 2300}`,
      expect.stringMatching(new RegExp(`^exit ${TARGET} success`)),
    ])
    // The child's only step: STOP, with all it was given.
    expect(events[events.indexOf(`enter call ${CHILD} depth 1 gas ${0xffff}`) + 1]).toBe(
      `step 0 0x0 gas ${0xffff}`,
    )
  })

  it('reports a fault with the gas left when the opcode gave up, before the frame exits', () => {
    // PUSH1 0 SLOAD with 50 gas: the cold SLOAD's 2,100 goes past zero.
    const recorder = new Recorder()
    const reader = new MemoryState()
    reader.setAccount(TARGET, { nonce: 1n, code: hexToBytes('0x600054') })
    const state = new EvmState(reader)
    state.beginTransaction()
    const evm = new Evm(state, {
      fork: 'prague',
      block: {
        number: 1n,
        timestamp: 1n,
        coinbase: CALLER,
        gasLimit: 1n,
        baseFeePerGas: 0n,
        prevRandao: 0n,
        blobBaseFee: 1n,
        chainId: 1n,
        blockHash: () => 0n,
      },
      transaction: { origin: CALLER, gasPrice: 0n, blobVersionedHashes: [] },
      precompiles: new Map(),
      tracer: recorder,
    })
    evm.execute({
      kind: 'call',
      caller: CALLER,
      target: TARGET,
      codeAddress: TARGET,
      value: 0n,
      input: new Uint8Array(0),
      gas: 53n,
      depth: 0,
      isStatic: false,
    })
    expect(recorder.events.slice(-3)).toEqual([
      `step 2 0x54 gas 50 top 0`,
      `fault out of gas gas ${50 - 2100}`,
      `exit ${TARGET} error out of gas left 0`,
    ])
  })

  it('reports logs, SELFDESTRUCT, and a CREATE that collides', () => {
    const taken = createAddress(TARGET, 1n)
    // LOG0 of nothing; CREATE (empty initcode) onto an account with code; SELFDESTRUCT to CHILD.
    const code = `0x60006000a0${'600060006000f050'}73${CHILD.slice(2)}ff`
    const events = record(code, { [taken]: { code: '0x00' } })
    expect(events.filter((event) => !event.startsWith('step'))).toEqual([
      `enter call ${TARGET} depth 0 gas ${GAS}`,
      'log 0',
      expect.stringMatching(new RegExp(`^enter create ${taken} depth 1 gas`)),
      `exit ${taken} error contract address collision left 0`,
      `selfdestruct ${TARGET} to ${CHILD} 0`,
      expect.stringMatching(new RegExp(`^exit ${TARGET} success`)),
    ])
  })
})
