import { beforeRetryOfMovedSlot } from '@shardline/records';
import type { ShardRouter } from '@shardline/sharding';

/**
 * A saga step that writes to a shard addresses the owner the map names NOW, not the shard stored
 * when the saga started (docs/adr/0008, 4.8): a slot may have moved since. A shard that refuses the
 * slot makes the step reload the map and address it again, by the record command runner's rule
 * (beforeRetryOfMovedSlot). Past the tries the error goes to the saga runtime, which retries the
 * step later (the error is retriable).
 */
export async function onCurrentOwners<T>(router: ShardRouter, step: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (error) {
      await beforeRetryOfMovedSlot(error, attempt, router);
    }
  }
}

/** The items by the shard that owns their business now, ascending by shard. */
export function byOwner<T>(router: ShardRouter, items: readonly T[], businessIdOf: (item: T) => string): Array<[number, T[]]> {
  const groups = new Map<number, T[]>();
  for (const item of items) {
    const shard = router.shardFor(businessIdOf(item));
    const group = groups.get(shard);
    if (group) group.push(item);
    else groups.set(shard, [item]);
  }
  return [...groups].sort(([a], [b]) => a - b);
}
