import { ShardlineError } from '@shardline/errors';

/**
 * A retry of a keyed batch whose records are split over the shards differently than the first
 * attempt's (slots moved in between, docs/adr/0008): what this shard remembers under the key is
 * another set of the request's records. Those records are refused rather than reported written;
 * the client reads them back (or retries them under a new key).
 */
export class BatchKeySplitChangedError extends ShardlineError {
  readonly code = 'BATCH.KEY_SPLIT_CHANGED';
  readonly kind = 'unprocessable';
  constructor(shard: number) {
    super(
      `this Idempotency-Key's batch was split over the shards differently when it was first written (slots moved since); ` +
        `shard ${shard} remembers other records of it: read these back, or send them again under a new Idempotency-Key`,
      { details: [{ field: 'Idempotency-Key', message: 'its batch was split differently before a slot move' }] },
    );
  }
}
