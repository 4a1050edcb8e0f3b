import { randomUUID } from 'node:crypto';
import { SagaOrchestrator, type SagaState } from '@shardline/sagas';
import { BullmqSagaJobQueue, BullmqSagaWorker, DEFAULT_SAGA_WORKER_OPTIONS } from '@shardline/sagas/bullmq';
import { MysqlSagaStore } from '@shardline/sagas/mysql';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { ChildApp } from '../support/child-app';
import { createTestDatabases, type TestDatabases } from '../support/test-databases';
import { waitFor } from '../support/wait-for';
import { chunkedSaga, chunksOf, createChunksTable, type ChunkedInput } from './support/chunked-saga';

const REDIS_URL = process.env.SHARDLINE_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** continueLater and pause/resume on the real adapters: MariaDB (state), Redis/BullMQ (delayed jobs), worker processes. */
describe('saga continuations and pause/resume on MariaDB and BullMQ', () => {
  let testDbs: TestDatabases;
  let databases: ShardDatabases;
  const prefix = `t-sagac-${randomUUID().slice(0, 8)}`;
  const queueConfig = { redisUrl: REDIS_URL, prefix, queue: 'sagas' };
  const fastWorker = { ...DEFAULT_SAGA_WORKER_OPTIONS, lockDurationMs: 1500, stalledIntervalMs: 500, resumeIntervalMs: 300, resumeIdleMs: 1000 };
  let queue: BullmqSagaJobQueue;
  let orchestrator: SagaOrchestrator;
  let worker: BullmqSagaWorker | undefined;

  beforeAll(async () => {
    testDbs = await createTestDatabases(1);
    databases = new ShardDatabases(testDbs.config);
    await createChunksTable(databases.control);
    queue = new BullmqSagaJobQueue(queueConfig);
    orchestrator = new SagaOrchestrator({ sagas: [{ definition: chunkedSaga, effects: { db: databases.control } }], store: new MysqlSagaStore(databases.control), queue, retryBackoffMs: 50 });
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

  const startWorker = async () => {
    worker = new BullmqSagaWorker(queueConfig, orchestrator, fastWorker);
    await worker.start();
  };
  const start = async (input: ChunkedInput) => (await orchestrator.start('chunked', input)).state.id;
  const doneChunks = (state: SagaState) => (state.progress?.action as { done: number } | undefined)?.done ?? 0;
  const describeSaga = async (id: string) => JSON.stringify({ state: await orchestrator.get(id), chunks: await chunksOf(databases.control, id) });

  it('a step continuing N times completes: each chunk runs once, at least its delay after the previous, from a delayed BullMQ job', async () => {
    await startWorker();
    const id = await start({ chunks: 5, delayMs: 300 });
    const delayed = await waitFor(`a delayed job of ${id}`, async () => (await queue.queue.getDelayed()).find((j) => j.data.sagaId === id), { timeoutMs: 10_000, intervalMs: 20 });
    expect(delayed.opts.delay).toBeGreaterThan(0);

    const done = await orchestrator.awaitSettled(id, 20_000);
    expect(done).toMatchObject({ status: 'completed', progress: null, continueAt: null, results: { copy: { copied: 5 }, finish: { finished: { copied: 5 } } } });
    expect(done.steps[0]).toMatchObject({ step: 'copy', status: 'succeeded', attempts: 1, continuations: 4 });
    const chunks = await chunksOf(databases.control, id);
    expect(chunks.map((c) => [c.chunk, c.runs])).toEqual([0, 1, 2, 3, 4].map((c) => [c, 1]));
    for (let i = 1; i < chunks.length; i++) expect(chunks[i].firstRanAt - chunks[i - 1].firstRanAt).toBeGreaterThanOrEqual(300);
  });

  it('a worker stopped while the next run is delayed, and another started later, goes on from the saved progress', async () => {
    await startWorker();
    const id = await start({ chunks: 4, delayMs: 2000 });
    await waitFor(describeSaga.bind(null, id), async () => doneChunks(await orchestrator.get(id)) === 1, { timeoutMs: 10_000, intervalMs: 20 });
    await worker!.stop();
    worker = undefined;
    expect((await chunksOf(databases.control, id)).map((c) => c.chunk)).toEqual([0]);
    await startWorker();
    const done = await orchestrator.awaitSettled(id, 20_000);
    expect(done.status).toBe('completed');
    expect((await chunksOf(databases.control, id)).map((c) => [c.chunk, c.runs])).toEqual([0, 1, 2, 3].map((c) => [c, 1]));
  });

  it('a worker killed with kill -9 in the middle of a run loses that run only: the chunk is redone, the others ran once', async () => {
    const child = ChildApp.fromSource('saga-worker', 'test/sagas/support/chunked-saga-worker.child.ts', {
      SAGA_TEST_SHARDING: JSON.stringify(testDbs.config),
      SAGA_TEST_REDIS_URL: REDIS_URL,
      SAGA_TEST_PREFIX: prefix,
      SAGA_TEST_HANG_AT_CHUNK: '2',
    }).start();
    try {
      await waitFor(() => `child worker ready:\n${child.log()}`, () => child.log().includes('saga worker ready'), { timeoutMs: 30_000 });
      const id = await start({ chunks: 4, delayMs: 100 });
      await waitFor(describeSaga.bind(null, id), async () => (await chunksOf(databases.control, id)).some((c) => c.chunk === 2), { timeoutMs: 20_000 });
      await child.kill9();
      await startWorker();
      const done = await orchestrator.awaitSettled(id, 30_000);
      expect(done.status).toBe('completed');
      expect((await chunksOf(databases.control, id)).map((c) => [c.chunk, c.runs])).toEqual([
        [0, 1],
        [1, 1],
        [2, 2],
        [3, 1],
      ]);
      // The killed run counted as an attempt (it never returned); the continued runs did not.
      expect(done.steps[0]).toMatchObject({ step: 'copy', attempts: 2, continuations: 3 });
    } finally {
      await child.kill9();
    }
  });

  it('pause stops a continuing step (its delayed job does nothing), resume finishes it', async () => {
    await startWorker();
    const id = await start({ chunks: 6, delayMs: 200 });
    await waitFor(describeSaga.bind(null, id), async () => doneChunks(await orchestrator.get(id)) >= 2, { timeoutMs: 10_000, intervalMs: 20 });
    const paused = await orchestrator.pause(id);
    expect(paused).toMatchObject({ status: 'paused', pausedFrom: 'running' });
    // Longer than several delays: a continuing saga would have run more chunks by now.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const still = await orchestrator.get(id);
    expect({ status: still.status, version: still.version }).toEqual({ status: 'paused', version: paused.version });
    // A run under way at the pause may have done its chunk without saving it; nothing after it ran.
    expect((await chunksOf(databases.control, id)).length).toBeLessThanOrEqual(doneChunks(paused) + 1);
    expect(await queue.queue.getJobCounts('waiting', 'delayed', 'active')).toEqual({ waiting: 0, delayed: 0, active: 0 });

    await orchestrator.resume(id);
    const done = await orchestrator.awaitSettled(id, 20_000);
    expect(done).toMatchObject({ status: 'completed', results: { copy: { copied: 6 } } });
    const chunks = await chunksOf(databases.control, id);
    expect(chunks.map((c) => c.chunk)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(chunks.reduce((sum, c) => sum + c.runs, 0)).toBeLessThanOrEqual(7);
  });
});
