import { randomUUID } from 'node:crypto';
import type { PendingInvalidationStore } from '@shardline/records-cache';

/**
 * What the cache fence's durable record of invalidations must do (docs/adr/0006), run against the
 * in-memory double (unit) and the shards' `pending_cache_invalidations` / `cache_writer_fences`
 * (integration): rows per shard in order, filtered by writer, deleted by id; a writer marked swept
 * (or one still answering to a swept id) records nothing more. Needs at least 2 shards.
 */
export function pendingInvalidationsContract(name: string, open: () => Promise<{ store: PendingInvalidationStore; close(): Promise<void> }>) {
  describe(`PendingInvalidationStore contract: ${name}`, () => {
    let store: PendingInvalidationStore;
    let close: () => Promise<void>;
    beforeAll(async () => ({ store, close } = await open()));
    afterAll(async () => close());
    const writer = () => `w-${randomUUID()}`;

    it('keeps rows per shard, oldest first, filtered by writer, at most `limit`', async () => {
      expect(store.shardCount).toBeGreaterThanOrEqual(2);
      const [a, b] = [writer(), writer()];
      expect(await store.record(0, a, [], 'acme', '1001')).toBe(true);
      expect(await store.record(0, b, [], 'acme', '1002')).toBe(true);
      expect(await store.record(0, a, [], 'globex', '1003')).toBe(true);
      expect(await store.record(1, a, [], 'acme', '1004')).toBe(true);
      const records = (rows: Array<{ recordId: string }>) => rows.map((r) => r.recordId);
      expect(records(await store.list(0, [a], 10))).toEqual(['1001', '1003']);
      expect(records(await store.list(0, [a, b], 2))).toEqual(['1001', '1002']);
      expect(records(await store.list(1, [a], 10))).toEqual(['1004']);
      expect(await store.list(0, [], 10)).toEqual([]);
      expect(records(await store.list(0, null, 1000))).toEqual(expect.arrayContaining(['1001', '1002', '1003']));
      expect((await store.list(0, [a], 1))[0]).toMatchObject({ businessId: 'acme', recordId: '1001', rowId: expect.any(String) });
    });

    it('deletes exactly the rows named, on their shard', async () => {
      const a = writer();
      await store.record(0, a, [], 'acme', '2001');
      await store.record(0, a, [], 'acme', '2002');
      await store.record(1, a, [], 'acme', '2003');
      const [first] = await store.list(0, [a], 10);
      await store.delete(0, [first.rowId]);
      await store.delete(0, []);
      expect((await store.list(0, [a], 10)).map((r) => r.recordId)).toEqual(['2002']);
      expect((await store.list(1, [a], 10)).map((r) => r.recordId)).toEqual(['2003']);
    });

    it('refuses to record for a writer once it, or an id it may still answer to, was marked swept', async () => {
      const [swept, successor, other] = [writer(), writer(), writer()];
      expect(await store.record(1, swept, [], 'acme', '3001')).toBe(true);
      await store.markSwept([swept]);
      expect(await store.record(0, swept, [], 'acme', '3002')).toBe(false);
      expect(await store.record(1, swept, [], 'acme', '3002')).toBe(false);
      expect(await store.record(1, successor, [swept], 'acme', '3003')).toBe(false);
      expect(await store.record(1, other, [], 'acme', '3004')).toBe(true);
      // What was recorded before the mark stays, for the sweeper to replay.
      expect((await store.list(1, [swept], 10)).map((r) => r.recordId)).toEqual(['3001']);
    });
  });
}
