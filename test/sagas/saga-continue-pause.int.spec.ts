import type { SagaState } from '@shardline/sagas';
import { ChildApp } from '../support/child-app';
import { waitFor } from '../support/wait-for';
import { chunkedSaga, chunksOf, createChunksTable, type ChunkedInput } from './support/chunked-saga';
import { RealSagaRuntime } from './support/real-saga-runtime';

/** continueLater and pause/resume on the real adapters: MariaDB (state), Redis/BullMQ (delayed jobs), worker processes. */
describe('saga continuations and pause/resume on MariaDB and BullMQ', () => {
  const rt = RealSagaRuntime.forThisFile({ prepare: createChunksTable, sagas: (db) => [{ definition: chunkedSaga, effects: { db } }] });
  const chunks = (id: string) => chunksOf(rt.databases.control, id);
  const start = async (input: ChunkedInput) => (await rt.orchestrator.start('chunked', input)).state.id;
  const doneChunks = (state: SagaState) => (state.progress?.action as { done: number } | undefined)?.done ?? 0;
  const describeSaga = async (id: string) => JSON.stringify({ state: await rt.orchestrator.get(id), chunks: await chunks(id) });

  it('a step continuing N times completes: each chunk runs once, at least its delay after the previous, from a delayed BullMQ job', async () => {
    await rt.startWorker();
    const id = await start({ chunks: 5, delayMs: 300 });
    const delayed = await waitFor(`a delayed job of ${id}`, async () => (await rt.queue.queue.getDelayed()).find((j) => j.data.sagaId === id), { timeoutMs: 10_000, intervalMs: 20 });
    expect(delayed.opts.delay).toBeGreaterThan(0);

    const done = await rt.orchestrator.awaitSettled(id, 20_000);
    expect(done).toMatchObject({ status: 'completed', progress: null, continueAt: null, results: { copy: { copied: 5 }, finish: { finished: { copied: 5 } } } });
    expect(done.steps[0]).toMatchObject({ step: 'copy', status: 'succeeded', attempts: 1, continuations: 4 });
    const ran = await chunks(id);
    expect(ran.map((c) => [c.chunk, c.runs])).toEqual([0, 1, 2, 3, 4].map((c) => [c, 1]));
    for (let i = 1; i < ran.length; i++) expect(ran[i].firstRanAt - ran[i - 1].firstRanAt).toBeGreaterThanOrEqual(300);
  });

  it('a worker stopped while the next run is delayed, and another started later, goes on from the saved progress', async () => {
    await rt.startWorker();
    const id = await start({ chunks: 4, delayMs: 2000 });
    await waitFor(describeSaga.bind(null, id), async () => doneChunks(await rt.orchestrator.get(id)) === 1, { timeoutMs: 10_000, intervalMs: 20 });
    await rt.stopWorker();
    expect((await chunks(id)).map((c) => c.chunk)).toEqual([0]);
    await rt.startWorker();
    const done = await rt.orchestrator.awaitSettled(id, 20_000);
    expect(done.status).toBe('completed');
    expect((await chunks(id)).map((c) => [c.chunk, c.runs])).toEqual([0, 1, 2, 3].map((c) => [c, 1]));
  });

  it('a worker killed with kill -9 in the middle of a run loses that run only: the chunk is redone, the others ran once', async () => {
    const child = ChildApp.fromSource('saga-worker', 'test/sagas/support/chunked-saga-worker.child.ts', rt.childEnv({ SAGA_TEST_HANG_AT_CHUNK: '2' })).start();
    try {
      await waitFor(() => `child worker ready:\n${child.log()}`, () => child.log().includes('saga worker ready'), { timeoutMs: 30_000 });
      const id = await start({ chunks: 4, delayMs: 100 });
      await waitFor(describeSaga.bind(null, id), async () => (await chunks(id)).some((c) => c.chunk === 2), { timeoutMs: 20_000 });
      await child.kill9();
      await rt.startWorker();
      const done = await rt.orchestrator.awaitSettled(id, 30_000);
      expect(done.status).toBe('completed');
      expect((await chunks(id)).map((c) => [c.chunk, c.runs])).toEqual([
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
    await rt.startWorker();
    const id = await start({ chunks: 6, delayMs: 200 });
    await waitFor(describeSaga.bind(null, id), async () => doneChunks(await rt.orchestrator.get(id)) >= 2, { timeoutMs: 10_000, intervalMs: 20 });
    const paused = await rt.orchestrator.pause(id);
    expect(paused).toMatchObject({ status: 'paused', pausedFrom: 'running' });
    // Longer than several delays: a continuing saga would have run more chunks by now.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const still = await rt.orchestrator.get(id);
    expect({ status: still.status, version: still.version }).toEqual({ status: 'paused', version: paused.version });
    // A run under way at the pause may have done its chunk without saving it; nothing after it ran.
    expect((await chunks(id)).length).toBeLessThanOrEqual(doneChunks(paused) + 1);
    expect(await rt.queue.queue.getJobCounts('waiting', 'delayed', 'active')).toEqual({ waiting: 0, delayed: 0, active: 0 });

    await rt.orchestrator.resume(id);
    const done = await rt.orchestrator.awaitSettled(id, 20_000);
    expect(done).toMatchObject({ status: 'completed', results: { copy: { copied: 6 } } });
    const ran = await chunks(id);
    expect(ran.map((c) => c.chunk)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(ran.reduce((sum, c) => sum + c.runs, 0)).toBeLessThanOrEqual(7);
  });
});
