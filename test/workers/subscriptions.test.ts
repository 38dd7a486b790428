/**
 * Inside workerd: WebSocket subscriptions held through the hibernation API survive the sequencer's
 * eviction. A hub built afresh over the same Durable Object state (what a woken object does) finds
 * every live connection's subscriptions again and drops those of connections that are gone; a
 * closed socket's subscriptions are deleted.
 */
import { env, runInDurableObject, SELF } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { SEQUENCER_NAME } from '../../workers/rpc/workersBackend.ts'
import { ChainStore } from '../../workers/sequencer/chainStore.ts'
import { SubscriptionHub } from '../../workers/sequencer/subscriptionHub.ts'

type Message = { id?: number; result?: unknown; method?: string; params?: { subscription: string } }

async function openSocket(): Promise<{ socket: WebSocket; messages: Message[] }> {
  const response = await SELF.fetch('http://velox/ws', { headers: { Upgrade: 'websocket' } })
  expect(response.status).toBe(101)
  const socket = response.webSocket!
  const messages: Message[] = []
  socket.addEventListener('message', (event) => messages.push(JSON.parse(event.data as string) as Message))
  socket.accept()
  return { socket, messages }
}

async function request(
  connection: { socket: WebSocket; messages: Message[] },
  id: number,
  method: string,
  params: unknown[],
): Promise<Message> {
  connection.socket.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }))
  for (let i = 0; i < 200; i++) {
    const answer = connection.messages.find((message) => message.id === id)
    if (answer) return answer
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  throw new Error(`no answer to ${method}`)
}

describe("subscriptions across the sequencer's eviction", () => {
  it('are found again by a woken object, and end with their connection', async () => {
    const connection = await openSocket()
    const heads = (await request(connection, 1, 'eth_subscribe', ['newHeads'])).result as string
    const miniBlocks = (await request(connection, 2, 'eth_subscribe', ['miniBlocks'])).result as string
    expect(heads).toMatch(/^0x[0-9a-f]{32}$/)
    const stub = env.SEQUENCER.get(env.SEQUENCER.idFromName(SEQUENCER_NAME))

    await runInDurableObject(stub, (_instance, state) => {
      const store = new ChainStore(state.storage.sql)
      // A subscription of a connection the runtime no longer holds: a woken hub deletes it.
      store.insertSubscription({ id: '0xdead', connection: '0xgone', spec: '{"kind":"newHeads"}' })
      const woken = new SubscriptionHub(state, store)
      expect([...woken.subscribers('newHeads')].map((subscription) => subscription.id)).toEqual([heads])
      expect([...woken.subscribers('miniBlocks')].map((subscription) => subscription.id)).toEqual([
        miniBlocks,
      ])
      expect(
        store
          .subscriptions()
          .map((row) => row.id)
          .sort(),
      ).toEqual([heads, miniBlocks].sort())
    })

    expect((await request(connection, 3, 'eth_unsubscribe', [heads])).result).toBe(true)
    connection.socket.close(1000, 'done')
    let left: string[] = []
    for (let i = 0; i < 100; i++) {
      left = await runInDurableObject(stub, (_instance, state) =>
        new ChainStore(state.storage.sql).subscriptions().map((row) => row.id),
      )
      if (left.length === 0) break
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    expect(left).toEqual([])
  })
})
