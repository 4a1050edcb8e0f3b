import { randomUUID } from 'node:crypto';
import type { RecordCacheStore, WriterRegistry } from '@shardline/records-cache';

/**
 * What the read cache's shared store and the cache fence's writer registry must do (docs/adr/0006),
 * run against the in-memory doubles (unit) and Redis (integration). They share one clock (Redis's
 * TIME), so leases here are set relative to `writers.time()`.
 */
export function recordCacheContract(name: string, open: () => Promise<{ store: RecordCacheStore; writers: WriterRegistry; close(): Promise<void> }>) {
  describe(`record cache contract: ${name}`, () => {
    let store: RecordCacheStore;
    let writers: WriterRegistry;
    let close: () => Promise<void>;
    beforeAll(async () => ({ store, writers, close } = await open()));
    afterAll(async () => close());
    // Keys as recordCacheKey makes them (prefix, digits, business), random so runs never meet.
    const key = () => `c:${1000 + Math.floor(Math.random() * 1e9)}:acme`;

    it('a first lookup starts a generation; a fill under it is served until a write invalidates it', async () => {
      const k = key();
      const first = await store.lookup(k, null);
      expect(first).toMatchObject({ kind: 'miss' });
      const token = (first as { token: string }).token;
      expect(await store.lookup(k, null)).toEqual({ kind: 'miss', token });
      expect(await store.fill(k, token, '{"v":1}')).toBe(true);
      expect(await store.lookup(k, null)).toEqual({ kind: 'hit', token, payload: '{"v":1}' });
      expect(await store.lookup(k, token)).toEqual({ kind: 'current', token });
      await store.invalidate(k);
      const next = await store.lookup(k, token);
      expect(next).toMatchObject({ kind: 'miss' });
      expect((next as { token: string }).token).not.toBe(token);
    });

    it('refuses a fill under a token that is not current: a write came in between, or none was ever given', async () => {
      const k = key();
      const { token } = (await store.lookup(k, null)) as { token: string };
      await store.invalidate(k);
      expect(await store.fill(k, token, 'stale')).toBe(false);
      expect(await store.fill(key(), 'never-issued', 'x')).toBe(false);
      const after = await store.lookup(k, null);
      expect(after.kind).toBe('miss');
    });

    it('invalidating a record nobody looked up is harmless', async () => {
      await expect(store.invalidate(key())).resolves.toBeUndefined();
    });

    it('a lookup is fenced while any writer lease has ended by the store clock, and usable again once that writer left', async () => {
      const k = key();
      const id = `w-${randomUUID()}`;
      const now = await writers.time();
      await writers.join(id, now - 1, null);
      expect(await store.lookup(k, null)).toEqual({ kind: 'fenced' });
      await writers.leave(id);
      expect((await store.lookup(k, null)).kind).toBe('miss');
    });

    it('writers join, heartbeat (extending, never shortening), go stale, and are removed only when still stale', async () => {
      const [a, b, c] = [`a-${randomUUID()}`, `b-${randomUUID()}`, `c-${randomUUID()}`];
      const now = await writers.time();
      expect(Math.abs((await writers.join(a, now + 60_000, null)) - now)).toBeLessThan(5_000);
      expect(await writers.heartbeat(b, now + 60_000)).toMatchObject({ member: false });
      expect(await writers.heartbeat(a, now + 1_000)).toMatchObject({ member: true });
      expect(await writers.staleMembers(0)).not.toContain(a); // the shorter expiry did not shorten the lease
      // c joins replacing a: a is gone in the same step.
      await writers.join(c, now - 10_000, a);
      expect(await writers.heartbeat(a, now + 60_000)).toMatchObject({ member: false });
      expect(await writers.staleMembers(0)).toContain(c);
      expect(await writers.staleMembers(60_000)).not.toContain(c);
      expect(await writers.remove([c, b], 60_000)).toEqual([]);
      expect(await writers.remove([c, b], 0)).toEqual([c]);
      expect(await writers.staleMembers(0)).not.toContain(c);
      expect(await writers.remove([], 0)).toEqual([]);
    });
  });
}
