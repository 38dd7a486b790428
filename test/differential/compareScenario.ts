/**
 * Runs one scenario through Velox and ethereumjs and lists every way the two disagree: per
 * transaction its validity, status, gas used, return data and logs; then every account either
 * engine touched (plus the scenario's own) field by field, storage slot by slot; then the state root.
 * An empty list means the engines agree.
 */
import type { Address, Hex } from 'viem'
import { bytesToHex } from '../../src/primitives/hex.ts'
import { keccak256 } from '../../src/primitives/keccak256.ts'
import { runEthereumjs } from './runEthereumjs.ts'
import { runVelox } from './runVelox.ts'
import {
  type AccountOutcome,
  addressOfKey,
  type OutcomeLog,
  type Scenario,
  type TransactionOutcome,
} from './scenario.ts'

export async function compareScenario(scenario: Scenario): Promise<string[]> {
  const velox = await runVelox(scenario)
  const reference = await runEthereumjs(scenario)
  const differences: string[] = []
  scenario.transactions.forEach((_, index) => {
    const mine = velox.transactions[index]!
    const theirs = reference.transactions[index]!
    for (const difference of compareTransactions(mine, theirs)) differences.push(`tx ${index}: ${difference}`)
  })

  const addresses = new Set<Address>([
    scenario.block.coinbase,
    ...scenario.accounts.map((account) => account.address),
    ...scenario.transactions.flatMap((tx) => [addressOfKey(tx.senderKey), ...(tx.to ? [tx.to] : [])]),
    ...velox.touched,
    ...reference.touched,
  ])
  const mine = await velox.readAccounts(addresses)
  const theirs = await reference.readAccounts(addresses)
  for (const address of [...addresses].sort())
    for (const difference of compareAccounts(mine.get(address) ?? null, theirs.get(address) ?? null))
      differences.push(`account ${address}: ${difference}`)
  if (velox.stateRoot !== reference.stateRoot)
    differences.push(`state root: velox ${velox.stateRoot}, ethereumjs ${reference.stateRoot}`)
  return differences
}

function compareTransactions(mine: TransactionOutcome, theirs: TransactionOutcome): string[] {
  if (mine.kind === 'crashed') return [`velox crashed: ${mine.error}`]
  if (theirs.kind === 'crashed') return [`ethereumjs crashed: ${theirs.error}`]
  if (mine.kind === 'rejected' && theirs.kind === 'rejected') return []
  if (mine.kind === 'rejected' || theirs.kind === 'rejected')
    return [`velox ${summary(mine)}, ethereumjs ${summary(theirs)}`]
  const differences: string[] = []
  const field = (name: string, a: unknown, b: unknown) => {
    if (a !== b) differences.push(`${name}: velox ${String(a)}, ethereumjs ${String(b)}`)
  }
  field('status', mine.status, theirs.status)
  field('gas used', mine.gasUsed, theirs.gasUsed)
  field('output', mine.output, theirs.output)
  field('contract address', mine.contractAddress, theirs.contractAddress)
  if (mine.logs.length !== theirs.logs.length)
    differences.push(`logs: velox ${formatLogs(mine.logs)}, ethereumjs ${formatLogs(theirs.logs)}`)
  else
    mine.logs.forEach((log, i) => {
      const other = theirs.logs[i]!
      if (formatLogs([log]) !== formatLogs([other]))
        differences.push(`log ${i}: velox ${formatLogs([log])}, ethereumjs ${formatLogs([other])}`)
    })
  return differences
}

function summary(outcome: TransactionOutcome): string {
  if (outcome.kind === 'rejected') return `rejected it (${outcome.reason})`
  if (outcome.kind === 'crashed') return `crashed (${outcome.error})`
  return `executed it (status ${outcome.status}, gas used ${outcome.gasUsed})`
}

function formatLogs(logs: OutcomeLog[]): string {
  return `[${logs.map((log) => `${log.address} [${log.topics.join(' ')}] ${log.data}`).join('; ')}]`
}

function compareAccounts(mine: AccountOutcome | null, theirs: AccountOutcome | null): string[] {
  if (mine === null && theirs === null) return []
  if (mine === null || theirs === null)
    return [`exists: velox ${mine !== null}, ethereumjs ${theirs !== null}`]
  const differences: string[] = []
  if (mine.nonce !== theirs.nonce) differences.push(`nonce: velox ${mine.nonce}, ethereumjs ${theirs.nonce}`)
  if (mine.balance !== theirs.balance)
    differences.push(`balance: velox ${mine.balance}, ethereumjs ${theirs.balance}`)
  if (mine.code !== theirs.code) differences.push(`code: velox ${mine.code}, ethereumjs ${theirs.code}`)
  for (const key of new Set([...mine.storage.keys(), ...theirs.storage.keys()])) {
    const a = mine.storage.get(key) ?? 0n
    const b = theirs.storage.get(key) ?? 0n
    if (a !== b) differences.push(`storage ${slotName(key)}: velox ${hex(a)}, ethereumjs ${hex(b)}`)
  }
  if (mine.storageRoot !== theirs.storageRoot)
    differences.push(`storage root: velox ${mine.storageRoot}, ethereumjs ${theirs.storageRoot}`)
  return differences
}

function hex(value: bigint): string {
  return `0x${value.toString(16)}`
}

/** Slots the generator and the tests use are small numbers: name them rather than their hash. */
const KNOWN_SLOTS_COUNT = 256
let knownSlots: Map<Hex, bigint> | undefined
function slotName(hashed: Hex): string {
  if (!knownSlots) {
    knownSlots = new Map()
    for (let slot = 0n; slot < BigInt(KNOWN_SLOTS_COUNT); slot++) {
      const key = new Uint8Array(32)
      key[31] = Number(slot)
      knownSlots.set(bytesToHex(keccak256(key)), slot)
    }
  }
  const slot = knownSlots.get(hashed)
  return slot === undefined ? `keccak ${hashed}` : `slot ${slot}`
}
