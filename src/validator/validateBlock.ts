import type { Hash, Hex } from 'viem'
import { VeloxError } from '../errors/base.ts'
import type { Fork } from '../evm/evm.ts'
import { EvmState } from '../evm/evmState.ts'
import { precompilesFor } from '../evm/precompiles/index.ts'
import {
  BlockDecodingError,
  type DecodedBlock,
  decodeBlock,
  decodeBlockHeader,
} from '../execution/blockCodec.ts'
import { blockExecutionMismatches } from '../execution/blockExecutionMismatches.ts'
import { type BlockHeader, hashBlockHeader } from '../execution/blockHeader.ts'
import {
  type BlockExecution,
  executableBlockOf,
  executeBlock,
  InvalidBlockError,
  type RecoveredTransaction,
} from '../execution/executeBlock.ts'
import {
  executeBlockPartitioned,
  type PartitionedBlockExecution,
  type PartitionedOptions,
  type PartitionStats,
} from '../execution/parallel/executePartitioned.ts'
import { sliceWitness } from '../execution/parallel/preStateSlice.ts'
import { bytesToHex } from '../primitives/hex.ts'
import { keccak256 } from '../primitives/keccak256.ts'
import { recoverSender } from '../primitives/recoverSender.ts'
import { decodeRlp, type RlpItem } from '../primitives/rlp.ts'
import { decodeTransaction } from '../primitives/transaction.ts'
import { decodeTrieAccount, StateTrie, type TrieAccount } from '../state/stateTrie.ts'
import {
  EMPTY_TRIE_ROOT,
  MissingTrieNodeError,
  type TrieNodeStore,
} from '../state/trie/merklePatriciaTrie.ts'
import { TrieStateReader } from '../state/trieStateReader.ts'
import type { ExecutionWitness } from '../state/witness.ts'

/** BLOCKHASH sees the 256 most recent ancestors. */
const BLOCKHASH_WINDOW = 256n

/** Why a block did not validate. Each is its own kind: none of them is ever a pass. */
export type ValidationFailureKind =
  /** The block's RLP is not a post-merge block, or a transaction in it does not decode or recover. */
  | 'malformed-block'
  /** A witness header does not decode. */
  | 'malformed-witness'
  /** The witness lacks the parent header, or an ancestor BLOCKHASH needs. */
  | 'missing-header'
  /** A witness trie node is not reachable from the parent state root: altered, or not this state's. */
  | 'tampered-node'
  /** Execution or the state-root update reached a trie node the witness does not hold. */
  | 'missing-node'
  /** A witness bytecode is the code of no account the witness proves: altered, or foreign. */
  | 'wrong-code'
  /** Execution loaded code the witness does not hold. */
  | 'missing-code'
  /** A transaction of the block could not be included. */
  | 'invalid-transaction'
  /** Execution disagrees with a header field other than the state root (receipts, bloom, gas…). */
  | 'header-mismatch'
  /** The recomputed post-state root is not the header's. */
  | 'state-root-mismatch'

export class BlockValidationError extends VeloxError {
  override name = 'BlockValidationError'
  readonly kind: ValidationFailureKind

  constructor(kind: ValidationFailureKind, message: string, cause?: unknown) {
    super(`block failed stateless validation (${kind})`, { details: message, cause })
    this.kind = kind
  }
}

export type ChainRules = { chainId: bigint; fork: Fork }

export type ValidationReport = {
  number: bigint
  hash: Hash
  stateRoot: Hash
  transactions: number
  gasUsed: bigint
  /** Trie nodes, codes and headers the witness held. */
  witnessNodes: number
  witnessCodes: number
  witnessHeaders: number
}

/**
 * Checks a block from its execution witness alone, as the design's stateless validator: the
 * witness's trie nodes, keyed by their hashes, form a partial state under the parent header's state
 * root; every node must hang off that root and every code off an account it proves. The block is
 * then re-executed on that partial state, its receipts, bloom and gas checked against its header,
 * and its writes applied to the same partial trie to recompute the post-state root.
 * Throws BlockValidationError with the failure's kind; returns a report when the block holds.
 */
export function validateBlock(
  block: Uint8Array | BlockToValidate,
  witness: ExecutionWitness,
  rules: ChainRules,
): ValidationReport {
  const opened = openWitness(block, witness)
  let execution: BlockExecution
  try {
    execution = executeBlock(
      opened.state,
      executableBlockOf(opened.block.header, opened.transactions, opened.block.withdrawals, rules.fork),
      { ...executionOptions(rules), blockHash: opened.blockHash },
    )
  } catch (error) {
    throw asValidationFailure(error)
  }
  return finishValidation(opened, execution, witness)
}

/**
 * validateBlock with the transactions run by partitioned parallel execution on `pool`: each group
 * of executors gets a witness slice (the nodes proving what it is predicted to touch, cut from this
 * witness) as its pre-state. The same checks, failures and report as validateBlock.
 */
export async function validateBlockParallel(
  block: Uint8Array | BlockToValidate,
  witness: ExecutionWitness,
  rules: ChainRules,
  options: Pick<PartitionedOptions, 'pool' | 'predictor' | 'alwaysDispatch' | 'minGasPerTransaction'>,
): Promise<ValidationReport & { partition: PartitionStats }> {
  const opened = openWitness(block, witness)
  const { trie, codes } = opened
  const parentStateRoot = opened.parent.header.stateRoot
  let execution: PartitionedBlockExecution
  try {
    execution = await executeBlockPartitioned(
      opened.state,
      executableBlockOf(opened.block.header, opened.transactions, opened.block.withdrawals, rules.fork),
      {
        ...executionOptions(rules),
        blockHash: opened.blockHash,
        pool: options.pool,
        predictor: options.predictor,
        ...(options.alwaysDispatch ? { alwaysDispatch: true } : {}),
        ...(options.minGasPerTransaction !== undefined
          ? { minGasPerTransaction: options.minGasPerTransaction }
          : {}),
        slicePreState: (access) =>
          sliceWitness(
            trie,
            parentStateRoot,
            (codeHash) => codes.get(codeHash),
            access,
            opened.ancestorHashes,
          ),
      },
    )
  } catch (error) {
    throw asValidationFailure(error)
  }
  return { ...finishValidation(opened, execution, witness), partition: execution.partition }
}

/** A witness opened as the partial state a block executes on: see openWitnessState. */
export type WitnessState = {
  /** The parent header, found among the witness's headers by the hash the child names. */
  parent: { header: BlockHeader; hash: Hash }
  trie: StateTrie
  /** The witness's nodes by hash: another trie over the parent state can be opened on them. */
  nodes: TrieNodeStore
  codes: ReadonlyMap<Hex, Uint8Array>
  /** The parent state as far as the witness proves it; a read beyond it throws MissingTrieNodeError. */
  reader: TrieStateReader
  blockHash: (number: bigint) => bigint
  /** What BLOCKHASH answers from the witness's headers, for executors' slices. */
  ancestorHashes: Map<bigint, bigint>
}

type OpenedWitness = WitnessState & {
  block: DecodedBlock
  transactions: RecoveredTransaction[]
  state: EvmState
}

/**
 * A block as validation executes it, decoded and its senders recovered, for a caller that does that
 * itself (the background validator recovers a few senders at a time, so as not to hold its thread
 * for the whole block): decodeBlockToValidate, then recoverBlockTransaction for each transaction.
 */
export type BlockToValidate = { block: DecodedBlock; transactions: RecoveredTransaction[] }

/**
 * The witness's trie nodes, keyed by their hashes, form a partial state under the parent header's
 * state root; every node must hang off that root and every code off an account it proves. A block
 * given as RLP is decoded first and its senders recovered after the witness is opened.
 */
function openWitness(input: Uint8Array | BlockToValidate, witness: ExecutionWitness): OpenedWitness {
  const block = input instanceof Uint8Array ? decodeBlockToValidate(input) : input.block
  const opened = openWitnessState(block.header, witness)
  const transactions =
    input instanceof Uint8Array ? block.transactions.map(recoverBlockTransaction) : input.transactions
  if (transactions.length !== block.transactions.length)
    throw new Error(`${transactions.length} transactions given for the block's ${block.transactions.length}`)
  return { ...opened, block, transactions, state: new EvmState(opened.reader) }
}

/**
 * The partial parent state a witness gives a block: `child` names its parent by hash (the witness
 * must hold that header, and older ones only along parentHash links); every trie node must hang
 * off the parent's state root and every code off an account the nodes prove. Derivation from a
 * committed root (src/l1/deriveChain.ts) executes on it as validation does. Throws
 * BlockValidationError.
 */
export function openWitnessState(
  child: { number: bigint; parentHash: Hash },
  witness: ExecutionWitness,
): WitnessState {
  const ancestors = ancestorsOf(child, witness.headers)
  const parent = ancestors.get(child.number - 1n)!

  const nodes = new Map<Hex, Uint8Array>()
  for (const node of witness.state) nodes.set(bytesToHex(keccak256(node)), node)
  const provenCodeHashes = checkNodesReachable(nodes, parent.header.stateRoot)
  const codes = new Map<Hex, Uint8Array>()
  for (const code of witness.codes) {
    const codeHash = bytesToHex(keccak256(code))
    if (!provenCodeHashes.has(codeHash))
      throw new BlockValidationError(
        'wrong-code',
        `witness code with hash ${codeHash} is the code of no account the witness proves`,
      )
    codes.set(codeHash, code)
  }

  const store: TrieNodeStore = {
    get: (nodeHash) => nodes.get(bytesToHex(nodeHash)),
    put: () => {},
  }
  const trie = new StateTrie(store, parent.header.stateRoot)
  const reader = new TrieStateReader(trie, (codeHash) => {
    const code = codes.get(codeHash)
    if (!code)
      throw new BlockValidationError('missing-code', `execution needs code ${codeHash}, not in the witness`)
    return code
  })
  const blockHash = (number: bigint) => {
    if (number > parent.header.number || number + BLOCKHASH_WINDOW <= parent.header.number) return 0n
    const ancestor = ancestors.get(number)
    if (!ancestor)
      throw new BlockValidationError(
        'missing-header',
        `BLOCKHASH(${number}) needs a header the witness lacks`,
      )
    return BigInt(ancestor.hash)
  }
  const ancestorHashes = new Map<bigint, bigint>()
  for (const [number, ancestor] of ancestors)
    if (number <= parent.header.number && number + BLOCKHASH_WINDOW > parent.header.number)
      ancestorHashes.set(number, BigInt(ancestor.hash))
  return { parent, trie, nodes: store, codes, reader, blockHash, ancestorHashes }
}

/** The executed block against its header, then its writes applied to the trie for the post-state root. */
function finishValidation(
  { block, transactions, trie, state }: OpenedWitness,
  execution: BlockExecution,
  witness: ExecutionWitness,
): ValidationReport {
  const { header, hash } = block
  const mismatches = blockExecutionMismatches(block, execution)
  if (mismatches.length > 0)
    throw new BlockValidationError(
      'header-mismatch',
      mismatches.map(({ field, got, want }) => `${field}: executed ${got}, header ${want}`).join('; '),
    )
  const stateRoot = failOnMissingState(() => {
    trie.apply(state.changes())
    return trie.root()
  })
  if (stateRoot !== header.stateRoot)
    throw new BlockValidationError(
      'state-root-mismatch',
      `post-state root ${stateRoot}, header ${header.stateRoot}`,
    )
  return {
    number: header.number,
    hash,
    stateRoot,
    transactions: transactions.length,
    gasUsed: execution.gasUsed,
    witnessNodes: witness.state.length,
    witnessCodes: witness.codes.length,
    witnessHeaders: witness.headers.length,
  }
}

function executionOptions(rules: ChainRules) {
  return { fork: rules.fork, chainId: rules.chainId, precompiles: precompilesFor(rules.fork) }
}

/** The block's RLP decoded; a block that does not decode is a BlockValidationError ('malformed-block'). */
export function decodeBlockToValidate(blockRlp: Uint8Array): DecodedBlock {
  try {
    return decodeBlock(blockRlp)
  } catch (error) {
    if (error instanceof BlockDecodingError)
      throw new BlockValidationError('malformed-block', error.message, error)
    throw error
  }
}

/**
 * The block's transaction `index` (its raw bytes) decoded, with its sender; one that does not decode
 * or recover is a BlockValidationError ('malformed-block').
 */
export function recoverBlockTransaction(raw: Uint8Array, index: number): RecoveredTransaction {
  try {
    const tx = decodeTransaction(raw)
    return { ...tx, sender: recoverSender(tx) }
  } catch (error) {
    throw new BlockValidationError(
      'malformed-block',
      `transaction ${index} does not decode or recover: ${(error as Error).message}`,
      error,
    )
  }
}

/** Execution's failures as validation failures: an invalid transaction, a walk off the witness. */
export function asValidationFailure(error: unknown): unknown {
  if (error instanceof InvalidBlockError)
    return new BlockValidationError('invalid-transaction', error.message, error)
  if (error instanceof MissingTrieNodeError)
    return new BlockValidationError('missing-node', `${error.message} is not in the witness`, error)
  return error
}

/** A trie walk that leaves the witness is a missing node, wherever it happens. */
function failOnMissingState<T>(run: () => T): T {
  try {
    return run()
  } catch (error) {
    throw asValidationFailure(error)
  }
}

/**
 * The witness headers by number, from the parent back along parentHash links. A header that is
 * not on that chain is ignored; the parent must be there.
 */
function ancestorsOf(
  header: { number: bigint; parentHash: Hash },
  encodedHeaders: readonly Uint8Array[],
): Map<bigint, { header: BlockHeader; hash: Hash }> {
  const byHash = new Map<Hash, BlockHeader>()
  for (const [index, encoded] of encodedHeaders.entries()) {
    let decoded: BlockHeader
    try {
      decoded = decodeBlockHeader(decodeRlp(encoded))
    } catch (error) {
      throw new BlockValidationError(
        'malformed-witness',
        `witness header ${index}: ${(error as Error).message}`,
        error,
      )
    }
    byHash.set(hashBlockHeader(decoded), decoded)
  }
  const ancestors = new Map<bigint, { header: BlockHeader; hash: Hash }>()
  let hash = header.parentHash
  let expectedNumber = header.number - 1n
  for (let ancestor = byHash.get(hash); ancestor; ancestor = byHash.get(hash)) {
    if (ancestor.number !== expectedNumber)
      throw new BlockValidationError(
        'malformed-witness',
        `header ${hash} is numbered ${ancestor.number}, its child says ${expectedNumber}`,
      )
    ancestors.set(ancestor.number, { header: ancestor, hash })
    hash = ancestor.parentHash
    expectedNumber--
  }
  if (!ancestors.has(header.number - 1n))
    throw new BlockValidationError(
      'missing-header',
      `the witness lacks the parent header ${header.parentHash}`,
    )
  return ancestors
}

/**
 * Walks the witness's nodes from the state root (account trie, then each proven account's storage
 * trie) and fails on any node the walk does not reach: a node whose bytes were altered hashes to
 * something its parent does not refer to. Returns the code hashes of the accounts proven.
 */
function checkNodesReachable(nodes: ReadonlyMap<Hex, Uint8Array>, stateRoot: Hash): Set<Hex> {
  const reached = new Set<Hex>()
  const codeHashes = new Set<Hex>()
  const pending: { hash: Hex; accountTrie: boolean }[] = [{ hash: stateRoot, accountTrie: true }]
  const follow = (reference: RlpItem, accountTrie: boolean): void => {
    if (reference instanceof Uint8Array) {
      if (reference.length === 32) pending.push({ hash: bytesToHex(reference), accountTrie })
    } else visit(reference, accountTrie)
  }
  const visit = (node: RlpItem, accountTrie: boolean): void => {
    if (!Array.isArray(node)) return
    if (node.length === 17) {
      for (let i = 0; i < 16; i++) follow(node[i]!, accountTrie)
      return
    }
    const [path, child] = node
    if (!(path instanceof Uint8Array) || path.length === 0 || child === undefined) return
    const isLeaf = path[0]! >> 4 >= 2
    if (!isLeaf) {
      follow(child, accountTrie)
      return
    }
    if (!accountTrie || !(child instanceof Uint8Array)) return
    let account: TrieAccount
    try {
      account = decodeTrieAccount(child)
    } catch (error) {
      throw new BlockValidationError(
        'tampered-node',
        `an account leaf does not decode: ${(error as Error).message}`,
      )
    }
    codeHashes.add(account.codeHash)
    if (account.storageRoot !== EMPTY_TRIE_ROOT)
      pending.push({ hash: account.storageRoot, accountTrie: false })
  }
  for (let next = pending.pop(); next; next = pending.pop()) {
    if (reached.has(next.hash)) continue
    const encoded = nodes.get(next.hash)
    if (!encoded) continue
    reached.add(next.hash)
    let decoded: RlpItem
    try {
      decoded = decodeRlp(encoded)
    } catch (error) {
      throw new BlockValidationError('tampered-node', `witness node ${next.hash} is not RLP`, error)
    }
    visit(decoded, next.accountTrie)
  }
  if (reached.size < nodes.size)
    for (const hash of nodes.keys())
      if (!reached.has(hash))
        throw new BlockValidationError(
          'tampered-node',
          `witness node ${hash} is not reachable from the parent state root ${stateRoot}`,
        )
  return codeHashes
}
