import { guardShard } from '@shardline/event-store/mysql';
import type { UserRecordRow, UserRecordStore } from '@shardline/records';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { RECORD_COLUMNS, type RecordRow, toState } from './mysql-record-state.reader';

/** A user's rows of `records` on one shard, through the (user_id, created_time) index. */
export class MysqlUserRecordStore implements UserRecordStore {
  constructor(private readonly databases: ShardDatabases) {}

  async count(shard: number, userId: string): Promise<number> {
    const [rows] = await guardShard(shard, () => this.databases.shard(shard).raw('SELECT COUNT(*) AS n FROM records WHERE user_id = ?', [userId]));
    return Number((rows as Array<{ n: number | string }>)[0].n);
  }

  async next(shard: number, userId: string, limit: number): Promise<UserRecordRow[]> {
    const [rows] = await guardShard(shard, () =>
      this.databases.shard(shard).raw(`SELECT ${RECORD_COLUMNS} FROM records WHERE user_id = ? ORDER BY created_time, id LIMIT ?`, [userId, limit]),
    );
    return (rows as RecordRow[]).map((row) => ({ state: toState(row), stagedBy: row.staged_by, movingOutBy: row.moving_out_by }));
  }
}
