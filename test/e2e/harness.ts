/**
 * What every end-to-end test needs: a fresh local chain on free loopback ports, clients for it
 * (cast among them), and the development accounts.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { defineChain, type Hex } from 'viem'
import { mnemonicToAccount, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, expect } from 'vitest'
import { freePort } from '../../scripts/freePort.ts'
import { type LocalChain, startLocalChain } from '../../scripts/localChain.ts'
import { validateChainOverRpc } from '../../src/validator/validateChain.ts'

export const DEV_MNEMONIC = 'test test test test test test test test test test test junk'
export const CHAIN_ID = 7077

export const devKeys: Hex[] = Array.from({ length: 10 }, (_, i) => {
  const key = mnemonicToAccount(DEV_MNEMONIC, { addressIndex: i }).getHdKey().privateKey!
  return `0x${Buffer.from(key).toString('hex')}` as Hex
})
export const devAccounts = devKeys.map((key) => privateKeyToAccount(key))

export function veloxChain(url: string) {
  return defineChain({
    id: CHAIN_ID,
    name: 'Velox (local)',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [url] } },
  })
}

export type TestChain = LocalChain & {
  persistTo: string
  port: number
  l1Port: number
  dispose: () => Promise<void>
}

const CAST = path.resolve(import.meta.dirname, '../../node_modules/.bin/cast')
const runFile = promisify(execFile)

/** Runs Foundry's cast (from the @foundry-rs/cast package) with `args`; rejects on a non-zero exit. */
export function cast(
  args: string[],
  options: { timeout?: number } = {},
): Promise<{ stdout: string; stderr: string }> {
  return runFile(CAST, args, options)
}

/** A fresh chain in a temporary folder; `dispose` stops it and removes the folder. */
export async function startTestChain(
  options: { persistTo?: string; vars?: Record<string, string>; runtime?: 'miniflare' | 'wrangler-dev' } = {},
): Promise<TestChain> {
  const persistTo = options.persistTo ?? mkdtempSync(path.join(tmpdir(), 'velox-e2e-'))
  const port = await freePort()
  const l1Port = await freePort()
  const chain = await startLocalChain({
    port,
    l1Port,
    persistTo,
    ...(options.vars ? { vars: options.vars } : {}),
    ...(options.runtime ? { runtime: options.runtime } : {}),
  })
  return {
    ...chain,
    persistTo,
    port,
    l1Port,
    dispose: async () => {
      await chain.stop()
      if (!options.persistTo) rmSync(persistTo, { recursive: true, force: true })
    },
  }
}

/**
 * The file's chain: started fresh before its first test, stopped after its last. The object is
 * empty until then: read its fields in hooks and tests, not when the file loads.
 */
export function chainForFile(options: Parameters<typeof startTestChain>[0] = {}): TestChain {
  const chain = {} as TestChain
  beforeAll(async () => {
    Object.assign(chain, await startTestChain(options))
  })
  afterAll(async () => {
    await chain.dispose?.()
  })
  return chain
}

export async function rpc(
  url: string,
  method: string,
  params: unknown[] = [],
): Promise<{ result?: unknown; error?: { code: number; message: string; data?: unknown } }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  })
  const text = await response.text()
  try {
    return JSON.parse(text) as { result?: unknown; error?: { code: number; message: string } }
  } catch {
    throw new Error(`${method}: HTTP ${response.status}, not JSON: ${text.slice(0, 500)}`)
  }
}

/**
 * Every block the chain has sealed, checked from debug_getRawBlock and debug_executionWitness
 * alone (as `velox validate --rpc` does): each must re-execute on its witness to its state root.
 */
export async function expectEveryBlockValidates(url: string): Promise<void> {
  // A chain younger than one block interval has sealed nothing yet but genesis.
  for (let i = 0; i < 50 && BigInt((await rpc(url, 'eth_blockNumber')).result as string) < 1n; i++)
    await new Promise((resolve) => setTimeout(resolve, 100))
  const failures: string[] = []
  const summary = await validateChainOverRpc({
    url,
    onBlock: (outcome) => {
      if (!outcome.ok) failures.push(`block ${outcome.number}: ${outcome.kind}: ${outcome.message}`)
    },
  })
  expect(failures).toEqual([])
  expect(summary.validated).toBeGreaterThan(0)
}
