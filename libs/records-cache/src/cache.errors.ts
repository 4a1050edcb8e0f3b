import { messageOf, ShardlineError } from '@shardline/errors';

/** The write could not be made visible to cached readers; it is durable, retry with the same command id. */
export class CacheInvalidationFailedError extends ShardlineError {
  readonly code = 'CACHE.INVALIDATION_FAILED';
  readonly kind = 'unavailable';
  constructor(cause: unknown) {
    super(`the write is stored but the read cache could not be invalidated (${messageOf(cause)}); retry with the same Idempotency-Key / command_id`, { cause });
  }
}
