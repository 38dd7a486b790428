import { describe, expect, it } from 'vitest'
import { DEFAULT_TRACE_TIMEOUT_MS, parseTraceConfig, TraceConfigError } from './parseTraceConfig.ts'

describe('parseTraceConfig', () => {
  it('defaults to the struct logger with geth defaults', () => {
    const structLogger = {
      tracer: 'structLogger',
      timeoutMs: DEFAULT_TRACE_TIMEOUT_MS,
      config: {
        enableMemory: false,
        disableStack: false,
        disableStorage: false,
        enableReturnData: false,
        limit: 0,
      },
    }
    expect(parseTraceConfig(undefined)).toEqual(structLogger)
    expect(parseTraceConfig(null)).toEqual(structLogger)
    expect(parseTraceConfig({ tracer: null, onlyTopCall: true })).toEqual(structLogger)
    expect(
      parseTraceConfig({
        enableMemory: true,
        disableStack: true,
        disableStorage: true,
        enableReturnData: true,
        limit: 10,
      }),
    ).toMatchObject({
      config: {
        enableMemory: true,
        disableStack: true,
        disableStorage: true,
        enableReturnData: true,
        limit: 10,
      },
    })
  })

  it("reads a named tracer's options from tracerConfig", () => {
    expect(
      parseTraceConfig({ tracer: 'callTracer', tracerConfig: { onlyTopCall: true, withLog: true } }),
    ).toEqual({
      tracer: 'callTracer',
      timeoutMs: DEFAULT_TRACE_TIMEOUT_MS,
      config: { onlyTopCall: true, withLog: true },
    })
    expect(parseTraceConfig({ tracer: 'callTracer', withLog: true })).toMatchObject({
      config: { withLog: false },
    })
    expect(parseTraceConfig({ tracer: 'prestateTracer', tracerConfig: { diffMode: true } })).toEqual({
      tracer: 'prestateTracer',
      timeoutMs: DEFAULT_TRACE_TIMEOUT_MS,
      config: { diffMode: true, disableCode: false, disableStorage: false, includeEmpty: false },
    })
  })

  it("reads geth's other tracers: flatCallTracer's options, 4byte and noop, several under muxTracer", () => {
    expect(
      parseTraceConfig({ tracer: 'flatCallTracer', tracerConfig: { convertParityErrors: true } }),
    ).toEqual({
      tracer: 'flatCallTracer',
      timeoutMs: DEFAULT_TRACE_TIMEOUT_MS,
      config: { convertParityErrors: true, includePrecompiles: false },
    })
    expect(parseTraceConfig({ tracer: '4byteTracer', tracerConfig: { ignored: 1 } })).toMatchObject({
      config: {},
    })
    expect(parseTraceConfig({ tracer: 'noopTracer' })).toMatchObject({ config: {} })
    expect(
      parseTraceConfig({
        tracer: 'muxTracer',
        tracerConfig: { callTracer: { onlyTopCall: true }, '4byteTracer': null },
      }),
    ).toEqual({
      tracer: 'muxTracer',
      timeoutMs: DEFAULT_TRACE_TIMEOUT_MS,
      config: [
        { tracer: 'callTracer', config: { onlyTopCall: true, withLog: false } },
        { tracer: '4byteTracer', config: {} },
      ],
    })
    expect(() => parseTraceConfig({ tracer: 'muxTracer', tracerConfig: { muxTracer: {} } })).toThrow(
      'muxTracer cannot hold a muxTracer',
    )
    expect(() => parseTraceConfig({ tracer: 'muxTracer', tracerConfig: { structLogger: {} } })).toThrow(
      'tracer not found',
    )
    expect(() =>
      parseTraceConfig({ tracer: 'flatCallTracer', tracerConfig: { includePrecompiles: 'yes' } }),
    ).toThrow('includePrecompiles must be a boolean')
  })

  it('reads timeout as a Go duration', () => {
    const timeout = (value: string) => parseTraceConfig({ timeout: value }).timeoutMs
    expect(timeout('10s')).toBe(10_000)
    expect(timeout('300ms')).toBe(300)
    expect(timeout('1m30s')).toBe(90_000)
    expect(timeout('1.5h')).toBe(5_400_000)
    expect(timeout('0')).toBe(0)
    expect(() => timeout('10')).toThrow('time: invalid duration "10"')
    expect(() => timeout('ten seconds')).toThrow(TraceConfigError)
    expect(() => parseTraceConfig({ timeout: 10 })).toThrow('timeout must be a string')
  })

  it('refuses fields of the wrong type, a tracer Velox lacks, and diffMode with includeEmpty', () => {
    expect(() => parseTraceConfig({ enableMemory: 'yes' })).toThrow(
      'enableMemory must be a boolean, not "yes"',
    )
    expect(() => parseTraceConfig({ limit: 1.5 })).toThrow('limit must be an integer')
    expect(() => parseTraceConfig({ tracer: 'callTracer', tracerConfig: { onlyTopCall: 1 } })).toThrow(
      'onlyTopCall must be a boolean',
    )
    expect(() => parseTraceConfig({ tracer: 'callTracer', tracerConfig: [] })).toThrow(
      'tracerConfig must be an object',
    )
    expect(() => parseTraceConfig('callTracer')).toThrow('trace config must be an object')
    expect(() => parseTraceConfig({ tracer: 7 })).toThrow('tracer must be a string')
    const unknown = (() => {
      try {
        parseTraceConfig({ tracer: 'erc7562Tracer' })
      } catch (error) {
        return error
      }
    })()
    expect(unknown).toBeInstanceOf(TraceConfigError)
    expect((unknown as TraceConfigError).shortMessage).toBe('tracer not found')
    expect((unknown as TraceConfigError).details).toContain('"erc7562Tracer"')
    expect(() =>
      parseTraceConfig({ tracer: 'prestateTracer', tracerConfig: { diffMode: true, includeEmpty: true } }),
    ).toThrow('cannot use diffMode with includeEmpty')
  })
})
