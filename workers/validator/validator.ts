/**
 * The background stateless validator: a Durable Object of its own (on Cloudflare, its own isolate
 * and machine), which checks every sealed block from what anyone could fetch: the block from the
 * sequencer and its execution witness from R2, nothing of the sequencer's state. It walks the
 * chain in order and keeps the latest block it validated; on a failure it stops there, keeps the
 * failure, and logs it: a block that does not validate is an incident, never skipped.
 *
 *   sequencer seals ─▶ witness to R2 ─▶ wake() ─▶ alarm: for each next block in R2:
 *                                                  rawBlock (sequencer) + witness (R2) ─▶ validateBlock
 */
import { DurableObject } from 'cloudflare:workers'
import type { Hash } from 'viem'
import genesis from '../../config/genesis.dev.json'
import type { DecodedBlock } from '../../src/execution/blockCodec.ts'
import { parseChainConfig } from '../../src/execution/chainConfig.ts'
import type { RecoveredTransaction } from '../../src/execution/executeBlock.ts'
import { hexToBytes } from '../../src/primitives/hex.ts'
import { decodeWitness, decompressWitness } from '../../src/state/witness.ts'
import {
  BlockValidationError,
  type ChainRules,
  decodeBlockToValidate,
  recoverBlockTransaction,
  type ValidationReport,
  validateBlock,
} from '../../src/validator/validateBlock.ts'
import { SEQUENCER_NAME } from '../rpc/workersBackend.ts'
import { witnessKey } from '../sequencer/witnessObjects.ts'

/** Blocks validated per alarm at most, so one alarm never holds the thread for long. */
const BLOCKS_PER_ALARM = 16
/** How soon the next alarm runs while blocks are waiting. */
const NEXT_ALARM_MS = 50

export type ValidationStatus = {
  latestValidated: { number: string; hash: Hash } | null
  failure: { number: string; kind: string; message: string } | null
}

type Progress = { number: bigint; hash: Hash } | undefined

export class Validator extends DurableObject<Env> {
  private readonly rules: ChainRules

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    const config = parseChainConfig(env, { blockGasLimit: BigInt(genesis.gasLimit) })
    this.rules = { chainId: config.chainId, fork: config.fork }
    ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)')
  }

  /** New witnesses are in R2: validate them soon (an alarm already due is kept). */
  async wake(): Promise<void> {
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + 1)
  }

  status(): ValidationStatus {
    const progress = this.progress()
    const failure = this.meta('failure')
    return {
      latestValidated: progress ? { number: `0x${progress.number.toString(16)}`, hash: progress.hash } : null,
      failure: failure ? JSON.parse(failure) : null,
    }
  }

  override async alarm(): Promise<void> {
    if (this.meta('failure')) return
    const sequencer = this.env.SEQUENCER.get(this.env.SEQUENCER.idFromName(SEQUENCER_NAME))
    let progress = this.progress()
    for (let i = 0; i < BLOCKS_PER_ALARM; i++) {
      const number = (progress?.number ?? 0n) + 1n
      const object = await this.env.WITNESSES.get(witnessKey(number))
      if (!object) return
      const raw = await sequencer.rawBlock({ number })
      if (!raw) return
      const block = hexToBytes(raw)
      const compressed = new Uint8Array(await object.arrayBuffer())
      let report: ValidationReport
      try {
        const decoded = decodeBlockToValidate(block)
        const parentHash = decoded.header.parentHash
        if (progress && parentHash !== progress.hash)
          throw new BlockValidationError(
            'missing-header',
            `block ${number}'s parent ${parentHash} is not the validated block ${progress.number} (${progress.hash})`,
          )
        const witness = decodeWitness(await decompressWitness(compressed))
        report = validateBlock(
          { block: decoded, transactions: await recoverTransactionsInTurns(decoded) },
          witness,
          this.rules,
        )
      } catch (error) {
        const kind = error instanceof BlockValidationError ? error.kind : 'error'
        const message = (error as Error).message
        console.error(`stateless validation of block ${number} failed (${kind}): ${message}`)
        this.setMeta('failure', JSON.stringify({ number: `0x${number.toString(16)}`, kind, message }))
        return
      }
      // Outside the try: storage failing to record a valid block is not the block's failure. The
      // alarm throws, and runs again (workerd retries a failed alarm; the next wake sets a new one).
      progress = { number: report.number, hash: report.hash }
      this.setMeta('validated', JSON.stringify({ number: number.toString(), hash: report.hash }))
    }
    await this.ctx.storage.setAlarm(Date.now() + NEXT_ALARM_MS)
  }

  private progress(): Progress {
    const validated = this.meta('validated')
    if (!validated) return undefined
    const { number, hash } = JSON.parse(validated) as { number: string; hash: Hash }
    return { number: BigInt(number), hash }
  }

  private meta(key: string): string | undefined {
    return this.ctx.storage.sql
      .exec<{ value: string }>('SELECT value FROM meta WHERE key = ?', key)
      .toArray()[0]?.value
  }

  private setMeta(key: string, value: string): void {
    this.ctx.storage.sql.exec(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      key,
      value,
    )
  }
}

/** Signatures recovered between one yield of the thread and the next: about 2 ms of work. */
const RECOVERIES_PER_TURN = 8

/**
 * The block's transactions with their senders, recovered from their own signatures a few at a time,
 * letting other work run in between: under `wrangler dev` every Durable Object shares one thread,
 * and recovering a whole block at once would hold the sequencer up for tens of milliseconds. A
 * transaction that does not decode or recover fails the block as validateBlock fails it.
 */
async function recoverTransactionsInTurns(block: DecodedBlock): Promise<RecoveredTransaction[]> {
  const transactions: RecoveredTransaction[] = []
  for (const [index, raw] of block.transactions.entries()) {
    transactions.push(recoverBlockTransaction(raw, index))
    if ((index + 1) % RECOVERIES_PER_TURN === 0) await new Promise((resolve) => setTimeout(resolve, 0))
  }
  return transactions
}
