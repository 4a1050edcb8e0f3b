import { Knex } from 'knex';
import type { CommitPoints } from '@shardline/commit-points';
import type { StagedStream } from '@shardline/event-store';
import { guardShard, jsonColumn } from '@shardline/event-store/mysql';
import { RecordPageFilter, RecordState, RecordStateReader, stagedStreamOf } from '@shardline/records';
import { newestFirst } from '@shardline/records';
import { timeOfId } from '@shardline/ids';
import { ShardDatabases } from '@shardline/sharding/mysql';

const COLUMNS = 'id, business_id, user_id, data_content, version, created_time, updated_time, staged_by';

interface RecordRow {
  id: string;
  business_id: string;
  user_id: string;
  data_content: string | Record<string, unknown>;
  version: number;
  created_time: Date;
  updated_time: Date;
  staged_by: string | null;
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
 * implicit id. A row still marked `staged_by` is visible exactly when its commit point is committed;
 * the markers a read saw are resolved after every shard was read, in one query, so a row already
 * released on one shard implies its commit point is seen committed for the rows of the other shards.
 */
export class MysqlRecordStateReader implements RecordStateReader {
  constructor(
    private readonly databases: ShardDatabases,
    private readonly staging: StagedRowResolution,
  ) {}

  async get(shard: number, businessId: string, id: string): Promise<RecordState | null> {
    const [rows] = await guardShard(shard, () =>
      this.databases.shard(shard).raw(`SELECT ${COLUMNS} FROM records WHERE id = ? AND business_id = ?`, [id, businessId]),
    );
    const row = (rows as RecordRow[])[0];
    if (!row) return null;
    if (row.staged_by === null) return toState(row);
    const status = (await this.staging.commitPoints.statusOf([row.staged_by])).get(row.staged_by);
    if (status !== 'committed') return null;
    await this.staging.release?.(shard, row.staged_by, [stagedStreamOf(String(row.id), row.business_id)]);
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
      // (created_time, id) < (t, id), spelled so the (…, created_time) index range applies.
      const t = timeOfId(beforeId);
      where.push('(created_time < ? OR (created_time = ? AND id < ?))');
      bindings.push(t, t, beforeId);
    }
    const sql = `SELECT ${COLUMNS} FROM records WHERE ${where.join(' AND ')} ORDER BY created_time DESC, id DESC LIMIT ?`;
    // Staged rows that turn out invisible leave a page short: read deeper until it is full or every shard is exhausted.
    for (let fetch = offset + limit; ; fetch *= 2) {
      const perShard = await Promise.all(
        shards.map((shard) => guardShard(shard, () => this.databases.shard(shard).raw(sql, [...bindings, fetch])).then(([rows]) => rows as RecordRow[])),
      );
      const visible = await this.visibleRows(perShard.flat());
      const states = visible.map(toState);
      const merged = shards.length === 1 ? states : states.sort(newestFirst);
      const exhausted = perShard.every((rows) => rows.length < fetch);
      if (merged.length >= offset + limit || exhausted || visible.length === perShard.flat().length) return merged.slice(offset, offset + limit);
    }
  }

  /** Drops rows whose write set is not committed, resolving every marker in one query. */
  private async visibleRows(rows: RecordRow[]): Promise<RecordRow[]> {
    const markers = [...new Set(rows.filter((r) => r.staged_by !== null).map((r) => r.staged_by!))];
    if (markers.length === 0) return rows;
    const status = await this.staging.commitPoints.statusOf(markers);
    return rows.filter((r) => r.staged_by === null || status.get(r.staged_by) === 'committed');
  }
}

function toState(row: RecordRow): RecordState {
  return {
    id: String(row.id),
    businessId: row.business_id,
    userId: String(row.user_id),
    dataContent: jsonColumn(row.data_content) as Record<string, unknown>,
    version: Number(row.version),
    createdTime: row.created_time,
    updatedTime: row.updated_time,
  };
}
