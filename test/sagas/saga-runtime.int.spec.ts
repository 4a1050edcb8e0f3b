import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { SagaOrchestrator } from '@shardline/sagas';
import { BullmqSagaJobQueue, BullmqSagaWorker, bullmqConnection, DEFAULT_SAGA_WORKER_OPTIONS } from '@shardline/sagas/bullmq';
import { MysqlSagaStore } from '@shardline/sagas/mysql';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { ChildApp } from '../support/child-app';
import { createTestDatabases, type TestDatabases } from '../support/test-databases';
import { waitFor } from '../support/wait-for';
import { countingSaga, createEffectsTable } from './support/counting-saga';

const REDIS_URL = process.env.SHARDLINE_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The saga runtime on its real adapters: MariaDB (state), Redis/BullMQ (jobs), worker processes. */
describe('saga runtime on MariaDB and BullMQ', () => {
  let testDbs: TestDatabases;
  let databases: ShardDatabases;
  const prefix = `t-sagas-${randomUUID().slice(0, 8)}`;
  const queueConfig = { redisUrl: REDIS_URL, prefix, queue: 'sagas' };
  const fastWorker = { ...DEFAULT_SAGA_WORKER_OPTIONS, lockDurationMs: 1500, stalledIntervalMs: 500, resumeIntervalMs: 300, resumeIdleMs: 1000 };
  let queue: BullmqSagaJobQueue;
  let orchestrator: SagaOrchestrator;
  let worker: BullmqSagaWorker | undefined;

  beforeAll(async () => {
    testDbs = await createTestDatabases(1);
    databases = new ShardDatabases(testDbs.config);
    await createEffectsTable(databases.control);
    queue = new BullmqSagaJobQueue(queueConfig);
    orchestrator = new SagaOrchestrator({ sagas: [{ definition: countingSaga, effects: { db: databases.control } }], store: new MysqlSagaStore(databases.control), queue, retryBackoffMs: 50 });
  });

  afterEach(async () => {
    await worker?.stop();
    worker = undefined;
  });

  afterAll(async () => {
    await queue.queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    await databases.destroy();
    await testDbs.drop();
  });

  const effects = async (sagaId: string) =>
    (await databases.control('saga_test_effects').where('command_id', 'like', `saga:${sagaId}:%`).orderBy('command_id').select('step', 'executions')) as Array<{ step: string; executions: number }>;

  it('runs a saga to completion through BullMQ jobs', async () => {
    worker = new BullmqSagaWorker(queueConfig, orchestrator, fastWorker);
    await worker.start();
    const { state } = await orchestrator.start('counting', { label: 'happy' });
    const done = await orchestrator.awaitSettled(state.id, 20_000);
    expect(done).toMatchObject({ status: 'completed', results: { third: { done: 'third' } } });
    expect((await effects(state.id)).map((e) => [e.step, e.executions])).toEqual([
      ['first', 1],
      ['second', 1],
      ['third', 1],
    ]);
  });

  it('a worker killed with kill -9 in the middle of a step loses nothing: another worker resumes the stalled job', async () => {
    const child = ChildApp.fromSource('saga-worker', 'test/sagas/support/counting-saga-worker.child.ts', {
      SAGA_TEST_SHARDING: JSON.stringify(testDbs.config),
      SAGA_TEST_REDIS_URL: REDIS_URL,
      SAGA_TEST_PREFIX: prefix,
      SAGA_TEST_HANG_AT: 'second',
    }).start();
    try {
      await waitFor(() => `child worker ready:\n${child.log()}`, () => child.log().includes('saga worker ready'), { timeoutMs: 30_000 });
      const { state } = await orchestrator.start('counting', { label: 'killed' });
      await waitFor('the child to be inside step two', async () => (await effects(state.id)).some((e) => e.step === 'second'), { timeoutMs: 20_000 });
      await child.kill9();
      worker = new BullmqSagaWorker(queueConfig, orchestrator, fastWorker);
      await worker.start();
      const done = await orchestrator.awaitSettled(state.id, 30_000);
      expect(done.status).toBe('completed');
      // Step two ran twice (the killed attempt and the resumed one) under one command id: one effect.
      expect((await effects(state.id)).map((e) => [e.step, e.executions])).toEqual([
        ['first', 1],
        ['second', 2],
        ['third', 1],
      ]);
      expect(done.steps.find((s) => s.step === 'second')?.attempts).toBe(2);
    } finally {
      await child.kill9();
    }
  });

  it('every job lost with Redis (the queue emptied mid-saga) is re-enqueued by the resumer from the durable state', async () => {
    const { state } = await orchestrator.start('counting', { label: 'lost' });
    // No worker yet: the first job waits in Redis. Wipe every key of this queue, as a restart of a
    // Redis without persistence would.
    const raw = new Queue('sagas', { connection: bullmqConnection(REDIS_URL), prefix });
    await raw.obliterate({ force: true });
    await raw.close();
    expect(await queue.queue.getJob(`${state.id}.v1`)).toBeUndefined();
    worker = new BullmqSagaWorker(queueConfig, orchestrator, fastWorker);
    await worker.start();
    expect((await orchestrator.awaitSettled(state.id, 20_000)).status).toBe('completed');
    expect((await effects(state.id)).every((e) => e.executions === 1)).toBe(true);
  });

  it('a duplicated job delivery changes nothing', async () => {
    worker = new BullmqSagaWorker(queueConfig, orchestrator, fastWorker);
    await worker.start();
    const { state } = await orchestrator.start('counting', { label: 'dup' });
    await orchestrator.awaitSettled(state.id, 20_000);
    // Deliver every version's job again, as a redelivery after a lost acknowledgement would.
    for (let version = 1; version <= 4; version++) expect(await orchestrator.runJob({ sagaId: state.id, version })).toBe('stale');
    expect((await effects(state.id)).every((e) => e.executions === 1)).toBe(true);
  });
});
