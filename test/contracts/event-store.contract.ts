import { randomUUID } from 'node:crypto';
import { AppendCommand, EventStore, EventToAppend, isStreamVersionConflict, monthKeyOf } from '@shardline/event-store';

export interface EventStoreFixture {
  store: EventStore<unknown>;
  shardCount: number;
  close(): Promise<void>;
}

const event = (type: string, data: unknown, commandId: string = randomUUID()): EventToAppend => ({
  type,
  schemaVersion: 1,
  data,
  metadata: { eventId: randomUUID(), commandId, correlationId: 'corr-1', causationId: null, actor: 'tester' },
});

const write = (shard: number, streamId: string, expectedVersion: number, events: EventToAppend[], idempotency?: AppendCommand['idempotency']): AppendCommand => ({
  shard,
  writes: [{ streamId, partitionMonth: monthKeyOf(new Date()), expectedVersion, events, partitionKey: 'biz', state: null }],
  idempotency,
});

/** The behaviour every EventStore adapter must have; run against in-memory and MySQL. */
export function eventStoreContract(name: string, makeFixture: () => Promise<EventStoreFixture>): void {
  describe(`EventStore contract: ${name}`, () => {
    let fixture: EventStoreFixture;
    beforeAll(async () => {
      fixture = await makeFixture();
    });
    afterAll(() => fixture.close());

    it('appends events with consecutive versions and reads them back in order', async () => {
      const stream = `s-${randomUUID()}`;
      await fixture.store.append(write(1, stream, 0, [event('A', { n: 1 })]));
      await fixture.store.append(write(1, stream, 1, [event('B', { n: 2 }), event('C', { n: 3 })]));
      const events = await fixture.store.readStream(1, stream);
      expect(events.map((e) => [e.streamVersion, e.type, e.data])).toEqual([
        [1, 'A', { n: 1 }],
        [2, 'B', { n: 2 }],
        [3, 'C', { n: 3 }],
      ]);
      expect(events[0].metadata).toMatchObject({ correlationId: 'corr-1', actor: 'tester' });
      const positions = events.map((e) => BigInt(e.position));
      expect(positions[1] > positions[0] && positions[2] > positions[1]).toBe(true);
    });

    it('refuses a stale expected version and leaves the stream untouched', async () => {
      const stream = `s-${randomUUID()}`;
      await fixture.store.append(write(0, stream, 0, [event('A', {})]));
      await expect(fixture.store.append(write(0, stream, 0, [event('A2', {})]))).rejects.toMatchObject({ code: 'EVENT_STORE.VERSION_CONFLICT' });
      expect((await fixture.store.readStream(0, stream)).map((e) => e.type)).toEqual(['A']);
    });

    it('lets exactly one of many concurrent appends at the same version win', async () => {
      const stream = `s-${randomUUID()}`;
      await fixture.store.append(write(2, stream, 0, [event('Created', {})]));
      const racers = Array.from({ length: 12 }, (_, i) => fixture.store.append(write(2, stream, 1, [event('Updated', { i })])));
      const settled = await Promise.allSettled(racers);
      expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(1);
      for (const s of settled) if (s.status === 'rejected') expect(isStreamVersionConflict(s.reason)).toBe(true);
      expect(await fixture.store.readStream(2, stream)).toHaveLength(2);
    });

    it('fails only the bad command when it shares a group with good ones', async () => {
      const stale = `s-${randomUUID()}`;
      await fixture.store.append(write(3, stale, 0, [event('Created', {})]));
      const good = Array.from({ length: 20 }, () => fixture.store.append(write(3, `s-${randomUUID()}`, 0, [event('Created', {})])));
      const bad = fixture.store.append(write(3, stale, 0, [event('Created', {})]));
      const results = await Promise.allSettled([...good, bad]);
      expect(results.slice(0, 20).every((r) => r.status === 'fulfilled')).toBe(true);
      expect(results[20].status).toBe('rejected');
    });

    it('returns the stored result for a repeated command id and appends nothing', async () => {
      const stream = `s-${randomUUID()}`;
      const key = `key-${randomUUID()}`;
      const idempotency = { commandId: key, requestHash: 'h1', response: { ok: 1 } };
      expect(await fixture.store.append(write(0, stream, 0, [event('A', {}, key)], idempotency))).toEqual({ kind: 'appended' });
      const again = await fixture.store.append(write(0, `s-${randomUUID()}`, 0, [event('A', {}, key)], { ...idempotency, response: { ok: 2 } }));
      expect(again).toEqual({ kind: 'duplicate', stored: { commandId: key, requestHash: 'h1', response: { ok: 1 } } });
      expect(await fixture.store.findCommandResult(0, key)).toEqual({ commandId: key, requestHash: 'h1', response: { ok: 1 } });
      expect(await fixture.store.findCommandResult(0, `missing-${key}`)).toBeNull();
    });

    it('writes a batch all-or-nothing: one conflicting stream voids the whole batch', async () => {
      const existing = `s-${randomUUID()}`;
      await fixture.store.append(write(1, existing, 0, [event('A', {})]));
      const fresh = Array.from({ length: 5 }, () => `s-${randomUUID()}`);
      const batch: AppendCommand = {
        shard: 1,
        writes: [...fresh, existing].map((streamId) => ({
          streamId,
          partitionMonth: monthKeyOf(new Date()),
          expectedVersion: 0,
          events: [event('A', {})],
          partitionKey: 'biz',
          state: null,
        })),
      };
      await expect(fixture.store.appendBatch(batch)).rejects.toThrow();
      for (const streamId of fresh) expect(await fixture.store.readStream(1, streamId)).toEqual([]);
      await fixture.store.appendBatch({ ...batch, writes: batch.writes.slice(0, 5) });
      for (const streamId of fresh) expect(await fixture.store.readStream(1, streamId)).toHaveLength(1);
    });
  });
}
