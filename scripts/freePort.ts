import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'

/**
 * Ports tried first: below Linux's default ephemeral range (32768–60999) and macOS's (49152–65535),
 * where the system hands out the source ports of outgoing connections. A port found free by
 * binding it is released before its server binds it; from the ephemeral range, one of the suite's
 * many outgoing connections could take it in between (it happened: ERR_ADDRESS_IN_USE).
 */
const QUIET_RANGE = { from: 20_000, to: 32_000 }
const TRIES = 64

/** A loopback port nothing listens on right now, for a server a test or benchmark starts. */
export async function freePort(): Promise<number> {
  const ephemeral = ephemeralRange()
  for (let i = 0; i < TRIES; i++) {
    const port = QUIET_RANGE.from + Math.floor(Math.random() * (QUIET_RANGE.to - QUIET_RANGE.from))
    if (port >= ephemeral.from && port <= ephemeral.to) continue
    if (await canListen(port)) return port
  }
  // Everything tried was taken: any port the system gives.
  return listenOn(0)
}

/** The system's range for outgoing connections' source ports (Linux); elsewhere none is avoided. */
function ephemeralRange(): { from: number; to: number } {
  try {
    const [from, to] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number)
    if (from !== undefined && to !== undefined && Number.isInteger(from) && Number.isInteger(to))
      return { from, to }
  } catch {
    // not Linux
  }
  return { from: Number.POSITIVE_INFINITY, to: Number.NEGATIVE_INFINITY }
}

async function canListen(port: number): Promise<boolean> {
  try {
    await listenOn(port)
    return true
  } catch {
    return false
  }
}

/** Binds `port` on loopback and releases it; the port bound (the system's pick for 0). */
function listenOn(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => {
      const address = server.address()
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      )
    })
  })
}
