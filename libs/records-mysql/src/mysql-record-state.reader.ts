import { Knex } from 'knex';
import type { CommitPoints } from '@shardline/commit-points';
import type { StagedStream } from '@shardline/event-store';
import { guardShard, jsonColumn } from '@shardline/event-store/mysql';
import { RecordPageFilter, RecordState, RecordStateReader, stagedStreamOf } from '@shardline/records';
import { newestFirst } from '@shardline/records';
import { timeOfId } from '@shardline/ids';
import { monthKeyOf } from '@shardline/event-store';
import { firstIdOfMonth, monthsBefore } from './record-partitions';
import { slotOf } from '@shardline/sharding';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { MarkedRow, visibleRows } from './record-row-visibility';

export const RECORD_COLUMNS = 'id, business_id, user_id, data_content, version, created_time, updated_time, staged_by, moving_out_by';

export interface RecordRow extends MarkedRow {
  id: string;
  business_id: string;
  user_id: string;
  data_content: string | Record<string, unknown>;
  version: number;
  created_time: Date;
  updated_time: Date;
}

/** How rows staged by a cross-shard write set are resolved (docs/adr/0003). */
export interface StagedRowResolution {
  commitPoints: CommitPoints;
  /**
   * Write side only: rolls a committed but unreleased stream forward before it is returned, so the
   * command about to append its next version publishes after it (per-stream order in the outbox).
   */
  release?(shard: number, writeSetId: string, streams: StagedStream[]): Promise<number>;
}

/**
 * Reads of the inline `records` table; page queries use the (…, created_time) indexes plus the
 * implicit id. A row still marked `staged_by` is visible exactly when its commit point is committed,
 * one marked `moving_out_by` (the source of a move) exactly while its commit point is not; the
 * markers a read saw are resolved after every shard was read, in one query (record-row-visibility.ts).
 * A visible source of a move comes back with `movingOutBy`, so writers refuse it (RECORD.LOCKED).
 */
export class MysqlRecordStateReader implements RecordStateReader {
  private readonly options: Required<RecordStateReaderOptions>;

  constructor(
    private readonly databases: ShardDatabases,
    private readonly staging: StagedRowResolution,
    options: RecordStateReaderOptions = {},
  ) {
    this.options = { recentFirst: true, now: () => new Date(), shardOf: () => -1, ownerAfterRefresh: undefined, ...options } as Required<RecordStateReaderOptions>;
  }

  private now(): Date {
    return this.options.now();
  }

  async get(shard: number, businessId: string, id: string): Promise<RecordState | null> {
    let row = await this.readOne(shard, businessId, id);
    // The shard no longer owns the record's slot (moved since this process loaded its map): it may
    // hold a stale copy until cleanup, so learn the map and read at the owner (read-your-writes
    // across a cutover: docs/adr/0008). Mid-cutover the map still names this shard, whose copy is
    // then current (nothing can commit anywhere else before the flip).
    if (!row.owned && this.options.ownerAfterRefresh) {
      const owner = await this.options.ownerAfterRefresh(businessId);
      if (owner !== shard) {
        shard = owner;
        row = await this.readOne(shard, businessId, id);
      }
    }
    if (!row.record) return null;
    return this.visibleState(shard, row.record);
  }

  /** The record's row (if any) and whether the shard owns its slot, in one statement. */
  private async readOne(shard: number, businessId: string, id: string): Promise<{ owned: boolean; record: RecordRow | null }> {
    const [rows] = await guardShard(shard, () =>
      this.databases
        .shard(shard)
        .raw(`SELECT o.owned, r.* FROM (SELECT COUNT(*) AS owned FROM owned_slots WHERE slot = ?) AS o LEFT JOIN (SELECT ${RECORD_COLUMNS} FROM records WHERE id = ? AND business_id = ?) AS r ON TRUE`, [
          slotOf(businessId),
          id,
          businessId,
        ]),
    );
    const { owned, ...record } = (rows as Array<RecordRow & { owned: number }>)[0];
    return { owned: Number(owned) > 0, record: record.id === null || record.id === undefined ? null : (record as RecordRow) };
  }

  private async visibleState(shard: number, row: RecordRow): Promise<RecordState | null> {
    const { visible } = await visibleRows([row], this.staging.commitPoints);
    if (visible.length === 0) return null;
    if (row.staged_by !== null) await this.staging.release?.(shard, row.staged_by, [stagedStreamOf(String(row.id), row.business_id)]);
    return toState(row);
  }

  async page(shards: number[], filter: RecordPageFilter, beforeId: string | null, limit: number, offset = 0): Promise<RecordState[]> {
    const where: string[] = [];
    const bindings: Knex.RawBinding[] = [];
    if (filter.businessId !== undefined) {
      where.push('business_id = ?');
      bindings.push(filter.businessId);
    }
    if (filter.userId !== undefined) {
      where.push('user_id = ?');
      bindings.push(filter.userId);
    }
    if (beforeId !== null) {
      // (created_time, id) < (t, id), spelled so the (…, created_time) index range applies: the
      // `created_time <= t` conjunct is what the range optimizer can use; the OR alone is not.
      const t = timeOfId(beforeId);
      where.push('created_time <= ? AND (created_time < ? OR id < ?)');
      bindings.push(t, t, beforeId);
    }
    const query = { index: pageIndexOf(filter), where, bindings };
    const anchor = monthKeyOf(beforeId === null ? this.now() : timeOfId(beforeId));
    // Staged rows that turn out invisible leave a page short: read deeper until it is full or every shard is exhausted.
    for (let fetch = offset + limit; ; fetch *= 2) {
      const perShard = await Promise.all(
        shards.map((shard) => guardShard(shard, () => (this.options.recentFirst ? this.newestByWindow(shard, query, anchor, beforeId, fetch) : this.newest(shard, query, null, null, fetch)))),
      );
      // Rows of slots the map gives to another shard are that shard's to answer (a move's copies).
      const owned = shards.length === 1 ? perShard.flat() : perShard.flatMap((rows, i) => rows.filter((row) => this.ownedBy(row.business_id, shards[i])));
      const { visible } = await visibleRows(owned, this.staging.commitPoints);
      const states = visible.map(toState);
      const merged = shards.length === 1 ? states : states.sort(newestFirst);
      const exhausted = perShard.every((rows) => rows.length < fetch);
      if (merged.length >= offset + limit || exhausted || visible.length === perShard.flat().length) return merged.slice(offset, offset + limit);
    }
  }

  private ownedBy(businessId: string, shard: number): boolean {
    const owner = this.options.shardOf(businessId);
    return owner === -1 || owner === shard;
  }

  /**
   * The newest `fetch` rows of one shard, read window by window back in time (RECENT_FIRST_WINDOWS):
   * each window is an id range aligned to the monthly partitions, so a page touches the newest
   * months only and goes further back only when they come up short. Windows are disjoint and read
   * newest first, and created_time is the id's time, so their rows concatenate in page order.
   */
  private async newestByWindow(shard: number, query: PageQuery, anchor: number, beforeId: string | null, fetch: number): Promise<RecordRow[]> {
    const rows: RecordRow[] = [];
    // The cursor again, in the partition column: the partitions of newer months are pruned.
    let below = beforeId;
    for (const monthsBack of RECENT_FIRST_WINDOWS) {
      const from = monthsBack === null ? null : firstIdOfMonth(monthsBefore(anchor, monthsBack));
      rows.push(...(await this.newest(shard, query, from === '0' ? null : from, below, fetch - rows.length)));
      if (rows.length >= fetch || from === null || from === '0') return rows;
      below = from;
    }
    return rows;
  }

  private async newest(shard: number, query: PageQuery, fromId: string | null, belowId: string | null, fetch: number): Promise<RecordRow[]> {
    const where = [...query.where];
    const bindings = [...query.bindings];
    if (fromId !== null) {
      where.push('id >= ?');
      bindings.push(fromId);
    }
    if (belowId !== null) {
      where.push('id < ?');
      bindings.push(belowId);
    }
    const sql = `SELECT ${RECORD_COLUMNS} FROM records FORCE INDEX (${query.index}) WHERE ${where.join(' AND ')} ORDER BY created_time DESC, id DESC LIMIT ?`;
    const [rows] = await this.databases.shard(shard).raw(sql, [...bindings, fetch]);
    return rows as RecordRow[];
  }
}

interface PageQuery {
  index: string;
  where: string[];
  bindings: Knex.RawBinding[];
}

/**
 * How far back (in months before the anchor's month: the cursor's, or now's for a first page) each
 * window of a newest-first page reaches; null = everything older. The first window covers the
 * anchor's month and the one before (a page at the start of a month is still one query), the second
 * the half year, the third the rest. At most 3 statements per shard: each costs a round trip, and
 * bench/records-partitions measured a long-tail business's first page at 6 windows (1, 3, 7, 15, 31
 * months, all) ~5x slower than one unbounded query for the same pages read.
 */
export const RECENT_FIRST_WINDOWS: ReadonlyArray<number | null> = [1, 5, null];

export interface RecordStateReaderOptions {
  /**
   * Newest-first pages read the id range in recent-first windows (monthly partitions of `records`,
   * migration 0006) instead of one query over every month. Default true; false only to measure.
   */
  recentFirst?: boolean;
  now?: () => Date;
  /**
   * The shard the live slot map names for a business (ShardRouter.shardFor). A page that reads
   * several shards keeps each row only from that shard: a slot move leaves copies of a slot's rows
   * on the shard it is moving to (before the flip) and on the one it left (until cleanup), which a
   * page by user id would otherwise list twice (docs/adr/0008). Unset: every row is kept.
   */
  shardOf?: (businessId: string) => number;
  /**
   * Called when a read by id finds that the shard does not own the record's slot: reloads the
   * slot map (ShardRouter.refresh) and answers the shard it now names for the business.
   */
  ownerAfterRefresh?: (businessId: string) => Promise<number>;
}

/**
 * The index a page walks, named: for a hot business the optimizer otherwise picks `ref` on
 * business_id alone (the cursor's range covers almost the whole business, so it looks no better),
 * then reads every newer row of the business and drops it — page 50 read 1,001 index entries and
 * 3,008 pages instead of 22 and 69 (bench/scale, 1 million records, EXPLAIN ANALYZE in
 * bench/README.md), and the cost grew with the depth of the page and the size of the business.
 */
function pageIndexOf(filter: RecordPageFilter): string {
  if (filter.businessId !== undefined && filter.userId !== undefined) return 'idx_business_user_time';
  return filter.businessId !== undefined ? 'idx_business_time' : 'idx_user_time';
}

/** A row as the state it holds; a visible source of a move carries the saga holding it. */
export function toState(row: RecordRow): RecordState {
  return {
    ...(row.moving_out_by === null ? {} : { movingOutBy: row.moving_out_by }),
    id: String(row.id),
    businessId: row.business_id,
    userId: String(row.user_id),
    dataContent: jsonColumn(row.data_content) as Record<string, unknown>,
    version: Number(row.version),
    createdTime: row.created_time,
    updatedTime: row.updated_time,
  };
}
