import { messageOf, ShardlineError } from '@shardline/errors';
import { RecordCacheInvalidator } from '@shardline/records';
import { recordCacheKey, RecordCacheStore } from './record-cache-store.port';

/** The write could not be made visible to cached readers; it is durable, retry with the same command id. */
export class CacheInvalidationFailedError extends ShardlineError {
  readonly code = 'CACHE.INVALIDATION_FAILED';
  readonly kind = 'unavailable';
  constructor(cause: unknown) {
    super(`the write is stored but the read cache could not be invalidated (${messageOf(cause)}); retry with the same Idempotency-Key / command_id`, { cause });
  }
}

/** Write side of the cache: destroys the record's generation token before the command answers. */
export class StoreRecordCacheInvalidator implements RecordCacheInvalidator {
  constructor(
    private readonly store: RecordCacheStore,
    private readonly keyPrefix: string,
  ) {}

  async invalidate(businessId: string, recordId: string): Promise<void> {
    try {
      await this.store.invalidate(recordCacheKey(this.keyPrefix, businessId, recordId));
    } catch (error) {
      throw new CacheInvalidationFailedError(error);
    }
  }
}
