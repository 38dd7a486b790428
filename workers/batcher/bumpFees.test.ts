import { describe, expect, it } from 'vitest'
import { bumpFees, type L1Fees } from './bumpFees.ts'

const caps = { maxFeePerGas: 1_000n, maxFeePerBlobGas: 1_000n }
const calldata = (maxFeePerGas: bigint, maxPriorityFeePerGas: bigint): L1Fees => ({
  maxFeePerGas,
  maxPriorityFeePerGas,
  maxFeePerBlobGas: null,
})

describe('bumpFees', () => {
  it('offers the market fees for a nonce never used', () => {
    expect(bumpFees(null, calldata(300n, 20n), caps)).toEqual({ ok: true, fees: calldata(300n, 20n) })
  })

  it('raises tip and fee cap by geth legacypool PriceBump (10%) over the previous version', () => {
    expect(bumpFees(calldata(300n, 20n), calldata(250n, 10n), caps)).toEqual({
      ok: true,
      fees: calldata(330n, 22n),
    })
  })

  it('keeps the market fees where they are above the bumped ones', () => {
    expect(bumpFees(calldata(300n, 20n), calldata(500n, 40n), caps)).toEqual({
      ok: true,
      fees: calldata(500n, 40n),
    })
  })

  it('moves fees of a few wei by at least one', () => {
    expect(bumpFees(calldata(5n, 1n), calldata(1n, 1n), caps)).toEqual({ ok: true, fees: calldata(6n, 2n) })
  })

  it('doubles all three caps of a blob transaction (geth blobpool PriceBump 100%)', () => {
    const previous = { maxFeePerGas: 100n, maxPriorityFeePerGas: 10n, maxFeePerBlobGas: 40n }
    const market = { maxFeePerGas: 100n, maxPriorityFeePerGas: 10n, maxFeePerBlobGas: 40n }
    expect(bumpFees(previous, market, caps)).toEqual({
      ok: true,
      fees: { maxFeePerGas: 200n, maxPriorityFeePerGas: 20n, maxFeePerBlobGas: 80n },
    })
  })

  it('refuses past the caps and says which', () => {
    const bumped = bumpFees(calldata(950n, 20n), calldata(900n, 20n), caps)
    expect(bumped.ok).toBe(false)
    if (!bumped.ok) expect(bumped.exceeds).toBe('maxFeePerGas 1045 > cap 1000')
    const blob = bumpFees(
      { maxFeePerGas: 100n, maxPriorityFeePerGas: 10n, maxFeePerBlobGas: 600n },
      { maxFeePerGas: 100n, maxPriorityFeePerGas: 10n, maxFeePerBlobGas: 1n },
      caps,
    )
    expect(blob.ok).toBe(false)
    if (!blob.ok) expect(blob.exceeds).toBe('maxFeePerBlobGas 1200 > cap 1000')
  })
})
