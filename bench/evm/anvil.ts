/**
 * A fresh anvil (revm) on a free loopback port, for the single-call workloads: contracts are
 * deployed with eth_sendTransaction from its first development account, and calls timed from here
 * with eth_call, so each figure includes the JSON-RPC round trip (measured alone as the floor).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import path from 'node:path'
import type { Address, Hex } from 'viem'
import { freePort } from '../../scripts/freePort.ts'

const ROOT = path.resolve(import.meta.dirname, '../..')
/** Above the loops' CALL_GAS_LIMIT, so neither eth_call nor a transaction is capped below it. */
const ANVIL_GAS_LIMIT = 2_000_000_000n
const START_TIMEOUT_MS = 30_000
const STOP_TIMEOUT_MS = 5_000
const RECEIPT_TIMEOUT_MS = 30_000

export type Anvil = {
  url: string
  /** The unlocked development account that deploys and calls. */
  account: Address
  call: (method: string, params: unknown[]) => Promise<unknown>
  stop: () => Promise<void>
}

export async function startAnvil(): Promise<Anvil> {
  const port = await freePort()
  const child = spawn(
    path.join(ROOT, 'node_modules/.bin/anvil'),
    [
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--hardfork',
      'prague',
      '--gas-limit',
      String(ANVIL_GAS_LIMIT),
      '--disable-code-size-limit',
      '--silent',
    ],
    // Its own process group: the npm wrapper does not pass signals on to the anvil binary.
    { stdio: 'ignore', detached: true },
  )
  const killNow = () => killGroup(child, 'SIGKILL')
  process.once('exit', killNow)
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
    process.off('exit', killNow)
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    killGroup(child, 'SIGTERM')
    const timeout = new Promise<'timeout'>((resolve) =>
      setTimeout(() => resolve('timeout'), STOP_TIMEOUT_MS).unref(),
    )
    if ((await Promise.race([exited, timeout])) === 'timeout') killGroup(child, 'SIGKILL')
  }
  const deadline = Date.now() + START_TIMEOUT_MS
  for (;;) {
    if (child.exitCode !== null) throw new Error(`anvil exited with code ${child.exitCode} during start`)
    try {
      const accounts = (await call('eth_accounts', [])) as Address[]
      const account = accounts[0]
      if (!account) throw new Error('anvil has no development account')
      return { url, account, call, stop }
    } catch (error) {
      if (Date.now() > deadline) {
        await stop()
        throw new Error(`anvil did not answer within ${START_TIMEOUT_MS} ms: ${(error as Error).message}`)
      }
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
}

/** Deploys `initcode` from the development account; returns the contract's address. */
export async function deployOnAnvil(anvil: Anvil, initcode: Hex): Promise<Address> {
  const hash = await anvil.call('eth_sendTransaction', [
    { from: anvil.account, data: initcode, gas: '0x4c4b40' },
  ])
  const receipt = await waitForReceipt(anvil, hash)
  if (receipt.status !== '0x1' || !receipt.contractAddress)
    throw new Error(`anvil: deployment failed: ${JSON.stringify(receipt)}`)
  return receipt.contractAddress
}

/**
 * The gas a transaction with this call would use, from a receipt: sent inside evm_snapshot /
 * evm_revert so the chain's state is as before and every timed eth_call does the same work.
 */
export async function gasUsedOnAnvil(anvil: Anvil, to: Address, data: Hex, gas: bigint): Promise<bigint> {
  const snapshot = await anvil.call('evm_snapshot', [])
  try {
    const hash = await anvil.call('eth_sendTransaction', [
      { from: anvil.account, to, data, gas: `0x${gas.toString(16)}` },
    ])
    const receipt = await waitForReceipt(anvil, hash)
    if (receipt.status !== '0x1') throw new Error(`anvil: the call failed: ${JSON.stringify(receipt)}`)
    return BigInt(receipt.gasUsed)
  } finally {
    await anvil.call('evm_revert', [snapshot])
  }
}

type Receipt = { status: Hex; gasUsed: Hex; contractAddress: Address | null }

/** anvil's automine answers eth_sendTransaction before a large transaction is mined. */
async function waitForReceipt(anvil: Anvil, hash: unknown): Promise<Receipt> {
  const deadline = Date.now() + RECEIPT_TIMEOUT_MS
  for (;;) {
    const receipt = (await anvil.call('eth_getTransactionReceipt', [hash])) as Receipt | null
    if (receipt) return receipt
    if (Date.now() > deadline) throw new Error(`anvil: no receipt for ${hash} after ${RECEIPT_TIMEOUT_MS} ms`)
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
