/**
 * `npm run build:contracts`: compiles the L1 contracts in contracts/*.sol with solc-js (the `solc`
 * devDependency, in process) and writes contracts/artifacts/<Name>.json: abi, creation and runtime
 * bytecode, the solc version and settings. The artifacts are generated, never edited by hand;
 * test/l1/contractArtifacts.test.ts fails when they differ from a fresh compile.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Abi, Hex } from 'viem'

const ROOT = path.resolve(import.meta.dirname, '..')
export const CONTRACTS_DIR = path.join(ROOT, 'contracts')
export const ARTIFACTS_DIR = path.join(CONTRACTS_DIR, 'artifacts')

/**
 * Prague, as Ethereum mainnet since May 2025 (and anvil's `--hardfork prague`); the inbox needs
 * Cancun's BLOBHASH at least. The optimizer is tuned for calls (runs 10,000): the inbox is called on
 * every post, deployed once.
 */
const SETTINGS = {
  optimizer: { enabled: true, runs: 10_000 },
  evmVersion: 'prague',
} as const

export type ContractArtifact = {
  contractName: string
  sourceName: string
  solcVersion: string
  settings: typeof SETTINGS
  abi: Abi
  bytecode: Hex
  deployedBytecode: Hex
}

type SolcOutput = {
  errors?: { severity: 'error' | 'warning' | 'info'; formattedMessage: string }[]
  contracts?: Record<
    string,
    Record<string, { abi: Abi; evm: { bytecode: { object: string }; deployedBytecode: { object: string } } }>
  >
}

type Solc = { version: () => string; compile: (input: string) => string }

/** Every contract of contracts/*.sol, compiled now, by name. Warnings fail the build as errors do. */
export function compileL1Contracts(): Map<string, ContractArtifact> {
  // solc-js is CommonJS with `export =` typings that name nothing precisely.
  const solc = createRequire(import.meta.url)('solc') as Solc
  const sourceNames = readdirSync(CONTRACTS_DIR)
    .filter((name) => name.endsWith('.sol'))
    .sort()
  const sources: Record<string, { content: string }> = {}
  for (const name of sourceNames)
    sources[name] = { content: readFileSync(path.join(CONTRACTS_DIR, name), 'utf8') }
  const input = {
    language: 'Solidity',
    sources,
    settings: {
      ...SETTINGS,
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
    },
  }
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as SolcOutput
  const problems = (output.errors ?? []).filter((error) => error.severity !== 'info')
  if (problems.length > 0)
    throw new Error(`solc reported:\n${problems.map((error) => error.formattedMessage).join('\n')}`)
  const artifacts = new Map<string, ContractArtifact>()
  for (const sourceName of sourceNames) {
    for (const [contractName, contract] of Object.entries(output.contracts?.[sourceName] ?? {})) {
      // Interfaces compile to nothing deployable.
      if (contract.evm.bytecode.object === '') continue
      artifacts.set(contractName, {
        contractName,
        sourceName,
        solcVersion: solc.version(),
        settings: SETTINGS,
        abi: contract.abi,
        bytecode: `0x${contract.evm.bytecode.object}`,
        deployedBytecode: `0x${contract.evm.deployedBytecode.object}`,
      })
    }
  }
  return artifacts
}

/** An artifact as its file holds it. */
export function artifactJson(artifact: ContractArtifact): string {
  return `${JSON.stringify(artifact, null, 2)}\n`
}

function main(): void {
  mkdirSync(ARTIFACTS_DIR, { recursive: true })
  for (const [name, artifact] of compileL1Contracts()) {
    const file = path.join(ARTIFACTS_DIR, `${name}.json`)
    writeFileSync(file, artifactJson(artifact))
    console.log(
      `wrote ${path.relative(ROOT, file)} (${(artifact.deployedBytecode.length - 2) / 2} bytes of code)`,
    )
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main()
