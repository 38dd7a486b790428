/**
 * Parameter parsing at the edge. Every parser names the argument it refuses, in geth's words
 * ("invalid argument 1: hex string without 0x prefix"), so a user knows which one to fix.
 */
import type { Address, Hash, Hex } from 'viem'
import { InvalidParamsError } from './errors.ts'

export type BlockTag = 'latest' | 'pending' | 'earliest' | 'safe' | 'finalized'
export type BlockRef = { tag: BlockTag } | { number: bigint } | { hash: Hash }

const HEX_DIGITS = /^[0-9a-fA-F]*$/

function argError(index: number, message: string): InvalidParamsError {
  return new InvalidParamsError(`invalid argument ${index}: ${message}`)
}

export function expectParams(params: unknown[], min: number, max: number): void {
  if (params.length < min)
    throw new InvalidParamsError(`missing value for required argument ${params.length}`)
  if (params.length > max) throw new InvalidParamsError(`too many arguments, want at most ${max}`)
}

function hexBody(value: unknown, index: number): string {
  if (typeof value !== 'string')
    throw argError(index, `json: cannot unmarshal ${jsonKind(value)} into a hex value`)
  if (!value.startsWith('0x') && !value.startsWith('0X'))
    throw argError(index, 'hex string without 0x prefix')
  const body = value.slice(2)
  if (!HEX_DIGITS.test(body)) throw argError(index, 'invalid hex string')
  return body
}

export function parseAddress(value: unknown, index: number): Address {
  const body = hexBody(value, index)
  if (body.length !== 40)
    throw argError(index, `hex string has length ${body.length}, want 40 for common.Address`)
  return `0x${body.toLowerCase()}`
}

export function parseHash(value: unknown, index: number): Hash {
  const body = hexBody(value, index)
  if (body.length !== 64)
    throw argError(index, `hex string has length ${body.length}, want 64 for common.Hash`)
  return `0x${body.toLowerCase()}`
}

/** Byte data ("0x" + even-length hex), with a size bound checked before decoding. */
export function parseData(value: unknown, index: number, maxBytes: number): Hex {
  const body = hexBody(value, index)
  if (body.length % 2 !== 0) throw argError(index, 'hex string of odd length')
  if (body.length / 2 > maxBytes)
    throw argError(index, `data of ${body.length / 2} bytes exceeds the limit of ${maxBytes}`)
  return `0x${body.toLowerCase()}`
}

/** A QUANTITY: no leading zeros, at most 256 bits. */
export function parseQuantity(value: unknown, index: number, maxBits = 256): bigint {
  const body = hexBody(value, index)
  if (body.length === 0) throw argError(index, 'hex string "0x"')
  if (body.length > 1 && body[0] === '0') throw argError(index, 'hex number with leading zero digits')
  if (body.length * 4 > maxBits + 3) throw argError(index, `hex number > ${maxBits} bits`)
  const n = BigInt(`0x${body}`)
  if (n >= 1n << BigInt(maxBits)) throw argError(index, `hex number > ${maxBits} bits`)
  return n
}

/** A block number or tag (eth_getBlockByNumber and the state methods without EIP-1898 objects). */
export function parseBlockNumberOrTag(value: unknown, index: number): BlockRef {
  if (
    value === 'latest' ||
    value === 'pending' ||
    value === 'earliest' ||
    value === 'safe' ||
    value === 'finalized'
  )
    return { tag: value }
  if (typeof value === 'string' && value.startsWith('0x')) return { number: parseQuantity(value, index, 64) }
  throw argError(index, `invalid block number or tag ${JSON.stringify(value)?.slice(0, 80)}`)
}

/** A block number, a tag, or a block hash (geth's BlockNumberOrHash as a bare string). */
export function parseBlockNumberOrHash(value: unknown, index: number): BlockRef {
  if (typeof value === 'string' && value.length === 66) return { hash: parseHash(value, index) }
  return parseBlockRef(value, index)
}

/** EIP-1898: a number, a tag, or `{ blockNumber }` / `{ blockHash, requireCanonical? }`; absent means latest. */
export function parseBlockRef(value: unknown, index: number): BlockRef {
  if (value === undefined || value === null) return { tag: 'latest' }
  if (typeof value === 'object' && !Array.isArray(value)) {
    const object = value as Record<string, unknown>
    if ('blockHash' in object && 'blockNumber' in object)
      throw argError(index, 'cannot specify both BlockHash and BlockNumber, choose one or the other')
    if ('blockHash' in object) return { hash: parseHash(object.blockHash, index) }
    if ('blockNumber' in object) return parseBlockNumberOrTag(object.blockNumber, index)
    throw argError(index, 'block reference object needs blockHash or blockNumber')
  }
  return parseBlockNumberOrTag(value, index)
}

/** A Go `int` parameter (geth's txIndex, maxResult): a JSON number, whole, within 64 bits. */
export function parseInteger(value: unknown, index: number): number {
  if (typeof value !== 'number')
    throw argError(index, `json: cannot unmarshal ${jsonKind(value)} into Go value of type int`)
  if (!Number.isInteger(value) || Math.abs(value) >= 2 ** 63)
    throw argError(index, `json: cannot unmarshal number ${value} into Go value of type int`)
  return value
}

/** A Go `uint64` parameter (geth's debug_getModifiedAccountsByNumber): a JSON number, whole, 0 to 2^64 - 1. */
export function parseUint64(value: unknown, index: number): bigint {
  if (typeof value !== 'number')
    throw argError(index, `json: cannot unmarshal ${jsonKind(value)} into Go value of type uint64`)
  if (!Number.isInteger(value) || value < 0 || value >= 2 ** 64)
    throw argError(index, `json: cannot unmarshal number ${value} into Go value of type uint64`)
  return BigInt(value)
}

export function parseBoolean(value: unknown, index: number): boolean {
  if (typeof value !== 'boolean')
    throw argError(index, `json: cannot unmarshal ${jsonKind(value)} into Go value of type bool`)
  return value
}

function jsonKind(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  return typeof value
}
