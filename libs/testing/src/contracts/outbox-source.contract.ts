import { randomUUID } from 'node:crypto';
import { monthKeyOf, type EventStore } from '@shardline/event-store';
import type { OutboxSource } from '@shardline/outbox-relay';
import { businessOnShard } from '../sharding/business-on-shard';

export interface OutboxSourceFixture {
  /** The source of shard `shard` of `store`: what `store.append` writes there, the source reads. */
  source: OutboxSource;
  store: EventStore<unknown>;
  shard: number;
  /** Makes the shard unreachable (true) or reachable again (false). */
  cut(down: boolean): Promise<void>;
  close(): Promise<void>;
}

/**
 * What the relay's outbox source must do, run against the in-memory event store's outbox (unit)
 * and a MySQL shard (integration): events appended through the event store are read back in
 * outbox order with their events, removed only by id, counted by the backlog.
 */
export function outboxSourceContract(name: string, open: () => Promise<OutboxSourceFixture>) {
  describe(`OutboxSource contract: ${name}`, () => {
    let f: OutboxSourceFixture;
    beforeAll(async () => {
      f = await open();
    });
    afterAll(async () => f?.close());

    const append = async (streamId: string, types: string[], expectedVersion = 0) => {
      const events = types.map((type, i) => ({
        type,
        schemaVersion: 1,
        data: { i, type },
        metadata: { eventId: randomUUID(), commandId: randomUUID(), correlationId: 'corr', causationId: null, actor: null },
      }));
      await f.store.append({ shard: f.shard, writes: [{ streamId, partitionMonth: monthKeyOf(new Date()), expectedVersion, events, partitionKey: businessOnShard(f.shard), state: null }] });
    };
    /** Empties the outbox, so each spec starts from a known state. */
    const drain = async () => {
      for (let batch = await f.source.readBatch(1000); batch.length > 0; batch = await f.source.readBatch(1000)) await f.source.remove(batch.map((e) => e.outboxId));
    };
    const summary = (entries: Awaited<ReturnType<OutboxSource['readBatch']>>) => entries.map((e) => [e.event.streamId, e.event.streamVersion, e.event.type, e.event.data]);

    it('reads what was appended in outbox order, with each event, at most `limit` rows', async () => {
      await drain();
      const [s1, s2] = [`s-${randomUUID()}`, `s-${randomUUID()}`];
      await append(s1, ['A', 'B']);
      await append(s2, ['C']);
      await append(s1, ['D'], 2);
      expect(summary(await f.source.readBatch(2))).toEqual([
        [s1, 1, 'A', { i: 0, type: 'A' }],
        [s1, 2, 'B', { i: 1, type: 'B' }],
      ]);
      const all = await f.source.readBatch(10);
      expect(summary(all).map(([stream, version]) => [stream, version])).toEqual([
        [s1, 1],
        [s1, 2],
        [s2, 1],
        [s1, 3],
      ]);
      const ids = all.map((e) => BigInt(e.outboxId));
      expect(ids.every((id, i) => i === 0 || id > ids[i - 1])).toBe(true);
      expect(all[0].event).toMatchObject({ shard: f.shard, schemaVersion: 1, metadata: { correlationId: 'corr' } });
      expect(all[0].event.createdTime).toBeInstanceOf(Date);
    });

    it('removes exactly the rows named; ids removed already, or none, change nothing', async () => {
      await drain();
      const s = `s-${randomUUID()}`;
      await append(s, ['A', 'B', 'C']);
      const [a, b, c] = await f.source.readBatch(10);
      await f.source.remove([a.outboxId, c.outboxId]);
      expect((await f.source.readBatch(10)).map((e) => e.outboxId)).toEqual([b.outboxId]);
      await f.source.remove([a.outboxId]);
      await f.source.remove([]);
      expect((await f.source.readBatch(10)).map((e) => e.outboxId)).toEqual([b.outboxId]);
    });

    it('counts the backlog exactly, with the time of its oldest row; an empty outbox has none', async () => {
      await drain();
      expect(await f.source.backlog()).toEqual({ rows: 0, estimated: false, oldestCreatedTime: null });
      const before = Date.now();
      await append(`s-${randomUUID()}`, ['A', 'B']);
      const backlog = await f.source.backlog();
      expect(backlog).toMatchObject({ rows: 2, estimated: false });
      // MySQL keeps whole seconds or milliseconds depending on the column; allow the rounding.
      expect(Math.abs(backlog.oldestCreatedTime!.getTime() - before)).toBeLessThan(5_000);
    });

    it('answers ping, and refuses reads as unavailable while the shard cannot be reached', async () => {
      expect(await f.source.ping()).toBe(true);
      await f.cut(true);
      try {
        expect(await f.source.ping()).toBe(false);
        await expect(f.source.readBatch(10)).rejects.toMatchObject({ code: 'EVENT_STORE.SHARD_UNAVAILABLE' });
      } finally {
        await f.cut(false);
      }
      expect(await f.source.ping()).toBe(true);
    });
  });
}
