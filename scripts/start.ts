/**
 * `npm start`: a local Velox chain for development. PORT (default 8547) and L1_PORT (default 8545)
 * choose the ports; Ctrl-C or SIGTERM stops everything this started.
 */
import { mnemonicToAccount } from 'viem/accounts'
import { startLocalChain } from './localChain.ts'

/** anvil's well-known test mnemonic: the development genesis funds its first 10 accounts. */
const DEV_MNEMONIC = 'test test test test test test test test test test test junk'

const port = Number(process.env.PORT ?? 8547)
const l1Port = Number(process.env.L1_PORT ?? 8545)
for (const [name, value] of [
  ['PORT', port],
  ['L1_PORT', l1Port],
] as const)
  if (!Number.isInteger(value) || value < 1 || value > 65535)
    throw new Error(`${name} must be a TCP port, got ${process.env[name]}`)

console.log(
  'Starting Velox: anvil (L1, 1 s blocks) with the settlement contracts, D1 migrations, the Velox worker in workerd (L2)…',
)
const chain = await startLocalChain({ port, l1Port, settlement: true })
const chainId = await rpc(chain.l2Url, 'eth_chainId')

console.log(`
Velox is running.

  L2 JSON-RPC   ${chain.l2Url}
  L1 JSON-RPC   ${chain.l1Url}  (anvil, chain id 31337)
  Chain id      ${BigInt(chainId)} (${chainId})
${
  chain.settlement
    ? `
  Settlement on L1 (velox_batcherStatus; the safe and finalized tags follow it):
    BatchInbox        ${chain.settlement.inbox}
    StateCommitments  ${chain.settlement.stateCommitments}  (challenge window ${chain.settlement.finalizationPeriodSeconds} s)
    Batcher           ${chain.settlement.batcher}  (anvil account 10: poster and proposer)
`
    : ''
}
Development accounts (10,000 ETH each; mnemonic "${DEV_MNEMONIC}"):`)
for (let i = 0; i < 10; i++) {
  const account = mnemonicToAccount(DEV_MNEMONIC, { addressIndex: i })
  const key = account.getHdKey().privateKey
  const hex = key ? Buffer.from(key).toString('hex') : ''
  console.log(`  (${i}) ${account.address}  0x${hex}`)
}
console.log('\nCtrl-C stops it.')

let stopping = false
const shutdown = async () => {
  if (stopping) return
  stopping = true
  console.log('\nStopping Velox…')
  await chain.stop()
  process.exit(0)
}
process.on('SIGINT', shutdown)
process.on('SIGTERM', shutdown)

async function rpc(url: string, method: string): Promise<string> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: [] }),
  })
  const body = (await response.json()) as { result: string }
  return body.result
}
