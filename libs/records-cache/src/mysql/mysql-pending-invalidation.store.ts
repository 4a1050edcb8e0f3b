import { guardShard, isDeadlock } from '@shardline/event-store/mysql';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { PendingInvalidation, PendingInvalidationStore } from '../fence/cache-fence.ports';

/**
 * `pending_cache_invalidations` and `cache_writer_fences` (migrations/shard/0005) on the shards.
 * A recording and a sweep mark meet on the writer's `cache_writer_fences` row: the recording
 * upserts it (an exclusive lock, held until COMMIT) and reads `swept` under that lock; the sweeper
 * upserts `swept = 1` under the same lock. Whichever commits first is seen by the other, in
 * READ COMMITTED as in REPEATABLE READ, because the row always exists when it is read.
 */
export class MysqlPendingInvalidationStore implements PendingInvalidationStore {
  constructor(private readonly databases: ShardDatabases) {}

  get shardCount(): number {
    return this.databases.count;
  }

  async record(shard: number, writerId: string, liveIds: string[], businessId: string, recordId: string): Promise<boolean> {
    const ids = [...new Set([writerId, ...liveIds])].sort(); // one lock order for every writer: no deadlock between two recordings
    return this.retryDeadlock(() =>
      guardShard(shard, () =>
        this.databases.shard(shard).transaction(async (trx) => {
          for (const id of ids) await trx.raw('INSERT INTO cache_writer_fences (writer_id) VALUES (?) ON DUPLICATE KEY UPDATE writer_id = writer_id', [id]);
          const [rows] = await trx.raw(`SELECT writer_id FROM cache_writer_fences WHERE writer_id IN (${ids.map(() => '?').join(',')}) AND swept = 1 FOR UPDATE`, ids);
          if ((rows as unknown[]).length > 0) return false;
          await trx.raw('INSERT INTO pending_cache_invalidations (writer_id, business_id, record_id) VALUES (?, ?, ?)', [writerId, businessId, recordId]);
          return true;
        }),
      ),
    );
  }

  async markSwept(writerIds: string[]): Promise<void> {
    const ids = [...writerIds].sort();
    for (const shard of this.databases.shardIndexes()) {
      await this.retryDeadlock(() =>
        guardShard(shard, () =>
          this.databases.shard(shard).transaction(async (trx) => {
            for (const id of ids) await trx.raw('INSERT INTO cache_writer_fences (writer_id, swept) VALUES (?, 1) ON DUPLICATE KEY UPDATE swept = 1', [id]);
          }),
        ),
      );
    }
  }

  async list(shard: number, writerIds: string[] | null, limit: number): Promise<PendingInvalidation[]> {
    if (writerIds?.length === 0) return [];
    const byWriter = writerIds ? `WHERE writer_id IN (${writerIds.map(() => '?').join(',')})` : '';
    const [rows] = await guardShard(shard, () =>
      this.databases
        .shard(shard)
        .raw(`SELECT CAST(id AS CHAR) AS row_id, business_id, CAST(record_id AS CHAR) AS record_id FROM pending_cache_invalidations ${byWriter} ORDER BY id LIMIT ?`, [
          ...(writerIds ?? []),
          limit,
        ]),
    );
    return (rows as Array<{ row_id: string; business_id: string; record_id: string }>).map((r) => ({ rowId: r.row_id, businessId: r.business_id, recordId: r.record_id }));
  }

  async delete(shard: number, rowIds: string[]): Promise<void> {
    if (rowIds.length === 0) return;
    await guardShard(shard, () => this.databases.shard(shard).raw(`DELETE FROM pending_cache_invalidations WHERE id IN (${rowIds.map(() => '?').join(',')})`, rowIds));
  }

  private async retryDeadlock<T>(work: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await work();
      } catch (error) {
        if (!isDeadlock(error) || attempt >= 3) throw error;
      }
    }
  }
}
