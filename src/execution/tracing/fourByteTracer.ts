/**
 * geth's 4byteTracer (eth/tracers/native/4byte.go): how often each 4-byte selector was called, with
 * the size of the arguments after it ("0x<selector>-<bytes>": count), so a signature can be matched
 * by name and size. Calls, callcodes, delegatecalls and staticcalls with at least 4 bytes of input,
 * the transaction's own included; creates and the fork's precompiles are left out, as geth does.
 */
import type { Address } from 'viem'
import type { Message } from '../../evm/evm.ts'
import type { EvmTracer } from '../../evm/evmTracer.ts'
import { bytesToHex } from '../../primitives/hex.ts'

export class FourByteTracer implements EvmTracer {
  private readonly counts = new Map<string, number>()

  /** `precompiles`: the fork's (geth's ActivePrecompiles), whatever a call's overrides moved. */
  constructor(private readonly precompiles: ReadonlySet<Address>) {}

  onEnter(message: Message): void {
    if (message.kind === 'create' || message.kind === 'create2') return
    if (message.input.length < 4 || this.precompiles.has(message.codeAddress)) return
    const key = `${bytesToHex(message.input.subarray(0, 4))}-${message.input.length - 4}`
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1)
  }

  onExit(): void {}
  onStep(): void {}
  onFault(): void {}
  onLog(): void {}
  onSelfDestruct(): void {}

  /** Keys in byte order, as Go writes a map. */
  result(): Record<string, number> {
    const result: Record<string, number> = {}
    for (const key of [...this.counts.keys()].sort()) result[key] = this.counts.get(key)!
    return result
  }
}
