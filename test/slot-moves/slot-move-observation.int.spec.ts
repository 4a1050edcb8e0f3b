import type { Knex } from 'knex';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { planMoves } from '@shardline/slot-moves';
import { MysqlSlotMoveEffects, MysqlSlotMoveStore, MysqlSourceObservations, observePositions } from '@shardline/slot-moves/mysql';
import type { SlotMoveGroup } from '@shardline/saga-definitions';
import { MysqlShardRegistry, MysqlSlotMapStore } from '@shardline/sharding/mysql';
import { createTestDatabases, TestDatabases } from '../support/test-databases';
import { businessInSlot, RecordWriter } from './support/slot-move-fixture';

const SETTLE_MS = 60_000;

/**
 * The settle window paid once per source shard, not once per group (issue 14; docs/adr/0008, 4.2):
 * a group's backfill is bounded by an observation of its source shared by the move's groups
 * (`slot_move_observations`). One older than the settle window lets a group copy at once; a
 * younger one is waited for only what is left of its window; and the copy bounded by an old
 * observation, with the catch-up above it, still carries every row. The settle window here is a
 * minute: no test waits for it; ages come from observations recorded in the past.
 */
describe('slot move: the source observation shared by the groups of a move', () => {
  let dbs: TestDatabases;
  let databases: ShardDatabases;
  let writer: RecordWriter;
  let source: Knex;
  let store: MysqlSlotMoveStore;
  let observations: MysqlSourceObservations;
  // One chunk per call (no job budget): the first call's own effect is what is asserted.
  const effects = () => new MysqlSlotMoveEffects(databases, { settleMs: SETTLE_MS, chunkRows: 50, jobBudgetMs: 0 });
  // Slots of shard 0 of 2 (even), two groups of two.
  const slots = [10, 500, 4094, 12];
  const businesses = slots.map((slot) => businessInSlot(slot));
  let moves = 0;

  beforeAll(async () => {
    dbs = await createTestDatabases(2);
    databases = new ShardDatabases(dbs.config);
    writer = new RecordWriter(databases);
    source = databases.shard(0);
    store = new MysqlSlotMoveStore(databases.control);
    observations = new MysqlSourceObservations(databases.control);
    for (let i = 0; i < 40; i++) await writer.create(businesses[i % businesses.length], '7', i % 3);
  });
  afterAll(async () => {
    await writer?.close();
    await databases?.destroy();
    await dbs?.drop();
  });

  /** A plan of two groups (slots 10, 500 and 4094, 12 → shard 1) under a new move id. */
  const plan = async (): Promise<{ moveId: string; groups: SlotMoveGroup[] }> => {
    const moveId = `m-obs-${++moves}`;
    const request = { slots: slots.map((s) => [s, 1] as [number, number]) };
    const planned = planMoves(
      { assignments: await new MysqlSlotMapStore(databases.control).ownership(), registeredShards: (await new MysqlShardRegistry(databases.control).list()).map((s) => s.shard), inOpenMoves: new Map() },
      request,
      2,
    );
    if (!planned.ok) throw new Error(JSON.stringify(planned.refusals));
    await store.createPlan(moveId, planned.groups, { request, groupSize: 2, parallel: 2 });
    const groups = planned.groups.map((g) => ({ moveId, group: g.group, slots: g.slots.map((s) => s.slot), fromShard: g.fromShard, toShard: g.toShard, epochs: g.slots.map((s) => s.epochFrom) }));
    return { moveId, groups };
  };
  const finish = async (moveId: string) => {
    // Free the slots for the next test's plan (a finished move leaves its slots).
    await databases.control('slot_moves').where({ move_id: moveId }).update({ open_slot: null, stage: 'done' });
  };
  const dataOf = (cursor: unknown) => (cursor as { data: { upTo: string; startAt: number } }).data;

  it('a group with no observation yet records one and waits the settle window; the next group of the move takes the same one and waits only what is left', async () => {
    const { moveId, groups } = await plan();
    const e = effects();
    const first = await e.copyChunk(groups[0], null);
    expect(first).toMatchObject({ rows: 0, done: false });
    expect(first.waitMs).toBeGreaterThan(SETTLE_MS - 5_000);
    await writer.create(businesses[0], '7'); // the source moves on between the two groups' starts
    const second = await e.copyChunk(groups[1], null);
    expect(dataOf(second.cursor).upTo).toBe(dataOf(first.cursor).upTo);
    expect(dataOf(second.cursor).startAt).toBe(dataOf(first.cursor).startAt);
    expect(second.waitMs).toBeLessThanOrEqual(first.waitMs!);
    expect(await observations.list(moveId, 0)).toHaveLength(1);
    await finish(moveId);
  });

  it('a group whose only observation is younger than the settle window still waits the rest of it, and records none more', async () => {
    const { moveId, groups } = await plan();
    const now = await observePositions(source);
    await observations.add(moveId, 0, { upTo: now.upTo, at: now.at - 1_000 });
    const chunk = await effects().copyChunk(groups[0], null);
    expect(chunk.rows).toBe(0);
    expect(chunk.waitMs).toBeGreaterThan(SETTLE_MS - 6_000);
    expect(chunk.waitMs).toBeLessThanOrEqual(SETTLE_MS - 1_000);
    expect(await observations.list(moveId, 0)).toHaveLength(1);
    await finish(moveId);
  });

  it('a group started after a shared observation is older than the settle window copies at once; with the catch-up above it, every row is carried', async () => {
    const { moveId, groups } = await plan();
    // Nothing is in flight in this test: MAX(position) now is a true observation, recorded as a minute old.
    const now = await observePositions(source);
    await observations.add(moveId, 0, { upTo: now.upTo, at: now.at - SETTLE_MS - 1_000 });
    const group = groups[0];
    const mine = businesses.filter((_, i) => group.slots.includes(slots[i]));
    // Written after the observation: the catch-up's to copy.
    for (let i = 0; i < 10; i++) await writer.create(mine[i % mine.length], '8');
    const e = effects();
    let chunk = await e.copyChunk(group, null);
    let copied = chunk.rows;
    expect(chunk.waitMs ?? 0).toBe(0);
    // It read: the source's partitions are in its cursor (a waiting call returns the cursor untouched).
    expect(Object.keys((chunk.cursor as { data: { partitions: object } }).data.partitions).length).toBeGreaterThan(0);
    expect(dataOf(chunk.cursor).upTo).toBe(now.upTo);
    // Later groups get a fresh observation to start from (a short catch-up).
    expect((await observations.list(moveId, 0)).length).toBe(2);
    while (!chunk.done) {
      chunk = await e.copyChunk(group, chunk.cursor);
      expect(chunk.waitMs ?? 0).toBe(0);
      copied += chunk.rows;
    }
    expect(copied).toBeGreaterThan(0);
    let cursor = chunk.cursor;
    for (let done = false; !done; ) {
      const step = await e.catchUpChunk(group, cursor, { final: true });
      cursor = step.cursor;
      done = step.done;
    }
    expect(await e.verify(group, { upTo: null })).toEqual([]);
    const target = databases.shard(1);
    const count = async (db: Knex) => Number((await db('records').whereIn('business_id', mine).count({ n: '*' }))[0].n);
    expect(await count(target)).toBe(await count(source));
    expect(await count(target)).toBeGreaterThan(10);
    await finish(moveId);
  });
});
