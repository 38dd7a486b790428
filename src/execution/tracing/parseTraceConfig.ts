/**
 * geth's TraceConfig (debug_traceTransaction's second parameter, debug_traceCall's third), parsed
 * and checked: the struct logger's options at the top level, a named tracer's under `tracerConfig`,
 * and `timeout` as a Go duration. As geth's JSON decoding, unknown fields are ignored and a field
 * of the wrong type is an error; unlike geth, a tracer name that is not a built-in is refused
 * rather than compiled as JavaScript.
 */
import { VeloxError } from '../../errors/base.ts'

/** geth's defaultTraceTimeout: how long one transaction's trace may run. */
export const DEFAULT_TRACE_TIMEOUT_MS = 5_000

export type StructLoggerConfig = {
  enableMemory: boolean
  disableStack: boolean
  disableStorage: boolean
  enableReturnData: boolean
  /** geth's `limit`: stop logging once the logs' JSON passes this many bytes; 0 for no limit. */
  limit: number
}

export type CallTracerConfig = { onlyTopCall: boolean; withLog: boolean }

export type PrestateTracerConfig = {
  diffMode: boolean
  disableCode: boolean
  disableStorage: boolean
  includeEmpty: boolean
}

/** geth's flatCallTracer: Parity's trace format, from the callTracer's frames. */
export type FlatCallTracerConfig = { convertParityErrors: boolean; includePrecompiles: boolean }

/** A tracer geth registers by name (its directory), with its own options. */
export type NamedTracerConfig =
  | { tracer: 'callTracer'; config: CallTracerConfig }
  | { tracer: 'prestateTracer'; config: PrestateTracerConfig }
  | { tracer: 'flatCallTracer'; config: FlatCallTracerConfig }
  | { tracer: '4byteTracer'; config: Record<string, never> }
  | { tracer: 'noopTracer'; config: Record<string, never> }
  /** Several tracers over one execution; their results by name. */
  | { tracer: 'muxTracer'; config: readonly NamedTracerConfig[] }

export type TraceConfig = { timeoutMs: number } & (
  | { tracer: 'structLogger'; config: StructLoggerConfig }
  | NamedTracerConfig
)

/** A trace config that cannot be honoured: a field of the wrong type, or a tracer Velox lacks. */
export class TraceConfigError extends VeloxError {
  override name = 'TraceConfigError'
}

const BUILT_IN_TRACERS = [
  'callTracer',
  'prestateTracer',
  'flatCallTracer',
  '4byteTracer',
  'noopTracer',
  'muxTracer',
] as const

/** Go's time.ParseDuration units, in milliseconds. */
const DURATION_UNITS_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
}
const DURATION_PART = /(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y

/** `value` is the parameter as it arrived (undefined or null when omitted). */
export function parseTraceConfig(value: unknown): TraceConfig {
  if (value === undefined || value === null) value = {}
  const object = asObject(value, 'trace config')
  const timeoutMs = object.timeout === undefined ? DEFAULT_TRACE_TIMEOUT_MS : parseDuration(object.timeout)
  if (object.tracer === undefined || object.tracer === null) {
    const limit = field(object, 'limit', 'number') ?? 0
    if (!Number.isSafeInteger(limit))
      throw new TraceConfigError('invalid trace config', { details: 'limit must be an integer' })
    return {
      tracer: 'structLogger',
      timeoutMs,
      config: {
        enableMemory: field(object, 'enableMemory', 'boolean') ?? false,
        disableStack: field(object, 'disableStack', 'boolean') ?? false,
        disableStorage: field(object, 'disableStorage', 'boolean') ?? false,
        enableReturnData: field(object, 'enableReturnData', 'boolean') ?? false,
        limit,
      },
    }
  }
  const tracer = field(object, 'tracer', 'string')!
  const tracerConfig =
    object.tracerConfig === undefined || object.tracerConfig === null
      ? {}
      : asObject(object.tracerConfig, 'tracerConfig')
  return { timeoutMs, ...parseNamedTracer(tracer, tracerConfig, false) }
}

/** A named tracer and its `tracerConfig` (for muxTracer, each tracer's name and config in it). */
function parseNamedTracer(
  tracer: string,
  tracerConfig: Record<string, unknown>,
  insideMux: boolean,
): NamedTracerConfig {
  if (tracer === 'callTracer')
    return {
      tracer,
      config: {
        onlyTopCall: field(tracerConfig, 'onlyTopCall', 'boolean') ?? false,
        withLog: field(tracerConfig, 'withLog', 'boolean') ?? false,
      },
    }
  if (tracer === 'prestateTracer') {
    const config = {
      diffMode: field(tracerConfig, 'diffMode', 'boolean') ?? false,
      disableCode: field(tracerConfig, 'disableCode', 'boolean') ?? false,
      disableStorage: field(tracerConfig, 'disableStorage', 'boolean') ?? false,
      includeEmpty: field(tracerConfig, 'includeEmpty', 'boolean') ?? false,
    }
    // geth's words: diff mode must leave out accounts that were empty before.
    if (config.diffMode && config.includeEmpty)
      throw new TraceConfigError('cannot use diffMode with includeEmpty')
    return { tracer, config }
  }
  if (tracer === 'flatCallTracer')
    return {
      tracer,
      config: {
        convertParityErrors: field(tracerConfig, 'convertParityErrors', 'boolean') ?? false,
        includePrecompiles: field(tracerConfig, 'includePrecompiles', 'boolean') ?? false,
      },
    }
  // Neither takes options: geth ignores whatever tracerConfig holds.
  if (tracer === '4byteTracer' || tracer === 'noopTracer') return { tracer, config: {} }
  if (tracer === 'muxTracer') {
    // One level: a mux inside a mux adds nothing but recursion.
    if (insideMux)
      throw new TraceConfigError('invalid trace config', { details: 'muxTracer cannot hold a muxTracer' })
    return {
      tracer,
      config: Object.entries(tracerConfig).map(([name, config]) =>
        parseNamedTracer(name, config === undefined || config === null ? {} : asObject(config, name), true),
      ),
    }
  }
  throw new TraceConfigError('tracer not found', {
    details: `${JSON.stringify(tracer)} is not a built-in tracer (${BUILT_IN_TRACERS.join(', ')}; omit "tracer" for the struct logger)`,
  })
}

type FieldTypes = { boolean: boolean; number: number; string: string }

function field<K extends keyof FieldTypes>(
  object: Record<string, unknown>,
  name: string,
  type: K,
): FieldTypes[K] | undefined {
  const value = object[name]
  if (value === undefined || value === null) return undefined
  if (typeof value !== type)
    throw new TraceConfigError('invalid trace config', {
      details: `${name} must be a ${type}, not ${JSON.stringify(value)}`,
    })
  return value as FieldTypes[K]
}

function asObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new TraceConfigError('invalid trace config', { details: `${what} must be an object` })
  return value as Record<string, unknown>
}

/** Go's time.ParseDuration: "300ms", "1.5h", "2h45m"; a negative or zero duration times out at once. */
function parseDuration(value: unknown): number {
  if (typeof value !== 'string')
    throw new TraceConfigError('invalid trace config', { details: 'timeout must be a string such as "10s"' })
  let text = value
  let sign = 1
  if (text.startsWith('-') || text.startsWith('+')) {
    sign = text.startsWith('-') ? -1 : 1
    text = text.slice(1)
  }
  if (text === '0') return 0
  let total = 0
  DURATION_PART.lastIndex = 0
  while (DURATION_PART.lastIndex < text.length) {
    const match = DURATION_PART.exec(text)
    if (!match) throw new TraceConfigError(`time: invalid duration ${JSON.stringify(value)}`)
    total += Number(match[1]) * DURATION_UNITS_MS[match[2]!]!
  }
  if (text.length === 0) throw new TraceConfigError(`time: invalid duration ${JSON.stringify(value)}`)
  return sign * total
}
