import { SlotMap } from '@shardline/sharding';

/**
 * A business id that the default map (`slot % shardCount`) routes to `shard`: what a test writing
 * straight to a shard's event store must use, since the shard refuses writes to slots it does not
 * own (docs/adr/0007). Deterministic: `${seed}-${n}` for the first n that lands there.
 */
export function businessOnShard(shard: number, seed = 'biz', shardCount = 4): string {
  const map = SlotMap.modulo(shardCount);
  for (let n = 0; ; n++) {
    const businessId = `${seed}-${n}`;
    if (map.shardFor(businessId) === shard) return businessId;
  }
}
