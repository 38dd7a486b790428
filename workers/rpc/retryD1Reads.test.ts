import { eq } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import { describe, expect, it } from 'vitest'
import { blocks } from '../index-db/schema.ts'
import { retryD1Reads } from './retryD1Reads.ts'

/** A D1 whose reads fail with `failures` (in order) before answering `rows`; counts every attempt. */
function flakyD1(failures: string[], rows: unknown[][]) {
  const calls = { prepared: 0, attempts: 0, runs: 0, bound: [] as unknown[][] }
  const pending = [...failures]
  const answer = async <T>(value: T): Promise<T> => {
    calls.attempts++
    const failure = pending.shift()
    if (failure) throw new Error('D1_ERROR: query failed', { cause: new Error(failure) })
    return value
  }
  const statement = (): D1PreparedStatement =>
    ({
      bind(...values: unknown[]) {
        calls.bound.push(values)
        return statement()
      },
      all: () => answer({ results: rows, success: true, meta: {} }),
      raw: () => answer(rows),
      first: () => answer(rows[0] ?? null),
      run: async () => {
        calls.runs++
        throw new Error('internal error')
      },
    }) as unknown as D1PreparedStatement
  const database = {
    prepare() {
      calls.prepared++
      return statement()
    },
  } as unknown as D1Database
  return { database, calls }
}

describe('retryD1Reads', () => {
  it('answers a read that fails twice with retryable errors, on the third attempt', async () => {
    const { database, calls } = flakyD1(['SQLITE_BUSY: database is locked', 'internal error'], [[7]])
    const rows = await retryD1Reads(database).prepare('SELECT 7').bind(1).raw()
    expect(rows).toEqual([[7]])
    expect(calls.attempts).toBe(3)
    expect(calls.bound).toEqual([[1]])
  })

  it('answers a read the lock holds for longer, on the sixth attempt', async () => {
    const { database, calls } = flakyD1(Array(5).fill('SQLITE_BUSY: database is locked'), [[6]])
    expect(await retryD1Reads(database).prepare('SELECT 6').raw()).toEqual([[6]])
    expect(calls.attempts).toBe(6)
  })

  it('gives up after six attempts, with the last error', async () => {
    const failures = [...Array(5).fill('internal error'), 'Network connection lost']
    const { database, calls } = flakyD1(failures, [])
    await expect(retryD1Reads(database).prepare('SELECT 1').all()).rejects.toThrow('D1_ERROR')
    expect(calls.attempts).toBe(6)
  })

  it('does not retry an error that is not transient', async () => {
    const { database, calls } = flakyD1(['no such table: blocks'], [])
    await expect(retryD1Reads(database).prepare('SELECT * FROM blocks').first()).rejects.toThrow('D1_ERROR')
    expect(calls.attempts).toBe(1)
  })

  it('never retries a write', async () => {
    const { database, calls } = flakyD1([], [])
    await expect(retryD1Reads(database).prepare('DELETE FROM blocks').run()).rejects.toThrow('internal error')
    expect(calls.runs).toBe(1)
  })

  it('carries drizzle queries through', async () => {
    const { database, calls } = flakyD1(['SQLITE_BUSY'], [[5, '{"number":"0x5"}']])
    const rows = await drizzle(retryD1Reads(database))
      .select({ number: blocks.number, header: blocks.header })
      .from(blocks)
      .where(eq(blocks.number, 5))
    expect(rows).toEqual([{ number: 5, header: '{"number":"0x5"}' }])
    expect(calls.attempts).toBe(2)
  })
})
