import { LRUCache } from 'lru-cache';
import { CoalescedLookup } from './coalesced-lookup';
import type { DataKey, UserKeyErasures, UserKeys } from './user-keys.port';

export interface UserKeyCacheOptions {
  /** Longest a looked-up key is used without evidence that it was not forgotten since; 0 disables the cache. */
  ttlMs: number;
  /** Users kept (least recently used dropped first): ~100 bytes each. */
  maxEntries?: number;
  /**
   * The store's erasure count. With it, keys stay cached for as long as the count has not moved
   * (re-read at most every CHECK_EVERY, in the background) instead of for ttlMs only.
   */
  erasures?: UserKeyErasures;
}

/** A cached answer: the key, or null for a user the store said is erased (final, so safe to keep). */
interface Entry {
  key: DataKey | null;
  /** On the cache's clock; checked here rather than left to the LRU's own TTL, so the bound is exact. */
  expiresAt: number;
  /** The erasure count read before this entry's lookup started (null: none was known then). */
  erasures: number | null;
}

/** The latest erasure count read, and when that read STARTED (what it proves is as old as that). */
interface ErasureReading {
  count: number;
  startedAt: number;
}

/** How often, at most, the erasure count is read again while lookups come in (never slower than ttlMs / 4). */
const CHECK_EVERY_MS = 1_000;

/**
 * UserKeys with an in-process cache whose TTL bounds how long a forgotten key stays usable in this
 * process: once `forget()` resolved anywhere, no process uses the key `ttlMs` later. Every process
 * caches this way, so waiting `ttlMs` after a forget is enough for no relay to seal and no projector
 * to open with that key any more (the erase saga waits it out; what a projector opened just before
 * may still be in flight to a read model, which is why the saga scrubs the read models after the wait).
 *
 * An entry is usable while either holds:
 * - its lookup STARTED less than `ttlMs` ago (a lookup that returns a key read it before the forget
 *   committed, so it started before the forget did, and the entry is gone by forget + ttlMs);
 * - with `erasures`: the erasure count read before its lookup started equals the latest count read,
 *   and that read started less than `ttlMs` ago. forget() raises the count after the key is gone,
 *   so a read that started after the forget resolved sees another count; the last read that did not
 *   started before the forget, and vouches for at most `ttlMs` from then. So the same bound holds,
 *   while a key stays cached as long as nobody is erased (a busy api with 50,000 users cycling
 *   through it no longer re-reads every key every 30 s: bench/README.md, issue 12 §4).
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
  private readonly erasures: UserKeyErasures | undefined;
  private readonly checkEveryMs: number;
  private lastErasures: ErasureReading | null = null;
  private readingErasures: Promise<void> | null = null;

  constructor(
    private readonly store: UserKeys,
    options: UserKeyCacheOptions,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.ttlMs = options.ttlMs;
    this.erasures = options.ttlMs > 0 ? options.erasures : undefined;
    this.checkEveryMs = Math.min(CHECK_EVERY_MS, options.ttlMs / 4);
    const max = options.maxEntries ?? 100_000;
    // Without an erasure count the LRU drops entries at their TTL; with one, only least recently used.
    this.cache = options.ttlMs <= 0 ? null : this.erasures ? new LRUCache<string, Entry>({ max }) : new LRUCache<string, Entry>({ max, ttl: options.ttlMs, perf: { now }, ttlResolution: 0 });
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
    const erasures = this.erasures ? await this.vouchingErasures() : null;
    const found = new Map<string, DataKey | null>();
    const misses: string[] = [];
    for (const id of new Set(userIds)) {
      const entry = this.cache?.get(id);
      if (entry && this.usable(entry, erasures)) found.set(id, entry.key);
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
      if (!this.cache || !cacheable(key)) continue;
      // Kept past its TTL only by a count read before the lookup started (`erasures` is).
      if (erasures) this.cache.set(id, { key: ownCopy(key), expiresAt, erasures: erasures.count });
      else if (ttl > 0) this.cache.set(id, { key: ownCopy(key), expiresAt, erasures: null }, { ttl });
    }
    return found;
  }

  private usable(entry: Entry, erasures: ErasureReading | null): boolean {
    const now = this.now();
    if (now < entry.expiresAt) return true;
    return erasures !== null && entry.erasures === erasures.count && now < erasures.startedAt + this.ttlMs;
  }

  /**
   * The latest erasure count that still vouches for entries (read less than ttlMs ago), reading it
   * again in the background when older than checkEveryMs; waits for the read only when none vouches.
   * null: the count cannot be read (entries then live by their TTL alone).
   */
  private async vouchingErasures(): Promise<ErasureReading | null> {
    const last = this.lastErasures;
    const age = last ? this.now() - last.startedAt : Infinity;
    if (age >= this.checkEveryMs) this.readingErasures ??= this.readErasures();
    if (last && age < this.ttlMs) return last;
    await this.readingErasures;
    return this.lastErasures && this.now() - this.lastErasures.startedAt < this.ttlMs ? this.lastErasures : null;
  }

  private async readErasures(): Promise<void> {
    const startedAt = this.now();
    try {
      const count = await this.erasures!.erasureCount();
      // Someone was erased and whatever this process holds may be theirs: drop it all (erasures are rare).
      if (this.lastErasures && count !== this.lastErasures.count) this.cache?.clear();
      this.lastErasures = { count, startedAt };
    } catch {
      // Keep the last reading: it stops vouching ttlMs after it started, and lookups then go to the store.
    } finally {
      this.readingErasures = null;
    }
  }
}

/**
 * A cached key in memory of its own: a small Buffer is usually a view of an 8 KiB slab shared with
 * unrelated allocations, which a long-lived cache entry would keep alive (100,000 entries could
 * pin hundreds of MB); and no caller's buffer can change what the cache hands out later.
 */
function ownCopy(key: DataKey | null): DataKey | null {
  if (key === null) return null;
  const copy = Buffer.allocUnsafeSlow(key.length);
  key.copy(copy);
  return copy;
}
