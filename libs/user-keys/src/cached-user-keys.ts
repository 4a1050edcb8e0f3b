import { LRUCache } from 'lru-cache';
import { CoalescedLookup } from './coalesced-lookup';
import type { DataKey, UserKeys } from './user-keys.port';

export interface UserKeyCacheOptions {
  /** Longest a looked-up key is used without asking the store again; 0 disables the cache. */
  ttlMs: number;
  /** Users kept (least recently used dropped first): ~100 bytes each. */
  maxEntries?: number;
}

/** A cached answer: the key, or null for a user the store said is erased (final, so safe to keep). */
interface Entry {
  key: DataKey | null;
  /** On the cache's clock; checked here rather than left to the LRU's own TTL, so the bound is exact. */
  expiresAt: number;
}

/**
 * UserKeys with an in-process cache whose TTL bounds how long a forgotten key stays usable in this
 * process: an entry expires `ttlMs` after its lookup STARTED. A lookup that returns a key read it
 * before the forget committed, so it started before the forget did, and the entry is gone by
 * forget + ttlMs. Every process caches this way, so once `forget()` resolved, waiting `ttlMs` is
 * enough for no relay to seal and no projector to open with that key any more (the erase saga
 * waits it out; what a projector opened just before may still be in flight to a read model, which
 * is why the saga scrubs the read models after the wait).
 *
 * Cached: keys, and `keysFor`'s nulls (erased: final). Not cached: `existingKeys`' nulls, which may
 * mean "never seen" and must not later read as "erased" to a `keysFor` in the same process.
 */
export class CachedUserKeys implements UserKeys {
  readonly ttlMs: number;
  private readonly cache: LRUCache<string, Entry> | null;
  /** Concurrent misses share one store call (the write path's many commands for new users). */
  private readonly creating = new CoalescedLookup<DataKey | null>((ids) => this.store.keysFor(ids));
  private readonly reading = new CoalescedLookup<DataKey | null>((ids) => this.store.existingKeys(ids));

  constructor(
    private readonly store: UserKeys,
    options: UserKeyCacheOptions,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.ttlMs = options.ttlMs;
    this.cache = options.ttlMs > 0 ? new LRUCache<string, Entry>({ max: options.maxEntries ?? 100_000, ttl: options.ttlMs, perf: { now }, ttlResolution: 0 }) : null;
  }

  keysFor(userIds: readonly string[]): Promise<Map<string, DataKey | null>> {
    return this.lookup(userIds, (misses) => this.creating.lookup(misses), () => true);
  }

  existingKeys(userIds: readonly string[]): Promise<Map<string, DataKey | null>> {
    return this.lookup(userIds, (misses) => this.reading.lookup(misses), (key) => key !== null);
  }

  async forget(userId: string): Promise<boolean> {
    this.cache?.delete(userId);
    try {
      return await this.store.forget(userId);
    } finally {
      // A lookup of this process that raced the forget may have cached the key meanwhile.
      this.cache?.delete(userId);
    }
  }

  private async lookup(
    userIds: readonly string[],
    fetch: (misses: string[]) => Promise<Map<string, DataKey | null>>,
    cacheable: (key: DataKey | null) => boolean,
  ): Promise<Map<string, DataKey | null>> {
    const found = new Map<string, DataKey | null>();
    const misses: string[] = [];
    for (const id of new Set(userIds)) {
      const entry = this.cache?.get(id);
      if (entry && this.now() < entry.expiresAt) found.set(id, entry.key);
      else misses.push(id);
    }
    if (misses.length === 0) return found;
    const started = this.now();
    const fetched = await fetch(misses);
    // Whatever this lookup read may be older than its answer: it lives ttlMs from the start.
    const expiresAt = started + this.ttlMs;
    const ttl = Math.ceil(expiresAt - this.now());
    for (const [id, key] of fetched) {
      found.set(id, key);
      if (this.cache && ttl > 0 && cacheable(key)) this.cache.set(id, { key, expiresAt }, { ttl });
    }
    return found;
  }
}
