/**
 * eth_simulateV1's `traceTransfers`, as geth's simulation tracer (internal/ethapi/logtracer.go):
 * every movement of ether becomes a log in line with the contract's own, an ERC-20 Transfer event
 * emitted by the ERC-7528 address for ether — the transaction's value, each CALL's or CREATE's,
 * and a SELFDESTRUCT's balance (never DELEGATECALL's or CALLCODE's, which move nothing). A frame
 * that fails takes its logs with it, the transfer that entered it included.
 */
import type { Address } from 'viem'
import type { ExecutionResult, Message } from '../../evm/evm.ts'
import type { Log } from '../../evm/evmState.ts'
import type { EvmTracer, TracedFrame } from '../../evm/evmTracer.ts'
import { writeWordTo } from '../../primitives/words.ts'

/** ERC-7528: the address that stands for ether where a token address is expected. */
export const ETHER_ADDRESS: Address = '0xeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee'
/** keccak256("Transfer(address,address,uint256)"). */
export const TRANSFER_TOPIC = 0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3efn

export class TransferLogTracer implements EvmTracer {
  /** Logs of each open frame, the outermost first: a frame's are its parent's once it succeeds. */
  private readonly frames: Log[][] = []
  private kept: Log[] = []

  /** The transaction's logs and transfers, in order; none if it failed. */
  get logs(): Log[] {
    return this.kept
  }

  onEnter(message: Message): void {
    this.frames.push([])
    const moves = message.kind !== 'delegatecall' && message.kind !== 'callcode' && message.value > 0n
    if (moves) this.addTransfer(message.caller, message.target, message.value)
  }

  onExit(message: Message, result: ExecutionResult): void {
    const logs = this.frames.pop()!
    const succeeded = result.status === 'success'
    if (message.depth === 0) this.kept = succeeded ? logs : []
    else if (succeeded) this.frames[this.frames.length - 1]!.push(...logs)
  }

  onStep(): void {}

  onFault(): void {}

  onLog(_frame: TracedFrame, log: Log): void {
    this.frames[this.frames.length - 1]!.push(log)
  }

  onSelfDestruct(frame: TracedFrame, beneficiary: Address, balance: bigint): void {
    if (balance > 0n) this.addTransfer(frame.message.target, beneficiary, balance)
  }

  private addTransfer(from: Address, to: Address, value: bigint): void {
    const data = new Uint8Array(32)
    writeWordTo(data, 0, value)
    this.frames[this.frames.length - 1]!.push({
      address: ETHER_ADDRESS,
      topics: [TRANSFER_TOPIC, BigInt(from), BigInt(to)],
      data,
    })
  }
}
