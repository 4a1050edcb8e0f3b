import { RecordCacheInvalidator } from '@shardline/records';
import { CacheInvalidationFailedError } from './cache.errors';
import type { CacheWriterFence } from './fence/cache-writer-fence';
import { recordCacheKey, RecordCacheStore } from './record-cache-store.port';

export { CacheInvalidationFailedError } from './cache.errors';

/**
 * Write side of the cache: destroys the record's generation token before the command answers.
 * When Redis cannot be reached, the fence (docs/adr/0006) makes the acknowledgement safe instead:
 * the invalidation is recorded on a shard and readers bypass the cache until it is replayed.
 * Without a fence (or when it cannot help) the write answers 503 CACHE.INVALIDATION_FAILED.
 */
export class StoreRecordCacheInvalidator implements RecordCacheInvalidator {
  constructor(
    private readonly store: RecordCacheStore,
    private readonly keyPrefix: string,
    private readonly fence: CacheWriterFence | null = null,
  ) {}

  async invalidate(businessId: string, recordId: string): Promise<void> {
    if (this.fence && !this.fence.deliversToRedis) {
      // Fenced: Redis failed us a moment ago; record at once rather than wait for another timeout.
      try {
        return await this.fence.acknowledgeUndelivered(businessId, recordId, 'this writer is fenced');
      } catch (error) {
        // Refused because this writer was swept (now outside), or a rejoin began meanwhile: a DEL
        // that succeeds still acknowledges safely, whatever the fence's state.
        if (!this.fence.deliversToRedis) throw error;
      }
    }
    const key = recordCacheKey(this.keyPrefix, businessId, recordId);
    try {
      // A slow Redis is not a down one: a DEL that missed the (short) command timeout on a busy
      // machine is tried once more before the fence makes every reader bypass the cache. DEL is
      // idempotent, and with Redis unreachable both attempts fail at once (no offline queue).
      await this.store.invalidate(key).catch(() => this.store.invalidate(key));
    } catch (error) {
      if (!this.fence) throw new CacheInvalidationFailedError(error);
      await this.fence.acknowledgeUndelivered(businessId, recordId, error);
    }
  }
}
