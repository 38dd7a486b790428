import type { Address, Hash, TransactionSerializable } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { beforeAll, describe, expect, it } from 'vitest'
import { EvmState } from '../evm/evmState.ts'
import { precompilesFor } from '../evm/precompiles/index.ts'
import { assembleBlock, type OpenBlock } from '../execution/assembleBlock.ts'
import { blobBaseFee } from '../execution/blobBaseFee.ts'
import { encodeBlock } from '../execution/blockCodec.ts'
import {
  type BlockHeader,
  encodeBlockHeader,
  headerFieldsForFork,
  ZERO_HASH,
} from '../execution/blockHeader.ts'
import { executableBlockOf, executeBlock, type RecoveredTransaction } from '../execution/executeBlock.ts'
import { intermediateRoots } from '../execution/intermediateRoots.ts'
import { AccessPredictor } from '../execution/parallel/accessPredictor.ts'
import { InProcessExecutorPool } from '../execution/parallel/executorPool.ts'
import { WorkerThreadPool } from '../execution/parallel/workerThreadPool.node.ts'
import { parseTraceConfig } from '../execution/tracing/parseTraceConfig.ts'
import { traceBlock } from '../execution/tracing/traceBlock.ts'
import { bytesToHex, hexToBytes } from '../primitives/hex.ts'
import { keccak256 } from '../primitives/keccak256.ts'
import { recoverSender } from '../primitives/recoverSender.ts'
import { decodeTransaction } from '../primitives/transaction.ts'
import { computeStateRoot } from '../state/computeStateRoot.ts'
import { MemoryState } from '../state/memoryState.ts'
import { StateTrie } from '../state/stateTrie.ts'
import { MemoryNodeStore } from '../state/trie/memoryNodeStore.ts'
import {
  commitBlockState,
  compressWitness,
  decodeWitness,
  decompressWitness,
  type ExecutionWitness,
  encodeWitness,
} from '../state/witness.ts'
import {
  intermediateRootsFromWitness,
  traceBlockFromWitness,
  traceTransactionFromWitness,
} from './traceFromWitness.ts'
import {
  BlockValidationError,
  decodeBlockToValidate,
  recoverBlockTransaction,
  type ValidationFailureKind,
  validateBlock,
  validateBlockParallel,
} from './validateBlock.ts'

const RULES = { chainId: 7077n, fork: 'prague' } as const
const signer = privateKeyToAccount(`0x${'42'.repeat(32)}`)
const SENDER = signer.address.toLowerCase() as Address
const CONTRACT: Address = '0x00000000000000000000000000000000000c0de0'
/** An account with nothing in it (pre-EIP-161 dust): a zero-value call deletes it. */
const EMPTY_ACCOUNT: Address = '0x00000000000000000000000000000000000e3e3e'
const NEW_ACCOUNT: Address = '0x00000000000000000000000000000000000f4e5f'
const COINBASE: Address = '0x00000000000000000000000000000000000c0ffe'
/**
 * slot0 += 1; SSTORE(calldata[0], 0) (clears a slot, folding its trie path);
 * slot2 = BLOCKHASH(NUMBER - 2) (needs the grandparent's header).
 */
const CONTRACT_CODE = hexToBytes('0x600054600101600055600060003555600243034060025500')
/** Init code: SSTORE(1, 7), then deploys the 4-byte runtime 0x60015400 (SLOAD(1)). */
const INIT_CODE = hexToBytes('0x600760015563600154006000526004601cf3')
const OTHERS = Array.from(
  { length: 200 },
  (_, i) => bytesToHex(keccak256(Uint8Array.of(i)).subarray(12)) as Address,
)

type Fixture = {
  /** The parent block's whole state, and BLOCKHASH's answers on the block's chain. */
  parentState: MemoryState
  blockHash: (number: bigint) => bigint
  block: Uint8Array
  header: BlockHeader
  witness: ExecutionWitness
  parentRoot: Hash
  postRoot: Hash
  transactions: Uint8Array[]
  /** Every node of the parent's state trie (and the block's). */
  store: MemoryNodeStore
}

async function signed(fields: Partial<TransactionSerializable> & { nonce: number }): Promise<Uint8Array> {
  return hexToBytes(
    await signer.signTransaction({
      chainId: Number(RULES.chainId),
      type: 'eip1559',
      maxFeePerGas: 10n ** 10n,
      maxPriorityFeePerGas: 10n ** 9n,
      gas: 200_000n,
      ...fields,
    } as TransactionSerializable),
  )
}

function headerOf(number: bigint, parentHash: Hash, stateRoot: Hash): ReturnType<typeof assembleBlock> {
  return assembleBlock(openBlock(number, parentHash), [], stateRoot)
}

function openBlock(number: bigint, parentHash: Hash): OpenBlock {
  return {
    number,
    parentHash,
    timestamp: 1_000n + number,
    baseFeePerGas: 10n ** 9n,
    gasLimit: 30_000_000n,
    coinbase: COINBASE,
    prevRandao: bytesToHex(keccak256(Uint8Array.of(Number(number)))),
    extraData: '0x',
    ...headerFieldsForFork(RULES.fork),
  }
}

/**
 * A parent state of 200 accounts, a contract with 32 slots and an empty account, committed to a
 * node store; then block 10 on it, built as the sequencer does: executed with full state, its
 * writes committed through commitBlockState, which gathers the witness.
 */
async function buildFixture(): Promise<Fixture> {
  const state = new MemoryState()
  state.setAccount(SENDER, { balance: 10n ** 20n })
  state.setAccount(EMPTY_ACCOUNT, {})
  for (const [i, address] of OTHERS.entries())
    state.setAccount(address, { balance: BigInt(i + 1), nonce: 1n })
  const slots = new Map<bigint, bigint>([[0n, 5n]])
  for (let slot = 10n; slot < 41n; slot++) slots.set(slot, slot * 3n)
  state.setAccount(CONTRACT, { code: CONTRACT_CODE, storage: slots, nonce: 1n })

  const store = new MemoryNodeStore()
  const parentTrie = new StateTrie(store)
  const everything = { accounts: new Map(), storage: new Map(), storageResets: new Set<Address>() }
  for (const [address, account] of state.entries()) {
    everything.accounts.set(address, account)
    everything.storage.set(address, account.storage)
  }
  parentTrie.apply(everything)
  const parentRoot = parentTrie.commit()
  expect(parentRoot).toBe(computeStateRoot(state.entries()))

  const grandparent = headerOf(8n, ZERO_HASH, ZERO_HASH)
  const parent = headerOf(9n, grandparent.hash, parentRoot)
  const transactions = [
    await signed({ nonce: 0, to: CONTRACT, data: bytesToHex(new Uint8Array(32).fill(17, 31)) }),
    await signed({ nonce: 1, to: NEW_ACCOUNT, value: 1n, gas: 21_000n }),
    await signed({ nonce: 2, to: EMPTY_ACCOUNT, value: 0n, gas: 21_000n }),
    await signed({ nonce: 3, data: bytesToHex(INIT_CODE) }),
    await signed({ nonce: 4, to: OTHERS[7], value: 3n, gas: 21_000n }),
  ]
  const recovered: RecoveredTransaction[] = transactions.map((raw) => {
    const tx = decodeTransaction(raw)
    return { ...tx, sender: recoverSender(tx) }
  })
  const open = openBlock(10n, parent.hash)
  const parentState = state.clone()
  const blockHash = (number: bigint) => BigInt(number === 8n ? grandparent.hash : parent.hash)
  const evmState = new EvmState(state)
  const execution = executeBlock(
    evmState,
    {
      ...open,
      blobBaseFee: blobBaseFee(0n, RULES.fork),
      parentBeaconBlockRoot: ZERO_HASH,
      transactions: recovered,
      withdrawals: [],
    },
    {
      fork: RULES.fork,
      chainId: RULES.chainId,
      precompiles: precompilesFor(RULES.fork),
      blockHash,
    },
  )
  expect(execution.executed.map((tx) => tx.status)).toEqual([1, 1, 1, 1, 1])
  const changes = evmState.changes()
  const { root, witness } = commitBlockState({
    store,
    parentRoot,
    reads: changes.reads,
    writes: changes,
    codeOf: (codeHash) => state.getCode(codeHash),
  })
  state.apply(changes)
  expect(root).toBe(computeStateRoot(state.entries()))
  expect(state.getAccount(EMPTY_ACCOUNT)).toBeUndefined()
  expect(state.getStorage(CONTRACT, 2n)).toBe(BigInt(grandparent.hash))

  const sealed = assembleBlock(
    open,
    transactions.map((raw, i) => ({ raw, executed: execution.executed[i]! })),
    root,
  )
  return {
    parentState,
    blockHash,
    block: encodeBlock(sealed.header, transactions, []),
    header: sealed.header,
    witness: {
      ...witness,
      headers: [encodeBlockHeader(parent.header), encodeBlockHeader(grandparent.header)],
    },
    parentRoot,
    postRoot: root,
    transactions,
    store,
  }
}

function failureOf(run: () => unknown): { kind: ValidationFailureKind; message: string } {
  try {
    run()
  } catch (error) {
    if (error instanceof BlockValidationError) return { kind: error.kind, message: error.message }
    throw error
  }
  throw new Error('the block validated')
}

describe('stateless validation of a block from its witness', () => {
  let fixture: Fixture
  beforeAll(async () => {
    fixture = await buildFixture()
  })

  it('validates a block that reads, writes, clears slots, deletes and creates accounts', () => {
    const report = validateBlock(fixture.block, fixture.witness, RULES)
    expect(report).toMatchObject({ number: 10n, stateRoot: fixture.postRoot, transactions: 5 })
    expect(report.witnessCodes).toBe(1)
    // A partial state: far fewer nodes than the 200-account parent trie holds.
    expect(fixture.witness.state.length).toBeLessThan(60)
  })

  it('validates a block its caller decoded and recovered the same as its RLP, and names a malformed one', () => {
    const block = decodeBlockToValidate(fixture.block)
    const transactions = block.transactions.map(recoverBlockTransaction)
    expect(validateBlock({ block, transactions }, fixture.witness, RULES)).toEqual(
      validateBlock(fixture.block, fixture.witness, RULES),
    )
    expect(() =>
      validateBlock({ block, transactions: transactions.slice(1) }, fixture.witness, RULES),
    ).toThrow("4 transactions given for the block's 5")
    expect(failureOf(() => decodeBlockToValidate(fixture.block.subarray(0, 40)))).toMatchObject({
      kind: 'malformed-block',
    })
    expect(failureOf(() => recoverBlockTransaction(Uint8Array.of(2, 0xc0), 3))).toMatchObject({
      kind: 'malformed-block',
      message: expect.stringMatching(/: transaction 3 does not decode or recover: rlp: /),
    })
  })

  it('traces the block from its witness alone as from the whole parent state, with each tracer', () => {
    const block = decodeBlockToValidate(fixture.block)
    const transactions = block.transactions.map(recoverBlockTransaction)
    for (const options of [
      {},
      { enableMemory: true, enableReturnData: true },
      { tracer: 'callTracer', tracerConfig: { withLog: true } },
      { tracer: 'prestateTracer' },
      { tracer: 'prestateTracer', tracerConfig: { diffMode: true } },
      { tracer: 'flatCallTracer' },
    ]) {
      const config = parseTraceConfig(options)
      const fromWitness = traceBlockFromWitness(block, transactions, fixture.witness, RULES, config)
      const fromState = traceBlock(
        new EvmState(fixture.parentState.clone()),
        executableBlockOf(block.header, transactions, block.withdrawals, RULES.fork),
        block.hash,
        { ...RULES, precompiles: precompilesFor(RULES.fork), blockHash: fixture.blockHash },
        config,
      )
      expect(fromWitness, JSON.stringify(options)).toEqual(fromState)
      expect(fromWitness).toHaveLength(5)
      // One transaction, after those before it: its entry of the block's trace.
      for (const [index, entry] of fromState.entries())
        expect(
          traceTransactionFromWitness(block, transactions, index, fixture.witness, RULES, config),
          `${JSON.stringify(options)} transaction ${index}`,
        ).toEqual(entry.result)
    }
    // A witness without the contract's code cannot trace the call into it.
    expect(
      failureOf(() =>
        traceBlockFromWitness(
          block,
          transactions,
          { ...fixture.witness, codes: [] },
          RULES,
          parseTraceConfig({}),
        ),
      ),
    ).toMatchObject({ kind: 'missing-code' })
  })

  it("gives each transaction's state root from the witness alone as from the whole parent state", () => {
    const block = decodeBlockToValidate(fixture.block)
    const transactions = block.transactions.map(recoverBlockTransaction)
    const fromWitness = intermediateRootsFromWitness(block, transactions, fixture.witness, RULES)
    const fromState = intermediateRoots(
      new EvmState(fixture.parentState.clone()),
      new StateTrie(fixture.store, fixture.parentRoot),
      executableBlockOf(block.header, transactions, block.withdrawals, RULES.fork),
      { ...RULES, precompiles: precompilesFor(RULES.fork), blockHash: fixture.blockHash },
    )
    expect(fromWitness).toEqual(fromState)
    expect(fromWitness).toHaveLength(5)
    expect(new Set(fromWitness).size).toBe(5)
    expect(fromWitness.at(-1)).toBe(fixture.postRoot)
    // Without a node its execution reads, it names the missing node rather than guess a root.
    expect(
      failureOf(() =>
        intermediateRootsFromWitness(
          block,
          transactions,
          { ...fixture.witness, state: fixture.witness.state.slice(0, -1) },
          RULES,
        ),
      ).kind,
    ).toBe('missing-node')
  })

  it('round-trips the witness through its stored form (RLP, gzip)', async () => {
    const compressed = await compressWitness(encodeWitness(fixture.witness))
    const decoded = decodeWitness(await decompressWitness(compressed))
    expect(decoded).toEqual(fixture.witness)
    expect(validateBlock(fixture.block, decoded, RULES).stateRoot).toBe(fixture.postRoot)
  })

  it('fails on every trie node left out: never a pass', () => {
    for (const [index] of fixture.witness.state.entries()) {
      const witness = { ...fixture.witness, state: fixture.witness.state.filter((_, i) => i !== index) }
      const { kind } = failureOf(() => validateBlock(fixture.block, witness, RULES))
      // A node with children in the witness leaves them unreachable; a leaf is simply missing.
      expect(['missing-node', 'tampered-node']).toContain(kind)
    }
  })

  it('names a missing leaf as a missing node', () => {
    // The last node recorded has no children in the witness: they would have been read after it.
    const missing = fixture.witness.state[fixture.witness.state.length - 1]!
    const witness = { ...fixture.witness, state: fixture.witness.state.slice(0, -1) }
    const failure = failureOf(() => validateBlock(fixture.block, witness, RULES))
    expect(failure.kind).toBe('missing-node')
    expect(failure.message).toContain(bytesToHex(keccak256(missing)))
  })

  it('names a tampered value as a tampered node', () => {
    // Flip one byte inside the last node's payload (an account or storage value).
    const state = fixture.witness.state.map((node) => node.slice())
    const node = state[state.length - 1]!
    node[node.length - 2]! ^= 1
    const failure = failureOf(() => validateBlock(fixture.block, { ...fixture.witness, state }, RULES))
    expect(failure.kind).toBe('tampered-node')
  })

  it('names altered code as wrong code, and absent code as missing code', () => {
    const altered = fixture.witness.codes.map((code) => code.slice())
    altered[0]![0] = 0x61
    expect(
      failureOf(() => validateBlock(fixture.block, { ...fixture.witness, codes: altered }, RULES)).kind,
    ).toBe('wrong-code')
    expect(failureOf(() => validateBlock(fixture.block, { ...fixture.witness, codes: [] }, RULES)).kind).toBe(
      'missing-code',
    )
  })

  it('names a wrong state root, and a wrong receipts root', () => {
    const wrongRoot = encodeBlock(
      { ...fixture.header, stateRoot: `0x${'11'.repeat(32)}` },
      fixture.transactions,
      [],
    )
    const failure = failureOf(() => validateBlock(wrongRoot, fixture.witness, RULES))
    expect(failure.kind).toBe('state-root-mismatch')
    expect(failure.message).toContain(fixture.postRoot)
    const wrongReceipts = encodeBlock(
      { ...fixture.header, receiptsRoot: `0x${'22'.repeat(32)}` },
      fixture.transactions,
      [],
    )
    expect(failureOf(() => validateBlock(wrongReceipts, fixture.witness, RULES)).kind).toBe('header-mismatch')
  })

  it('fails when a transaction was swapped for another', async () => {
    const other = await signed({ nonce: 4, to: OTHERS[8], value: 3n, gas: 21_000n })
    const transactions = [...fixture.transactions.slice(0, 4), other]
    const block = encodeBlock(fixture.header, transactions, [])
    // The new recipient is not in the witness; were it, the transactions root would not match.
    expect(['missing-node', 'header-mismatch']).toContain(
      failureOf(() => validateBlock(block, fixture.witness, RULES)).kind,
    )
  })

  it('names a missing parent or BLOCKHASH ancestor as a missing header', () => {
    const [parent, grandparent] = fixture.witness.headers
    expect(
      failureOf(() => validateBlock(fixture.block, { ...fixture.witness, headers: [grandparent!] }, RULES))
        .kind,
    ).toBe('missing-header')
    const failure = failureOf(() =>
      validateBlock(fixture.block, { ...fixture.witness, headers: [parent!] }, RULES),
    )
    expect(failure).toMatchObject({ kind: 'missing-header' })
    expect(failure.message).toContain('BLOCKHASH(8)')
  })

  it('validates the same in parallel, each executor given a slice of the witness', async () => {
    const RUNS_TO_LEARN = 6
    const serial = validateBlock(fixture.block, fixture.witness, RULES)
    const predictor = new AccessPredictor()
    for (const pool of [new InProcessExecutorPool(2), new WorkerThreadPool(1)]) {
      try {
        // Each run teaches the predictor at least the next slot a transaction missed; by the last
        // it knows them all, and the executors' results are used.
        for (let run = 0; run < RUNS_TO_LEARN; run++) {
          const { partition, ...report } = await validateBlockParallel(
            fixture.block,
            fixture.witness,
            RULES,
            {
              pool,
              predictor,
              alwaysDispatch: true,
            },
          )
          expect(report).toEqual(serial)
          expect(partition.groups).toBeGreaterThan(0)
          if (run === RUNS_TO_LEARN - 1) expect(partition.accepted).toBe(fixture.transactions.length)
        }
      } finally {
        await pool.close()
      }
    }
  })

  it('fails in parallel as serially on every trie node left out', async () => {
    const pool = new InProcessExecutorPool(2)
    const predictor = new AccessPredictor()
    for (const [index] of fixture.witness.state.entries()) {
      const witness = { ...fixture.witness, state: fixture.witness.state.filter((_, i) => i !== index) }
      const serial = failureOf(() => validateBlock(fixture.block, witness, RULES))
      const parallel = await validateBlockParallel(fixture.block, witness, RULES, {
        pool,
        predictor,
        alwaysDispatch: true,
      }).then(
        () => ({ kind: 'passed' as const, message: '' }),
        (error: unknown) => {
          if (error instanceof BlockValidationError) return { kind: error.kind, message: error.message }
          throw error
        },
      )
      expect(parallel.kind).toBe(serial.kind)
    }
  })
})
