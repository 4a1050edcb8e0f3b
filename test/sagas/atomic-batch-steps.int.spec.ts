import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { MysqlEventStore } from '@shardline/event-store/mysql';
import type { RecordStateChange } from '@shardline/records';
import { RecordsInlineProjection } from '@shardline/records-mysql';
import { createRecordsSagaRuntime, type RecordsSagaRuntime } from '@shardline/records-sagas';
import { bullmqConnection, sagaRuntimeConfigFromEnv } from '@shardline/sagas/bullmq';
import { shardingConfigFromEnv, SlotMap, SlotMapShardRouter } from '@shardline/sharding';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { sagaWorkerConfigFromEnv } from '../../apps/saga-worker/src/config';
import { startSagaWorkerApp } from '../../apps/saga-worker/src/create-saga-worker-app';
import { ApiHarness, expectStatus, startApi } from '../support/api-harness';
import { businessOnShard } from '../support/business-on-shard';
import { TcpProxy } from '../support/tcp-proxy';
import { createTestDatabases, TestDatabases } from '../support/test-databases';
import { waitFor } from '../support/wait-for';

const REDIS_URL = process.env.SHARDLINE_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * The atomic-batch saga step by step on the real engines: no worker runs; the test delivers each
 * step's job itself (the orchestrator over MariaDB, through proxies it can cut), so a fault lands
 * exactly at the step it is meant for. A reader polls the REST read path throughout and must never
 * see part of the batch.
 */
describe('atomic batch saga, step by step, with faults at each step', () => {
  let dbs: TestDatabases;
  let databases: ShardDatabases;
  let api: ApiHarness;
  const shard2 = new TcpProxy('127.0.0.1', 3306);
  const control = new TcpProxy('127.0.0.1', 3306);
  const sagaEnv = { SHARDLINE_SAGA_QUEUE_PREFIX: `t${randomBytes(4).toString('hex')}`, SHARDLINE_SAGA_RETRY_BACKOFF_MS: '20' };
  let runtime: RecordsSagaRuntime;
  let workerDbs: ShardDatabases;
  let workerStore: MysqlEventStore<RecordStateChange>;

  beforeAll(async () => {
    dbs = await createTestDatabases(4);
    databases = new ShardDatabases(dbs.config);
    await shard2.start();
    await control.start();
    api = await startApi(dbs.config, { ...sagaEnv, SHARDLINE_ATOMIC_BATCH_WAIT_MS: '0' });
    // The saga's side reaches shard 2 and the control database through proxies the test can cut.
    const viaProxies = shardingConfigFromEnv({ SHARDLINE_SHARDS: dbs.shardUrls({ shard: 2, port: shard2.port }), SHARDLINE_CONTROL_URL: dbs.controlUrl(control.port), SHARDLINE_MYSQL_CONNECT_TIMEOUT_MS: '500' });
    workerDbs = new ShardDatabases(viaProxies);
    workerStore = new MysqlEventStore(workerDbs, new RecordsInlineProjection(), { groupCommit: { maxGroupSize: 100, windowMs: 1, maxInFlight: 2 } });
    runtime = createRecordsSagaRuntime({ databases: workerDbs, store: workerStore, router: new SlotMapShardRouter(SlotMap.modulo(4)), config: sagaRuntimeConfigFromEnv({ ...sagaEnv, SHARDLINE_REDIS_URL: REDIS_URL }) });
  });
  afterAll(async () => {
    await api?.close();
    await runtime?.close();
    await workerStore?.drain();
    await workerDbs?.destroy();
    await shard2.stop();
    await control.stop();
    await databases?.destroy();
    await dbs?.drop();
  });

  /** Starts a batch of n records over the four shards without waiting; returns its saga id and user. */
  const start = async (n = 16) => {
    const userId = String(1 + Math.floor(Math.random() * 1e12));
    const body = { atomic: true, data: Array.from({ length: n }, (_, i) => ({ business_id: businessOnShard(i % 4, 'steps'), user_id: userId, data_content: { i } })) };
    const accepted = await api.request('POST', '/api/v1/data/batch', body, { prefer: 'respond-async' });
    expectStatus(accepted, 202);
    return { sagaId: accepted.body.saga_id as string, userId, n };
  };
  /** The saga as stored, read through the api (not through the proxies the test cuts). */
  const sagaState = async (sagaId: string) => {
    const inspected = await api.request('GET', `/admin/sagas/${sagaId}`);
    expectStatus(inspected, 200);
    return inspected.body;
  };
  /** Delivers the job of the saga's current version, as a worker would; returns what it did. */
  const step = async (sagaId: string) => {
    const { version } = await sagaState(sagaId);
    return runtime.orchestrator.runJob({ sagaId, version }).catch((error: Error) => `failed: ${error.message}`);
  };
  const visible = async (userId: string) => {
    const page = await api.request('GET', `/api/v1/data/page?user_id=${userId}&page_size=100`);
    expectStatus(page, 200);
    return page.body.data.length as number;
  };
  const eventsOf = async (userId: string) => {
    let n = 0;
    for (let shard = 0; shard < 4; shard++) n += Number((await databases.shard(shard).raw("SELECT COUNT(*) AS n FROM events WHERE JSON_VALUE(data, '$.user_id') = ?", [userId]))[0][0].n);
    return n;
  };
  const outboxOf = async (userId: string) => {
    let n = 0;
    for (let shard = 0; shard < 4; shard++) {
      n += Number((await databases.shard(shard).raw("SELECT COUNT(*) AS n FROM outbox o JOIN events e ON e.stream_id = o.stream_id AND e.stream_version = o.stream_version AND e.month_key = o.month_key WHERE JSON_VALUE(e.data, '$.user_id') = ?", [userId]))[0][0].n);
    }
    return n;
  };
  /** Polls the read path while `work` runs and returns every partial view it saw. */
  const watching = async (userId: string, n: number, work: () => Promise<void>) => {
    const partial: number[] = [];
    let on = true;
    const poller = (async () => {
      while (on) {
        const seen = await visible(userId);
        if (seen !== 0 && seen !== n) partial.push(seen);
      }
    })();
    try {
      await work();
    } finally {
      on = false;
      await poller;
    }
    return partial;
  };

  it('each step delivered twice takes effect once; the batch appears whole at the commit step', async () => {
    const { sagaId, userId, n } = await start();
    const partial = await watching(userId, n, async () => {
      for (const name of ['stage', 'commit', 'release']) {
        const state = await sagaState(sagaId);
        expect(state.steps.length === 0 || state.status === 'running').toBe(true);
        expect(await step(sagaId)).toBe('moved');
        expect(await runtime.orchestrator.runJob({ sagaId, version: state.version })).toBe('stale');
        expect(await visible(userId)).toBe(name === 'stage' ? 0 : n);
      }
    });
    expect(partial).toEqual([]);
    expect(await runtime.orchestrator.get(sagaId)).toMatchObject({ status: 'completed' });
    expect(await eventsOf(userId)).toBe(n);
    expect(await outboxOf(userId)).toBe(n);
  });

  it('a shard lost during the release: the batch is already whole; the release retries and publishes once the shard is back', async () => {
    const { sagaId, userId, n } = await start();
    const partial = await watching(userId, n, async () => {
      expect(await step(sagaId)).toBe('moved'); // stage
      expect(await step(sagaId)).toBe('moved'); // commit
      await shard2.stop();
      try {
        expect(await step(sagaId)).toMatch(/^failed: shard 2 is unavailable/);
        expect(await visible(userId)).toBe(n); // readers reach shard 2 directly: the committed batch is whole
      } finally {
        await shard2.start(shard2.port);
      }
      expect(await step(sagaId)).toBe('moved');
    });
    expect(partial).toEqual([]);
    expect(await runtime.orchestrator.get(sagaId)).toMatchObject({ status: 'completed' });
    expect(await outboxOf(userId)).toBe(n);
  });

  it('the control database lost at the commit step: the attempt fails, nothing is visible, the next attempt commits', async () => {
    const { sagaId, userId, n } = await start();
    expect(await step(sagaId)).toBe('moved'); // stage
    await control.stop();
    try {
      expect(await step(sagaId)).toMatch(/^failed/);
      expect(await visible(userId)).toBe(0);
    } finally {
      await control.start(control.port);
    }
    await waitFor('the commit step to go through', async () => (await step(sagaId)) === 'moved');
    expect(await visible(userId)).toBe(n);
    expect(await step(sagaId)).toBe('moved'); // release
    expect(await runtime.orchestrator.get(sagaId)).toMatchObject({ status: 'completed' });
  });

  it('an operator abort after staging compensates: commit point voided, staged rows discarded, nothing ever visible', async () => {
    const { sagaId, userId } = await start();
    expect(await step(sagaId)).toBe('moved'); // stage
    const aborted = await api.request('POST', `/admin/sagas/${sagaId}/abort`);
    expectStatus(aborted, 200);
    expect(aborted.body).toMatchObject({ status: 'compensating' });
    expect(await step(sagaId)).toBe('moved'); // the commit step's compensation: void
    expect(await step(sagaId)).toBe('moved'); // the stage's: void (again, idempotent), discard
    expect(await runtime.orchestrator.get(sagaId)).toMatchObject({ status: 'compensated', reason: { code: 'SAGA.ABORTED' } });
    expect(await visible(userId)).toBe(0);
    expect(await eventsOf(userId)).toBe(0);
    const status = await api.request('GET', `/api/v1/sagas/${sagaId}`);
    expect(status.body).toMatchObject({ status: 'compensated', result: null, error: { code: 'SAGA.ABORTED' } });
    // Too late to abort once committed.
    const done = await start();
    for (let i = 0; i < 2; i++) await step(done.sagaId);
    expectStatus(await api.request('POST', `/admin/sagas/${done.sagaId}/abort`), 409);
  });

  it('every job lost from Redis after the commit: a worker resumes the saga from its durable state', async () => {
    const { sagaId, userId, n } = await start();
    expect(await step(sagaId)).toBe('moved'); // stage
    expect(await step(sagaId)).toBe('moved'); // commit
    const raw = new Queue('sagas', { connection: bullmqConnection(REDIS_URL), prefix: sagaEnv.SHARDLINE_SAGA_QUEUE_PREFIX });
    await raw.obliterate({ force: true });
    await raw.close();
    const worker = await startSagaWorkerApp(
      sagaWorkerConfigFromEnv({ ...sagaEnv, SHARDLINE_REDIS_URL: REDIS_URL, SHARDLINE_LOG_LEVEL: 'silent', SHARDLINE_SAGA_OPS_PORT: '0', SHARDLINE_SAGA_RESUME_INTERVAL_MS: '200', SHARDLINE_SAGA_RESUME_IDLE_MS: '300', SHARDLINE_SHARDS: dbs.shardUrls(), SHARDLINE_CONTROL_URL: dbs.controlUrl() }),
    );
    try {
      await worker.started;
      await waitFor('the resumed saga to complete', async () => (await runtime.orchestrator.get(sagaId)).status === 'completed', { timeoutMs: 20_000 });
    } finally {
      await worker.stop();
    }
    expect(await outboxOf(userId)).toBe(n);
  });
});
