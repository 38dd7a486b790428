/**
 * WebSocket connections and their eth_subscribe subscriptions, on the Durable Object hibernation
 * API: the runtime holds the sockets, so an idle connection costs the object nothing and the object
 * may be evicted while clients stay connected. Each socket's attachment names its connection and
 * every subscription is a row in SQLite, so an evicted object finds them all again when it wakes.
 * A deploy or restart of the object closes the sockets; clients reconnect and resume with
 * `fromBlock` (see src/rpc/subscriptions.ts).
 *
 *   eth_subscribe ─▶ subscribe (row written, replay planned, notifications held)
 *   response sent ─▶ activate  (replay sent, then what was held, then live)
 *   mini-block / seal / admission ─▶ the sequencer's publishers ─▶ notify ─▶ socket.send
 *
 * Holding notifications until the response has gone out is what makes a stream exactly-once and
 * in order: the client knows the id before its first notification, the replay ends where live
 * delivery begins, and nothing runs between the two (no await).
 */

import { ServerError } from '../../src/rpc/errors.ts'
import {
  MAX_SUBSCRIPTIONS_PER_CONNECTION,
  newSubscriptionId,
  type SubscriptionSpec,
  subscriptionNotification,
} from '../../src/rpc/subscriptions.ts'
import type { ChainStore } from './chainStore.ts'

export type SubscriptionKind = SubscriptionSpec['kind']

/** Sends the notifications a resumed subscription owes for what happened before it was made. */
export type ReplayPlan = (send: (resultJson: string) => void) => void

export type Subscription = {
  readonly id: string
  readonly spec: SubscriptionSpec
  readonly connection: Connection
  /** Until activated: the replay still to send, and live notifications held back meanwhile. */
  held: { replay: ReplayPlan | undefined; notifications: string[] } | undefined
}

type Connection = {
  readonly id: string
  readonly socket: WebSocket
  readonly subscriptions: Map<string, Subscription>
}

type Attachment = { connection: string }

const KINDS: readonly SubscriptionKind[] = [
  'newHeads',
  'logs',
  'newPendingTransactions',
  'miniBlocks',
  'stateChanges',
  'transactionReceipts',
  'syncing',
]

export class SubscriptionHub {
  private readonly connections = new Map<WebSocket, Connection>()
  private readonly byKind = new Map<SubscriptionKind, Set<Subscription>>(
    KINDS.map((kind) => [kind, new Set()]),
  )

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly store: ChainStore,
  ) {
    this.restore()
  }

  /** Accepts a WebSocket upgrade: the runtime keeps the server end, the client end is returned. */
  accept(): Response {
    const { 0: client, 1: server } = new WebSocketPair()
    this.ctx.acceptWebSocket(server)
    const id = newSubscriptionId()
    server.serializeAttachment({ connection: id } satisfies Attachment)
    this.connections.set(server, { id, socket: server, subscriptions: new Map() })
    return new Response(null, { status: 101, webSocket: client })
  }

  /** Starts a subscription on `socket`; its notifications are held until `activate`. */
  subscribe(socket: WebSocket, spec: SubscriptionSpec, replay: ReplayPlan | undefined): string {
    const connection = this.connectionOf(socket)
    if (connection.subscriptions.size >= MAX_SUBSCRIPTIONS_PER_CONNECTION)
      throw new ServerError(
        `too many subscriptions on this connection: at most ${MAX_SUBSCRIPTIONS_PER_CONNECTION}`,
      )
    const id = newSubscriptionId()
    // The replay is this connection's alone: what is kept is what a woken object must go on with.
    const { fromBlock: _replayed, ...kept } = spec as SubscriptionSpec & { fromBlock?: bigint }
    this.store.insertSubscription({ id, connection: connection.id, spec: JSON.stringify(kept) })
    this.add({ id, spec, connection, held: { replay, notifications: [] } })
    return id
  }

  unsubscribe(socket: WebSocket, id: string): boolean {
    const subscription = this.connectionOf(socket).subscriptions.get(id)
    if (!subscription) return false
    this.remove(subscription)
    this.store.deleteSubscription(id)
    return true
  }

  /** After the response that gave their ids: each held subscription sends its replay, then what was held. */
  activate(socket: WebSocket): void {
    const connection = this.connections.get(socket)
    if (!connection) return
    for (const subscription of connection.subscriptions.values()) {
      const held = subscription.held
      if (!held) continue
      subscription.held = undefined
      const send = (resultJson: string) =>
        this.send(connection, subscriptionNotification(subscription.id, resultJson))
      held.replay?.(send)
      for (const notification of held.notifications) this.send(connection, notification)
    }
  }

  /** Whether anyone listens for `kind`: publishers skip building what nobody receives. */
  has(kind: SubscriptionKind): boolean {
    return this.byKind.get(kind)!.size > 0
  }

  subscribers(kind: SubscriptionKind): ReadonlySet<Subscription> {
    return this.byKind.get(kind)!
  }

  /** Sends one notification, or holds it while the subscription waits for activation. */
  notify(subscription: Subscription, resultJson: string): void {
    const notification = subscriptionNotification(subscription.id, resultJson)
    if (subscription.held) subscription.held.notifications.push(notification)
    else this.send(subscription.connection, notification)
  }

  /** A socket closed or failed: its subscriptions end. */
  closed(socket: WebSocket): void {
    const connection = this.connections.get(socket)
    if (!connection) return
    for (const subscription of connection.subscriptions.values()) this.remove(subscription)
    this.connections.delete(socket)
    this.store.deleteConnectionSubscriptions(connection.id)
  }

  private send(connection: Connection, message: string): void {
    try {
      connection.socket.send(message)
    } catch {
      // The socket is gone; its close event may never come to a sleeping object, so end it here.
      this.closed(connection.socket)
    }
  }

  private connectionOf(socket: WebSocket): Connection {
    const known = this.connections.get(socket)
    if (known) return known
    const attachment = socket.deserializeAttachment() as Attachment | null
    const connection = { id: attachment?.connection ?? newSubscriptionId(), socket, subscriptions: new Map() }
    this.connections.set(socket, connection)
    return connection
  }

  private add(subscription: Subscription): void {
    subscription.connection.subscriptions.set(subscription.id, subscription)
    this.byKind.get(subscription.spec.kind)!.add(subscription)
  }

  private remove(subscription: Subscription): void {
    subscription.connection.subscriptions.delete(subscription.id)
    this.byKind.get(subscription.spec.kind)!.delete(subscription)
  }

  /**
   * After an eviction: the sockets the runtime still holds get their subscriptions back from SQLite;
   * rows of connections that are gone are deleted.
   */
  private restore(): void {
    const live = new Map<string, Connection>()
    for (const socket of this.ctx.getWebSockets()) {
      const connection = this.connectionOf(socket)
      live.set(connection.id, connection)
    }
    for (const row of this.store.subscriptions()) {
      const connection = live.get(row.connection)
      if (!connection) {
        this.store.deleteSubscription(row.id)
        continue
      }
      this.add({ id: row.id, spec: JSON.parse(row.spec) as SubscriptionSpec, connection, held: undefined })
    }
  }
}
