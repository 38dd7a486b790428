import { bytesToHex } from '../../src/primitives/hex.ts'
import { addressOfKey, type Scenario } from './scenario.ts'

/** The whole scenario as text: what a failure message needs to reproduce a case by hand. */
export function describeScenario(scenario: Scenario): string {
  const lines = [`${scenario.name} (${scenario.fork})`]
  const block = scenario.block
  lines.push(
    `  block: number ${block.number}, timestamp ${block.timestamp}, coinbase ${block.coinbase}, gas limit ${block.gasLimit}, base fee ${block.baseFeePerGas}, prevRandao 0x${block.prevRandao.toString(16)}, excess blob gas ${block.excessBlobGas}`,
  )
  for (const account of scenario.accounts) {
    const storage = [...account.storage].map(([slot, value]) => `${slot}=0x${value.toString(16)}`).join(' ')
    lines.push(
      `  account ${account.address}: nonce ${account.nonce}, balance ${account.balance}, storage {${storage}}, code ${bytesToHex(account.code)}`,
    )
  }
  scenario.transactions.forEach((tx, index) => {
    const fees =
      tx.type === 0 || tx.type === 1
        ? `gas price ${tx.maxFeePerGas}`
        : `max fee ${tx.maxFeePerGas}, priority ${tx.maxPriorityFeePerGas}`
    const accessList = tx.accessList.map((entry) => `${entry.address}[${entry.storageKeys.join(' ')}]`)
    const authorizations = tx.authorizationList.map(
      (entry) =>
        `(chain ${entry.chainId}, ${entry.address}, nonce ${entry.nonce}, y ${entry.yParity}, r 0x${entry.r.toString(16)}, s 0x${entry.s.toString(16)})`,
    )
    lines.push(
      `  tx ${index}: type ${tx.type}, from ${addressOfKey(tx.senderKey)}, to ${tx.to ?? 'create'}, nonce ${tx.nonce}, gas ${tx.gasLimit}, value ${tx.value}, ${fees}, access list [${accessList.join(' ')}], authorizations [${authorizations.join(' ')}], data ${bytesToHex(tx.data)}`,
    )
  })
  return lines.join('\n')
}
