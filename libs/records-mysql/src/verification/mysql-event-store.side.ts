import type { StoredEvent } from '@shardline/event-store';
import { guardShard, STORED_EVENT_COLUMNS, storedEventOf } from '@shardline/event-store/mysql';
import { monthOfId, monthSlice, type EventStoreSide, type Slice, type SlicePlan, type StoreDigest, type StoreStream, type StreamEnd } from '@shardline/reconciliation';
import type { ShardDatabases } from '@shardline/sharding/mysql';
import { assertRecordIds, childIndexSql, chunked, eventsOfSlice, hashSql, IS_DELETING, STREAM_RECORD_ID } from './verification-sql';

const ZERO = 'CAST(0 AS UNSIGNED)';

interface EventFacts {
  stream_id: string;
  stream_version: number | string;
  t: number | string;
  p: number | string;
}

/**
 * The event store side of `verify` on MariaDB. Digests are one aggregate query per shard and slice,
 * computed by the server over the month partition (the telescoping hashes of
 * @shardline/reconciliation: two MD5s per event, no GROUP BY per stream, no rows returned but one
 * per child slice).
 */
export class MysqlEventStoreSide implements EventStoreSide {
  constructor(private readonly databases: ShardDatabases) {}

  shards(): number[] {
    return this.databases.shardIndexes();
  }

  async months(shard: number): Promise<number[]> {
    const db = this.databases.shard(shard);
    const [partitions] = await guardShard(shard, () =>
      db.raw(`SELECT PARTITION_NAME AS name FROM information_schema.PARTITIONS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'events'`),
    );
    const months = new Set<number>();
    for (const { name } of partitions as Array<{ name: string }>) {
      if (!/^p[0-9]{6}$|^p_before$|^pmax$/.test(name)) continue;
      if (/^p[0-9]{6}$/.test(name)) {
        const [rows] = await guardShard(shard, () => db.raw(`SELECT 1 AS x FROM events PARTITION (${name}) LIMIT 1`));
        if ((rows as unknown[]).length > 0) months.add(Number(name.slice(1)));
      } else {
        // The catch-all partitions hold several months (history loaded before the named ones, or far future).
        const [rows] = await guardShard(shard, () => db.raw(`SELECT DISTINCT month_key FROM events PARTITION (${name})`));
        for (const r of rows as Array<{ month_key: number }>) months.add(Number(r.month_key));
      }
    }
    return [...months].sort((a, b) => a - b);
  }

  async digests(shard: number, plan: SlicePlan): Promise<Map<number, StoreDigest>> {
    const whole = isWholeMonth(plan.slice);
    const a = hashSql('stream_id', 'stream_version', `IF(${IS_DELETING}, '1', '0')`);
    // Every branch UNSIGNED: with a bare 0 the IF turns signed and clips hashes above 2^63.
    const b = `IF(stream_version > 1, ${hashSql('stream_id', 'stream_version - 1', "'0'")}, ${ZERO})`;
    const sql = `
      SELECT k,
        COUNT(*) AS events,
        CAST(SUM(v = 1) AS SIGNED) - CAST(SUM(t) AS SIGNED) AS records_count,
        BIT_XOR(IF(t, b, a ^ b)) AS records_xor,
        SUM(p AND v = 1) AS latest_count,
        BIT_XOR(IF(p, a ^ b, ${ZERO})) AS latest_xor,
        SUM(p AND t) AS latest_deleted,
        SUM(p) AS published_events,
        SUM(IF(p, 2 * v - 1, 0)) AS sum_version2,
        SUM(IF(p AND t, v, 0)) AS sum_version_deleted,
        BIT_XOR(IF(p, a, ${ZERO})) AS events_xor
      FROM (
        SELECT ${childIndexSql(STREAM_RECORD_ID, plan)} AS k, stream_version AS v, ${IS_DELETING} AS t, staged_by IS NULL AS p, ${a} AS a, ${b} AS b
        FROM events WHERE ${eventsOfSlice(plan.slice, whole)}
      ) e
      GROUP BY k`;
    const [rows] = await guardShard(shard, () => this.databases.shard(shard).raw(sql));
    const out = new Map<number, StoreDigest>();
    for (const r of rows as Array<Record<string, string | number>>) {
      out.set(Number(r.k), {
        events: Number(r.events),
        recordsCount: Number(r.records_count),
        recordsXor: BigInt(r.records_xor),
        latestCount: Number(r.latest_count),
        latestXor: BigInt(r.latest_xor),
        latestDeleted: Number(r.latest_deleted),
        publishedEvents: Number(r.published_events),
        sumVersion2: Number(r.sum_version2),
        sumVersionDeleted: Number(r.sum_version_deleted),
        eventsXor: BigInt(r.events_xor),
      });
    }
    return out;
  }

  async streams(shard: number, slice: Slice): Promise<StoreStream[]> {
    const [rows] = await guardShard(shard, () =>
      this.databases.shard(shard).raw(`SELECT stream_id, stream_version, ${IS_DELETING} AS t, staged_by IS NULL AS p FROM events WHERE ${eventsOfSlice(slice, isWholeMonth(slice))}`),
    );
    return foldFacts(shard, rows as EventFacts[]);
  }

  streamsOf(shard: number, recordIds: readonly string[]): Promise<StoreStream[]> {
    return guardShard(shard, () => streamsOfOn(this.databases.shard(shard), shard, recordIds));
  }

  /** The published (not staged) events of these records' streams, by stream and version: what a repair re-projects. */
  async publishedEvents(shard: number, recordIds: readonly string[]): Promise<StoredEvent[]> {
    assertRecordIds(recordIds);
    const out: StoredEvent[] = [];
    for (const [month, ids] of byMonth(recordIds)) {
      for (const chunk of chunked(ids)) {
        const [rows] = await guardShard(shard, () =>
          this.databases
            .shard(shard)
            .raw(
              `SELECT ${STORED_EVENT_COLUMNS.join(', ')} FROM events FORCE INDEX (uq_stream_version) WHERE month_key = ${month} AND stream_id IN (${chunk.map((id) => `'record-${id}'`).join(', ')}) AND staged_by IS NULL ORDER BY stream_id, stream_version`,
            ),
        );
        out.push(...(rows as Array<Record<string, unknown>>).map((row) => storedEventOf(shard, row)));
      }
    }
    return out;
  }
}

/** These records' streams, read through `db` (a pool, or a transaction's snapshot). */
export async function streamsOfOn(db: Queryable, shard: number, recordIds: readonly string[]): Promise<StoreStream[]> {
  assertRecordIds(recordIds);
  const out: StoreStream[] = [];
  for (const [month, ids] of byMonth(recordIds)) {
    for (const chunk of chunked(ids)) {
      const [rows] = await db.raw(
        `SELECT stream_id, stream_version, ${IS_DELETING} AS t, staged_by IS NULL AS p FROM events FORCE INDEX (uq_stream_version) WHERE month_key = ${month} AND stream_id IN (${chunk.map((id) => `'record-${id}'`).join(', ')})`,
      );
      out.push(...foldFacts(shard, rows as EventFacts[]));
    }
  }
  return out;
}

/** What these adapters need of a knex pool or transaction. */
export interface Queryable {
  raw(sql: string, bindings?: readonly unknown[]): PromiseLike<unknown> & Promise<any>;
}

export function isWholeMonth(slice: Slice): boolean {
  const month = monthSlice(slice.month);
  return slice.fromMs === month.fromMs && slice.toMs === month.toMs;
}

/** Per stream: where all its events end, and where its published ones do. */
export function foldFacts(shard: number, rows: EventFacts[]): StoreStream[] {
  const byStream = new Map<string, StoreStream>();
  const later = (end: StreamEnd | null, version: number, deleted: boolean): StreamEnd => (!end || version > end.version ? { version, deleted } : end);
  for (const row of rows) {
    const version = Number(row.stream_version);
    const deleted = Number(row.t) === 1;
    let stream = byStream.get(row.stream_id);
    if (!stream) byStream.set(row.stream_id, (stream = { shard, streamId: row.stream_id, recordId: row.stream_id.slice('record-'.length), all: null, published: null }));
    stream.all = later(stream.all, version, deleted);
    if (Number(row.p) === 1) stream.published = later(stream.published, version, deleted);
  }
  return [...byStream.values()];
}

export function byMonth(recordIds: readonly string[]): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const id of recordIds) {
    const month = monthOfId(id);
    out.set(month, [...(out.get(month) ?? []), id]);
  }
  return out;
}
