import { recordCacheKey, RecordCacheStore } from '../record-cache-store.port';
import { PendingInvalidationStore } from './cache-fence.ports';

const BATCH = 500;

/**
 * Delivers the recorded invalidations of `shard` (only those of `writerIds` unless null): DEL each
 * record's cache entry, then delete its rows. A row is deleted only after its DEL succeeded, so a
 * failure anywhere leaves the rest for the next attempt. Answers how many were replayed.
 */
export async function replayPendingInvalidations(
  pending: PendingInvalidationStore,
  cache: RecordCacheStore,
  keyPrefix: string,
  shard: number,
  writerIds: string[] | null,
): Promise<number> {
  let replayed = 0;
  for (;;) {
    const rows = await pending.list(shard, writerIds, BATCH);
    if (rows.length === 0) return replayed;
    // Auto-pipelined by the client: one round trip for the batch.
    await Promise.all(rows.map((row) => cache.invalidate(recordCacheKey(keyPrefix, row.businessId, row.recordId))));
    await pending.delete(
      shard,
      rows.map((row) => row.rowId),
    );
    replayed += rows.length;
  }
}
