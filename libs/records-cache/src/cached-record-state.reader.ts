import { LRUCache } from 'lru-cache';
import type { Registry } from 'prom-client';
import { Counter } from 'prom-client';
import { RecordPageFilter, RecordState, RecordStateReader } from '@shardline/records';
import { recordCacheKey, RecordCacheStore } from './record-cache-store.port';

export interface CachedReaderOptions {
  keyPrefix: string;
  /** Records kept in this process (0 disables the in-process tier). */
  lruMaxEntries: number;
  /** Upper bound on an in-process copy's age; correctness does not depend on it (every hit is validated). */
  lruTtlMs: number;
  registry?: Registry;
  /** Test seam: runs between the shard read and the fill, to force the stale-fill race. */
  afterShardRead?: (businessId: string, id: string) => Promise<void>;
}

interface LocalCopy {
  token: string;
  state: RecordState;
}

/**
 * Reads by id through an in-process LRU, then Redis, then the shard (the inner reader); pages
 * pass through to the shard. Why a read never returns a state older than an acknowledged write:
 *  - a copy is stored only under the token observed BEFORE its shard read, and only while that
 *    token is still current (atomic compare-and-set in the store);
 *  - every write destroys the token after it commits and before it is acknowledged;
 *  - every hit, in-process ones included, is checked against the current token in the same
 *    round trip that would fetch the Redis copy.
 * So a copy that is served was read after the last acknowledged write's commit. When the store
 * is unreachable the cache is bypassed entirely (no unvalidated in-process hits).
 */
export class CachedRecordStateReader implements RecordStateReader {
  private readonly lru: LRUCache<string, LocalCopy> | null;
  private readonly lookups: Counter<'result'>;
  private readonly fills: Counter<'result'>;

  constructor(
    private readonly inner: RecordStateReader,
    private readonly store: RecordCacheStore,
    private readonly options: CachedReaderOptions,
  ) {
    this.lru = options.lruMaxEntries > 0 ? new LRUCache({ max: options.lruMaxEntries, ttl: options.lruTtlMs }) : null;
    const registers = options.registry ? [options.registry] : [];
    this.lookups = new Counter({
      name: 'shardline_record_cache_lookups_total',
      help: 'Record reads by id, by where they were answered: lru, redis, shard (miss), bypass (cache unreachable) or fenced (a writer\'s lease ran out, see docs/adr/0006)',
      labelNames: ['result'],
      registers,
    });
    this.fills = new Counter({
      name: 'shardline_record_cache_fills_total',
      help: 'Cache fills after a shard read: stored, or lost (a write invalidated the record meanwhile)',
      labelNames: ['result'],
      registers,
    });
  }

  async get(shard: number, businessId: string, id: string): Promise<RecordState | null> {
    const key = recordCacheKey(this.options.keyPrefix, businessId, id);
    const local = this.lru?.get(key);
    let lookup;
    try {
      lookup = await this.store.lookup(key, local?.token ?? null);
    } catch {
      this.lookups.inc({ result: 'bypass' });
      this.lru?.clear(); // copies cannot be validated now; do not keep trusting them later either
      return this.inner.get(shard, businessId, id);
    }
    if (lookup.kind === 'fenced') {
      // Copies stay in the LRU: the replay that lifts the fence ends their generation first.
      this.lookups.inc({ result: 'fenced' });
      return this.inner.get(shard, businessId, id);
    }
    if (lookup.kind === 'current' && local) {
      this.lookups.inc({ result: 'lru' });
      return local.state;
    }
    if (lookup.kind === 'hit') {
      const state = decodeState(lookup.payload);
      this.lru?.set(key, { token: lookup.token, state });
      this.lookups.inc({ result: 'redis' });
      return state;
    }
    if (local) this.lru?.delete(key);
    this.lookups.inc({ result: 'shard' });
    const state = await this.inner.get(shard, businessId, id);
    // "Not found" is never cached: creates then need no invalidation (see RecordCacheInvalidator).
    if (!state) return null;
    await this.options.afterShardRead?.(businessId, id);
    const stored = await this.store.fill(key, lookup.token, encodeState(state)).catch(() => false);
    this.fills.inc({ result: stored ? 'stored' : 'lost' });
    if (stored) this.lru?.set(key, { token: lookup.token, state });
    return state;
  }

  page(shards: number[], filter: RecordPageFilter, beforeId: string | null, limit: number, offset?: number): Promise<RecordState[]> {
    return this.inner.page(shards, filter, beforeId, limit, offset);
  }
}

function encodeState(state: RecordState): string {
  return JSON.stringify(state);
}

function decodeState(payload: string): RecordState {
  const raw = JSON.parse(payload) as Omit<RecordState, 'createdTime' | 'updatedTime'> & { createdTime: string; updatedTime: string };
  return { ...raw, createdTime: new Date(raw.createdTime), updatedTime: new Date(raw.updatedTime) };
}
