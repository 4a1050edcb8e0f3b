import { ShardlineError } from '@shardline/errors';

/**
 * A concurrent request with the same Idempotency-Key stored this shard's part first, split over
 * the shards differently (slots moved between the two, docs/adr/0008): its part answers for other
 * records of the request than this one's. Those are refused rather than reported written; a retry
 * with the same key finds every stored part of it and writes only what none of them holds.
 */
export class BatchKeySplitChangedError extends ShardlineError {
  readonly code = 'BATCH.KEY_SPLIT_CHANGED';
  readonly kind = 'unprocessable';
  constructor(shard: number) {
    super(
      `a concurrent request with this Idempotency-Key split the batch over the shards differently (slots moved in between); ` +
        `shard ${shard} remembers other records of it: retry with the same Idempotency-Key`,
      { details: [{ field: 'Idempotency-Key', message: 'a concurrent request with it split the batch differently' }] },
    );
  }
}
