/**
 * What the event store says about a slice of one shard, computed by the database in ONE pass over
 * the slice's events, with no GROUP BY per stream. The trick is telescoping: with
 *   H(stream, version, deleted) = the first 64 bits of MD5("<stream_id>:<version>:<0|1>")
 * (MariaDB: CONV(LEFT(MD5(..),16),16,10); ClickHouse: halfMD5(..) — the same number), each event
 * (version v, terminal = a deleting event, always the last of its stream) contributes
 *   a = H(s, v, terminal)   and   b = v > 1 ? H(s, v-1, 0) : 0
 * and XOR over a stream's events of (a XOR b) leaves H(s, last version, deleted?): every inner term
 * cancels. So the XOR over all events of a slice equals the XOR over its streams of their final
 * (id, version, deleted), which is what a read model holds, one row or document per record.
 * Counts telescope the same way (streams = events at version 1; deleted = terminal events).
 */
export interface StoreDigest {
  /** Events in the slice, staged ones included (what was scanned). */
  events: number;
  /** Live records (no deleting event), staged ones included: what `records` must hold. */
  recordsCount: number;
  /** XOR of H(s, version, 0) over live records, staged included. */
  recordsXor: bigint;
  /** Streams with at least one published (not staged) event: documents of ES / rows of records_latest. */
  latestCount: number;
  latestXor: bigint;
  latestDeleted: number;
  /** Published events; also the sum over streams of their last published version. */
  publishedEvents: number;
  /** Sum over streams of last version squared (telescoped: sum of 2v-1). */
  sumVersion2: number;
  /** Sum of the last version of deleted streams. */
  sumVersionDeleted: number;
  /** XOR of H(s, v, terminal) over published events: ClickHouse's raw event rows. */
  eventsXor: bigint;
}

/** What a read model reports about a slice; fields it cannot compute are left out and not compared. */
export interface ModelDigest {
  count: number;
  xor?: bigint;
  deleted?: number;
  sumVersion?: number;
  sumVersion2?: number;
  sumVersionDeleted?: number;
}

export const EMPTY_STORE_DIGEST: StoreDigest = {
  events: 0,
  recordsCount: 0,
  recordsXor: 0n,
  latestCount: 0,
  latestXor: 0n,
  latestDeleted: 0,
  publishedEvents: 0,
  sumVersion2: 0,
  sumVersionDeleted: 0,
  eventsXor: 0n,
};

export function addStoreDigests(a: StoreDigest, b: StoreDigest): StoreDigest {
  return {
    events: a.events + b.events,
    recordsCount: a.recordsCount + b.recordsCount,
    recordsXor: a.recordsXor ^ b.recordsXor,
    latestCount: a.latestCount + b.latestCount,
    latestXor: a.latestXor ^ b.latestXor,
    latestDeleted: a.latestDeleted + b.latestDeleted,
    publishedEvents: a.publishedEvents + b.publishedEvents,
    sumVersion2: a.sumVersion2 + b.sumVersion2,
    sumVersionDeleted: a.sumVersionDeleted + b.sumVersionDeleted,
    eventsXor: a.eventsXor ^ b.eventsXor,
  };
}

export function addModelDigests(a: ModelDigest, b: ModelDigest): ModelDigest {
  const out: ModelDigest = { count: a.count + b.count };
  if (a.xor !== undefined || b.xor !== undefined) out.xor = (a.xor ?? 0n) ^ (b.xor ?? 0n);
  for (const key of ['deleted', 'sumVersion', 'sumVersion2', 'sumVersionDeleted'] as const) {
    if (a[key] !== undefined || b[key] !== undefined) out[key] = (a[key] ?? 0) + (b[key] ?? 0);
  }
  return out;
}

/** Equal on every field the read model reported. */
export function digestsAgree(expected: ModelDigest, actual: ModelDigest): boolean {
  if (expected.count !== actual.count) return false;
  if (actual.xor !== undefined && expected.xor !== actual.xor) return false;
  for (const key of ['deleted', 'sumVersion', 'sumVersion2', 'sumVersionDeleted'] as const) {
    if (actual[key] !== undefined && expected[key] !== actual[key]) return false;
  }
  return true;
}

export function sumDigests<T>(digests: Iterable<T>, add: (a: T, b: T) => T, empty: T): T {
  let total = empty;
  for (const d of digests) total = add(total, d);
  return total;
}
