/**
 * geth's prestateTracer (eth/tracers/native/prestate.go): the accounts and slots a transaction
 * touched, as they were when it first touched them — which is before the transaction: the sender,
 * recipient (or created address) and coinbase are read before it starts, and every other account
 * when an opcode first names it (BALANCE, EXTCODE*, CALL*, CREATE*, SELFDESTRUCT), slots when
 * SLOAD or SSTORE first names them. geth's rules, followed here:
 *
 * - accounts empty when first read (no nonce, balance or code) are left out, unless includeEmpty;
 * - `nonce` is left out when 0, `code` when empty, `codeHash` when there is no code;
 * - diffMode: `post` holds what changed in each account (balance, nonce, code hash, code, slots),
 *   `pre` only the accounts that changed and of those only the changed, non-zero slots; an account
 *   deleted by SELFDESTRUCT stays in `pre` and is left out of `post`; one that does not exist
 *   afterwards reports geth's zero code hash.
 *
 * An opcode that fails before it runs (stack, gas) reads nothing, as geth's hook never sees it:
 * what its step read is undone at the fault.
 */
import type { Address, Hex } from 'viem'
import { create2Address, createAddress, delegationTarget, type Fork, wordToAddress } from '../../evm/evm.ts'
import type { EvmState } from '../../evm/evmState.ts'
import type { EvmTracer, TracedFrame } from '../../evm/evmTracer.ts'
import { bytesToHex, equalBytes } from '../../primitives/hex.ts'
import { recoverAddress } from '../../primitives/recoverSender.ts'
import { type Authorization, SECP256K1_N } from '../../primitives/transaction.ts'
import { wordHex } from '../../primitives/words.ts'
import { EMPTY_CODE_HASH } from '../../state/stateView.ts'
import { authorizationSigningHash } from '../applyAuthorizations.ts'
import type { EvmTransaction } from '../processTransaction.ts'
import { gethFault } from './gethVmError.ts'
import type { PrestateTracerConfig } from './parseTraceConfig.ts'
import type { TraceDeadline } from './traceDeadline.ts'

/** geth's GetCodeHash of an account that does not exist. */
const ZERO_HASH: Hex = '0x0000000000000000000000000000000000000000000000000000000000000000'
/** geth pads a CREATE2 initcode read past memory's end by at most this much (tracers/internal). */
const MAX_MEMORY_PADDING = 1024 * 1024
const HALF_N = SECP256K1_N / 2n
const EMPTY_CODE = new Uint8Array(0)

// The opcodes that name a slot or an account, as geth's tracers read them (createAccessList too).
export const SLOAD = 0x54
export const SSTORE = 0x55
/** BALANCE, EXTCODESIZE, EXTCODECOPY, EXTCODEHASH, SELFDESTRUCT: the account on top of the stack. */
export const NAMES_ACCOUNT_ON_TOP = new Set([0x31, 0x3b, 0x3c, 0x3f, 0xff])
const SELFDESTRUCT = 0xff
/** CALL, CALLCODE, DELEGATECALL, STATICCALL: the account second on the stack. */
export const CALLS = new Set([0xf1, 0xf2, 0xf4, 0xfa])
const CREATE = 0xf0
const CREATE2 = 0xf5

export type PrestateAccountJson = {
  balance?: Hex
  code?: Hex
  codeHash?: Hex
  nonce?: number
  storage?: Record<Hex, Hex>
}

export type PrestateJson = Record<Address, PrestateAccountJson>
export type PrestateDiffJson = { post: PrestateJson; pre: PrestateJson }

type Account = {
  balance: bigint
  nonce: bigint
  /** undefined: no code (or disableCode). */
  code: Uint8Array | undefined
  codeHash: Hex | undefined
  storage: Map<bigint, bigint> | undefined
  /** Empty when first read: left out of the result unless includeEmpty. */
  empty: boolean
}

type PostAccount = {
  balance: bigint | undefined
  nonce: bigint
  code: Uint8Array | undefined
  codeHash: Hex | undefined
  storage: Map<bigint, bigint>
}

export type PrestateContext = { fork: Fork; coinbase: Address; chainId: bigint }

export class PrestateTracer implements EvmTracer {
  private readonly pre = new Map<Address, Account>()
  private readonly created = new Set<Address>()
  private readonly deleted = new Set<Address>()
  /** What the current step read, undone if the step fails before it runs. */
  private readonly undo: (() => void)[] = []
  private lastOp = 0
  private lastGas = 0

  constructor(
    private readonly state: EvmState,
    private readonly config: PrestateTracerConfig,
    private readonly deadline: TraceDeadline,
    private readonly context: PrestateContext,
  ) {}

  /** geth's OnTxStart: call before the transaction runs, with the state as it is then. */
  begin(tx: EvmTransaction): void {
    let to: Address
    if (tx.to === null) {
      to = createAddress(tx.sender, this.state.getNonce(tx.sender))
      this.created.add(to)
    } else {
      to = tx.to
      if (this.context.fork === 'prague') {
        const delegate = delegationTarget(this.state.getCode(to))
        if (delegate) this.lookupAccount(delegate)
      }
    }
    this.lookupAccount(tx.sender)
    this.lookupAccount(to)
    this.lookupAccount(this.context.coinbase)
    for (const authorization of tx.authorizationList) {
      const authority = authorityOf(authorization)
      if (authority) this.lookupAccount(authority)
    }
    this.undo.length = 0
  }

  onEnter(): void {}

  onExit(): void {}

  onLog(): void {}

  onSelfDestruct(): void {}

  onFault(frame: TracedFrame, reason: string): void {
    if (!gethFault(this.lastOp, reason, frame.stack, frame.sp, BigInt(this.lastGas)).beforeStep) return
    for (let i = this.undo.length - 1; i >= 0; i--) this.undo[i]!()
    this.undo.length = 0
  }

  onStep(frame: TracedFrame, op: number): void {
    this.deadline.check()
    this.lastOp = op
    this.lastGas = frame.gas
    this.undo.length = 0
    const { stack, sp } = frame
    const self = frame.message.target
    if ((op === SLOAD || op === SSTORE) && sp >= 1) this.lookupStorage(self, stack[sp - 1]!)
    else if (NAMES_ACCOUNT_ON_TOP.has(op) && sp >= 1) {
      this.lookupAccount(wordToAddress(stack[sp - 1]!))
      // EIP-6780: only a contract created in this transaction is deleted.
      if (op === SELFDESTRUCT && this.created.has(self)) this.mark(this.deleted, self)
    } else if (CALLS.has(op) && sp >= 5) {
      const address = wordToAddress(stack[sp - 2]!)
      this.lookupAccount(address)
      if (this.context.fork === 'prague') {
        const delegate = delegationTarget(this.state.getCode(address))
        if (delegate) this.lookupAccount(delegate)
      }
    } else if (op === CREATE) {
      const address = createAddress(self, this.state.getNonce(self))
      this.lookupAccount(address)
      this.mark(this.created, address)
    } else if (op === CREATE2 && sp >= 4) {
      const initcode = memoryPadded(frame, stack[sp - 2]!, stack[sp - 3]!)
      if (initcode === undefined) return
      const address = create2Address(self, stack[sp - 4]!, initcode)
      this.lookupAccount(address)
      this.mark(this.created, address)
    }
  }

  /** geth's OnTxEnd and GetResult: call after the transaction, with the state it left. */
  result(): PrestateJson | PrestateDiffJson {
    const post = this.config.diffMode ? this.diff() : undefined
    if (!this.config.includeEmpty)
      for (const [address, account] of this.pre) if (account.empty) this.pre.delete(address)
    const pre = accountsJson(this.pre, (account) => preAccountJson(account))
    if (post === undefined) return pre
    return { post: accountsJson(post, postAccountJson), pre }
  }

  /** geth's processDiffState: what changed, and `pre` trimmed to it. */
  private diff(): Map<Address, PostAccount> {
    const state = this.state
    const post = new Map<Address, PostAccount>()
    for (const [address, account] of this.pre) {
      if (this.deleted.has(address)) continue
      let modified = false
      const after: PostAccount = {
        balance: undefined,
        nonce: 0n,
        code: undefined,
        codeHash: undefined,
        storage: new Map(),
      }
      const balance = state.getBalance(address)
      if (balance !== account.balance) {
        modified = true
        after.balance = balance
      }
      const nonce = state.getNonce(address)
      if (nonce !== account.nonce) {
        modified = true
        after.nonce = nonce
      }
      const codeHash = state.exists(address) ? state.getCodeHash(address) : ZERO_HASH
      if (codeHash !== (account.codeHash ?? EMPTY_CODE_HASH)) {
        modified = true
        after.codeHash = codeHash
      }
      if (!this.config.disableCode) {
        const code = state.getCode(address)
        if (!equalBytes(code, account.code ?? EMPTY_CODE)) {
          modified = true
          after.code = code
        }
      }
      if (account.storage !== undefined)
        for (const [slot, value] of account.storage) {
          // Zero slots leave `pre`; unchanged ones too.
          if (value === 0n) account.storage.delete(slot)
          const now = state.getStorage(address, slot)
          if (now === value) account.storage.delete(slot)
          else {
            modified = true
            if (now !== 0n) after.storage.set(slot, now)
          }
        }
      if (modified) post.set(address, after)
      else this.pre.delete(address)
    }
    return post
  }

  private lookupAccount(address: Address): void {
    if (this.pre.has(address)) return
    const state = this.state
    const code = state.getCode(address)
    const codeHash = state.exists(address) ? state.getCodeHash(address) : ZERO_HASH
    const account: Account = {
      balance: state.getBalance(address),
      nonce: state.getNonce(address),
      code: code.length > 0 && !this.config.disableCode ? code : undefined,
      codeHash: codeHash !== ZERO_HASH && codeHash !== EMPTY_CODE_HASH ? codeHash : undefined,
      storage: this.config.disableStorage ? undefined : new Map(),
      empty: false,
    }
    account.empty = account.nonce === 0n && code.length === 0 && account.balance === 0n
    this.pre.set(address, account)
    this.undo.push(() => this.pre.delete(address))
  }

  private lookupStorage(address: Address, slot: bigint): void {
    if (this.config.disableStorage) return
    this.lookupAccount(address)
    const storage = this.pre.get(address)!.storage!
    if (storage.has(slot)) return
    storage.set(slot, this.state.getStorage(address, slot))
    this.undo.push(() => storage.delete(slot))
  }

  private mark(set: Set<Address>, address: Address): void {
    if (set.has(address)) return
    set.add(address)
    this.undo.push(() => set.delete(address))
  }
}

/** geth's Authority(): the signer of a well-formed signature, whatever chain or nonce it names. */
function authorityOf(authorization: Authorization): Address | undefined {
  const { r, s, yParity } = authorization
  if (yParity > 1 || r === 0n || r >= SECP256K1_N || s === 0n || s > HALF_N) return undefined
  try {
    return recoverAddress(authorizationSigningHash(authorization), r, s, yParity)
  } catch {
    return undefined
  }
}

/** Memory [offset, offset + size), zero past its end (geth's GetMemoryCopyPadded); undefined past its limit. */
function memoryPadded(frame: TracedFrame, offset: bigint, size: bigint): Uint8Array | undefined {
  const active = BigInt(frame.memorySize)
  if (offset + size > active + BigInt(MAX_MEMORY_PADDING)) return undefined
  const copy = new Uint8Array(Number(size))
  if (offset < active)
    copy.set(frame.memory.subarray(Number(offset), Math.min(frame.memorySize, Number(offset + size))))
  return copy
}

/** geth marshals maps with their keys sorted. */
function accountsJson<A>(
  accounts: Map<Address, A>,
  toJson: (account: A) => PrestateAccountJson,
): PrestateJson {
  const json: PrestateJson = {}
  for (const address of [...accounts.keys()].sort()) json[address] = toJson(accounts.get(address)!)
  return json
}

function preAccountJson(account: Account): PrestateAccountJson {
  return {
    balance: quantity(account.balance),
    ...(account.code !== undefined ? { code: bytesToHex(account.code) } : {}),
    ...(account.codeHash !== undefined ? { codeHash: account.codeHash } : {}),
    ...(account.nonce !== 0n ? { nonce: Number(account.nonce) } : {}),
    ...(account.storage !== undefined && account.storage.size > 0
      ? { storage: storageJson(account.storage) }
      : {}),
  }
}

function postAccountJson(account: PostAccount): PrestateAccountJson {
  return {
    ...(account.balance !== undefined ? { balance: quantity(account.balance) } : {}),
    ...(account.code !== undefined ? { code: bytesToHex(account.code) } : {}),
    ...(account.codeHash !== undefined ? { codeHash: account.codeHash } : {}),
    ...(account.nonce !== 0n ? { nonce: Number(account.nonce) } : {}),
    ...(account.storage.size > 0 ? { storage: storageJson(account.storage) } : {}),
  }
}

function storageJson(storage: Map<bigint, bigint>): Record<Hex, Hex> {
  const json: Record<Hex, Hex> = {}
  for (const slot of [...storage.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)))
    json[wordHex(slot)] = wordHex(storage.get(slot)!)
  return json
}

function quantity(value: bigint): Hex {
  return `0x${value.toString(16)}`
}
