/**
 * The committed artifacts are what `npm run build:contracts` writes from the committed sources now:
 * never edited by hand, never stale.
 */
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { ARTIFACTS_DIR, artifactJson, compileL1Contracts } from '../../scripts/compileContracts.ts'

describe('contracts/artifacts', () => {
  it('equal a fresh compile of contracts/*.sol, file for file and byte for byte', () => {
    const fresh = compileL1Contracts()
    const committed = readdirSync(ARTIFACTS_DIR).filter((name) => name.endsWith('.json'))
    expect(committed.sort()).toEqual([...fresh.keys()].map((name) => `${name}.json`).sort())
    for (const [name, artifact] of fresh)
      expect(readFileSync(path.join(ARTIFACTS_DIR, `${name}.json`), 'utf8'), `${name}.json`).toBe(
        artifactJson(artifact),
      )
  })
})
