import { existsSync, readdirSync, statSync } from 'node:fs'
import path from 'node:path'

/** Ethereum's JSON test suites: ../shared/fixtures/ethereum-tests beside the project, or VELOX_FIXTURES. */
export const FIXTURES_DIR = path.resolve(
  process.env.VELOX_FIXTURES ?? path.join(import.meta.dirname, '../../../shared/fixtures/ethereum-tests'),
)

export function fixturesPresent(suite: string): boolean {
  const present = existsSync(path.join(FIXTURES_DIR, suite))
  if (!present)
    console.warn(
      `skipping ${suite}: ${path.join(FIXTURES_DIR, suite)} not found (set VELOX_FIXTURES to the ethereum-tests folder)`,
    )
  return present
}

export function jsonFilesUnder(folder: string): string[] {
  const files: string[] = []
  for (const entry of readdirSync(folder).sort()) {
    const full = path.join(folder, entry)
    if (statSync(full).isDirectory()) files.push(...jsonFilesUnder(full))
    else if (entry.endsWith('.json')) files.push(full)
  }
  return files
}
