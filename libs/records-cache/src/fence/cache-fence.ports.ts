/**
 * The two sides of the cache fence (docs/adr/0006): the writers' leases in Redis, which the lookup
 * script checks, and the durable record of invalidations that could not reach Redis.
 */

/** Writer membership in Redis: one hash field per writer id, holding its lease expiry in Redis ms. */
export interface WriterRegistry {
  /** Redis's clock (ms). */
  time(): Promise<number>;
  /** Makes `id` a member with `expiry` (or extends it), removing `replacing` in the same step; answers Redis's time. */
  join(id: string, expiry: number, replacing: string | null): Promise<number>;
  /** Extends `id`'s lease to `expiry` (never shortens it) if it is still a member. */
  heartbeat(id: string, expiry: number): Promise<{ redisMs: number; member: boolean }>;
  /** Members whose lease ended at least `graceMs` ago by Redis's clock. */
  staleMembers(graceMs: number): Promise<string[]>;
  /** Removes those of `ids` whose lease still ended at least `graceMs` ago; answers the removed ones. */
  remove(ids: string[], graceMs: number): Promise<string[]>;
  /** Leaves the fence at a clean stop (after the writer replayed its own pending invalidations). */
  leave(id: string): Promise<void>;
}

export interface PendingInvalidation {
  rowId: string;
  businessId: string;
  recordId: string;
}

/** `pending_cache_invalidations` and `cache_writer_fences` on every shard. */
export interface PendingInvalidationStore {
  readonly shardCount: number;
  /**
   * Records (businessId, recordId) for `writerId` on `shard`, unless one of `liveIds` (the ids
   * under which this writer may still be a member) was marked swept there: then false and nothing
   * is written. Serialised with markSwept by a row lock, so a row either commits before the
   * sweeper's mark (and its scan sees it) or is refused.
   */
  record(shard: number, writerId: string, liveIds: string[], businessId: string, recordId: string): Promise<boolean>;
  /** Marks `writerIds` swept on every shard (all must be reachable). */
  markSwept(writerIds: string[]): Promise<void>;
  /** Up to `limit` rows of `shard`, oldest first; only those of `writerIds` unless null. */
  list(shard: number, writerIds: string[] | null, limit: number): Promise<PendingInvalidation[]>;
  delete(shard: number, rowIds: string[]): Promise<void>;
}
