import { createConnection } from 'mysql2/promise';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { sagaWorkerConfigFromEnv } from '../../apps/saga-worker/src/config';
import { startSagaWorkerApp, type SagaWorkerApp } from '../../apps/saga-worker/src/create-saga-worker-app';
import { ApiHarness, expectStatus, startApi } from '../support/api-harness';
import { businessOnShard } from '../support/business-on-shard';
import { ChildApp } from '../support/child-app';
import { TcpProxy } from '../support/tcp-proxy';
import { createTestDatabases, TestDatabases } from '../support/test-databases';
import { waitFor } from '../support/wait-for';
import { fastSagaEnv } from './support/fast-saga-env';

/**
 * Atomic batches end to end: the api starts the atomic-batch saga, saga workers run it on MariaDB
 * (4 shards + control) and BullMQ. What must hold: the primary read path shows a whole batch or none
 * of it; a failed batch leaves nothing visible and says why; a worker killed mid-saga loses nothing.
 */
describe('atomic cross-shard batches (saga on MariaDB + BullMQ)', () => {
  let dbs: TestDatabases;
  let databases: ShardDatabases;
  let api: ApiHarness;
  let worker: SagaWorkerApp | undefined;
  const proxy = new TcpProxy('127.0.0.1', 3306);
  const sagaEnv = fastSagaEnv();
  /** The worker reaches shard 2 through the proxy, so a test can take that shard away from it. */
  const workerEnv = () => ({ ...sagaEnv, SHARDLINE_LOG_LEVEL: 'silent', SHARDLINE_SAGA_OPS_PORT: '0', SHARDLINE_SHARDS: dbs.shardUrls({ shard: 2, port: proxy.port }), SHARDLINE_CONTROL_URL: dbs.controlUrl() });
  const startWorker = async () => {
    const app = await startSagaWorkerApp(sagaWorkerConfigFromEnv(workerEnv()));
    await app.started;
    return app;
  };

  beforeAll(async () => {
    dbs = await createTestDatabases(4);
    databases = new ShardDatabases(dbs.config);
    await proxy.start();
    api = await startApi(dbs.config, { ...sagaEnv, SHARDLINE_ATOMIC_BATCH_WAIT_MS: '20000' });
  });
  afterEach(async () => {
    await worker?.stop();
    worker = undefined;
  });
  afterAll(async () => {
    await api?.close();
    await proxy.stop();
    await databases?.destroy();
    await dbs?.drop();
  });

  /** n records of one fresh user over all four shards. */
  const batchOf = (n: number, userId = String(1 + Math.floor(Math.random() * 1e12))) => ({
    atomic: true,
    data: Array.from({ length: n }, (_, i) => ({ business_id: businessOnShard(i % 4, `ab${i % 4}`), user_id: userId, data_content: { i } })),
  });
  const visibleOfUser = async (userId: string) => {
    const page = await api.request('GET', `/api/v1/data/page?user_id=${userId}&page_size=100`);
    expectStatus(page, 200);
    return page.body.data.length as number;
  };
  const stagedRows = async () => {
    let n = 0;
    for (let shard = 0; shard < 4; shard++) n += Number((await databases.shard(shard).raw('SELECT COUNT(*) AS n FROM records WHERE staged_by IS NOT NULL'))[0][0].n);
    return n;
  };

  it('writes a batch over four shards at one commit point: 201 with per-record results, readable at once, then published', async () => {
    worker = await startWorker();
    const body = batchOf(40);
    const created = await api.request('POST', '/api/v1/data/batch', body);
    expectStatus(created, 201);
    expect(created.body).toMatchObject({ created: 40, failed: 0 });
    expect(created.body.results.map((r: { index: number }) => r.index)).toEqual([...Array(40).keys()]);
    const first = created.body.results[5];
    const read = await api.request('GET', `/api/v1/data/${first.business_id}/${first.id}`);
    expectStatus(read, 200);
    expect(read.body).toMatchObject({ version: 1, data_content: { i: 5 } });
    expect(await visibleOfUser(body.data[0].user_id)).toBe(40);
    // Released: every event got its outbox row (published by the relay), no marker left.
    await waitFor('release of every part', async () => (await stagedRows()) === 0);
    let outbox = 0;
    for (let shard = 0; shard < 4; shard++) outbox += Number((await databases.shard(shard).raw("SELECT COUNT(*) AS n FROM outbox WHERE partition_key LIKE 'ab%'"))[0][0].n);
    expect(outbox).toBeGreaterThanOrEqual(40);
  });

  it('a reader polling the REST read path never sees part of a batch', async () => {
    worker = await startWorker();
    const observed: string[] = [];
    let polling = true;
    const batches = Array.from({ length: 6 }, () => batchOf(24));
    const pollers = batches.map(async (batch) => {
      const userId = batch.data[0].user_id;
      while (polling) {
        const n = await visibleOfUser(userId);
        if (n !== 0 && n !== 24) observed.push(`user ${userId}: ${n} of 24 visible`);
      }
    });
    const answers = await Promise.all(batches.map((batch) => api.request('POST', '/api/v1/data/batch', batch)));
    for (const answer of answers) expectStatus(answer, 201);
    for (const batch of batches) expect(await visibleOfUser(batch.data[0].user_id)).toBe(24);
    polling = false;
    await Promise.all(pollers);
    expect(observed).toEqual([]);
  });

  it('a shard lost while staging fails the batch as a whole: nothing visible, nothing left, and the answer says why', async () => {
    worker = await startWorker();
    await proxy.stop(); // shard 2 unreachable for the worker
    const body = batchOf(8);
    const failed = api.request('POST', '/api/v1/data/batch', body);
    // Let the stage attempts fail for good, then give the shard back so the compensation can discard.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await proxy.start(proxy.port);
    const answer = await failed;
    expectStatus(answer, 503);
    expect(answer.body.error).toMatchObject({ code: 'BATCH.ABORTED', details: [{ field: 'atomic' }] });
    expect(await visibleOfUser(body.data[0].user_id)).toBe(0);
    await waitFor('discard of every staged row', async () => (await stagedRows()) === 0);
  });

  it('Prefer: respond-async answers 202 with the status URL, which shows the result once committed', async () => {
    worker = await startWorker();
    const accepted = await api.request('POST', '/api/v1/data/batch', batchOf(8), { prefer: 'respond-async' });
    expectStatus(accepted, 202);
    expect(accepted.headers.get('location')).toBe(accepted.body.status_url);
    const done = await waitFor('the saga to complete', async () => {
      const status = await api.request('GET', accepted.body.status_url);
      return status.body.status === 'completed' && status.body;
    });
    expect(done.result).toMatchObject({ created: 8, failed: 0 });
  });

  it('an Idempotency-Key replays the batch; another body under it is refused', async () => {
    worker = await startWorker();
    const body = batchOf(8);
    const first = await api.request('POST', '/api/v1/data/batch', body, { 'idempotency-key': 'atomic-k1' });
    expectStatus(first, 201);
    const again = await api.request('POST', '/api/v1/data/batch', body, { 'idempotency-key': 'atomic-k1' });
    expectStatus(again, 201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    const reused = await api.request('POST', '/api/v1/data/batch', batchOf(3), { 'idempotency-key': 'atomic-k1' });
    expectStatus(reused, 422);
    expect(await visibleOfUser(body.data[0].user_id)).toBe(8);
  });

  it('a saga worker killed with kill -9 in the middle of staging loses nothing: the next worker finishes the batch', async () => {
    // The first worker cannot reach shard 2: it stages the other parts and keeps retrying that one
    // (slow backoff) when it is killed, mid-step, with part of the batch staged.
    await proxy.stop();
    const child = ChildApp.fromSource('saga-worker', 'apps/saga-worker/src/main.ts', { ...workerEnv(), SHARDLINE_LOG_LEVEL: 'warn', SHARDLINE_SAGA_RETRY_BACKOFF_MS: '2000' }).start();
    try {
      const body = batchOf(40);
      const { body: accepted } = await api.request('POST', '/api/v1/data/batch', body, { prefer: 'respond-async' });
      await waitFor(() => `three parts staged by the first worker:\n${child.log()}`, async () => (await stagedRows()) === 30, { timeoutMs: 30_000 });
      await child.kill9();
      expect(await visibleOfUser(body.data[0].user_id)).toBe(0);
      await proxy.start(proxy.port);
      worker = await startWorker();
      const done = await waitFor('the saga to complete', async () => {
        const status = await api.request('GET', accepted.status_url);
        return status.body.status === 'completed' && status.body;
      }, { timeoutMs: 30_000 });
      expect(done.result).toMatchObject({ created: 40 });
      expect(await visibleOfUser(body.data[0].user_id)).toBe(40);
      await waitFor('release of every part', async () => (await stagedRows()) === 0);
      // Each staged part was written once although the step ran in two workers: one event per record.
      let events = 0;
      for (let shard = 0; shard < 4; shard++) events += Number((await databases.shard(shard).raw("SELECT COUNT(*) AS n FROM events WHERE JSON_VALUE(data, '$.user_id') = ?", [body.data[0].user_id]))[0][0].n);
      expect(events).toBe(40);
      const inspected = await api.request('GET', `/admin/sagas/${accepted.saga_id}`);
      expect(inspected.body.steps.find((s: { step: string }) => s.step === 'stage').attempts).toBeGreaterThanOrEqual(2);
    } finally {
      await child.kill9();
      if (!proxy.listening) await proxy.start(proxy.port);
    }
  });

  it('a saga worker killed with kill -9 in the middle of the release (after the commit point) loses nothing: the batch stays whole and the next worker publishes it', async () => {
    // Shard 2's outbox is locked by the test: staging and the commit point do not touch it, so the
    // first worker commits the batch and then hangs releasing shard 2's part, where it is killed.
    const shard = dbs.config.shards[2];
    const locker = await createConnection({ host: shard.host, port: shard.port, user: shard.user, password: shard.password, database: shard.database });
    await locker.query('LOCK TABLES outbox WRITE');
    const child = ChildApp.fromSource('saga-worker', 'apps/saga-worker/src/main.ts', { ...workerEnv(), SHARDLINE_LOG_LEVEL: 'warn' }).start();
    try {
      const body = batchOf(40);
      const accepted = await api.request('POST', '/api/v1/data/batch', body, { prefer: 'respond-async' });
      expectStatus(accepted, 202);
      await waitFor(() => `the first worker inside the release:\n${child.log()}`, async () => {
        const state = (await api.request('GET', `/admin/sagas/${accepted.body.saga_id}`)).body;
        return state.pivotPassed === true && (state.steps ?? []).some((s: { step: string; status: string }) => s.step === 'release' && s.status === 'running');
      }, { timeoutMs: 30_000 });
      await child.kill9();
      expect(await visibleOfUser(body.data[0].user_id)).toBe(40); // committed: whole on the read path, whatever the release
      await locker.query('UNLOCK TABLES');
      worker = await startWorker();
      await waitFor('the saga to complete', async () => (await api.request('GET', accepted.body.status_url)).body.status === 'completed', { timeoutMs: 30_000 });
      await waitFor('release of every part', async () => (await stagedRows()) === 0);
      let outbox = 0;
      for (let s = 0; s < 4; s++) {
        const [rows] = await databases.shard(s).raw("SELECT COUNT(*) AS n FROM outbox o JOIN events e ON e.stream_id = o.stream_id AND e.stream_version = o.stream_version AND e.month_key = o.month_key WHERE JSON_VALUE(e.data, '$.user_id') = ?", [body.data[0].user_id]);
        outbox += Number(rows[0].n);
      }
      expect(outbox).toBe(40); // each event released once, although the release ran in two workers
      const release = (await api.request('GET', `/admin/sagas/${accepted.body.saga_id}`)).body.steps.find((s: { step: string }) => s.step === 'release');
      expect(release.attempts).toBeGreaterThanOrEqual(2);
    } finally {
      await child.kill9();
      await locker.query('UNLOCK TABLES').catch(() => undefined);
      await locker.end();
    }
  });
});
