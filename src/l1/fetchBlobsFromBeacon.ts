/**
 * FetchBlobs for a real L1: a beacon node's Beacon API. An execution block is in the beacon block
 * of slot (timestamp − genesis_time) / SECONDS_PER_SLOT (`/eth/v1/beacon/genesis`,
 * `/eth/v1/config/spec`, read once); its blobs come from
 *
 *   GET /eth/v1/beacon/blobs/{slot}?versioned_hashes=…   (Fulu on; supernodes serve all blobs)
 *   GET /eth/v1/beacon/blob_sidecars/{slot}              (before it: every sidecar of the block,
 *                                                         picked by its commitment's versioned hash)
 *
 * the second asked when the first answers 404 or 405 (an older node, or no such block: then the
 * second says which). Nothing is trusted:
 * readL1Batches checks every blob against the versioned hashes the inbox recorded. Note that
 * beacon nodes prune blobs after ~18 days (MIN_EPOCHS_FOR_BLOB_SIDECARS_REQUESTS): older batches
 * need an archive node or a blob archive.
 */
import type { Hash, Hex, PublicClient } from 'viem'
import { commitmentToVersionedHash } from 'viem'
import { hexToBytes } from '../primitives/hex.ts'
import { readResponseText } from '../primitives/readBounded.ts'
import { L1DataError } from './derivationErrors.ts'
import type { FetchBlobs } from './readL1Batches.ts'

/** A beacon answer larger than this is refused: a block's blobs (at most 21 under BPO2) fit well within. */
const MAX_BEACON_RESPONSE_BYTES = 64 * 1024 * 1024

type SlotClock = { genesisTime: bigint; secondsPerSlot: bigint }

export function fetchBlobsFromBeacon(beaconUrl: string, l1: PublicClient): FetchBlobs {
  const base = beaconUrl.replace(/\/+$/, '')
  let clock: Promise<SlotClock> | undefined
  return async ({ hash, l1BlockNumber, blobVersionedHashes }) => {
    clock ??= readSlotClock(base)
    const { genesisTime, secondsPerSlot } = await clock
    const { timestamp } = await l1.getBlock({ blockNumber: l1BlockNumber })
    const sinceGenesis = timestamp - genesisTime
    if (sinceGenesis < 0n || sinceGenesis % secondsPerSlot !== 0n)
      throw new L1DataError(
        `L1 block ${l1BlockNumber} (timestamp ${timestamp}) is at no slot of the beacon node`,
        {
          details: `genesis_time ${genesisTime}, SECONDS_PER_SLOT ${secondsPerSlot}: is the beacon node on this L1?`,
        },
      )
    const slot = sinceGenesis / secondsPerSlot
    const where = `the blobs of ${hash} (L1 block ${l1BlockNumber}, slot ${slot})`
    const query = blobVersionedHashes.map((versioned) => `versioned_hashes=${versioned}`).join('&')
    const blobs = await getBeacon(`${base}/eth/v1/beacon/blobs/${slot}?${query}`, where)
    if (blobs.served) return hexList(blobs.data, where)
    const sidecars = await getBeacon(`${base}/eth/v1/beacon/blob_sidecars/${slot}`, where)
    if (!sidecars.served)
      throw new L1DataError(`${where}: the beacon node has no such block, or serves no blobs`, {
        details: sidecars.body,
      })
    return pickSidecars(sidecars.data, blobVersionedHashes, where)
  }
}

async function readSlotClock(base: string): Promise<SlotClock> {
  const genesis = await getBeacon(`${base}/eth/v1/beacon/genesis`, 'the beacon genesis')
  const spec = await getBeacon(`${base}/eth/v1/config/spec`, 'the beacon spec')
  const genesisTime = genesis.served && (genesis.data as { genesis_time?: unknown })?.genesis_time
  const secondsPerSlot = spec.served && (spec.data as { SECONDS_PER_SLOT?: unknown })?.SECONDS_PER_SLOT
  if (typeof genesisTime !== 'string' || !/^[0-9]+$/.test(genesisTime))
    throw new L1DataError('the beacon node gave no genesis_time')
  if (typeof secondsPerSlot !== 'string' || !/^[1-9][0-9]*$/.test(secondsPerSlot))
    throw new L1DataError('the beacon node gave no SECONDS_PER_SLOT')
  return { genesisTime: BigInt(genesisTime), secondsPerSlot: BigInt(secondsPerSlot) }
}

/** The `data` of a Beacon API answer, or the body of a 404 or 405. */
async function getBeacon(
  url: string,
  what: string,
): Promise<{ served: true; data: unknown } | { served: false; body: string }> {
  let response: Response
  try {
    response = await fetch(url, { headers: { accept: 'application/json' } })
  } catch (error) {
    throw new L1DataError(`${what}: the beacon node did not answer`, { cause: error })
  }
  const text = await readBoundedText(response, MAX_BEACON_RESPONSE_BYTES, what)
  if (response.status === 404 || response.status === 405) return { served: false, body: text.slice(0, 200) }
  if (!response.ok) throw new L1DataError(`${what}: HTTP ${response.status}`, { details: text.slice(0, 200) })
  try {
    return { served: true, data: (JSON.parse(text) as { data?: unknown }).data }
  } catch {
    throw new L1DataError(`${what}: the answer is not JSON`, { details: text.slice(0, 200) })
  }
}

/** The body as text, at most `maxBytes` (readResponseText), refused with an L1DataError past it. */
export function readBoundedText(response: Response, maxBytes: number, what: string): Promise<string> {
  return readResponseText(response, maxBytes, (declaredBytes) =>
    declaredBytes === undefined
      ? new L1DataError(`${what}: the answer is over the limit of ${maxBytes} bytes`)
      : new L1DataError(`${what}: an answer of ${declaredBytes} bytes is over the limit`),
  )
}

function hexList(data: unknown, where: string): Uint8Array[] {
  if (!Array.isArray(data) || data.some((blob) => typeof blob !== 'string' || !/^0x[0-9a-fA-F]*$/.test(blob)))
    throw new L1DataError(`${where}: the beacon node's answer is not a list of blobs`)
  return data.map((blob) => hexToBytes(blob as Hex))
}

/** The transaction's blobs among the block's sidecars, in the order of its versioned hashes. */
function pickSidecars(data: unknown, versionedHashes: readonly Hash[], where: string): Uint8Array[] {
  if (!Array.isArray(data))
    throw new L1DataError(`${where}: the beacon node's answer is not a list of sidecars`)
  const byHash = new Map<Hash, Hex>()
  for (const sidecar of data as { blob?: unknown; kzg_commitment?: unknown }[]) {
    if (typeof sidecar?.blob !== 'string' || typeof sidecar.kzg_commitment !== 'string')
      throw new L1DataError(`${where}: a sidecar without blob or kzg_commitment`)
    byHash.set(commitmentToVersionedHash({ commitment: sidecar.kzg_commitment as Hex }), sidecar.blob as Hex)
  }
  return versionedHashes.map((versioned) => {
    const blob = byHash.get(versioned)
    if (!blob) throw new L1DataError(`${where}: the block has no sidecar with versioned hash ${versioned}`)
    return hexToBytes(blob)
  })
}
