/**
 * The benchmark's contracts: the Solidity sources beside this file compiled in-process with solc-js
 * (standard JSON, optimizer on with 200 runs, evmVersion cancun, nothing cached), and Uniswap V2's
 * factory and pair exactly as @uniswap/v2-core ships them.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import type { Abi, Hex } from 'viem'

export type CompiledContract = { abi: Abi; bytecode: Hex }

export type BenchContracts = {
  Token: CompiledContract
  TransferLoop: CompiledContract
  HashLoop: CompiledContract
  SwapHelper: CompiledContract
  UniswapV2Factory: CompiledContract
  UniswapV2Pair: CompiledContract
}

const ROOT = path.resolve(import.meta.dirname, '../..')
const SOURCES = ['Token', 'TransferLoop', 'HashLoop', 'SwapHelper'] as const

type SolcOutput = {
  errors?: { severity: 'error' | 'warning' | 'info'; formattedMessage: string }[]
  contracts?: Record<string, Record<string, { abi: Abi; evm: { bytecode: { object: string } } }>>
}

type Solc = {
  version: () => string
  compile: (
    input: string,
    callbacks: { import: (path: string) => { contents: string } | { error: string } },
  ) => string
}

export function compileContracts(): BenchContracts & { solcVersion: string } {
  // solc-js is CommonJS with `export =` typings that name nothing precisely.
  const solc = createRequire(import.meta.url)('solc') as Solc
  const sources: Record<string, { content: string }> = {}
  for (const name of SOURCES)
    sources[`${name}.sol`] = { content: readFileSync(path.join(import.meta.dirname, `${name}.sol`), 'utf8') }
  const input = {
    language: 'Solidity',
    sources,
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: 'cancun',
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
    },
  }
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: readImport })) as SolcOutput
  const errors = (output.errors ?? []).filter((error) => error.severity === 'error')
  if (errors.length > 0)
    throw new Error(`solc failed:\n${errors.map((error) => error.formattedMessage).join('\n')}`)
  const compiled = (name: (typeof SOURCES)[number]): CompiledContract => {
    const contract = output.contracts?.[`${name}.sol`]?.[name]
    if (!contract) throw new Error(`solc produced no ${name}`)
    return { abi: contract.abi, bytecode: `0x${contract.evm.bytecode.object}` }
  }
  return {
    solcVersion: solc.version(),
    Token: compiled('Token'),
    TransferLoop: compiled('TransferLoop'),
    HashLoop: compiled('HashLoop'),
    SwapHelper: compiled('SwapHelper'),
    UniswapV2Factory: uniswapArtifact('UniswapV2Factory'),
    UniswapV2Pair: uniswapArtifact('UniswapV2Pair'),
  }
}

/** solc's import callback: `@openzeppelin/…` and other package paths resolve under node_modules. */
function readImport(importPath: string): { contents: string } | { error: string } {
  try {
    return { contents: readFileSync(path.join(ROOT, 'node_modules', importPath), 'utf8') }
  } catch (error) {
    return { error: `cannot read ${importPath}: ${(error as Error).message}` }
  }
}

function uniswapArtifact(name: 'UniswapV2Factory' | 'UniswapV2Pair'): CompiledContract {
  const artifact = JSON.parse(
    readFileSync(path.join(ROOT, 'node_modules/@uniswap/v2-core/build', `${name}.json`), 'utf8'),
  ) as { abi: Abi; bytecode: string }
  return { abi: artifact.abi, bytecode: `0x${artifact.bytecode.replace(/^0x/, '')}` }
}
