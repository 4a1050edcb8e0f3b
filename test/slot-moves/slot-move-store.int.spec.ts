import { MysqlShardRegistry, MysqlSlotMapStore, ShardDatabases } from '@shardline/sharding/mysql';
import { planMoves, SlotMoveRefusedError } from '@shardline/slot-moves';
import { MysqlSlotCopier, MysqlSlotMoveStore } from '@shardline/slot-moves/mysql';
import { createTestDatabases, TestDatabases } from '../support/test-databases';
import { ensureSlotMoveTables } from './support/slot-move-fixture';

/** The control database's record of moves (control migration 0011): plans, per-slot rows, status, open-move exclusivity. */
describe('slot moves in the control database', () => {
  let dbs: TestDatabases;
  let databases: ShardDatabases;
  let store: MysqlSlotMoveStore;

  beforeAll(async () => {
    dbs = await createTestDatabases(2);
    databases = new ShardDatabases(dbs.config);
    await ensureSlotMoveTables(databases.control);
    store = new MysqlSlotMoveStore(databases.control);
  });
  afterAll(async () => {
    await databases?.destroy();
    await dbs?.drop();
  });

  const planningInput = async () => ({
    assignments: await new MysqlSlotMapStore(databases.control).ownership(),
    registeredShards: (await new MysqlShardRegistry(databases.control).list()).map((s) => s.shard),
    inOpenMoves: await store.slotsInOpenMoves(),
  });

  it('stores a plan from the live map; status lists each slot with its stage, rows copied, rows behind and times', async () => {
    const plan = planMoves(await planningInput(), { slots: [[2, 1], [4, 1], [6, 1]] }, 2);
    if (!plan.ok) throw new Error(JSON.stringify(plan.refusals));
    await store.createPlan('m-1', plan.groups, { request: { slots: [[2, 1], [4, 1], [6, 1]] }, groupSize: 2 });
    expect(await store.plan('m-1')).toMatchObject({ moveId: 'm-1', status: 'open', options: { groupSize: 2 }, created: expect.any(Date) });
    expect(await store.slots('m-1')).toEqual([
      expect.objectContaining({ moveId: 'm-1', slot: 2, group: 0, fromShard: 0, toShard: 1, stage: 'planned', epochFrom: 1, cursor: null, rowsCopied: 0, rowsBehind: null }),
      expect.objectContaining({ slot: 4, group: 0, stage: 'planned' }),
      expect.objectContaining({ slot: 6, group: 1, stage: 'planned' }),
    ]);
    expect(await store.slotsInOpenMoves()).toEqual(new Map([[2, 'm-1'], [4, 'm-1'], [6, 'm-1']]));
  });

  it('progress: rows copied add up, the cursor and rows behind are replaced, a new stage restarts its clock', async () => {
    const [before] = await store.slots('m-1', 0);
    await store.saveProgress('m-1', [2, 4], { stage: 'copying', cursor: { kind: 'copy', upTo: '12345678901234567890' }, rowsCopiedDelta: 700 });
    await store.saveProgress('m-1', [2, 4], { rowsCopiedDelta: 300, rowsBehind: 42 });
    const rows = await store.slots('m-1', 0);
    expect(rows.map((r) => [r.slot, r.stage, r.rowsCopied, r.rowsBehind, r.cursor])).toEqual([
      [2, 'copying', 1000, 42, { kind: 'copy', upTo: '12345678901234567890' }],
      [4, 'copying', 1000, 42, { kind: 'copy', upTo: '12345678901234567890' }],
    ]);
    expect(rows[0].stageStarted.getTime()).toBeGreaterThanOrEqual(before.stageStarted.getTime());
    expect((await store.slots('m-1', 1))[0]).toMatchObject({ slot: 6, stage: 'planned', rowsCopied: 0 });
    expect(await store.stageSummary('m-1')).toEqual([
      { stage: 'copying', slots: 2, rowsCopied: 2000, rowsBehind: 84, lastUpdated: expect.any(Date) },
      { stage: 'planned', slots: 1, rowsCopied: 0, rowsBehind: 0, lastUpdated: expect.any(Date) },
    ]);
    expect(await store.stageSummary()).toEqual(await store.stageSummary('m-1'));
  });

  it('a slot in an open move cannot be planned again: refused by the planner, and by the store whatever the planner was told', async () => {
    expect(planMoves(await planningInput(), { slots: [[4, 1], [8, 1]] })).toEqual({ ok: false, refusals: [{ reason: 'in-another-open-move', slot: 4, moveId: 'm-1' }] });
    const stale = planMoves({ ...(await planningInput()), inOpenMoves: new Set<number>() }, { slots: [[4, 1], [8, 1]] });
    if (!stale.ok) throw new Error('planned');
    const refused = await store.createPlan('m-2', stale.groups, {}).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SlotMoveRefusedError);
    expect(refused).toMatchObject({ code: 'SLOT_MOVE.REFUSED', kind: 'unprocessable', refusals: [{ reason: 'in-another-open-move', slot: 4, moveId: 'm-1' }] });
    // Nothing of the refused plan was stored.
    expect(await store.plan('m-2')).toBeNull();
    expect(await store.slots('m-2')).toEqual([]);
  });

  it('admission: at most `parallel` groups run at once; admitting is idempotent; a released group frees its place', async () => {
    expect(await Promise.all([store.admit('m-1', 0, 1), store.admit('m-1', 1, 1)])).toEqual(expect.arrayContaining([true, false]));
    const first = (await store.admit('m-1', 0, 1)) ? 0 : 1;
    const second = 1 - first;
    expect(await store.admit('m-1', first, 1)).toBe(true);
    expect(await store.admit('m-1', second, 1)).toBe(false);
    await store.release('m-1', first);
    expect(await store.admit('m-1', second, 1)).toBe(true);
    expect(await store.admit('m-unknown', 0, 1)).toBe(false);
  });

  it('queue state, read without a lock: the groups running, whether this one is admitted, and how many waiting groups come before it', async () => {
    const request = { slots: [20, 22, 24, 26, 28].map((slot) => [slot, 1] as [number, number]) };
    const plan = planMoves(await planningInput(), request, 1);
    if (!plan.ok) throw new Error(JSON.stringify(plan.refusals));
    await store.createPlan('m-q', plan.groups, { request, parallel: 2 });
    expect(await store.queueState('m-q', 4)).toEqual({ running: 0, admitted: false, waitingAhead: 4 });
    expect(await store.admit('m-q', 0, 2)).toBe(true);
    expect(await store.admit('m-q', 2, 2)).toBe(true);
    expect(await store.queueState('m-q', 0)).toEqual({ running: 2, admitted: true, waitingAhead: 0 });
    expect(await store.queueState('m-q', 4)).toEqual({ running: 2, admitted: false, waitingAhead: 2 });
    expect(await store.queueState('m-q', 1)).toEqual({ running: 2, admitted: false, waitingAhead: 0 });
    await store.release('m-q', 0);
    // A released group neither runs nor waits.
    expect(await store.queueState('m-q', 4)).toEqual({ running: 1, admitted: false, waitingAhead: 2 });
    await store.deletePlan('m-q');
    expect(await store.queueState('m-q', 4)).toEqual({ running: 0, admitted: false, waitingAhead: 0 });
  });

  it('finished slots leave the open moves; the plan finishes with its last slot; a finished slot can be planned again', async () => {
    await store.saveProgress('m-1', [2, 4], { stage: 'done' });
    expect(await store.finishPlanIfDone('m-1')).toBe(false);
    await store.saveProgress('m-1', [6], { stage: 'rolled-back' });
    expect(await store.finishPlanIfDone('m-1')).toBe(true);
    expect(await store.plan('m-1')).toMatchObject({ status: 'finished' });
    expect(await store.plans({ status: 'finished' })).toEqual([expect.objectContaining({ moveId: 'm-1' })]);
    expect(await store.slotsInOpenMoves()).toEqual(new Map());
    const again = planMoves(await planningInput(), { slots: [[4, 1]] });
    if (!again.ok) throw new Error(JSON.stringify(again.refusals));
    await store.createPlan('m-3', again.groups, {});
    expect(await store.slotsInOpenMoves()).toEqual(new Map([[4, 'm-3']]));
  });

  it('the plan check finds events without data.business_id (the copy could not place them), chunk by chunk', async () => {
    const db = databases.shard(0);
    const event = (n: number, data: object) => ({ month_key: 202612, stream_id: `s-${n}`, stream_version: 1, event_type: 'X', schema_version: 1, data: JSON.stringify(data), metadata: '{}', created_time: new Date() });
    await db('events').insert([...Array.from({ length: 30 }, (_, n) => event(n, { business_id: `b-${n}` })), event(30, { id: '1' }), event(31, { business_id: 'b-31' })]);
    const copier = new MysqlSlotCopier(databases);
    const offenders: string[] = [];
    let after: string | null = null;
    let calls = 0;
    for (;;) {
      const chunk = await copier.eventsWithoutBusinessId(0, { after, scanRows: 7 });
      calls++;
      offenders.push(...chunk.offenders.map((o) => o.streamId));
      if (chunk.done) break;
      after = chunk.after;
    }
    expect(offenders).toEqual(['s-30']);
    expect(calls).toBe(6);
  });

  it('abort at the plan stage deletes the plan and its rows', async () => {
    await store.deletePlan('m-3');
    expect(await store.plan('m-3')).toBeNull();
    expect(await store.slotsInOpenMoves()).toEqual(new Map());
  });
});
