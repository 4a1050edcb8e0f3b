import { randomUUID } from 'node:crypto';
import { SlotMap } from '@shardline/sharding';

/**
 * A business id `${tag}-N` that the default slot map (`SlotMap.modulo`, what a fresh control
 * database is seeded with) routes to `shard` of `shardCount`, so a test can aim writes at one shard.
 * A test writing straight to a shard's event store must use one: shards refuse writes to slots they
 * do not own (docs/adr/0008).
 */
export function businessOnShard(shard: number, tag = `biz-${randomUUID().slice(0, 8)}`, shardCount = 4): string {
  const map = mapOf(shardCount);
  for (let i = 0; ; i++) if (map.shardFor(`${tag}-${i}`) === shard) return `${tag}-${i}`;
}

const maps = new Map<number, SlotMap>();
function mapOf(shardCount: number): SlotMap {
  let map = maps.get(shardCount);
  if (!map) maps.set(shardCount, (map = SlotMap.modulo(shardCount)));
  return map;
}
