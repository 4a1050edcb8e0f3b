import { Queue } from 'bullmq';
import { bullmqConnection } from '@shardline/sagas/bullmq';
import { expectStatus } from '../support/api-harness';
import { ChildApp } from '../support/child-app';
import { waitFor } from '../support/wait-for';
import { FROM_SHARD, MoveRecordsFixture, TO_SHARD, type Seeded } from './support/move-records.fixture';

jest.setTimeout(120_000);

/**
 * Moves end to end: the api starts the move-records saga, saga workers run it on MariaDB (4 shards +
 * control) and BullMQ. What must hold: every record is visible exactly once — at its source until
 * the commit point, as its copy after — and a failed move leaves the sources as they were, unlocked.
 * (Failures injected at each step, one job at a time: move-records-steps.int.spec.ts.)
 */
describe('moving records to another business on another shard (saga on MariaDB + BullMQ)', () => {
  const f = new MoveRecordsFixture();

  beforeAll(() => f.start());
  afterEach(() => f.stopWorker());
  afterAll(() => f.close());

  const eventsOf = async (shard: number, id: string) => {
    const [rows] = await f.databases.shard(shard).raw('SELECT stream_version, event_type, data, metadata, staged_by FROM events WHERE stream_id = ? ORDER BY stream_version', [`record-${id}`]);
    return (rows as Array<{ stream_version: number; event_type: string; data: string; metadata: string; staged_by: string | null }>).map((r) => ({
      version: Number(r.stream_version),
      type: r.event_type,
      data: typeof r.data === 'string' ? JSON.parse(r.data) : r.data,
      staged: r.staged_by,
    }));
  };

  /** After a completed move: the copies hold the sources' content under the new business, the sources are gone, the histories reference each other. */
  async function expectMoved(seeded: Seeded, moved: Array<{ from_id: string; to_id: string }>, sagaId: string) {
    expect(moved.map((p) => p.from_id).sort()).toEqual(seeded.records.map((r) => r.id).sort());
    const copies = new Map((await f.visible(seeded.to)).map((r) => [r.id, r]));
    expect(copies.size).toBe(seeded.records.length);
    expect(await f.visible(seeded.from)).toEqual([]);
    const byId = new Map(seeded.records.map((r) => [r.id, r]));
    for (const pair of moved) {
      const source = byId.get(pair.from_id)!;
      expect(copies.get(pair.to_id)).toMatchObject({ business_id: seeded.to, user_id: seeded.userId, version: 1, data_content: { i: source.i } });
    }
    const sample = moved[0];
    const source = byId.get(sample.from_id)!;
    expectStatus(await f.api.request('GET', `/api/v1/data/${seeded.from}/${sample.from_id}`), 404);
    await waitFor('the sources retired and the copies released', async () => {
      const m = await f.markers();
      return m.held === 0 && m.staged === 0 && m.stagedEvents === 0;
    });
    const sourceEvents = await eventsOf(FROM_SHARD, sample.from_id);
    expect(sourceEvents[sourceEvents.length - 1]).toMatchObject({ version: source.version + 1, type: 'RecordMovedOut', data: { to: { business_id: seeded.to, id: sample.to_id } }, staged: null });
    expect(await eventsOf(TO_SHARD, sample.to_id)).toEqual([
      expect.objectContaining({ version: 1, type: 'RecordMovedIn', staged: null, data: expect.objectContaining({ moved_from: expect.objectContaining({ business_id: seeded.from, id: sample.from_id, version: source.version }) }) }),
    ]);
    // Published through the outbox: one RecordMovedIn per copy, one RecordMovedOut per source.
    expect(await f.count(TO_SHARD, 'SELECT COUNT(*) AS n FROM outbox WHERE partition_key = ?', [seeded.to])).toBe(seeded.records.length);
    expect(await f.count(FROM_SHARD, "SELECT COUNT(*) AS n FROM events WHERE event_type = 'RecordMovedOut' AND JSON_VALUE(metadata, '$.causationId') = ?", [sagaId])).toBe(seeded.records.length);
  }

  it('moves every record of a business at one commit point: 201 with the new ids, the copies readable at once, the sources gone, the histories referenced', async () => {
    await f.startWorker();
    const seeded = await f.seed(1200); // three copy chunks
    const moved = await f.move({ from_business_id: seeded.from, to_business_id: seeded.to });
    expectStatus(moved, 201);
    expect(moved.body).toMatchObject({ saga_id: expect.stringMatching(/^mv-/), from_business_id: seeded.from, to_business_id: seeded.to, count: 1200 });
    await expectMoved(seeded, moved.body.moved, moved.body.saga_id);
  });
});
