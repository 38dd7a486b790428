import { describe, expect, it } from 'vitest'
import { MultiVersionMemory, PRE_STATE } from './multiVersionMemory.ts'

describe('MultiVersionMemory', () => {
  it('reads the highest lower writer, or nothing', () => {
    const memory = new MultiVersionMemory<string>(5)
    memory.record(1, 0, [], new Map([['x', 'one']]))
    memory.record(3, 0, [], new Map([['x', 'three']]))
    expect(memory.read('x', 0)).toBeUndefined()
    expect(memory.read('x', 1)).toBeUndefined()
    expect(memory.read('x', 2)?.value).toBe('one')
    expect(memory.read('x', 3)?.value).toBe('one')
    expect(memory.read('x', 4)).toMatchObject({ txIndex: 3, incarnation: 0, value: 'three' })
    expect(memory.read('y', 4)).toBeUndefined()
  })

  it('says when an incarnation writes a location its previous one did not, and drops stale writes', () => {
    const memory = new MultiVersionMemory<string>(3)
    expect(memory.record(0, 0, [], new Map([['x', 'a']]))).toBe(true)
    expect(memory.record(0, 1, [], new Map([['x', 'b']]))).toBe(false)
    expect(memory.record(0, 2, [], new Map([['y', 'c']]))).toBe(true)
    expect(memory.read('x', 1)).toBeUndefined()
    expect(memory.read('y', 1)).toMatchObject({ incarnation: 2, value: 'c' })
    expect(memory.writeSetOf(0)).toEqual(['y'])
  })

  it('turns an aborted incarnation’s writes into ESTIMATEs until it records again', () => {
    const memory = new MultiVersionMemory<string>(2)
    memory.record(0, 0, [], new Map([['x', 'a']]))
    memory.convertWritesToEstimates(0)
    expect(memory.read('x', 1)?.estimate).toBe(true)
    memory.record(0, 1, [], new Map([['x', 'b']]))
    expect(memory.read('x', 1)).toMatchObject({ estimate: false, incarnation: 1, value: 'b' })
  })

  it('validates a read set against the versions now visible', () => {
    const memory = new MultiVersionMemory<string>(3)
    memory.record(0, 0, [], new Map([['x', 'a']]))
    memory.record(
      2,
      0,
      [
        { location: 'x', txIndex: 0, incarnation: 0 },
        { location: 'y', txIndex: PRE_STATE, incarnation: 0 },
      ],
      new Map(),
    )
    expect(memory.validateReadSet(2)).toBe(true)
    // A new writer of a location read from the pre-state.
    memory.record(1, 0, [], new Map([['y', 'b']]))
    expect(memory.validateReadSet(2)).toBe(false)
    memory.record(1, 1, [], new Map())
    expect(memory.validateReadSet(2)).toBe(true)
    // A new incarnation of the writer read from.
    memory.record(0, 1, [], new Map([['x', 'a']]))
    expect(memory.validateReadSet(2)).toBe(false)
  })

  it('fails validation on an ESTIMATE', () => {
    const memory = new MultiVersionMemory<string>(2)
    memory.record(0, 0, [], new Map([['x', 'a']]))
    memory.record(1, 0, [{ location: 'x', txIndex: 0, incarnation: 0 }], new Map())
    memory.convertWritesToEstimates(0)
    expect(memory.validateReadSet(1)).toBe(false)
  })
})
