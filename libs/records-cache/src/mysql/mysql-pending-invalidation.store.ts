import { guardShard, isDeadlock } from '@shardline/event-store/mysql';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { PendingInvalidation, PendingInvalidationStore } from '../fence/cache-fence.ports';

/**
 * `pending_cache_invalidations` and `cache_writer_fences` (migrations/shard/0005) on the shards.
 * A recording and a sweep mark meet on the writer's `cache_writer_fences` row: the recording
 * makes sure it exists and reads `swept` under a SHARED lock, held until COMMIT; the sweeper
 * upserts `swept = 1`, which needs the EXCLUSIVE lock. So a mark waits for every recording in
 * flight (their rows commit first, and the sweep's scan sees them) and a recording after the mark
 * reads it, in READ COMMITTED as in REPEATABLE READ (the row exists when it is read, and no WHERE
 * clause on `swept` lets READ COMMITTED release a lock early). Shared, so that the recordings of
 * one fenced writer run side by side instead of queueing on its row.
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
          // INSERT IGNORE of an existing row takes a shared lock only (an upsert would take the exclusive one).
          for (const id of ids) await trx.raw('INSERT IGNORE INTO cache_writer_fences (writer_id) VALUES (?)', [id]);
          const [rows] = await trx.raw(`SELECT swept FROM cache_writer_fences WHERE writer_id IN (${ids.map(() => '?').join(',')}) LOCK IN SHARE MODE`, ids);
          if ((rows as Array<{ swept: number }>).some((row) => Number(row.swept) === 1)) return false;
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
