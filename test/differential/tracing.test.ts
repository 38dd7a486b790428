/**
 * Velox's tracers (src/execution/tracing) against anvil's debug_traceTransaction. The same
 * transactions run on anvil (automine, one block each) and on an in-process Velox MemoryState:
 * each is sent to anvil, then replayed in Velox with anvil's transaction fields and block header,
 * so balances, fees and addresses agree. Before a transaction is applied to Velox's state it is
 * traced there with every config below, and each result is compared with anvil's, field by field.
 *
 * The contracts cover CALL, DELEGATECALL, STATICCALL, CREATE, CREATE2 (and its address collision),
 * reverts with a reason and a panic, caught and uncaught; out of gas in a child and at the top;
 * logs kept and logs dropped by a revert; SLOAD/SSTORE; a precompile; a call refused for
 * insufficient balance; SELFDESTRUCT of a contract created in the transaction and of an older one.
 *
 * Velox follows geth (v1.17), not anvil, where the two differ; ANVIL_DIFFERENCES lists what this
 * test forgives and why, and each is checked in its geth form instead where that can be done.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import path from 'node:path'
import { type Abi, type Address, encodeFunctionData, type Hex } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../../scripts/freePort.ts'
import { type BlockContext, createAddress } from '../../src/evm/evm.ts'
import { EvmState } from '../../src/evm/evmState.ts'
import { precompilesFor } from '../../src/evm/precompiles/index.ts'
import { blobBaseFee } from '../../src/execution/blobBaseFee.ts'
import {
  type EvmTransaction,
  type ProcessTransactionOptions,
  processTransaction,
} from '../../src/execution/processTransaction.ts'
import type { CallFrameJson } from '../../src/execution/tracing/callTracer.ts'
import type { FlatCallFrameJson } from '../../src/execution/tracing/flatCallTracer.ts'
import { parseTraceConfig } from '../../src/execution/tracing/parseTraceConfig.ts'
import type { PrestateDiffJson, PrestateJson } from '../../src/execution/tracing/prestateTracer.ts'
import type { StructLogEntry, StructLoggerResult } from '../../src/execution/tracing/structLogger.ts'
import { traceTransaction } from '../../src/execution/tracing/traceTransaction.ts'
import { bytesToHex, hexToBytes } from '../../src/primitives/hex.ts'
import { keccak256 } from '../../src/primitives/keccak256.ts'
import { MemoryState } from '../../src/state/memoryState.ts'

const ROOT = path.resolve(import.meta.dirname, '../..')
const FORK = 'prague'
const START_TIMEOUT_MS = 30_000
const RECEIPT_TIMEOUT_MS = 30_000
const GAS = 2_000_000n
const ZERO_HASH: Hex = `0x${'00'.repeat(32)}`

/**
 * Where anvil (foundry 1.7, revm-inspectors) knowingly differs from geth; the comparisons below
 * forgive these and check geth's form from Velox's side where they can:
 * - callTracer: anvil's top frame `gas` is not the transaction's gas limit (geth: tx.Gas()).
 * - prestateTracer: anvil keeps in `pre` accounts that were empty before the transaction (a
 *   contract it creates, a coinbase with no balance yet); geth drops them unless includeEmpty.
 *   anvil never reports `codeHash`; geth does for an account with code, and in diff mode's `post`
 *   whenever it changed — including the zero hash geth's state gives an account that does not
 *   exist afterwards (a failed creation's address), which anvil leaves out of `post` altogether.
 * - callTracer with withLog: anvil keeps the logs of frames that reverted; geth drops them (and
 *   those of every frame inside a reverted one) at the end of the transaction.
 * - errors: anvil names some of revm's halt reasons (CreateCollision, OutOfGas, …; in struct logs
 *   wrapped as "Some(…)"); ANVIL_ERRORS maps them to geth's words.
 * - flatCallTracer, compared with anvil's trace_transaction (Parity's format, errors always in
 *   Parity's words; anvil answers debug_traceTransaction's flatCallTracer with {}): Parity's top
 *   frame leaves the intrinsic gas out of `gas` and `gasUsed`, geth's has the transaction's gas
 *   limit and gas used; a failed create keeps its would-be address in anvil's, geth's callTracer
 *   drops it (To = nil) and so does its flat frame. Errors Parity has no word for in geth's
 *   mapping keep geth's words, anvil's are revm's names or Parity's capitalised ones.
 * - 4byteTracer: anvil counts calls to precompiles; geth leaves them out.
 * - struct logger: anvil's CREATE/CREATE2 gasCost includes the gas handed to the new frame; geth's
 *   does not (opCreate takes it while running, after the hook). On a step that runs out of gas,
 *   anvil's gasCost is the gas that was left; geth's is what the opcode tried to charge (its
 *   constant gas alone when the failure was in its gas function, as for the SSTORE sentry), and
 *   a failed SSTORE shows in geth's `storage` the value it meant to write, in anvil's the old one. anvil
 *   also always emits `returnData`, `memory` and `refund`, which geth leaves out when empty or
 *   zero; only the fields below are compared.
 */
const STRUCT_LOG_FIELDS = ['pc', 'op', 'gas', 'gasCost', 'depth', 'stack', 'storage', 'error'] as const
const ANVIL_ERRORS: Record<string, string> = {
  // Parity's word, which geth's mapping lacks.
  'Insufficient balance for transfer': 'insufficient balance for transfer',
  CreateCollision: 'contract address collision',
  OutOfGas: 'out of gas',
  ReentrancySentryOOG: 'out of gas: not enough gas for reentrancy sentry',
}

const SOURCE = `// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

contract Store {
    uint256 public value;
    mapping(uint256 => uint256) public slots;
    event Stored(address indexed by, uint256 indexed key, uint256 value);

    constructor(uint256 initial) payable { value = initial; }

    function set(uint256 key, uint256 v) external returns (uint256 previous) {
        previous = slots[key];
        slots[key] = v;
        value += 1;
        emit Stored(msg.sender, key, v);
    }
    function get(uint256 key) external view returns (uint256) { return slots[key]; }
    function fail(string calldata reason) external pure { revert(reason); }
    function spin() external view returns (uint256 n) { while (true) { n += value; } }
    function destroy(address payable to) external { selfdestruct(to); }
}

contract Probe {
    uint256 public counter;
    Store public store;
    event Note(uint256 indexed tag, bytes data);

    constructor() payable {}

    function deploy(uint256 initial) external returns (address) { store = new Store(initial); return address(store); }
    function deploy2(uint256 initial, bytes32 salt) external payable returns (address) {
        return address(new Store{salt: salt, value: msg.value}(initial));
    }
    function tryDeploy2(uint256 initial, bytes32 salt) external returns (bool ok) {
        try new Store{salt: salt}(initial) { ok = true; } catch { ok = false; }
        counter += 1;
    }
    function callSet(Store s, uint256 key, uint256 v) external { s.set(key, v); emit Note(1, abi.encode(key)); }
    function delegateSet(Store s, uint256 key, uint256 v) external {
        (bool ok, ) = address(s).delegatecall(abi.encodeCall(Store.set, (key, v)));
        require(ok, "delegatecall failed");
    }
    function staticGet(Store s, uint256 key) external view returns (uint256) { return s.get(key); }
    function catchRevert(Store s) external returns (bool ok) {
        counter += 1;
        emit Note(2, "before");
        try s.fail("inner reason") { ok = true; } catch { ok = false; }
    }
    function failOuter(Store s) external { s.set(7, 7); emit Note(3, ""); revert("outer reason"); }
    function catchOutOfGas(Store s) external returns (bool ok) {
        try s.spin{gas: 30000}() { ok = true; } catch { ok = false; }
        counter += 1;
    }
    function spin() external { while (true) { counter += 1; } }
    function hash(bytes calldata data) external view returns (bytes32) { return sha256(data); }
    function sendTooMuch(address payable to) external returns (bool ok) {
        (ok, ) = to.call{value: address(this).balance + 1}("");
        counter += 1;
    }
    function createAndDestroy(address payable beneficiary) external payable {
        Store s = new Store{value: msg.value}(1);
        s.destroy(beneficiary);
    }
    function destroyOld(Store s, address payable to) external { s.destroy(to); }
    function panic(uint256 d) external pure returns (uint256) { return 10 / d; }
}

contract Refuses {
    constructor() { revert("no deploy"); }
}
`

type Compiled = { abi: Abi; bytecode: Hex }

type RpcBlock = {
  hash: Hex
  number: Hex
  timestamp: Hex
  miner: Address
  gasLimit: Hex
  baseFeePerGas: Hex
  mixHash: Hex
  excessBlobGas?: Hex
}
type RpcTransaction = {
  type: Hex
  nonce: Hex
  gas: Hex
  to: Address | null
  value: Hex
  input: Hex
  maxFeePerGas?: Hex
  maxPriorityFeePerGas?: Hex
  gasPrice: Hex
  from: Address
}
type RpcReceipt = { status: Hex; gasUsed: Hex; blockNumber: Hex; contractAddress: Address | null }

/** The configs each transaction is traced with, on both sides. */
const CONFIGS = {
  callTracer: { tracer: 'callTracer' },
  callTracerWithLog: { tracer: 'callTracer', tracerConfig: { withLog: true } },
  callTracerTopOnly: { tracer: 'callTracer', tracerConfig: { onlyTopCall: true } },
  prestate: { tracer: 'prestateTracer' },
  prestateDiff: { tracer: 'prestateTracer', tracerConfig: { diffMode: true } },
  structLogger: {},
  // As Parity's trace_transaction, which anvil's is: its errors' words, precompile calls kept.
  flatCallTracer: {
    tracer: 'flatCallTracer',
    tracerConfig: { convertParityErrors: true, includePrecompiles: true },
  },
  fourByte: { tracer: '4byteTracer' },
} as const

describe('debug_traceTransaction: Velox against anvil', () => {
  let anvil: Anvil
  let contracts: Record<'Probe' | 'Store' | 'Refuses', Compiled>
  const base = new MemoryState()
  const precompiles = precompilesFor(FORK)
  let probe: Address
  let store: Address
  const beneficiary: Address = '0x00000000000000000000000000000000000b0b00'
  const receiver: Address = '0x000000000000000000000000000000000000abcd'
  const salt: Hex = `0x${'11'.repeat(32)}`

  beforeAll(async () => {
    contracts = compile()
    anvil = await startAnvil()
    // Velox starts from anvil's genesis as far as these transactions can see it.
    for (const address of [anvil.account, '0x0000000000000000000000000000000000000000' as Address]) {
      const balance = BigInt((await anvil.call('eth_getBalance', [address, '0x0'])) as Hex)
      base.setAccount(address, { balance })
    }
  }, START_TIMEOUT_MS + 60_000)

  afterAll(async () => {
    await anvil?.stop()
  })

  const data = (functionName: string, args: unknown[] = []) =>
    encodeFunctionData({ abi: contracts.Probe.abi, functionName, args })

  /** Sends on anvil, traces on both sides, compares, then applies the transaction to Velox's state. */
  async function runAndCompare(request: { to: Address | null; data: Hex; value?: bigint; gas?: bigint }) {
    const hash = await anvil.call('eth_sendTransaction', [
      {
        from: anvil.account,
        ...(request.to === null ? {} : { to: request.to }),
        data: request.data,
        value: quantity(request.value ?? 0n),
        gas: quantity(request.gas ?? GAS),
      },
    ])
    const receipt = await waitForReceipt(anvil, hash as Hex)
    const rpcTx = (await anvil.call('eth_getTransactionByHash', [hash])) as RpcTransaction
    const block = (await anvil.call('eth_getBlockByNumber', [receipt.blockNumber, false])) as RpcBlock
    const tx = evmTransactionOf(rpcTx)
    const options: ProcessTransactionOptions = {
      fork: FORK,
      block: blockContextOf(block),
      precompiles,
      blockGasAvailable: BigInt(block.gasLimit),
    }

    // Traced first, compared last: a difference must not leave Velox's state behind anvil's.
    const traces: [name: string, ours: unknown, anvils: unknown][] = []
    for (const [name, config] of Object.entries(CONFIGS)) {
      const position = {
        blockHash: block.hash,
        blockNumber: BigInt(block.number),
        transactionHash: hash as Hex,
        transactionIndex: 0,
      }
      const { result } = traceTransaction(
        new EvmState(base),
        tx,
        { ...options, position },
        parseTraceConfig(config),
      )
      // anvil answers flatCallTracer with {}: its trace_transaction gives the same Parity format.
      const anvils = name.startsWith('flatCallTracer')
        ? await anvil.call('trace_transaction', [hash])
        : await anvil.call('debug_traceTransaction', [hash, config])
      traces.push([name, result, anvils])
    }
    const state = new EvmState(base)
    const applied = processTransaction(state, tx, options)
    base.apply(state.changes())

    expect({ status: applied.status, gasUsed: applied.gasUsed }).toEqual({
      status: Number(receipt.status),
      gasUsed: BigInt(receipt.gasUsed),
    })
    for (const [name, ours, anvils] of traces) {
      if (name.startsWith('callTracer')) compareCallTraces(ours as CallFrameJson, anvils as CallFrameJson, tx)
      else if (name === 'prestate') comparePrestate(ours as PrestateJson, anvils as PrestateJson)
      else if (name === 'prestateDiff')
        comparePrestateDiff(ours as PrestateDiffJson, anvils as PrestateDiffJson)
      else if (name.startsWith('flatCallTracer'))
        compareFlatTraces(ours as FlatCallFrameJson[], anvils as FlatCallFrameJson[], tx)
      else if (name === 'fourByte')
        compareFourBytes(
          ours as Record<string, number>,
          anvils as Record<string, number>,
          traces.find(([config]) => config === 'callTracer')![1] as CallFrameJson,
        )
      else compareStructLogs(ours as StructLoggerResult, anvils as StructLoggerResult)
    }
    return receipt
  }

  it('deploys with a CREATE transaction', async () => {
    const receipt = await runAndCompare({ to: null, data: contracts.Probe.bytecode, value: 0x1000n })
    probe = receipt.contractAddress!
    expect(probe).toBeDefined()
  })

  it('a CREATE transaction whose constructor reverts with a reason', async () => {
    await runAndCompare({ to: null, data: contracts.Refuses.bytecode })
  })

  it('CREATE from a contract, with SSTORE', async () => {
    // A contract's first CREATE uses its nonce 1 (EIP-161).
    store = createAddress(probe, 1n)
    await runAndCompare({ to: probe, data: data('deploy', [5n]) })
  })

  it('CALL with SLOAD, SSTORE and logs', async () => {
    await runAndCompare({ to: probe, data: data('callSet', [store, 1n, 42n]) })
  })

  it('DELEGATECALL', async () => {
    await runAndCompare({ to: probe, data: data('delegateSet', [store, 2n, 43n]) })
  })

  it('STATICCALL', async () => {
    await runAndCompare({ to: probe, data: data('staticGet', [store, 1n]) })
  })

  it('CREATE2 with value', async () => {
    await runAndCompare({ to: probe, data: data('deploy2', [9n, salt]), value: 0x10n })
  })

  it('CREATE2 onto an existing contract: address collision', async () => {
    await runAndCompare({ to: probe, data: data('tryDeploy2', [9n, salt]) })
  })

  it('a revert with a reason, caught, after a log', async () => {
    await runAndCompare({ to: probe, data: data('catchRevert', [store]) })
  })

  it('a revert with a reason at the top, dropping the logs of a successful child', async () => {
    await runAndCompare({ to: probe, data: data('failOuter', [store]) })
  })

  it('a panic', async () => {
    await runAndCompare({ to: probe, data: data('panic', [0n]) })
  })

  it('out of gas in a child, caught', async () => {
    await runAndCompare({ to: probe, data: data('catchOutOfGas', [store]) })
  })

  it('out of gas at the top', async () => {
    await runAndCompare({ to: probe, data: data('spin'), gas: 60_000n })
  })

  it('a precompile', async () => {
    await runAndCompare({ to: probe, data: data('hash', ['0x68656c6c6f']) })
  })

  it('a CALL refused for insufficient balance', async () => {
    await runAndCompare({ to: probe, data: data('sendTooMuch', [receiver]) })
  })

  it('SELFDESTRUCT of a contract created in the same transaction', async () => {
    await runAndCompare({ to: probe, data: data('createAndDestroy', [beneficiary]), value: 0x77n })
  })

  it('SELFDESTRUCT of an older contract: only its balance moves', async () => {
    await runAndCompare({ to: probe, data: data('destroyOld', [store, beneficiary]) })
  })

  it('a plain transfer to a new account', async () => {
    await runAndCompare({ to: receiver, data: '0x', value: 1234n, gas: 21_000n })
  })
})

function compareCallTraces(actual: CallFrameJson, expected: CallFrameJson, tx: EvmTransaction): void {
  // geth's top frame gas is the transaction's gas limit (see ANVIL_DIFFERENCES).
  expect(actual.gas).toBe(quantity(tx.gasLimit))
  expect({ ...actual, gas: expected.gas }).toEqual(asGethCallFrame(expected, false))
}

/** anvil's frame with geth's error words, and without the logs geth drops (see ANVIL_DIFFERENCES). */
function asGethCallFrame(frame: CallFrameJson, parentFailed: boolean): CallFrameJson {
  const failed = parentFailed || frame.error !== undefined
  const { logs, calls, ...rest } = frame
  return {
    ...rest,
    ...(frame.error !== undefined ? { error: ANVIL_ERRORS[frame.error] ?? frame.error } : {}),
    ...(calls !== undefined ? { calls: calls.map((call) => asGethCallFrame(call, failed)) } : {}),
    ...(logs !== undefined && !failed ? { logs } : {}),
  }
}

function compareFlatTraces(
  actual: FlatCallFrameJson[],
  expected: FlatCallFrameJson[],
  tx: EvmTransaction,
): void {
  // geth's top frame has the transaction's gas limit and gas used; Parity's (anvil's) leave out
  // the intrinsic gas from both. A failed create has no address in geth's (see ANVIL_DIFFERENCES).
  // Errors Parity has no word for are revm's names in anvil's; a missing result is null there.
  expected = expected.map(({ result, ...frame }) => {
    if (frame.error !== undefined) frame.error = ANVIL_ERRORS[frame.error] ?? frame.error
    if (!result) return frame
    if (frame.type !== 'create' || frame.error === undefined) return { ...frame, result }
    const { address, ...rest } = result
    return { ...frame, result: rest }
  })
  const [ours, theirs] = [actual[0]!, expected[0]!]
  expect(ours.action.gas).toBe(quantity(tx.gasLimit))
  if (ours.result && theirs.result)
    expect(BigInt(ours.result.gasUsed!) - BigInt(theirs.result.gasUsed!)).toBe(
      tx.gasLimit - BigInt(theirs.action.gas!),
    )
  const top = {
    ...ours,
    action: { ...ours.action, gas: theirs.action.gas },
    ...(ours.result ? { result: { ...ours.result, gasUsed: theirs.result?.gasUsed } } : {}),
  }
  expect([top, ...actual.slice(1)]).toEqual(expected)
}

function compareFourBytes(
  actual: Record<string, number>,
  expected: Record<string, number>,
  calls: CallFrameJson,
): void {
  // anvil counts calls to precompiles, geth does not (see ANVIL_DIFFERENCES): take out of anvil's
  // counts those the callTracer saw.
  const counts = { ...expected }
  const frames = [calls]
  for (let frame = frames.pop(); frame; frame = frames.pop()) {
    frames.push(...(frame.calls ?? []))
    const to = frame.to === undefined ? 0n : BigInt(frame.to)
    if (frame.type === 'CALL' || frame.type === 'STATICCALL')
      if (to >= 1n && to <= 0x11n && frame.input.length >= 10) {
        const key = `${frame.input.slice(0, 10)}-${(frame.input.length - 10) / 2}`
        if (--counts[key]! === 0) delete counts[key]
      }
  }
  expect(actual).toEqual(counts)
}

function comparePrestate(actual: PrestateJson, expected: PrestateJson): void {
  // geth leaves out accounts empty before the transaction (see ANVIL_DIFFERENCES).
  const nonEmpty = Object.fromEntries(
    Object.entries(expected).filter(
      ([, account]) => account.nonce !== undefined || account.code !== undefined || account.balance !== '0x0',
    ),
  )
  expect(withoutCodeHashes(actual)).toEqual(nonEmpty)
}

function comparePrestateDiff(actual: PrestateDiffJson, expected: PrestateDiffJson): void {
  // geth's zero code hash of an account that is gone (see ANVIL_DIFFERENCES).
  const post = Object.fromEntries(
    Object.entries(actual.post).filter(
      ([address, account]) =>
        expected.post[address as Address] !== undefined ||
        JSON.stringify(account) !== JSON.stringify({ codeHash: ZERO_HASH }),
    ),
  )
  expect(withoutCodeHashes(post)).toEqual(expected.post)
  comparePrestate(actual.pre, expected.pre)
}

/** anvil reports no code hashes: check geth's against the code, then drop them. */
function withoutCodeHashes(accounts: PrestateJson): PrestateJson {
  return Object.fromEntries(
    Object.entries(accounts).map(([address, { codeHash, ...account }]) => {
      if (codeHash !== undefined && account.code !== undefined && account.code !== '0x')
        expect(codeHash).toBe(bytesToHex(keccak256(hexToBytes(account.code))))
      return [address, account]
    }),
  )
}

function compareStructLogs(actual: StructLoggerResult, expected: StructLoggerResult): void {
  expect({ gas: actual.gas, failed: actual.failed, returnValue: actual.returnValue }).toEqual({
    gas: expected.gas,
    failed: expected.failed,
    returnValue: expected.returnValue,
  })
  expect(actual.structLogs.length).toBe(expected.structLogs.length)
  const pick = (log: StructLogEntry | undefined) =>
    Object.fromEntries(
      STRUCT_LOG_FIELDS.filter((field) => log?.[field] !== undefined).map((f) => [f, log?.[f]]),
    )
  for (const [index, log] of expected.structLogs.entries()) {
    const ours = actual.structLogs[index]
    const theirs: StructLogEntry = { ...log }
    // anvil counts the gas a CREATE hands its frame (all but a 64th of what is left) in its cost.
    if ((log.op === 'CREATE' || log.op === 'CREATE2') && log.error === undefined && ours !== undefined) {
      const left = log.gas - ours.gasCost
      theirs.gasCost = log.gasCost - (left - Math.floor(left / 64))
    }
    if (log.error !== undefined) {
      const name = /^Some\((.*)\)$/.exec(log.error)?.[1] ?? log.error
      theirs.error = ANVIL_ERRORS[name] ?? name
      // geth's cost of a failed step is what it tried to charge, anvil's the gas that was left;
      // geth's storage shows the value a failed SSTORE meant to write, anvil's the value it kept.
      theirs.gasCost = ours?.gasCost ?? log.gasCost
      const storage = log.op === 'SSTORE' ? (ours?.storage ?? log.storage) : log.storage
      if (storage !== undefined) theirs.storage = storage
    }
    expect(pick(ours), `step ${index} (${log.op} at pc ${log.pc}, depth ${log.depth})`).toEqual(pick(theirs))
  }
}

function compile(): Record<'Probe' | 'Store' | 'Refuses', Compiled> {
  // solc-js is CommonJS with `export =` typings that name nothing precisely.
  const solc = createRequire(import.meta.url)('solc') as { compile: (input: string) => string }
  const output = JSON.parse(
    solc.compile(
      JSON.stringify({
        language: 'Solidity',
        sources: { 'Probe.sol': { content: SOURCE } },
        settings: {
          optimizer: { enabled: true, runs: 200 },
          evmVersion: 'cancun',
          outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
        },
      }),
    ),
  ) as {
    errors?: { severity: string; formattedMessage: string }[]
    contracts: Record<string, Record<string, { abi: Abi; evm: { bytecode: { object: string } } }>>
  }
  const errors = (output.errors ?? []).filter((error) => error.severity === 'error')
  if (errors.length > 0) throw new Error(errors.map((error) => error.formattedMessage).join('\n'))
  const pick = (name: string): Compiled => {
    const contract = output.contracts['Probe.sol']?.[name]
    if (!contract) throw new Error(`solc produced no ${name}`)
    return { abi: contract.abi, bytecode: `0x${contract.evm.bytecode.object}` }
  }
  return { Probe: pick('Probe'), Store: pick('Store'), Refuses: pick('Refuses') }
}

function evmTransactionOf(tx: RpcTransaction): EvmTransaction {
  if (tx.type !== '0x2') throw new Error(`expected an EIP-1559 transaction, got type ${tx.type}`)
  return {
    type: 2,
    sender: tx.from.toLowerCase() as Address,
    to: tx.to === null ? null : (tx.to.toLowerCase() as Address),
    nonce: BigInt(tx.nonce),
    gasLimit: BigInt(tx.gas),
    value: BigInt(tx.value),
    data: hexToBytes(tx.input),
    maxFeePerGas: BigInt(tx.maxFeePerGas!),
    maxPriorityFeePerGas: BigInt(tx.maxPriorityFeePerGas!),
    accessList: [],
    maxFeePerBlobGas: 0n,
    blobVersionedHashes: [],
    authorizationList: [],
  }
}

function blockContextOf(block: RpcBlock): BlockContext {
  return {
    number: BigInt(block.number),
    timestamp: BigInt(block.timestamp),
    coinbase: block.miner.toLowerCase() as Address,
    gasLimit: BigInt(block.gasLimit),
    baseFeePerGas: BigInt(block.baseFeePerGas),
    prevRandao: BigInt(block.mixHash),
    blobBaseFee: blobBaseFee(BigInt(block.excessBlobGas ?? '0x0'), FORK),
    chainId: 31337n,
    blockHash: () => 0n,
  }
}

function quantity(value: bigint): Hex {
  return `0x${value.toString(16)}`
}

type Anvil = {
  account: Address
  call: (method: string, params: unknown[]) => Promise<unknown>
  stop: () => Promise<void>
}

/** anvil on a free loopback port, in its own process group (the npm wrapper does not pass signals on). */
async function startAnvil(): Promise<Anvil> {
  const port = await freePort()
  const child = spawn(
    path.join(ROOT, 'node_modules/.bin/anvil'),
    ['--host', '127.0.0.1', '--port', String(port), '--hardfork', FORK, '--steps-tracing', '--silent'],
    { stdio: 'ignore', detached: true },
  )
  const url = `http://127.0.0.1:${port}`
  let id = 0
  const call = async (method: string, params: unknown[]): Promise<unknown> => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }),
    })
    const body = (await response.json()) as { result?: unknown; error?: { message: string } }
    if (body.error) throw new Error(`anvil ${method}: ${body.error.message}`)
    return body.result
  }
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    killGroup(child, 'SIGTERM')
    await exited
  }
  const deadline = Date.now() + START_TIMEOUT_MS
  for (;;) {
    if (child.exitCode !== null) throw new Error(`anvil exited with code ${child.exitCode}`)
    try {
      const [account] = (await call('eth_accounts', [])) as Address[]
      if (!account) throw new Error('anvil has no development account')
      return { account: account.toLowerCase() as Address, call, stop }
    } catch (error) {
      if (Date.now() > deadline) {
        killGroup(child, 'SIGKILL')
        throw error
      }
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
}

async function waitForReceipt(anvil: Anvil, hash: Hex): Promise<RpcReceipt> {
  const deadline = Date.now() + RECEIPT_TIMEOUT_MS
  for (;;) {
    const receipt = (await anvil.call('eth_getTransactionReceipt', [hash])) as RpcReceipt | null
    if (receipt) return receipt
    if (Date.now() > deadline) throw new Error(`anvil: no receipt for ${hash}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return
  try {
    process.kill(-child.pid, signal)
  } catch {
    // already gone
  }
}
