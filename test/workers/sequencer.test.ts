/**
 * Inside workerd: the RPC worker's routes and the sequencer Durable Object, including a restart
 * between mini-blocks that must lose nothing acknowledged, and what follows a seal: R2, D1, the validator.
 */
import { abortAllDurableObjects, env, runDurableObjectAlarm, runInDurableObject, SELF } from 'cloudflare:test'
import { type Hex, parseGwei } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import genesis from '../../config/genesis.dev.json'
import { parseChainConfig } from '../../src/execution/chainConfig.ts'
import { hexToBytes } from '../../src/primitives/hex.ts'
import { checkRawTransaction } from '../../src/rpc/checkRawTransaction.ts'
import { computeStateRoot } from '../../src/state/computeStateRoot.ts'
import { witnessFromJson } from '../../src/state/witness.ts'
import { validateBlock } from '../../src/validator/validateBlock.ts'
import { SEQUENCER_NAME } from '../../workers/rpc/workersBackend.ts'
import { type ChainStore, STATE_WRITTEN_THROUGH } from '../../workers/sequencer/chainStore.ts'
import type { SubmitOutcome } from '../../workers/sequencer/sequencer.ts'
import { VALIDATOR_NAME, witnessKey } from '../../workers/sequencer/witnessObjects.ts'

const CHAIN_ID = 7077
// anvil's first two development keys (the genesis funds them).
const alice = privateKeyToAccount('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80')
const bob = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d')

async function call(method: string, params: unknown[] = [], path = '/') {
  const response = await SELF.fetch(`http://velox${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  })
  return (await response.json()) as {
    result?: any
    error?: { code: number; message: string; data?: unknown }
  }
}

async function nextNonce(): Promise<number> {
  return Number((await call('eth_getTransactionCount', [alice.address, 'pending'])).result)
}

/** One of alice's transactions, signed with the fees every test here pays. */
function signFromAlice(
  nonce: number,
  fields: { to?: Hex; value?: bigint; data?: Hex; gas: bigint },
): Promise<Hex> {
  return alice.signTransaction({
    chainId: CHAIN_ID,
    type: 'eip1559',
    nonce,
    ...fields,
    maxFeePerGas: parseGwei('3'),
    maxPriorityFeePerGas: parseGwei('0.001'),
  })
}

function transfer(nonce: number, value = 1_000n): Promise<Hex> {
  return signFromAlice(nonce, { to: bob.address, value, gas: 21_000n })
}

/**
 * The state root computed from scratch from the history tables (each account's and slot's newest
 * row): the reference.
 */
function fullStateRoot(sql: SqlStorage): Hex {
  const storage = new Map<string, Map<bigint, bigint>>()
  for (const row of sql.exec<{ address: string; slot: string; value: string }>(
    `SELECT address, slot, value FROM storage_history AS newest
     WHERE block_number = (SELECT MAX(block_number) FROM storage_history
                           WHERE address = newest.address AND slot = newest.slot)`,
  )) {
    let slots = storage.get(row.address)
    if (!slots) storage.set(row.address, (slots = new Map()))
    slots.set(BigInt(row.slot), BigInt(row.value))
  }
  const accounts = sql
    .exec<{ address: string; nonce: string; balance: string; code_hash: string }>(
      `SELECT address, nonce, balance, code_hash FROM account_history AS newest
       WHERE block_number = (SELECT MAX(block_number) FROM account_history WHERE address = newest.address)
         AND nonce IS NOT NULL`,
    )
    .toArray()
  return computeStateRoot(
    accounts.map((row) => [
      row.address as Hex,
      {
        nonce: BigInt(row.nonce),
        balance: BigInt(row.balance),
        codeHash: row.code_hash as Hex,
        storage: storage.get(row.address) ?? new Map(),
      },
    ]),
  )
}

/** The last block whose history rows are all in SQLite (the sequencer's meta). */
function stateWrittenThrough(sql: SqlStorage): bigint | undefined {
  const row = sql
    .exec<{ value: string }>(`SELECT value FROM meta WHERE key = '${STATE_WRITTEN_THROUGH}'`)
    .toArray()[0]
  return row && BigInt(row.value)
}

/**
 * fullStateRoot once the newest sealed block's history rows are in SQLite: the sequencer writes
 * them in turns after its seal.
 */
async function writtenStateRoot(): Promise<Hex> {
  const head = BigInt((await latestBlock()).number)
  for (let i = 0; i < 50; i++) {
    const root = await runInDurableObject(sequencerStub(), (_, state) => {
      const writtenThrough = stateWrittenThrough(state.storage.sql)
      return writtenThrough !== undefined && writtenThrough >= head
        ? fullStateRoot(state.storage.sql)
        : undefined
    })
    if (root) return root
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`block ${head}'s history rows were not written`)
}

/** Block `number` checked from debug_getRawBlock and debug_executionWitness alone. */
async function validateSealed(number: bigint) {
  const quantity = `0x${number.toString(16)}`
  const raw = (await call('debug_getRawBlock', [quantity])).result as Hex
  const witness = witnessFromJson((await call('debug_executionWitness', [quantity])).result)
  return validateBlock(hexToBytes(raw), witness, { chainId: BigInt(CHAIN_ID), fork: 'prague' })
}

/** Init code that deploys a counter: runtime 0x60005460010160005500, SSTORE(0, SLOAD(0) + 1). */
const COUNTER_INITCODE: Hex = '0x600a600c600039600a6000f360005460010160005500'

/** Sends one of alice's transactions and waits for its receipt, which must be a success. */
async function sendFromAlice(fields: { to?: Hex; data?: Hex; gas: bigint }): Promise<any> {
  const raw = await signFromAlice(await nextNonce(), fields)
  const receipt = (await call('eth_sendRawTransactionSync', [raw])).result
  expect(receipt?.status).toBe('0x1')
  return receipt
}

/** Backdates the sequencer's open block, so that its next alarm seals it. */
function makeOpenBlockDue(sequencer: unknown): void {
  ;(sequencer as { open: { openedAtMs: number } }).open.openedAtMs = 0
}

/** The sequencer's stub, new at each call: an aborted object's old stubs stay broken. */
const sequencerStub = () => env.SEQUENCER.get(env.SEQUENCER.idFromName(SEQUENCER_NAME))

/** Runs the sequencer's alarm every 100 ms until `done` holds, at most `tries` times. */
async function alarmsUntil(done: () => Promise<boolean>, tries = 60): Promise<void> {
  for (let i = 0; i < tries && !(await done()); i++) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    await runDurableObjectAlarm(sequencerStub())
  }
}

/** The newest sealed block's header. */
const latestBlock = async () => (await call('eth_getBlockByNumber', ['latest', false])).result

/** A counter contract (slot 0 += 1 on every call), deployed: its address. */
async function deployCounter(): Promise<Hex> {
  return (await sendFromAlice({ data: COUNTER_INITCODE, gas: 100_000n })).contractAddress
}

/** One call of the counter: its receipt. */
const bumpCounter = (counter: Hex) => sendFromAlice({ to: counter, gas: 50_000n })

describe('RPC routes', () => {
  it('serves JSON-RPC at / and /rpc', async () => {
    expect((await call('eth_chainId')).result).toBe('0x1ba5')
    expect((await call('eth_chainId', [], '/rpc')).result).toBe('0x1ba5')
  })
  it('answers a notification with nothing', async () => {
    const response = await SELF.fetch('http://velox/', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', method: 'eth_chainId' }),
    })
    expect(response.status).toBe(200)
    expect(await response.text()).toBe('')
  })
  it('refuses a body over 5 MiB with HTTP 413', async () => {
    const response = await SELF.fetch('http://velox/', {
      method: 'POST',
      body: 'x'.repeat(5 * 1024 * 1024 + 1),
    })
    expect(response.status).toBe(413)
  })
})

describe('the time cap of eth_call and its kin (geth RPCEVMTimeout, as a work budget)', () => {
  /** JUMPDEST PUSH0 JUMP: loops until the gas cap is spent, given to an account by a state override. */
  const LOOPER = '0x000000000000000000000000000000000000100f'
  const loop = { [LOOPER]: { code: '0x5b5f56' } }
  const setCallWorkUnits = (units: number) =>
    runInDurableObject(sequencerStub(), (instance) => {
      const previous = (instance as unknown as { callWorkUnits: number }).callWorkUnits
      ;(instance as unknown as { callWorkUnits: number }).callWorkUnits = units
      return previous
    })

  it('answers a call past its budget with -32000 and geth’s message', async () => {
    // The budget of 5 s of work, cut to a few thousand steps so that the loop hits it at once.
    const full = await setCallWorkUnits(50_000)
    try {
      const timeout = { code: -32000, message: 'execution aborted (timeout = 5s)' }
      expect((await call('eth_call', [{ to: LOOPER }, 'latest', loop])).error).toEqual(timeout)
      expect((await call('eth_estimateGas', [{ to: LOOPER }, 'latest', loop])).error).toEqual(timeout)
      // eth_callMany's messages share one budget: past it the request fails, as Erigon's does.
      const many = await call('eth_callMany', [[{ transactions: [{ to: LOOPER }] }], {}, loop])
      expect(many.error).toEqual(timeout)
    } finally {
      await setCallWorkUnits(full)
    }
    // A trace's timeout is its own (geth's words for it: "execution timeout"); the clock stands still here.
    const trace = await call('debug_traceCall', [
      { to: LOOPER },
      'latest',
      { tracer: 'callTracer', timeout: '1ms', stateOverrides: loop },
    ])
    expect(trace.error).toEqual({ code: -32000, message: 'execution timeout' })
  })
})

describe('Sequencer Durable Object', () => {
  it('executes a transfer and returns its receipt synchronously', async () => {
    const nonce = await nextNonce()
    const answer = await call('eth_sendRawTransactionSync', [await transfer(nonce)])
    expect(answer.error).toBeUndefined()
    expect(answer.result.status).toBe('0x1')
    expect(answer.result.gasUsed).toBe('0x5208')
    expect(Number((await call('eth_getTransactionCount', [alice.address, 'latest'])).result)).toBe(nonce + 1)
    // The sync answer is formatted from the execution; a read formats the stored row. Same receipt,
    // unless the block was sealed in between (its hash then replaces the unsealed one).
    const read = (await call('eth_getTransactionReceipt', [answer.result.transactionHash])).result
    expect({ ...answer.result, blockHash: read.blockHash }).toEqual(read)
  })

  it('bounds debug_getModifiedAccountsByNumber at 128 blocks between its two states', async () => {
    let head = BigInt((await latestBlock()).number)
    while (head < 130n) {
      await runInDurableObject(sequencerStub(), (instance) => makeOpenBlockDue(instance))
      await runDurableObjectAlarm(sequencerStub())
      head = BigInt((await latestBlock()).number)
    }
    const modified = (start: bigint) =>
      call('debug_getModifiedAccountsByNumber', [Number(start), Number(head)])
    expect((await modified(head - 128n)).error).toBeUndefined()
    expect((await modified(head - 129n)).error).toEqual({
      code: -32000,
      message: 'too many blocks between start and end: at most 128',
    })
    // 130 seals, each with its alarm's indexing and upload: 4.6–5.0 s here, past the 5 s default.
  }, 30_000)

  it("admits a sender's synchronous transactions that came together out of nonce order", async () => {
    const nonce = await nextNonce()
    const config = parseChainConfig(env, { blockGasLimit: BigInt(genesis.gasLimit) })
    const later = checkRawTransaction(await transfer(nonce + 1), config)
    const first = checkRawTransaction(await transfer(nonce), config)
    const sequencer = env.SEQUENCER.get(env.SEQUENCER.idFromName(SEQUENCER_NAME))
    // One call, as the edge's batcher makes it, carrying nonce + 1 before nonce.
    const outcomes = (await sequencer.submit([later, first], 5_000)) as SubmitOutcome[]
    const receipts = outcomes.map((outcome) => (outcome.ok ? outcome.receipt : undefined))
    expect(outcomes.map((outcome) => outcome.ok)).toEqual([true, true])
    expect(receipts.map((receipt) => receipt?.transactionHash)).toEqual([later.hash, first.hash])
    expect(Number(receipts[0]!.transactionIndex)).toBeGreaterThan(Number(receipts[1]!.transactionIndex))
    expect(Number((await call('eth_getTransactionCount', [alice.address, 'latest'])).result)).toBe(nonce + 2)
  })

  it("admits a sender's synchronous transactions that came in separate calls out of nonce order", async () => {
    const nonce = await nextNonce()
    const config = parseChainConfig(env, { blockGasLimit: BigInt(genesis.gasLimit) })
    const later = checkRawTransaction(await transfer(nonce + 1), config)
    const first = checkRawTransaction(await transfer(nonce), config)
    const sequencer = env.SEQUENCER.get(env.SEQUENCER.idFromName(SEQUENCER_NAME))
    // Two calls, as two connections bring them: nonce + 1 waits behind the gap until nonce comes.
    const laterOutcome = sequencer.submit([later], 5_000) as Promise<SubmitOutcome[]>
    await new Promise((resolve) => setTimeout(resolve, 20))
    const [firstAnswer] = (await sequencer.submit([first], 5_000)) as SubmitOutcome[]
    const [laterAnswer] = await laterOutcome
    expect([firstAnswer, laterAnswer].map((outcome) => outcome!.ok && outcome!.receipt?.status)).toEqual([
      '0x1',
      '0x1',
    ])
    expect(Number((await call('eth_getTransactionCount', [alice.address, 'latest'])).result)).toBe(nonce + 2)
  })

  it('refuses a synchronous send still behind a nonce gap after its grace, and drops it', async () => {
    const nonce = await nextNonce()
    const config = parseChainConfig(env, { blockGasLimit: BigInt(genesis.gasLimit) })
    const gapped = checkRawTransaction(await transfer(nonce + 3), config)
    const sequencer = env.SEQUENCER.get(env.SEQUENCER.idFromName(SEQUENCER_NAME))
    const started = Date.now()
    const [outcome] = (await sequencer.submit([gapped], 5_000)) as SubmitOutcome[]
    expect(outcome).toEqual({
      ok: false,
      rejection: { code: 6, message: `nonce gap: expected nonce ${nonce}`, data: `0x${nonce.toString(16)}` },
    })
    // The grace (100 ms), not the sync timeout (5 s).
    expect(Date.now() - started).toBeLessThan(2_000)
    expect((await call('eth_getTransactionByHash', [gapped.hash])).result).toBeNull()
    expect((await call('txpool_status')).result).toEqual({ pending: '0x0', queued: '0x0' })
  })

  it('survives a restart with the chain and the mempool intact', async () => {
    const nonce = await nextNonce()
    const first = await call('eth_sendRawTransactionSync', [await transfer(nonce, 5n)])
    expect(first.error).toBeUndefined()
    // Nonce + 2 waits behind a gap: it is acknowledged, so it must survive the restart.
    const gapped = await transfer(nonce + 2, 7n)
    const gappedHash = (await call('eth_sendRawTransaction', [gapped])).result as Hex
    expect(gappedHash).toMatch(/^0x[0-9a-f]{64}$/)
    const bobBefore = BigInt((await call('eth_getBalance', [bob.address, 'latest'])).result)
    const headBefore = BigInt((await call('eth_blockNumber')).result)

    await abortAllDurableObjects()

    expect(BigInt((await call('eth_getBalance', [bob.address, 'latest'])).result)).toBe(bobBefore)
    expect(BigInt((await call('eth_blockNumber')).result)).toBeGreaterThanOrEqual(headBefore)
    const pooled = await call('eth_getTransactionByHash', [gappedHash])
    expect(pooled.result?.blockNumber).toBeNull()
    expect(await nextNonce()).toBe(nonce + 1)

    // Filling the gap executes both.
    const filler = await call('eth_sendRawTransactionSync', [await transfer(nonce + 1, 11n)])
    expect(filler.error).toBeUndefined()
    let receipt = (await call('eth_getTransactionReceipt', [gappedHash])).result
    for (let i = 0; i < 50 && !receipt; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20))
      receipt = (await call('eth_getTransactionReceipt', [gappedHash])).result
    }
    expect(receipt?.status).toBe('0x1')
    expect(BigInt((await call('eth_getBalance', [bob.address, 'latest'])).result)).toBe(bobBefore + 11n + 7n)
  })

  it('commits the state trie with each sealed block, and resumes it after a restart', async () => {
    /** Waits for `block` to be sealed; answers its state root next to one computed from every account. */
    const sealAndCompare = async (block: bigint) => {
      await alarmsUntil(async () => BigInt((await latestBlock()).number) >= block)
      const sealed = await latestBlock()
      expect(BigInt(sealed.number)).toBeGreaterThanOrEqual(block)
      return { sealed: sealed.stateRoot as Hex, expected: await writtenStateRoot() }
    }
    const nonce = await nextNonce()
    const first = await call('eth_sendRawTransactionSync', [await transfer(nonce, 3n)])
    expect(first.error).toBeUndefined()
    const before = await sealAndCompare(BigInt(first.result.blockNumber))
    expect(before.sealed).toBe(before.expected)

    // A transfer executed into the open block, then a restart before it is sealed: the trie comes
    // back from its stored nodes plus the open block's changes.
    const second = await call('eth_sendRawTransactionSync', [await transfer(nonce + 1, 4n)])
    expect(second.error).toBeUndefined()
    await abortAllDurableObjects()
    const after = await sealAndCompare(BigInt(second.result.blockNumber))
    expect(after.sealed).toBe(after.expected)
    expect(after.sealed).not.toBe(before.sealed)
    // Its witness was gathered across the restart (read keys are persisted): it validates alone.
    const report = await validateSealed(BigInt(second.result.blockNumber))
    expect(report.stateRoot).toBe(after.sealed)
    expect(report.transactions).toBeGreaterThanOrEqual(1)
  })

  it('crashes in the middle of a seal and loses nothing: the block seals again, identical and valid', async () => {
    // A counter: slot 0 += 1 on every call, so contract storage is in the block.
    const counter = await deployCounter()
    const bump = await bumpCounter(counter)
    const block = BigInt(bump.blockNumber)
    const headBefore = BigInt((await call('eth_blockNumber')).result)
    expect(headBefore).toBeLessThan(block)

    // The seal's storage transaction fails after the trie nodes, root and header are written.
    await runInDurableObject(sequencerStub(), (instance) => {
      const store = (instance as unknown as { store: { insertOutboxWitness: () => void } }).store
      store.insertOutboxWitness = () => {
        throw new Error('injected crash in the middle of a seal')
      }
      makeOpenBlockDue(instance)
    })
    await expect(runDurableObjectAlarm(sequencerStub())).rejects.toThrow()
    await abortAllDurableObjects()

    // Nothing of the failed seal remains; the executed transactions are still there, unsealed.
    expect(BigInt((await call('eth_blockNumber')).result)).toBe(headBefore)
    const receipt = (await call('eth_getTransactionReceipt', [bump.transactionHash])).result
    expect(receipt?.status).toBe('0x1')
    expect(BigInt((await call('eth_getStorageAt', [counter, '0x0', 'latest'])).result)).toBe(1n)

    const sealedBlock = async () =>
      (await call('eth_getBlockByNumber', [`0x${block.toString(16)}`, false])).result
    await alarmsUntil(async () => Boolean(await sealedBlock()))
    const sealed = await sealedBlock()
    expect(sealed).toBeTruthy()
    const expected = await writtenStateRoot()
    // Blocks sealed after it are empty: the flat state is still the state it committed to.
    expect(sealed.stateRoot).toBe(expected)
    const report = await validateSealed(block)
    expect(report.stateRoot).toBe(sealed.stateRoot)
    expect(report.hash).toBe(sealed.hash)
  })

  it('indexes every transaction of a block executed across a restart, and of the blocks after it', async () => {
    const indexedHashes = async (block: bigint) =>
      (
        await env.INDEX_DB.prepare(
          'SELECT hash FROM transactions WHERE block_number = ? ORDER BY transaction_index',
        )
          .bind(Number(block))
          .all<{ hash: string }>()
      ).results.map((row) => row.hash)
    const sealNow = async () => {
      await runInDurableObject(sequencerStub(), (instance) => makeOpenBlockDue(instance))
      await runDurableObjectAlarm(sequencerStub())
    }
    // Both halves must land in one block: a seal between them (its alarm is due each second) means
    // trying again in the next block.
    let before: any
    let after: any
    for (let attempt = 0; attempt < 3; attempt++) {
      await sealNow()
      before = await sendFromAlice({ to: bob.address, gas: 21_000n })
      await abortAllDurableObjects()
      after = await sendFromAlice({ to: bob.address, gas: 21_000n })
      if (after.blockNumber === before.blockNumber) break
    }
    expect(after.blockNumber).toBe(before.blockNumber)
    await sealNow()
    expect(await indexedHashes(BigInt(after.blockNumber))).toEqual([
      before.transactionHash,
      after.transactionHash,
    ])

    // The next block is built and sealed by this object alone.
    const next = await sendFromAlice({ to: bob.address, gas: 21_000n })
    await sealNow()
    expect(await indexedHashes(BigInt(next.blockNumber))).toContain(next.transactionHash)
  })

  it('takes over an open block stored before the state log, and seals it whole and valid', async () => {
    const counter = await deployCounter()
    const bump = await bumpCounter(counter)
    const block = BigInt(bump.blockNumber)
    expect(BigInt((await call('eth_blockNumber')).result)).toBeLessThan(block)
    // Sealed blocks all written (as an earlier Velox wrote them in their seals); then the open block
    // stored as it stored it: each execution's history rows written as it ran, its read keys in
    // their own table, no state log.
    await writtenStateRoot()
    await runInDurableObject(sequencerStub(), (instance, state) => {
      const sql = state.storage.sql
      const store = (instance as unknown as { store: ChainStore }).store
      const word = (value: bigint) => `0x${value.toString(16).padStart(64, '0')}`
      sql.exec(
        'CREATE TABLE block_reads (block_number INTEGER NOT NULL, key TEXT NOT NULL, PRIMARY KEY (block_number, key)) WITHOUT ROWID',
      )
      const logged = store.loggedStateChanges(block)
      expect(logged.length).toBeGreaterThan(0)
      for (const { storage, accounts, readKeys } of logged) {
        for (const [address, slots] of storage)
          for (const [slot, value] of slots)
            sql.exec(
              'INSERT OR REPLACE INTO storage_history (address, slot, block_number, value) VALUES (?, ?, ?, ?)',
              address,
              word(slot),
              Number(block),
              word(value),
            )
        store.writeAccounts(accounts, block)
        for (const key of readKeys)
          sql.exec('INSERT OR IGNORE INTO block_reads (block_number, key) VALUES (?, ?)', Number(block), key)
      }
      sql.exec('DELETE FROM state_log WHERE block_number = ?', Number(block))
      sql.exec(`DELETE FROM meta WHERE key = '${STATE_WRITTEN_THROUGH}'`)
    })
    await abortAllDurableObjects()

    // The restarted object folds the block's rows and read keys into its log, and seals it.
    expect(BigInt((await call('eth_getStorageAt', [counter, '0x0', 'pending'])).result)).toBe(1n)
    await alarmsUntil(async () => BigInt((await latestBlock()).number) >= block)
    const sealed = (await call('eth_getBlockByNumber', [bump.blockNumber, false])).result
    expect(sealed.stateRoot).toBe(await writtenStateRoot())
    // Its witness holds what the block read before the restart: it validates alone.
    const report = await validateSealed(block)
    expect(report.stateRoot).toBe(sealed.stateRoot)
    expect(
      await runInDurableObject(sequencerStub(), (_, state) =>
        state.storage.sql.exec("SELECT name FROM sqlite_master WHERE name = 'block_reads'").toArray(),
      ),
    ).toEqual([])
  })

  it('restarts before a sealed block’s trie nodes are written, and rebuilds them from its history', async () => {
    const storedNodes = (sql: SqlStorage, hash: Hex) =>
      sql
        .exec<{ count: number }>(
          'SELECT count(*) AS count FROM trie_nodes WHERE hash = ?',
          hexToBytes(hash).slice().buffer,
        )
        .one().count
    // A new contract and a slot written: the block changes an account's code and a storage trie.
    const counter = await deployCounter()
    const bump = await bumpCounter(counter)
    const block = BigInt(bump.blockNumber)
    expect(BigInt((await call('eth_blockNumber')).result)).toBeLessThan(block)

    // The block seals, and the turns that would write its trie nodes (and history rows) afterwards never run.
    await runInDurableObject(sequencerStub(), (instance) => {
      ;(instance as unknown as { schedulePostSealWrites: () => void }).schedulePostSealWrites = () => {}
      makeOpenBlockDue(instance)
    })
    await runDurableObjectAlarm(sequencerStub())
    const tag = `0x${block.toString(16)}`
    const sealed = (await call('eth_getBlockByNumber', [tag, false])).result
    expect(sealed).toBeTruthy()
    expect(
      await runInDurableObject(sequencerStub(), (_, state) =>
        storedNodes(state.storage.sql, sealed.stateRoot),
      ),
    ).toBe(0)
    // Meanwhile its nodes are served from memory, and its state from its logged changes.
    expect((await call('eth_getProof', [counter, ['0x0'], tag])).result.storageProof[0].value).toBe('0x1')
    const writtenThrough = () =>
      runInDurableObject(sequencerStub(), (_, state) => stateWrittenThrough(state.storage.sql))
    expect(await writtenThrough()).toBeLessThan(block)
    expect(BigInt((await call('eth_getStorageAt', [counter, '0x0', tag])).result)).toBe(1n)

    // The next seal writes them first, before its own (whose writes never run either).
    const bumpAgain = await bumpCounter(counter)
    expect(BigInt(bumpAgain.blockNumber)).toBe(block + 1n)
    await runInDurableObject(sequencerStub(), (instance) => {
      makeOpenBlockDue(instance)
    })
    await runDurableObjectAlarm(sequencerStub())
    const nextTag = `0x${(block + 1n).toString(16)}`
    const nextSealed = (await call('eth_getBlockByNumber', [nextTag, false])).result
    expect(nextSealed).toBeTruthy()
    const stored = () =>
      runInDurableObject(sequencerStub(), (_, state) => [
        storedNodes(state.storage.sql, sealed.stateRoot),
        storedNodes(state.storage.sql, nextSealed.stateRoot),
      ])
    expect(await stored()).toEqual([1, 0])
    const proof = (await call('eth_getProof', [counter, ['0x0'], nextTag])).result
    expect(proof.storageProof[0].value).toBe('0x2')

    // A restart loses that block's; the boot writes its history rows from the state log and
    // rebuilds the nodes from them.
    await abortAllDurableObjects()
    expect(await stored()).toEqual([1, 1])
    expect(await writtenThrough()).toBe(block + 1n)
    expect(BigInt((await call('eth_getStorageAt', [counter, '0x0', nextTag])).result)).toBe(2n)
    expect((await call('eth_getProof', [counter, ['0x0'], nextTag])).result).toEqual(proof)
    // The chain goes on from them: the next block seals on that trie, and its root is the full state's.
    const next = await call('eth_sendRawTransactionSync', [await transfer(await nextNonce(), 5n)])
    expect(next.result?.status).toBe('0x1')
    await alarmsUntil(async () => BigInt((await latestBlock()).number) >= BigInt(next.result.blockNumber))
    const head = await latestBlock()
    expect(head.stateRoot).toBe(await writtenStateRoot())
    expect((await validateSealed(BigInt(next.result.blockNumber))).stateRoot).toBe(
      (await call('eth_getBlockByNumber', [next.result.blockNumber, false])).result.stateRoot,
    )
  })
})

/** Runs the sequencer's alarm until block `number`'s witness is in R2 and its transactions are in D1. */
async function untilUploadedAndIndexed(number: bigint, transactionHash: Hex): Promise<void> {
  const indexed = () =>
    env.INDEX_DB.prepare('SELECT 1 FROM transactions WHERE block_number = ? AND hash = ?')
      .bind(Number(number), transactionHash)
      .first()
  await alarmsUntil(
    async () => Boolean((await env.WITNESSES.head(witnessKey(number))) && (await indexed())),
    40,
  )
  expect(await env.WITNESSES.head(witnessKey(number))).toBeTruthy()
  expect(await indexed()).toBeTruthy()
}

describe('after the seal', () => {
  it('uploads and indexes every sealed block, also after alarms that found nothing to do', async () => {
    // Alarms before any block is due: nothing to seal, upload or index.
    for (let i = 0; i < 3; i++) await runDurableObjectAlarm(sequencerStub())
    const receipt = (await call('eth_sendRawTransactionSync', [await transfer(await nextNonce())])).result
    expect(receipt?.status).toBe('0x1')
    await untilUploadedAndIndexed(BigInt(receipt.blockNumber), receipt.transactionHash)
  })

  it('leaves a block it could not record unjudged: storage failing is not the block failing', async () => {
    const validator = () => env.VALIDATOR.get(env.VALIDATOR.idFromName(VALIDATOR_NAME))
    type Patchable = { setMeta: (key: string, value: string) => void }
    // Recording progress fails, as it does when the object is aborted in the middle of an alarm.
    await runInDurableObject(validator(), (instance) => {
      const target = instance as unknown as Patchable
      const setMeta = target.setMeta.bind(instance)
      target.setMeta = (key, value) => {
        if (key === 'validated') throw new Error('injected storage failure')
        setMeta(key, value)
      }
    })
    const receipt = (await call('eth_sendRawTransactionSync', [await transfer(await nextNonce())])).result
    expect(receipt?.status).toBe('0x1')
    const block = BigInt(receipt.blockNumber)
    await untilUploadedAndIndexed(block, receipt.transactionHash)

    await runInDurableObject(validator(), async (instance) => {
      await expect(instance.alarm()).rejects.toThrow('injected storage failure')
      expect(instance.status().failure).toBeNull()
      // Storage works again: the validator goes on, and validates the block.
      delete (instance as unknown as Partial<Patchable>).setMeta
      for (let i = 0; i < 60 && BigInt(instance.status().latestValidated?.number ?? 0) < block; i++)
        await instance.alarm()
      expect(instance.status().failure).toBeNull()
      expect(BigInt(instance.status().latestValidated?.number ?? 0)).toBeGreaterThanOrEqual(block)
    })
  })
})
