import { randomUUID } from 'node:crypto';
import { AppendCommand, EventStore, EventToAppend, isStreamVersionConflict, monthKeyOf } from '@shardline/event-store';
import { businessOnShard } from '../sharding/business-on-shard';

export interface EventStoreFixture {
  store: EventStore<unknown>;
  shardCount: number;
  /** (stream, version) of the outbox rows of these streams, in outbox order: what the relay would publish. */
  outboxOf(shard: number, streamIds: string[]): Promise<Array<[string, number]>>;
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
  writes: [{ streamId, partitionMonth: monthKeyOf(new Date()), expectedVersion, events, partitionKey: businessOnShard(shard), state: null }],
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

    describe('staged writes (a write set resolved against a commit point)', () => {
      const staged = (shard: number, streamIds: string[], writeSetId: string, idempotency?: AppendCommand['idempotency']): AppendCommand => ({
        shard,
        stagedBy: writeSetId,
        idempotency,
        writes: streamIds.map((streamId) => ({ streamId, partitionMonth: monthKeyOf(new Date()), expectedVersion: 0, events: [event('A', { streamId })], partitionKey: businessOnShard(shard, `biz-${streamId}`), state: null })),
      });
      // The business each stream was staged under: the shard owns its slot (a release checks it, docs/adr/0008).
      const streamsOf = (shard: number, ids: string[]) => ids.map((streamId) => ({ streamId, partitionMonth: monthKeyOf(new Date()), partitionKey: businessOnShard(shard, `biz-${streamId}`) }));

      it('writes the events without outbox rows until the write set is released, then exactly once', async () => {
        const ids = [`s-${randomUUID()}`, `s-${randomUUID()}`, `s-${randomUUID()}`];
        const writeSet = `ws-${randomUUID()}`;
        await fixture.store.appendBatch(staged(2, ids, writeSet));
        expect((await fixture.store.readStream(2, ids[0])).map((e) => e.type)).toEqual(['A']);
        expect(await fixture.outboxOf(2, ids)).toEqual([]);
        expect(await fixture.store.releaseStaged(2, writeSet, streamsOf(2, ids))).toBe(3);
        expect(await fixture.store.releaseStaged(2, writeSet, streamsOf(2, ids))).toBe(0);
        expect((await fixture.outboxOf(2, ids)).sort()).toEqual(ids.map((id) => [id, 1]).sort());
        // Once released the stream is ordinary: the next version gets its outbox row after the first.
        await fixture.store.append(write(2, ids[0], 1, [event('B', {})]));
        expect((await fixture.outboxOf(2, [ids[0]]))).toEqual([[ids[0], 1], [ids[0], 2]]);
      });

      it('concurrent releases of one write set publish each event once', async () => {
        const ids = Array.from({ length: 20 }, () => `s-${randomUUID()}`);
        const writeSet = `ws-${randomUUID()}`;
        await fixture.store.appendBatch(staged(3, ids, writeSet));
        const counts = await Promise.all([0, 1, 2, 3].map(() => fixture.store.releaseStaged(3, writeSet, streamsOf(3, ids))));
        expect(counts.reduce((a, b) => a + b, 0)).toBe(20);
        expect(await fixture.outboxOf(3, ids)).toHaveLength(20);
      });

      it('discards what a voided write set staged, and only that', async () => {
        const ids = [`s-${randomUUID()}`, `s-${randomUUID()}`];
        const writeSet = `ws-${randomUUID()}`;
        const other = `s-${randomUUID()}`;
        await fixture.store.appendBatch(staged(1, ids, writeSet));
        await fixture.store.append(write(1, other, 0, [event('A', {})]));
        expect(await fixture.store.discardStaged(1, writeSet, streamsOf(1, [...ids, other]))).toBe(2);
        expect(await fixture.store.discardStaged(1, writeSet, streamsOf(1, ids))).toBe(0);
        expect(await fixture.store.releaseStaged(1, writeSet, streamsOf(1, ids))).toBe(0);
        for (const id of ids) expect(await fixture.store.readStream(1, id)).toEqual([]);
        expect(await fixture.store.readStream(1, other)).toHaveLength(1);
        expect(await fixture.outboxOf(1, ids)).toEqual([]);
      });

      it('a staged part is idempotent under its command id like any append', async () => {
        const writeSet = `ws-${randomUUID()}`;
        const idempotency = { commandId: `saga:${writeSet}:stage:0`, requestHash: 'h', response: { staged: 1 } };
        const first = [`s-${randomUUID()}`];
        expect(await fixture.store.appendBatch(staged(0, first, writeSet, idempotency))).toEqual({ kind: 'appended' });
        expect(await fixture.store.appendBatch(staged(0, [`s-${randomUUID()}`], writeSet, idempotency))).toMatchObject({ kind: 'duplicate' });
      });
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
          partitionKey: businessOnShard(1),
          state: null,
        })),
      };
      await expect(fixture.store.appendBatch(batch)).rejects.toThrow();
      for (const streamId of fresh) expect(await fixture.store.readStream(1, streamId)).toEqual([]);
      await fixture.store.appendBatch({ ...batch, writes: batch.writes.slice(0, 5) });
      for (const streamId of fresh) expect(await fixture.store.readStream(1, streamId)).toHaveLength(1);
    });

    it('voids a batch too large for one packet whose conflict comes in its last statement: nothing of the earlier packets remains', async () => {
      // 2,500 streams of ~300 B each: the MySQL store sends such INSERTs in several packets, so the
      // rows of the first packets were executed when the conflict surfaces and must be rolled back.
      const existing = `s-${randomUUID()}`;
      await fixture.store.append(write(2, existing, 0, [event('A', {})]));
      const fresh = Array.from({ length: 2500 }, () => `s-${randomUUID()}`);
      const writes = [...fresh, existing].map((streamId) => ({
        streamId,
        partitionMonth: monthKeyOf(new Date()),
        expectedVersion: 0,
        events: [event('A', { note: 'n'.repeat(300) })],
        partitionKey: businessOnShard(2),
        state: null,
      }));
      const refused = await fixture.store.appendBatch({ shard: 2, writes }).then(() => null, (error: unknown) => error);
      expect(isStreamVersionConflict(refused)).toBe(true);
      for (const streamId of [fresh[0], fresh[999], fresh[1000], fresh[2499]]) expect(await fixture.store.readStream(2, streamId)).toEqual([]);
      expect(await fixture.outboxOf(2, fresh)).toEqual([]);
      await fixture.store.appendBatch({ shard: 2, writes: writes.slice(0, 2500) });
      expect(await fixture.outboxOf(2, fresh)).toHaveLength(2500);
    });
  });
}
