import { createHash } from 'node:crypto';
import { MysqlEventStore } from '@shardline/event-store/mysql';
import { SnowflakeIdGenerator } from '@shardline/ids';
import { RecordCommandRunner, UpdateRecord, type RecordStateReader } from '@shardline/records';
import { MysqlRecordMoveStore, MysqlRecordStateReader, RecordsInlineProjection } from '@shardline/records-mysql';
import { SlotMap, SlotMapShardRouter } from '@shardline/sharding';
import type { SagaState } from '@shardline/sagas';
import { expectStatus, type ApiResponse } from '../support/api-harness';
import { waitFor } from '../support/wait-for';
import { FROM_SHARD, MoveRecordsFixture, TO_SHARD, type Seeded } from './support/move-records.fixture';

jest.setTimeout(120_000);

/**
 * A failure injected at each step of the move-records saga, on the real engines, with the saga's jobs
 * run one at a time by the test (no worker), so the failure lands exactly where it is meant to:
 *   before the commit point → compensated: the sources as they were and unlocked, no copy anywhere;
 *   at or after it → the move completes (at once, or once the failure is gone).
 */
describe('move-records saga: a failure at each step leads to the documented outcome', () => {
  const f = new MoveRecordsFixture();

  beforeAll(() => f.start());
  afterAll(() => f.close());

  /** Starts a move as a client would (waiting for its answer) and returns the saga id the key names, and the answer to come. */
  async function startMove(seeded: Seeded): Promise<{ sagaId: string; answer: Promise<ApiResponse> }> {
    const key = `steps-${seeded.from}`;
    const sagaId = `mv-${createHash('sha256').update(key).digest('hex').slice(0, 40)}`;
    const answer = f.move({ from_business_id: seeded.from, to_business_id: seeded.to }, { 'idempotency-key': key });
    await waitFor('the saga to be started', () => f.drive().orchestrator.get(sagaId).then(() => true));
    return { sagaId, answer };
  }

  const after = (step: string) => (s: SagaState) => s.results[step] !== undefined || s.status !== 'running';

  /** The documented outcome of a failure before the commit point: nothing of the move is left. */
  async function expectUntouched(seeded: Seeded, sagaId: string) {
    expect(await f.markers()).toEqual({ held: 0, staged: 0, stagedEvents: 0 });
    expect(await f.count(TO_SHARD, 'SELECT COUNT(*) AS n FROM records WHERE business_id = ?', [seeded.to])).toBe(0);
    expect((await f.commitPoints().statusOf([sagaId])).get(sagaId)).toBe('voided');
    const visible = await f.visible(seeded.from);
    expect(visible.map((r) => [r.id, r.version]).sort()).toEqual(seeded.records.map((r) => [r.id, r.version]).sort());
    // Unlocked: the sources take writes again.
    const [first] = seeded.records;
    expectStatus(await f.api.request('PATCH', `/api/v1/data/${seeded.from}/${first.id}`, { data_content: { after: 'failed move' } }), 200);
  }

  it('lock — the source shard unreachable: compensated, nothing locked; 503 MOVE.ABORTED', async () => {
    const seeded = await f.seed(6);
    const { sagaId, answer } = await startMove(seeded);
    await f.proxies.from.stop();
    try {
      expect(await f.runUntil(sagaId, (s) => s.status !== 'running')).toMatchObject({ status: 'compensating', reason: { step: 'lock', code: 'EVENT_STORE.SHARD_UNAVAILABLE' } });
    } finally {
      await f.proxies.from.start(f.proxies.from.port);
    }
    expect((await f.runUntil(sagaId, (s) => s.status !== 'compensating')).status).toBe('compensated');
    const answered = await answer;
    expectStatus(answered, 503);
    expect(answered.body.error).toMatchObject({ code: 'MOVE.ABORTED', message: expect.stringContaining('retry with the same Idempotency-Key') });
    await expectUntouched(seeded, sagaId);
  });

  it('copy — the target shard unreachable: compensated, the sources unlocked, no copy left; 503 MOVE.ABORTED', async () => {
    const seeded = await f.seed(6);
    const { sagaId, answer } = await startMove(seeded);
    await f.runUntil(sagaId, after('lock'));
    expect((await f.markers()).held).toBe(6);
    await f.proxies.to.stop();
    try {
      // The compensation voids the commit point at once, then cannot discard until the shard is back.
      expect(await f.runUntil(sagaId, (s) => s.status === 'compensating' && s.attempts > 0)).toMatchObject({ reason: { step: 'copy', code: 'EVENT_STORE.SHARD_UNAVAILABLE' } });
      expect((await f.visible(seeded.from)).length).toBe(6);
    } finally {
      await f.proxies.to.start(f.proxies.to.port);
    }
    expect((await f.runUntil(sagaId, (s) => s.status !== 'compensating')).status).toBe('compensated');
    expectStatus(await answer, 503);
    await expectUntouched(seeded, sagaId);
  });

  it('verify — a copy that differs from its source: the move does not commit; 409 MOVE.REFUSED', async () => {
    const seeded = await f.seed(6);
    const { sagaId, answer } = await startMove(seeded);
    await f.runUntil(sagaId, after('copy'));
    await f.databases.shard(TO_SHARD).raw("UPDATE records SET data_content = JSON_SET(data_content, '$.i', -1) WHERE staged_by = ? LIMIT 1", [sagaId]);
    const state = await f.runUntil(sagaId, (s) => s.status === 'compensated' || s.status === 'parked');
    expect(state).toMatchObject({ status: 'compensated', reason: { step: 'verify', code: 'MOVE.VERIFY_FAILED' } });
    const answered = await answer;
    expectStatus(answered, 409);
    expect(answered.body.error.code).toBe('MOVE.REFUSED');
    await expectUntouched(seeded, sagaId);
  });

  it('commit — the commit point voided first (a late void wins): the commit cannot happen, the move is undone; 503 MOVE.ABORTED', async () => {
    const seeded = await f.seed(6);
    const { sagaId, answer } = await startMove(seeded);
    await f.runUntil(sagaId, after('verify'));
    expect(await f.commitPoints().void(sagaId)).toBe('voided');
    expect(await f.runUntil(sagaId, (s) => s.status === 'compensated' || s.status === 'parked')).toMatchObject({ status: 'compensated', reason: { step: 'commit', code: 'MOVE.VOIDED' } });
    expectStatus(await answer, 503);
    await expectUntouched(seeded, sagaId);
  });

  it('commit — committed by a late attempt while an abort compensates: the compensation turns forward and the move completes', async () => {
    const seeded = await f.seed(6);
    const { sagaId, answer } = await startMove(seeded);
    await f.runUntil(sagaId, after('verify'));
    expect(await f.commitPoints().commit(sagaId)).toBe('committed');
    await f.drive().orchestrator.abort(sagaId);
    const done = await f.runUntil(sagaId, (s) => s.status === 'completed' || s.status === 'compensated' || s.status === 'parked');
    expect(done).toMatchObject({ status: 'completed', pivotPassed: true });
    const answered = await answer;
    expectStatus(answered, 201);
    await f.expectMoved(seeded, answered.body.moved, sagaId);
  });

  it('release — the target shard lost after the commit point: reads already show the move; it completes once the shard is back, in stream order', async () => {
    const seeded = await f.seed(6);
    const { sagaId, answer } = await startMove(seeded);
    await f.runUntil(sagaId, (s) => s.pivotPassed);
    const answered = await answer;
    expectStatus(answered, 201);
    await f.proxies.to.stop();
    try {
      for (let i = 0; i < 3; i++) expect(await f.runJob(sagaId)).toMatchObject({ status: 'running', failures: expect.arrayContaining([expect.objectContaining({ step: 'release', final: false })]) });
      // The primary read path already shows the copies (the api reaches the shard) and no sources.
      expect((await f.visible(seeded.to)).length).toBe(6);
      expect(await f.visible(seeded.from)).toEqual([]);
      // A write to a copy rolls its stream forward first: RecordMovedIn reaches the outbox before the update.
      const copy = answered.body.moved[0].to_id;
      expectStatus(await f.api.request('PATCH', `/api/v1/data/${seeded.to}/${copy}`, { data_content: { after: 'move' } }), 200);
    } finally {
      await f.proxies.to.start(f.proxies.to.port);
    }
    expect((await f.runUntil(sagaId, (s) => s.status !== 'running')).status).toBe('completed');
    await f.expectMoved(seeded, answered.body.moved, sagaId);
    const [rows] = await f.databases.shard(TO_SHARD).raw('SELECT stream_version FROM outbox WHERE stream_id = ? ORDER BY id', [`record-${answered.body.moved[0].to_id}`]);
    expect((rows as Array<{ stream_version: number }>).map((r) => Number(r.stream_version))).toEqual([1, 2]);
  });

  it('an attempt of the lock that arrives after the move was undone (a worker that lost its job) marks nothing', async () => {
    const seeded = await f.seed(3);
    const { sagaId, answer } = await startMove(seeded);
    await f.runUntil(sagaId, after('lock'));
    await f.drive().orchestrator.abort(sagaId);
    expect((await f.runUntil(sagaId, (s) => s.status !== 'running' && s.status !== 'compensating')).status).toBe('compensated');
    expectStatus(await answer, 503);
    const rows = new MysqlRecordMoveStore(f.databases, f.commitPoints());
    await expect(rows.lock(FROM_SHARD, sagaId, seeded.from, seeded.records.map((r) => r.id))).rejects.toMatchObject({ code: 'MOVE.ALREADY_DECIDED' });
    await expectUntouched(seeded, sagaId);
  });

  it('a write that loaded a source just before the lock landed fails at its append and answers the lock, pinned or not', async () => {
    const seeded = await f.seed(2);
    const store = new MysqlEventStore(f.databases, new RecordsInlineProjection(), { groupCommit: { maxGroupSize: 10, windowMs: 0, maxInFlight: 1 } });
    const rows = new MysqlRecordMoveStore(f.databases, f.commitPoints());
    const reader = new MysqlRecordStateReader(f.databases, { commitPoints: f.commitPoints() });
    try {
      for (const [n, record] of seeded.records.entries()) {
        const sagaId = `mv-race-${n}-${seeded.from}`;
        await f.commitPoints().open(sagaId);
        let loads = 0;
        // The lock lands between the runner's first load and its append.
        const racing: RecordStateReader = {
          page: (...args) => reader.page(...args),
          async get(shard, businessId, id) {
            const state = await reader.get(shard, businessId, id);
            if (loads++ === 0) await rows.lock(shard, sagaId, businessId, [id]);
            return state;
          },
        };
        const runner = new RecordCommandRunner(store, racing, new SlotMapShardRouter(SlotMap.modulo(4)), () => new Date(), new SnowflakeIdGenerator(7));
        const expectedVersion = n === 0 ? undefined : record.version; // unpinned (retries on reload), then pinned (If-Match)
        const write = runner.run(new UpdateRecord({ businessId: seeded.from, recordId: record.id, patch: { raced: true }, expectedVersion }, { commandId: `race-${n}`, clientSupplied: false, correlationId: 'race', causationId: null, actor: null }));
        await expect(write).rejects.toMatchObject({ code: 'RECORD.LOCKED', kind: 'locked', sagaId });
        expect(await f.eventsOf(FROM_SHARD, record.id)).toHaveLength(record.version);
        await rows.unlock(FROM_SHARD, sagaId, [record.id]);
        await f.commitPoints().void(sagaId);
      }
    } finally {
      await store.drain();
    }
  });

  it('a duplicated delivery of any of its jobs changes nothing', async () => {
    const seeded = await f.seed(6);
    const { sagaId, answer } = await startMove(seeded);
    const done = await f.runUntil(sagaId, (s) => s.status !== 'running');
    expect(done.status).toBe('completed');
    expectStatus(await answer, 201);
    const counts = async () => [
      await f.count(TO_SHARD, 'SELECT COUNT(*) AS n FROM events WHERE JSON_VALUE(metadata, "$.causationId") = ?', [sagaId]),
      await f.count(FROM_SHARD, 'SELECT COUNT(*) AS n FROM events WHERE JSON_VALUE(metadata, "$.causationId") = ?', [sagaId]),
      await f.count(TO_SHARD, 'SELECT COUNT(*) AS n FROM outbox'),
      await f.count(FROM_SHARD, 'SELECT COUNT(*) AS n FROM outbox'),
    ];
    const before = await counts();
    expect(before.slice(0, 2)).toEqual([6, 6]);
    for (let version = 1; version <= done.version; version++) expect(await f.drive().orchestrator.runJob({ sagaId, version })).toBe('stale');
    expect(await counts()).toEqual(before);
    expect(await f.drive().orchestrator.get(sagaId)).toMatchObject({ status: 'completed', version: done.version });
  });
});
