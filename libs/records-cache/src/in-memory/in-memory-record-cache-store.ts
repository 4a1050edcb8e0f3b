import { randomUUID } from 'node:crypto';
import { CacheLookup, RecordCacheStore } from '../record-cache-store.port';
import type { InMemoryWriterRegistry } from './in-memory-cache-fence';

/**
 * Same semantics as the Redis store (one map = one Redis), for unit tests; held to it by the
 * record-cache contract (@shardline/testing/contracts). Given the writers' registry, a lookup is
 * fenced while any writer's lease has ended, as the Redis lookup script checks the leases hash.
 */
export class InMemoryRecordCacheStore implements RecordCacheStore {
  readonly entries = new Map<string, { token: string; payload?: string }>();
  /** Makes every call fail, like an unreachable Redis. */
  down = false;
  /** Makes the next this-many invalidations fail, like a Redis too slow for the command timeout. */
  slowInvalidations = 0;

  constructor(private readonly writers?: InMemoryWriterRegistry) {}

  async lookup(key: string, knownToken: string | null): Promise<CacheLookup> {
    this.check();
    if (this.writers && !this.writers.cacheUsable()) return { kind: 'fenced' };
    const entry = this.entries.get(key);
    if (!entry) {
      const token = randomUUID();
      this.entries.set(key, { token });
      return { kind: 'miss', token };
    }
    if (entry.token === knownToken) return { kind: 'current', token: entry.token };
    return entry.payload === undefined ? { kind: 'miss', token: entry.token } : { kind: 'hit', token: entry.token, payload: entry.payload };
  }

  async fill(key: string, token: string, payload: string): Promise<boolean> {
    this.check();
    const entry = this.entries.get(key);
    if (entry?.token !== token) return false;
    entry.payload = payload;
    return true;
  }

  async invalidate(key: string): Promise<void> {
    this.check();
    if (this.slowInvalidations > 0) {
      this.slowInvalidations--;
      throw new Error('Command timed out');
    }
    this.entries.delete(key);
  }

  private check(): void {
    if (this.down) throw new Error('cache store unreachable');
  }
}
