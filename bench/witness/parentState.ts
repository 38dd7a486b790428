/**
 * The state a measured block runs on, built untimed, in two steps:
 *
 *   base (once)          the workloads' sender, the fork's system contracts and STATE_ACCOUNTS
 *                        funded accounts, in a MemoryState and committed to a state trie in a
 *                        MemoryNodeStore; its genesis header is block 0
 *   parent (per workload) block 1: the workload's setup transactions run on a copy of the base,
 *                        then every Token deployed is given TOKEN_HOLDERS holders; the writes are
 *                        committed on top of the base root, and block 1's header is the parent
 *                        header the witness carries
 *
 * The holders make the tokens' storage tries as deep as a popular token's, so an ERC-20 transfer's
 * witness carries the storage paths a real one would (a fresh token has one holder: its deployer).
 */
import type { Address, Hash } from 'viem'
import { getContractAddress } from 'viem'
import { EvmState, type StateChanges } from '../../src/evm/evmState.ts'
import { systemContractsOf } from '../../src/execution/applySystemCalls.ts'
import { assembleBlock } from '../../src/execution/assembleBlock.ts'
import { type BlockHeader, ZERO_HASH } from '../../src/execution/blockHeader.ts'
import { bytesToBigInt, hexToBytes } from '../../src/primitives/hex.ts'
import { keccak256 } from '../../src/primitives/keccak256.ts'
import { MemoryState } from '../../src/state/memoryState.ts'
import { StateTrie, type StateWrites } from '../../src/state/stateTrie.ts'
import { MemoryNodeStore } from '../../src/state/trie/memoryNodeStore.ts'
import { type BenchAccount, FORK } from '../evm/benchChain.ts'
import type { BenchContracts } from '../evm/contracts.ts'
import { SENDER_BALANCE, type TransactionWorkload } from '../evm/workloads.ts'
import { executeOpenBlock, expectAllSucceeded, openBlock, recoverTransactions } from './block.ts'
import { fundedAccount, fundedAccountData } from './fundedAccounts.ts'
import { signTransactions } from './signTransactions.ts'

/** Accounts besides the sender and the system contracts: an account trie about five levels deep. */
export const STATE_ACCOUNTS = 100_000
/** Holders given to each Token the setup deploys: the funded accounts, from the first. */
export const TOKEN_HOLDERS = 100_000
/** Token.sol mints 1e30 to its deployer. */
const TOKEN_SUPPLY = 10n ** 30n
/** OpenZeppelin ERC20 5.x's layout: `_balances` is at slot 0, `_totalSupply` at slot 2. */
const BALANCES_SLOT = 0n
const TOTAL_SUPPLY_SLOT = 2n
const HOLDER_BALANCE = 10n ** 18n

export type BaseState = {
  state: MemoryState
  store: MemoryNodeStore
  root: Hash
  genesisHash: Hash
}

export type ParentState = {
  /** The full state after block 1, as the sequencer holds it. */
  state: MemoryState
  /** Trie nodes of the base and of block 1 (and of whatever else was committed to the base's store). */
  store: MemoryNodeStore
  root: Hash
  header: BlockHeader
  hash: Hash
  /** Ancestor hashes by number, for BLOCKHASH while executing block 2. */
  ancestors: ReadonlyMap<bigint, Hash>
  /** Tokens given TOKEN_HOLDERS holders. */
  tokens: Address[]
}

export function buildBaseState(sender: BenchAccount): BaseState {
  const state = new MemoryState()
  state.setAccount(sender.address, { balance: SENDER_BALANCE })
  for (const { address, code } of systemContractsOf(FORK))
    state.setAccount(address, { nonce: 1n, code: hexToBytes(code) })
  for (let index = 0; index < STATE_ACCOUNTS; index++)
    state.setAccount(fundedAccount(index), fundedAccountData(index))

  const store = new MemoryNodeStore()
  const trie = new StateTrie(store)
  const writes: StateWrites = { accounts: new Map(), storage: new Map(), storageResets: new Set() }
  for (const [address, { nonce, balance, codeHash }] of state.entries())
    writes.accounts.set(address, { nonce, balance, codeHash })
  trie.apply(writes)
  const root = trie.commit()
  const genesis = assembleBlock(openBlock(0n, ZERO_HASH), [], root)
  return { state, store, root, genesisHash: genesis.hash }
}

/** Block 1 on a copy of the base: the workload's setup, then the tokens' holders. */
export async function buildParentState(
  base: BaseState,
  workload: TransactionWorkload,
  contracts: BenchContracts,
): Promise<ParentState> {
  const state = base.state.clone()
  const trie = new StateTrie(base.store, base.root)
  const raws = await signTransactions(workload.setup)
  const open = openBlock(1n, base.genesisHash)
  const evmState = new EvmState(state)
  const execution = executeOpenBlock(
    evmState,
    open,
    recoverTransactions(raws),
    new Map([[0n, base.genesisHash]]),
  )
  expectAllSucceeded(`${workload.name}: setup`, execution)
  const changes = evmState.changes()
  state.apply(changes)
  trie.apply(changes)

  const tokens = workload.setup
    .filter((tx) => tx.to === null && tx.data === contracts.Token.bytecode)
    .map((tx) => getContractAddress({ from: tx.sender.address, nonce: tx.nonce }).toLowerCase() as Address)
  for (const token of tokens) {
    const holders = holderWrites(state, token, workload.sender.address)
    state.apply(holders)
    trie.apply(holders)
  }
  const root = trie.commit()
  const { header, hash } = assembleBlock(
    open,
    raws.map((raw, index) => ({ raw, executed: execution.executed[index]! })),
    root,
  )
  return {
    state,
    store: base.store,
    root,
    header,
    hash,
    ancestors: new Map([
      [0n, base.genesisHash],
      [1n, hash],
    ]),
    tokens,
  }
}

/**
 * TOKEN_HOLDERS balances written straight into the token's `_balances`, and its `_totalSupply`
 * raised by their sum, so that the token's accounting still adds up.
 */
function holderWrites(state: MemoryState, token: Address, deployer: Address): StateChanges {
  const totalSupply = state.getStorage(token, TOTAL_SUPPLY_SLOT)
  if (totalSupply !== TOKEN_SUPPLY || state.getStorage(token, balanceSlot(deployer)) === 0n)
    throw new Error(
      `Token at ${token} does not have OpenZeppelin ERC20's storage layout (_balances at slot ${BALANCES_SLOT}, _totalSupply at slot ${TOTAL_SUPPLY_SLOT}): its holders cannot be written`,
    )
  const slots = new Map<bigint, bigint>()
  for (let index = 0; index < TOKEN_HOLDERS; index++)
    slots.set(balanceSlot(fundedAccount(index)), HOLDER_BALANCE + BigInt(index))
  let added = 0n
  for (const value of slots.values()) added += value
  slots.set(TOTAL_SUPPLY_SLOT, totalSupply + added)
  return {
    accounts: new Map(),
    storage: new Map([[token, slots]]),
    storageResets: new Set(),
    codes: new Map(),
    reads: { accounts: new Set(), storage: new Map(), codes: new Set() },
  }
}

/** The slot of `_balances[holder]`, as Solidity places mapping entries: keccak256(holder ‖ slot). */
function balanceSlot(holder: Address): bigint {
  const preimage = new Uint8Array(64)
  preimage.set(hexToBytes(holder), 12)
  new DataView(preimage.buffer).setBigUint64(56, BALANCES_SLOT)
  return bytesToBigInt(keccak256(preimage))
}
