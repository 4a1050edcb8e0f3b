import { Knex } from 'knex';
import { guardShard, jsonColumn } from '@shardline/event-store/mysql';
import { RecordPageFilter, RecordState, RecordStateReader } from '@shardline/records';
import { newestFirst } from '@shardline/records';
import { timeOfId } from '@shardline/ids';
import { ShardDatabases } from '@shardline/sharding/mysql';

const COLUMNS = 'id, business_id, user_id, data_content, version, created_time, updated_time';

interface RecordRow {
  id: string;
  business_id: string;
  user_id: string;
  data_content: string | Record<string, unknown>;
  version: number;
  created_time: Date;
  updated_time: Date;
}

/** Reads of the inline `records` table; page queries use the (…, created_time) indexes plus the implicit id. */
export class MysqlRecordStateReader implements RecordStateReader {
  constructor(private readonly databases: ShardDatabases) {}

  async get(shard: number, businessId: string, id: string): Promise<RecordState | null> {
    const [rows] = await guardShard(shard, () =>
      this.databases.shard(shard).raw(`SELECT ${COLUMNS} FROM records WHERE id = ? AND business_id = ?`, [id, businessId]),
    );
    const row = (rows as RecordRow[])[0];
    return row ? toState(row) : null;
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
    const perShard = await Promise.all(
      shards.map((shard) =>
        guardShard(shard, () => this.databases.shard(shard).raw(sql, [...bindings, offset + limit])).then(([rows]) => (rows as RecordRow[]).map(toState)),
      ),
    );
    const merged = shards.length === 1 ? perShard[0] : perShard.flat().sort(newestFirst);
    return merged.slice(offset, offset + limit);
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
