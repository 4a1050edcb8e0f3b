import { Knex } from 'knex';
import type { CommitPoints } from '@shardline/commit-points';
import type { StagedStream } from '@shardline/event-store';
import { guardShard, jsonColumn } from '@shardline/event-store/mysql';
import { RecordPageFilter, RecordState, RecordStateReader, stagedStreamOf } from '@shardline/records';
import { newestFirst } from '@shardline/records';
import { timeOfId } from '@shardline/ids';
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
  constructor(
    private readonly databases: ShardDatabases,
    private readonly staging: StagedRowResolution,
  ) {}

  async get(shard: number, businessId: string, id: string): Promise<RecordState | null> {
    const [rows] = await guardShard(shard, () =>
      this.databases.shard(shard).raw(`SELECT ${RECORD_COLUMNS} FROM records WHERE id = ? AND business_id = ?`, [id, businessId]),
    );
    const row = (rows as RecordRow[])[0];
    if (!row) return null;
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
    const sql = `SELECT ${RECORD_COLUMNS} FROM records FORCE INDEX (${pageIndexOf(filter)}) WHERE ${where.join(' AND ')} ORDER BY created_time DESC, id DESC LIMIT ?`;
    // Staged rows that turn out invisible leave a page short: read deeper until it is full or every shard is exhausted.
    for (let fetch = offset + limit; ; fetch *= 2) {
      const perShard = await Promise.all(
        shards.map((shard) => guardShard(shard, () => this.databases.shard(shard).raw(sql, [...bindings, fetch])).then(([rows]) => rows as RecordRow[])),
      );
      const { visible } = await visibleRows(perShard.flat(), this.staging.commitPoints);
      const states = visible.map(toState);
      const merged = shards.length === 1 ? states : states.sort(newestFirst);
      const exhausted = perShard.every((rows) => rows.length < fetch);
      if (merged.length >= offset + limit || exhausted || visible.length === perShard.flat().length) return merged.slice(offset, offset + limit);
    }
  }

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
