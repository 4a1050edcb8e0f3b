import { Queue } from 'bullmq';
import { bullmqConnection } from '@shardline/sagas/bullmq';
import { expectStatus } from '../support/api-harness';
import { ChildApp } from '../support/child-app';
import { waitFor } from '../support/wait-for';
import { MoveRecordsFixture, TO_SHARD } from './support/move-records.fixture';

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

  it('moves every record of a business at one commit point: 201 with the new ids, the copies readable at once, the sources gone, the histories referenced', async () => {
    await f.startWorker();
    const seeded = await f.seed(1200); // three copy chunks
    const moved = await f.move({ from_business_id: seeded.from, to_business_id: seeded.to });
    expectStatus(moved, 201);
    expect(moved.body).toMatchObject({ saga_id: expect.stringMatching(/^mv-/), from_business_id: seeded.from, to_business_id: seeded.to, count: 1200 });
    await f.expectMoved(seeded, moved.body.moved, moved.body.saga_id);
  });

  it('refuses writes to the sources while they move with 423 RECORD.LOCKED naming the saga; reads still see them until the commit point', async () => {
    await f.startWorker();
    const seeded = await f.seed(6);
    await f.proxies.to.stop(); // the copy cannot reach the target shard: the move waits locked
    try {
      const accepted = await f.move({ from_business_id: seeded.from, to_business_id: seeded.to }, { prefer: 'respond-async' });
      expectStatus(accepted, 202);
      expect(accepted.headers.get('location')).toBe(`/api/v1/sagas/${accepted.body.saga_id}`);
      await waitFor('the sources locked', async () => (await f.markers()).held === 6);
      const [a, b] = seeded.records;
      for (const refused of [
        await f.api.request('PATCH', `/api/v1/data/${seeded.from}/${a.id}`, { data_content: { during: 'move' } }),
        await f.api.request('PATCH', `/api/v1/data/${seeded.from}/${a.id}`, { data_content: { during: 'move' } }, { 'if-match': `"${a.version}"` }),
        await f.api.request('DELETE', `/api/v1/data/${seeded.from}/${b.id}`),
      ]) {
        expectStatus(refused, 423);
        expect(refused.body.error).toMatchObject({ code: 'RECORD.LOCKED', details: [{ field: 'saga_id', message: accepted.body.saga_id }] });
        expect(refused.body.error.message).toContain(accepted.body.saga_id);
      }
      const read = await f.api.request('GET', `/api/v1/data/${seeded.from}/${a.id}`);
      expectStatus(read, 200);
      expect(read.body).toMatchObject({ version: a.version, data_content: { i: a.i } });
      await f.proxies.to.start(f.proxies.to.port);
      const done = await waitFor('the move to complete', async () => {
        const status = await f.api.request('GET', accepted.body.status_url);
        return status.body.status === 'completed' && status.body;
      });
      await f.expectMoved(seeded, done.result.moved, accepted.body.saga_id);
    } finally {
      if (!f.proxies.to.listening) await f.proxies.to.start(f.proxies.to.port);
    }
  });

  it('a reader polling the REST read path sees every record exactly once throughout a move, never both copies, never neither', async () => {
    await f.startWorker();
    const seeded = await f.seed(60);
    const observed: string[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        // A user's page merges every shard: sources and copies alike, resolved at one moment.
        const page = await f.api.request('GET', `/api/v1/data/page?user_id=${seeded.userId}&page_size=100`);
        const is = page.body.data.map((r: { data_content: { i: number } }) => r.data_content.i);
        if (is.length !== 60 || new Set(is).size !== 60) observed.push(`${is.length} records, ${new Set(is).size} distinct`);
      }
    })();
    const moved = await f.move({ from_business_id: seeded.from, to_business_id: seeded.to });
    expectStatus(moved, 201);
    await waitFor('the release', async () => (await f.markers()).staged === 0 && (await f.markers()).held === 0);
    polling = false;
    await poller;
    expect(observed).toEqual([]);
  });

  it('names the records it moves: 404 naming a record that is not in the source business; only the named ones move', async () => {
    await f.startWorker();
    const seeded = await f.seed(5);
    const [a, b, c] = seeded.records;
    const unknown = await f.move({ from_business_id: seeded.from, to_business_id: seeded.to, record_ids: [a.id, '123456789'] });
    expectStatus(unknown, 404);
    expect(unknown.body.error).toMatchObject({ code: 'RECORD.NOT_FOUND', details: [{ field: 'record_ids[1]', message: expect.stringContaining('123456789') }] });
    const moved = await f.move({ from_business_id: seeded.from, to_business_id: seeded.to, record_ids: [b.id, a.id] });
    expectStatus(moved, 201);
    expect(moved.body.moved.map((p: { from_id: string }) => p.from_id)).toEqual([b.id, a.id]);
    expect((await f.visible(seeded.from)).map((r) => r.id).sort()).toEqual(seeded.records.slice(2).map((r) => r.id).sort());
    expect((await f.visible(seeded.to)).length).toBe(2);
    // The rest stayed where they were, writable.
    expectStatus(await f.api.request('PATCH', `/api/v1/data/${seeded.from}/${c.id}`, { data_content: { after: 'move' } }), 200);
  });

  it('refuses bad moves before starting a saga: same business 400, over 10,000 records 413, a business without records 404', async () => {
    const seeded = await f.seed(1);
    const same = await f.move({ from_business_id: seeded.from, to_business_id: seeded.from });
    expectStatus(same, 400);
    expect(same.body.error.details).toEqual([{ field: 'to_business_id', message: 'must differ from from_business_id' }]);
    const tooMany = await f.move({ from_business_id: seeded.from, to_business_id: seeded.to, record_ids: Array.from({ length: 10_001 }, (_, i) => String(1000 + i)) });
    expectStatus(tooMany, 413);
    expect(tooMany.body.error).toMatchObject({ code: 'RECORD.TOO_LARGE', details: [{ field: 'record_ids', message: expect.stringContaining('the limit per move is 10000') }] });
    const badId = await f.move({ from_business_id: seeded.from, to_business_id: seeded.to, record_ids: ['x'] });
    expectStatus(badId, 400);
    expect(badId.body.error.details).toEqual([{ field: 'record_ids[0]', message: expect.any(String) }]);
    const empty = await f.move({ from_business_id: `${seeded.from}-none`, to_business_id: seeded.to });
    expectStatus(empty, 404);
    expect(empty.body.error.code).toBe('MOVE.NOTHING_TO_MOVE');
    const doc = await f.api.request('GET', '/api/v1/openapi.json');
    expect(doc.body.paths['/api/v1/data/moves'].post.responses).toHaveProperty('423');
  });

  it('an Idempotency-Key replays the move (also once its source business is empty); another body under it is refused with 422', async () => {
    await f.startWorker();
    const seeded = await f.seed(4);
    const body = { from_business_id: seeded.from, to_business_id: seeded.to };
    const first = await f.move(body, { 'idempotency-key': `mv-key-${seeded.from}` });
    expectStatus(first, 201);
    const again = await f.move(body, { 'idempotency-key': `mv-key-${seeded.from}` });
    expectStatus(again, 201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    const reused = await f.move({ ...body, to_business_id: `${seeded.to}-other` }, { 'idempotency-key': `mv-key-${seeded.from}` });
    expectStatus(reused, 422);
    expect((await f.visible(seeded.to)).length).toBe(4);
  });

  it('two concurrent moves over overlapping records: one wins, the other fails cleanly naming it, and everything it touched is as before', async () => {
    await f.startWorker();
    const seeded = await f.seed(9);
    const ids = seeded.records.map((r) => r.id);
    const other = `${seeded.to}-b`;
    const [x, y] = await Promise.all([
      f.move({ from_business_id: seeded.from, to_business_id: seeded.to, record_ids: ids.slice(0, 6) }),
      f.move({ from_business_id: seeded.from, to_business_id: other, record_ids: ids.slice(3) }),
    ]);
    const winner = x.status === 201 ? { answer: x, to: seeded.to, ids: ids.slice(0, 6) } : { answer: y, to: other, ids: ids.slice(3) };
    const loser = winner.answer === x ? { answer: y, to: other, ids: ids.slice(3) } : { answer: x, to: seeded.to, ids: ids.slice(0, 6) };
    expectStatus(winner.answer, 201);
    // Refused at its lock (423, naming the winner) or, had the winner already retired the sources, as gone (409).
    expect([423, 409]).toContain(loser.answer.status);
    if (loser.answer.status === 423) {
      expect(loser.answer.body.error).toMatchObject({ code: 'MOVE.SOURCES_LOCKED' });
      expect(loser.answer.body.error.message).toContain(winner.answer.body.saga_id);
    }
    expect((await f.visible(winner.to)).length).toBe(6);
    expect(await f.visible(loser.to)).toEqual([]);
    const remaining = ids.filter((id) => !winner.ids.includes(id));
    expect((await f.visible(seeded.from)).map((r) => r.id).sort()).toEqual([...remaining].sort());
    await waitFor('nothing held or staged', async () => {
      const m = await f.markers();
      return m.held === 0 && m.staged === 0 && m.stagedEvents === 0;
    });
    for (const id of remaining) expectStatus(await f.api.request('PATCH', `/api/v1/data/${seeded.from}/${id}`, { data_content: { after: 'race' } }), 200);
  });

  it('a saga worker killed with kill -9 in the middle of the copy loses nothing: the next worker finishes the move, each copy written once', async () => {
    // The first worker cannot reach the target shard: it locks the sources and keeps retrying the
    // copy (slow backoff) when it is killed, mid-step.
    await f.proxies.to.stop();
    const child = ChildApp.fromSource('saga-worker', 'apps/saga-worker/src/main.ts', f.workerEnv({ SHARDLINE_LOG_LEVEL: 'warn', SHARDLINE_SAGA_RETRY_BACKOFF_MS: '2000' })).start();
    try {
      const seeded = await f.seed(30);
      const { body: accepted } = await f.move({ from_business_id: seeded.from, to_business_id: seeded.to }, { prefer: 'respond-async' });
      // Killed once its copy has failed at least once (it is retrying, mid-step), not merely after the lock.
      await waitFor(() => `the first worker's copy attempt:\n${child.log()}`, async () => {
        const state = (await f.api.request('GET', `/admin/sagas/${accepted.saga_id}`)).body;
        return (await f.markers()).held === 30 && (state.failures ?? []).some((failure: { step: string }) => failure.step === 'copy');
      }, { timeoutMs: 30_000 });
      await child.kill9();
      expect((await f.visible(seeded.from)).length).toBe(30);
      await f.proxies.to.start(f.proxies.to.port);
      await f.startWorker();
      const done = await waitFor('the move to complete', async () => {
        const status = await f.api.request('GET', accepted.status_url);
        return status.body.status === 'completed' && status.body;
      }, { timeoutMs: 30_000 });
      await f.expectMoved(seeded, done.result.moved, accepted.saga_id);
      expect(await f.count(TO_SHARD, "SELECT COUNT(*) AS n FROM events WHERE event_type = 'RecordMovedIn' AND JSON_VALUE(metadata, '$.causationId') = ?", [accepted.saga_id])).toBe(30);
      expect(await f.published(TO_SHARD, 'RecordMovedIn', accepted.saga_id)).toBe(30);
      const inspected = await f.api.request('GET', `/admin/sagas/${accepted.saga_id}`);
      expect(inspected.body.steps.find((s: { step: string }) => s.step === 'copy').attempts).toBeGreaterThanOrEqual(2);
    } finally {
      await child.kill9();
      if (!f.proxies.to.listening) await f.proxies.to.start(f.proxies.to.port);
    }
  });

  it('Redis losing every job mid-move loses nothing: the resumer re-enqueues the move from its durable state', async () => {
    const seeded = await f.seed(5);
    const { body: accepted } = await f.move({ from_business_id: seeded.from, to_business_id: seeded.to }, { prefer: 'respond-async' });
    // No worker yet: the first job waits in Redis. Wipe every key of the queue, as a restart of a Redis without persistence would.
    const raw = new Queue('sagas', { connection: bullmqConnection(process.env.SHARDLINE_REDIS_URL ?? 'redis://127.0.0.1:6379'), prefix: f.sagaEnv.SHARDLINE_SAGA_QUEUE_PREFIX });
    await raw.obliterate({ force: true });
    await raw.close();
    await f.startWorker();
    const done = await waitFor('the move to complete', async () => {
      const status = await f.api.request('GET', accepted.status_url);
      return status.body.status === 'completed' && status.body;
    });
    await f.expectMoved(seeded, done.result.moved, accepted.saga_id);
  });
});
