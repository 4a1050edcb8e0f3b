import { randomUUID } from 'node:crypto';
import type { CommitPoints } from '@shardline/commit-points';
import type { EventStore } from '@shardline/event-store';
import { firstIdAt, timeOfId } from '@shardline/ids';
import { stagedStreamOf, type RecordState, type RecordStateChange, type RecordStateReader } from '@shardline/records';

export interface RecordStateFixture {
  /** An event store whose inline projection keeps the records state the reader reads (≥ 2 shards). */
  store: EventStore<RecordStateChange>;
  reader: RecordStateReader;
  commitPoints: CommitPoints;
  close(): Promise<void>;
}

let sequence = Math.floor(Math.random() * 2 ** 20);

/**
 * What the records state must do, run against the in-memory state (unit) and the shards' `records`
 * table with its reader (integration): the state written in the same append as the events, pages
 * newest first across shards, and a row staged by a cross-shard write set visible exactly when its
 * commit point is committed (docs/adr/0003).
 */
export function recordStateContract(name: string, open: () => Promise<RecordStateFixture>) {
  describe(`records state contract: ${name}`, () => {
    let f: RecordStateFixture;
    beforeAll(async () => {
      f = await open();
    });
    afterAll(async () => f?.close());

    const tag = randomUUID().slice(0, 8);
    const record = (business: string, createdAt: string, user = '7', content: Record<string, unknown> = { n: 1 }): RecordState => {
      const id = (BigInt(firstIdAt(new Date(createdAt))) + BigInt(++sequence % 2 ** 22)).toString();
      return { id, businessId: `${tag}-${business}`, userId: user, dataContent: content, version: 1, createdTime: timeOfId(id), updatedTime: timeOfId(id) };
    };
    const write = (shard: number, op: RecordStateChange['op'], r: RecordState, options: { stagedBy?: string } = {}) => {
      const stream = stagedStreamOf(r.id, r.businessId);
      const expectedVersion = op === 'insert' ? 0 : op === 'update' ? r.version - 1 : r.version;
      const event = { type: `Record-${op}`, schemaVersion: 1, data: {}, metadata: { eventId: randomUUID(), commandId: randomUUID(), correlationId: 'c', causationId: null, actor: null } };
      return f.store.append({ shard, writes: [{ ...stream, expectedVersion, events: [event], state: { op, record: r } }], stagedBy: options.stagedBy });
    };
    const summary = (r: RecordState | null) => r && { id: r.id, businessId: r.businessId, userId: r.userId, dataContent: r.dataContent, version: r.version, createdTime: r.createdTime.toISOString() };

    it('reads the state written with the events: inserted, updated, deleted; under another business the id is not found', async () => {
      const r = record('crud', '2026-02-01T10:00:00.000Z');
      await write(1, 'insert', r);
      expect(summary(await f.reader.get(1, r.businessId, r.id))).toEqual(summary(r));
      expect(await f.reader.get(1, `${tag}-other`, r.id)).toBeNull();
      const updated = { ...r, version: 2, dataContent: { n: 2 }, updatedTime: new Date('2026-02-02T00:00:00.000Z') };
      await write(1, 'update', updated);
      expect(await f.reader.get(1, r.businessId, r.id)).toMatchObject({ version: 2, dataContent: { n: 2 } });
      expect((await f.reader.get(1, r.businessId, r.id))!.updatedTime.toISOString()).toBe('2026-02-02T00:00:00.000Z');
      await write(1, 'delete', updated);
      expect(await f.reader.get(1, r.businessId, r.id)).toBeNull();
    });

    it('pages newest first across shards, by business or by user, after a cursor, with an offset', async () => {
      const rs = [0, 1, 2, 3, 4].map((i) => record('page', `2026-02-1${i}T00:00:00.000Z`, i % 2 === 0 ? '100' : '200'));
      for (const [i, r] of rs.entries()) await write(i % 2, 'insert', r);
      const ids = (page: RecordState[]) => page.map((r) => r.id);
      const newest = [...rs].reverse().map((r) => r.id);
      expect(ids(await f.reader.page([0, 1], { businessId: rs[0].businessId }, null, 10))).toEqual(newest);
      expect(ids(await f.reader.page([0, 1], { businessId: rs[0].businessId }, null, 2))).toEqual(newest.slice(0, 2));
      expect(ids(await f.reader.page([0, 1], { businessId: rs[0].businessId }, newest[1], 2))).toEqual(newest.slice(2, 4));
      expect(ids(await f.reader.page([0, 1], { businessId: rs[0].businessId }, null, 2, 1))).toEqual(newest.slice(1, 3));
      expect(ids(await f.reader.page([0], { businessId: rs[0].businessId }, null, 10))).toEqual([rs[4].id, rs[2].id, rs[0].id]);
      expect(ids(await f.reader.page([0, 1], { businessId: rs[0].businessId, userId: '200' }, null, 10))).toEqual([rs[3].id, rs[1].id]);
    });

    it('hides a staged row until its commit point is committed; a voided one never shows and is discarded', async () => {
      const [ws, voided] = [`ws-${randomUUID()}`, `ws-${randomUUID()}`];
      const [kept, dropped] = [record('staged', '2026-02-20T00:00:00.000Z'), record('staged', '2026-02-21T00:00:00.000Z')];
      await f.commitPoints.open(ws);
      await f.commitPoints.open(voided);
      await write(0, 'insert', kept, { stagedBy: ws });
      await write(1, 'insert', dropped, { stagedBy: voided });
      expect(await f.reader.get(0, kept.businessId, kept.id)).toBeNull();
      expect(await f.reader.page([0, 1], { businessId: kept.businessId }, null, 10)).toEqual([]);
      expect(await f.commitPoints.commit(ws)).toBe('committed');
      expect(await f.commitPoints.void(voided)).toBe('voided');
      expect(summary(await f.reader.get(0, kept.businessId, kept.id))).toEqual(summary(kept));
      expect((await f.reader.page([0, 1], { businessId: kept.businessId }, null, 10)).map((r) => r.id)).toEqual([kept.id]);
      await f.store.releaseStaged(0, ws, [stagedStreamOf(kept.id, kept.businessId)]);
      await f.store.discardStaged(1, voided, [stagedStreamOf(dropped.id, dropped.businessId)]);
      expect(await f.reader.get(0, kept.businessId, kept.id)).not.toBeNull();
      expect((await f.reader.page([0, 1], { businessId: kept.businessId }, null, 10)).map((r) => r.id)).toEqual([kept.id]);
    });
  });
}
