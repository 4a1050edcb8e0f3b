import { slotOf } from '@shardline/sharding';
import { MysqlSlotMapStore, type ShardDatabases } from '@shardline/sharding/mysql';
import { sagaWorkerConfigFromEnv } from '../../apps/saga-worker/src/config';
import { startSagaWorkerApp, type SagaWorkerApp } from '../../apps/saga-worker/src/create-saga-worker-app';
import type { ApiHarness, ApiResponse } from '../support/api-harness';
import { waitFor } from '../support/wait-for';
import { startRelayApp, type RelayApp } from '../../apps/relay/src/create-relay-app';
import { streamOrderViolations, testRelayConfig, testTopic, TopicCollector } from '../relay/relay-test-kit';
import { businessInSlot } from './support/slot-move-fixture';
import { moveIdOf, SlotMoveFleet } from './support/slot-move-fleet';

/**
 * A slot move end to end (docs/adr/0008): `ops-cli slots move` plans it and starts the slot-move
 * saga, which the real saga worker runs on MariaDB + BullMQ while the api keeps writing to the
 * moving slots. Every acknowledged write ends on the new shard exactly once, versions continue,
 * the map and both shards' ownership agree, and cleanup removes the old copy.
 */
describe('slot move 4 → 5 shards while writes go on (ops-cli + saga worker + api)', () => {
  let fleet: SlotMoveFleet;
  let databases: ShardDatabases;
  let api: ApiHarness;
  let worker: SagaWorkerApp;
  let relay: RelayApp;
  let collector: TopicCollector;
  const topic = testTopic('slot-move');
  // Two slots of shard 1 (slot % 4 = 1) moving to the new shard 4, and one that stays.
  const [movingA, movingB, staying] = [1 + 4 * 101, 1 + 4 * 333, 1 + 4 * 7];
  const cli = (...argv: string[]) => fleet.cli(...argv);
  const create = (businessId: string, n: number) => api.request('POST', '/api/v1/data/single', { business_id: businessId, user_id: 7, data_content: { n } });
  /** Every record id the api lists for `userId`, page after page (merged across shards). */
  const userPages = async (userId: number) => {
    const ids: string[] = [];
    for (let cursor: string | null = null, first = true; first || cursor; first = false) {
      const res: ApiResponse = await api.request('GET', `/api/v1/data/page?user_id=${userId}&page_size=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(res).toHaveStatus(200);
      ids.push(...res.body.data.map((r: { id: string }) => r.id));
      cursor = res.body.next_cursor;
    }
    return ids;
  };
  const recordsOn = (shard: number, businessId: string) => fleet.recordsOn(shard, businessId);

  beforeAll(async () => {
    // The api's sagas on the fleet's queue: the operators' /admin/slot-moves shows and controls the moves.
    fleet = await SlotMoveFleet.start();
    ({ databases, api } = fleet);
    worker = await startSagaWorkerApp(sagaWorkerConfigFromEnv(fleet.workerEnv({ SHARDLINE_LOG_LEVEL: 'silent', SHARDLINE_SAGA_RETRY_BACKOFF_MS: '20', SHARDLINE_SLOT_MOVE_CHUNK_ROWS: '200' })));
    await worker.started;
    relay = await startRelayApp(testRelayConfig({ ...fleet.dbs.config, slotMapPollMs: 200 }, topic));
    await relay.started;
    collector = new TopicCollector(topic);
    await collector.start();
  }, 120_000);
  afterAll(async () => {
    await worker?.stop();
    await relay?.stop();
    await collector?.close();
    await fleet?.close();
  });

  it('moves two slots while the api writes to them: nothing lost, nothing twice, versions go on, cleanup removes the old copy', async () => {
    const businesses = [businessInSlot(movingA), businessInSlot(movingA), businessInSlot(movingB), businessInSlot(staying)];
    const acknowledged = new Map<string, string>();
    const failures: string[] = [];
    for (let i = 0; i < 120; i++) {
      const businessId = businesses[i % businesses.length];
      const res = await create(businessId, i);
      if (res.status !== 201) throw new Error(`seed write: ${res.status} ${JSON.stringify(res.body)}`);
      acknowledged.set(res.body.id, businessId);
    }
    // Writes go on during the whole move; a 503 SLOT_MOVED past the runner's retries would be a
    // client retry, counted apart (its record was not written).
    let writing = true;
    let n = 1000;
    const writer = (async () => {
      while (writing) {
        const businessId = businesses[n % businesses.length];
        const res = await create(businessId, n++);
        if (res.status === 201) acknowledged.set(res.body.id, businessId);
        else failures.push(`${res.status} ${JSON.stringify(res.body)}`);
      }
    })();

    const dry = await cli('move', '--slots', `${movingA}:4,${movingB}:4`, '--dry-run');
    expect(dry).toMatchObject({ code: 0 });
    expect(dry.text).toContain('would move 2 slot(s) in 1 group(s) (1 → 4: 2)');
    const moved = await cli('move', '--slots', `${movingA}:4,${movingB}:4`, '--behind', '20');
    expect(moved.code).toBe(0);
    const moveId = /move (m[0-9a-f-]+):/.exec(moved.text)?.[1];
    expect(moveId).toBeDefined();
    // The same slots cannot be planned twice while the move is open.
    expect(await cli('move', '--slots', `${movingA}:4`)).toMatchObject({ code: 3 });

    const where = async () => {
      const saga = await databases.control('sagas').where({ id: `slot-move:${moveId}:0` }).first('status', 'state');
      return `move ${moveId} to finish; status: ${(await cli('status', '--move', moveId!)).text}; saga: ${JSON.stringify(saga)?.slice(0, 3000)}; writes refused: ${failures.slice(0, 3).join(' | ')}`;
    };
    await waitFor(where, async () => (await cli('status', '--move', moveId!)).text.includes('1/1 groups done'), { timeoutMs: 40_000, intervalMs: 300 });
    writing = false;
    await writer;
    const status = await cli('status', '--move', moveId!, '--json');
    expect(JSON.parse(status.text).moves[0]).toMatchObject({ status: 'finished', eta_s: 0, groups: [{ saga: 'completed', stages: { done: 2 }, rows_left: 0 }] });
    // The admin API shows the same; an abort after the flip is refused by the group, so by the move.
    const shown = await api.request('GET', `/admin/slot-moves/${moveId}`);
    expect(shown).toHaveStatus(200);
    expect(shown.body).toEqual(JSON.parse(status.text).moves[0]);
    const aborted = await api.request('POST', `/admin/slot-moves/${moveId}/abort`);
    expect(aborted).toHaveStatus(409);
    expect(aborted.body.error).toMatchObject({ code: 'SLOT_MOVE.ACTION_REFUSED', details: [{ field: 'group 0', message: expect.stringContaining('SAGA.') }] });

    // The map, the new owner and the old one agree.
    const ownership = await new MysqlSlotMapStore(databases.control).ownership();
    expect(ownership.filter((o) => [movingA, movingB].includes(o.slot))).toEqual([
      { slot: movingA, shard: 4, epoch: 2 },
      { slot: movingB, shard: 4, epoch: 2 },
    ]);
    const owned = async (shard: number) => (await databases.shard(shard)('owned_slots').whereIn('slot', [movingA, movingB]).select('slot', 'epoch', 'publish_hold')).map((r) => ({ ...r }));
    expect(await owned(1)).toEqual([]);
    expect(await owned(4)).toEqual([
      { slot: movingA, epoch: 2, publish_hold: 0 },
      { slot: movingB, epoch: 2, publish_hold: 0 },
    ]);

    // Every acknowledged write is on its final shard exactly once and readable through the api.
    expect(failures).toEqual([]);
    for (const businessId of businesses) {
      const expected = [...acknowledged.values()].filter((b) => b === businessId).length;
      const finalShard = slotOf(businessId) === staying ? 1 : 4;
      expect({ businessId, rows: await recordsOn(finalShard, businessId) }).toEqual({ businessId, rows: expected });
    }
    for (const [id, businessId] of [...acknowledged].filter((_, i) => i % 25 === 0)) {
      const read = await api.request('GET', `/api/v1/data/${businessId}/${id}`);
      expect(read).toHaveStatus(200);
    }
    // Stream versions continue on the new shard: an update of a record created before the move is version 2.
    const [movedId, movedBusiness] = [...acknowledged].find(([, b]) => slotOf(b) === movingA)!;
    const patched = await api.request('PATCH', `/api/v1/data/${movedBusiness}/${movedId}`, { data_content: { patched: true } });
    expect(patched).toHaveStatus(200);
    expect(patched.body.version).toBe(2);

    // records.events: every event of the moved businesses published, each business in order across the
    // change of owner (the new shard's relay held them until the old one's outbox was empty).
    const eventsOf = async (shard: number, businessIds: string[]) =>
      Number((await databases.shard(shard).raw(`SELECT COUNT(*) AS n FROM events WHERE JSON_VALUE(data, '$.business_id') IN (${businessIds.map(() => '?').join(',')})`, businessIds))[0][0].n);
    const movedBusinesses = businesses.filter((b) => slotOf(b) !== staying);
    const total = (await eventsOf(4, movedBusinesses)) + (await eventsOf(1, [businesses[3]]));
    await collector.waitForDistinct(total, 60_000);
    const mine = collector.messages.filter((m) => businesses.includes(m.envelope.business_id));
    expect(streamOrderViolations(mine)).toEqual([]);
    expect(new Set(mine.map((m) => `${m.envelope.stream_id}#${m.envelope.stream_version}`)).size).toBe(total);

    // The old shard still holds its copy until cleanup: a user's page lists each record once.
    const listed = await userPages(7);
    expect(listed.length).toBe(new Set(listed).size);
    expect(new Set(listed)).toEqual(new Set(acknowledged.keys()));

    // Cleanup: the old copy goes (the stale-reader check passes: every process routes by the new map).
    await waitFor('every process to report the new map', async () => (await cli('cleanup', '--move', moveId!, '--grace-s', '0')).code === 0, { timeoutMs: 20_000, intervalMs: 500 });
    for (const businessId of businesses.filter((b) => slotOf(b) !== staying)) expect(await recordsOn(1, businessId)).toBe(0);
    const [events] = await databases.shard(1).raw(`SELECT COUNT(*) AS n FROM events WHERE CRC32(JSON_VALUE(data, '$.business_id')) % 4096 IN (${movingA}, ${movingB})`);
    expect(Number(events[0].n)).toBe(0);
    expect(await recordsOn(1, businesses[3])).toBeGreaterThan(0);
  }, 180_000);

  const sagaOf = (moveId: string) => databases.control('sagas').where({ id: `slot-move:${moveId}:0` }).first('status', 'state');
  const stageOf = (moveId: string) => fleet.statusOf(moveId);

  it('pause stops a move between chunks, resume finishes it', async () => {
    const slot = 2 + 4 * 55;
    for (let i = 0; i < 30; i++) expect(await create(businessInSlot(slot, `p${i}`), i)).toHaveStatus(201);
    // 2 s between chunks: the move is still copying when it is paused.
    const moveId = moveIdOf((await cli('move', '--slots', `${slot}:4`, '--pause-ms', '2000')).text);
    await waitFor('the copy to start', async () => (await stageOf(moveId)).stages.copying === 1, { timeoutMs: 20_000, intervalMs: 100 });
    expect(await cli('pause', '--move', moveId)).toMatchObject({ code: 0, text: expect.stringContaining('group 0: paused') });
    const paused = await sagaOf(moveId);
    const shown = await api.request('GET', '/admin/slot-moves');
    expect(shown).toHaveStatus(200);
    expect(shown.body.data.find((m: { move_id: string }) => m.move_id === moveId)).toMatchObject({ status: 'open', groups: [{ saga: 'paused', rows_expected: expect.any(Number) }] });
    // Paused mid-copy, the new shard holds part of the slot's rows without owning them: listed once.
    const listed = await userPages(7);
    expect(listed.length).toBe(new Set(listed).size);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    // Nothing moved while paused: no job ran for it.
    expect((await sagaOf(moveId)).state).toEqual(paused.state);
    const resumed = await api.request('POST', `/admin/slot-moves/${moveId}/resume`);
    expect(resumed).toHaveStatus(200);
    expect(resumed.body).toEqual({ move_id: moveId, action: 'resume', groups: [{ group: 0, status: 'running' }] });
    await waitFor(async () => `move ${moveId} done: ${JSON.stringify(await stageOf(moveId))}`, async () => (await stageOf(moveId)).saga === 'completed', { timeoutMs: 60_000, intervalMs: 300 });
    expect((await new MysqlSlotMapStore(databases.control).ownership()).find((o) => o.slot === slot)).toEqual({ slot, shard: 4, epoch: 2 });
  }, 120_000);

  it('abort of a move paused in its copy rolls it back from the pause: nothing left on the target, the old shard keeps the slot', async () => {
    const slot = 3 + 4 * 91;
    const businessId = businessInSlot(slot);
    for (let i = 0; i < 20; i++) expect(await create(businessId, i)).toHaveStatus(201);
    // 2 s between chunks: the move is still copying when it is paused (as in the pause test).
    const moveId = moveIdOf((await cli('move', '--slots', `${slot}:4`, '--pause-ms', '2000')).text);
    await waitFor('the copy to start', async () => (await stageOf(moveId)).stages.copying === 1, { timeoutMs: 20_000, intervalMs: 100 });
    expect(await api.request('POST', `/admin/slot-moves/${moveId}/pause`)).toHaveStatus(200);
    expect(await stageOf(moveId)).toMatchObject({ stages: { copying: 1 }, saga: 'paused' });
    const aborted = await api.request('POST', `/admin/slot-moves/${moveId}/abort`);
    expect(aborted).toHaveStatus(200);
    expect(aborted.body.groups).toEqual([{ group: 0, status: 'compensating' }]);
    await waitFor(async () => `move ${moveId} rolled back: ${JSON.stringify(await stageOf(moveId))}`, async () => (await stageOf(moveId)).saga === 'compensated', { timeoutMs: 60_000, intervalMs: 300 });
    expect(await stageOf(moveId)).toMatchObject({ stages: { 'rolled-back': 1 } });
    expect(await recordsOn(4, businessId)).toBe(0);
    expect((await new MysqlSlotMapStore(databases.control).ownership()).find((o) => o.slot === slot)).toEqual({ slot, shard: 3, epoch: 1 });
    expect(await create(businessId, 99)).toHaveStatus(201);
  }, 120_000);

  it('abort before the flip rolls back: the copy is deleted from the target, the old shard keeps the slot, the map is unchanged', async () => {
    const slot = 3 + 4 * 77;
    const businessId = businessInSlot(slot);
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      const res = await create(businessId, i);
      expect(res).toHaveStatus(201);
      ids.push(res.body.id);
    }
    // A record move holding one record keeps the move short of the flip however fast the copy
    // runs (a whole group copies in one chunk now): the cutover gives the slot back and retries
    // until the abort lands, so the abort is always before the flip.
    await databases.shard(3)('records').where({ id: ids[0] }).update({ moving_out_by: 'saga-record-move-x' });
    const moveId = moveIdOf((await cli('move', '--slots', `${slot}:4`)).text);
    await waitFor('rows on the target', async () => (await recordsOn(4, businessId)) + Number((await databases.shard(4).raw(`SELECT COUNT(*) AS n FROM events WHERE JSON_VALUE(data, '$.business_id') = ?`, [businessId]))[0][0].n) > 0, {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    const abort = await cli('abort', '--move', moveId);
    expect(abort.code === 0 ? 0 : abort.text).toBe(0); // the cli's output when it refused
    await waitFor(async () => `move ${moveId} rolled back: ${JSON.stringify(await stageOf(moveId))}`, async () => (await stageOf(moveId)).saga === 'compensated', { timeoutMs: 60_000, intervalMs: 300 });
    await databases.shard(3)('records').where({ id: ids[0] }).update({ moving_out_by: null });
    expect(await stageOf(moveId)).toMatchObject({ stages: { 'rolled-back': 1 } });
    const [events] = await databases.shard(4).raw(`SELECT COUNT(*) AS n FROM events WHERE JSON_VALUE(data, '$.business_id') = ?`, [businessId]);
    expect({ events: Number(events[0].n), records: await recordsOn(4, businessId) }).toEqual({ events: 0, records: 0 });
    expect((await new MysqlSlotMapStore(databases.control).ownership()).find((o) => o.slot === slot)).toEqual({ slot, shard: 3, epoch: 1 });
    expect(await databases.shard(3)('owned_slots').where({ slot }).select('epoch')).toEqual([{ epoch: 1 }]);
    // The slot is free to be planned again, and writes go on at the old owner.
    expect(await create(businessId, 99)).toHaveStatus(201);
    expect(await cli('move', '--slots', `${slot}:4`, '--dry-run')).toMatchObject({ code: 0 });
  }, 120_000);

  it('refuses to plan while a running process routes by an older map, or for a shard that is not registered', async () => {
    expect(await api.request('GET', '/admin/slot-moves/m-none')).toHaveStatus(404);
    expect(await api.request('GET', '/admin/slot-moves?status=closed')).toHaveStatus(400);
    expect(await cli('status', '--move', 'm-none')).toMatchObject({ code: 3, text: 'refused: no slot move m-none' });
    expect(await cli('move', '--slots', '10:9')).toMatchObject({ code: 3, text: expect.stringContaining('target-not-registered') });
    expect(await cli('move', '--to-shards', '8', '--slots', '1:2')).toMatchObject({ code: 2 });
    const version = await new MysqlSlotMapStore(databases.control).version();
    await databases.control('slot_map_readers').insert({ reader: 'stale-test-process', version: version - 1, seen_time: databases.control.raw('CURRENT_TIMESTAMP(3)') });
    try {
      expect(await cli('move', '--slots', '10:4')).toMatchObject({ code: 3, text: expect.stringContaining('stale-test-process (v') });
    } finally {
      await databases.control('slot_map_readers').where({ reader: 'stale-test-process' }).delete();
    }
  });

  it('does not cut over a slot while a record move holds one of its records locked: it gives the slot back, retries, and moves once the lock is gone', async () => {
    const slot = 2 + 4 * 99;
    const businessId = businessInSlot(slot);
    const res = await create(businessId, 1);
    expect(res).toHaveStatus(201);
    await databases.shard(2)('records').where({ id: res.body.id }).update({ moving_out_by: 'saga-record-move-x' });
    const moveId = moveIdOf((await cli('move', '--slots', `${slot}:4`)).text);
    const failuresOf = async () => {
      const saga = await sagaOf(moveId);
      return ((typeof saga.state === 'string' ? JSON.parse(saga.state) : saga.state).failures as Array<{ code: string }>).map((f) => f.code);
    };
    await waitFor(async () => `a refused cutover: ${JSON.stringify(await stageOf(moveId))}`, async () => (await failuresOf()).includes('SLOT_MOVE.STAGED_ROWS'), { timeoutMs: 30_000, intervalMs: 100 });
    // Given back at once each time: the old shard keeps taking writes meanwhile (a write meeting a
    // retried cutover's few milliseconds without an owner is retried by the api).
    expect(await create(businessId, 2)).toHaveStatus(201);
    await databases.shard(2)('records').where({ id: res.body.id }).update({ moving_out_by: null });
    await waitFor(async () => `move ${moveId} done: ${JSON.stringify(await stageOf(moveId))}`, async () => (await stageOf(moveId)).saga === 'completed', { timeoutMs: 60_000, intervalMs: 300 });
    expect(await recordsOn(4, businessId)).toBe(2);
  }, 120_000);
});
