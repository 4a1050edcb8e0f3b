import { Queue } from 'bullmq';
import { bullmqConnection } from '@shardline/sagas/bullmq';
import { ChildApp } from '../support/child-app';
import { waitFor } from '../support/wait-for';
import { countingSaga, createEffectsTable } from './support/counting-saga';
import { RealSagaRuntime } from './support/real-saga-runtime';

/** The saga runtime on its real adapters: MariaDB (state), Redis/BullMQ (jobs), worker processes. */
describe('saga runtime on MariaDB and BullMQ', () => {
  const rt = RealSagaRuntime.forThisFile({ prepare: createEffectsTable, sagas: (db) => [{ definition: countingSaga, effects: { db } }] });

  const effects = async (sagaId: string) =>
    (await rt.databases.control('saga_test_effects').where('command_id', 'like', `saga:${sagaId}:%`).orderBy('command_id').select('step', 'executions')) as Array<{ step: string; executions: number }>;

  it('runs a saga to completion through BullMQ jobs', async () => {
    await rt.startWorker();
    const { state } = await rt.orchestrator.start('counting', { label: 'happy' });
    const done = await rt.orchestrator.awaitSettled(state.id, 20_000);
    expect(done).toMatchObject({ status: 'completed', results: { third: { done: 'third' } } });
    expect((await effects(state.id)).map((e) => [e.step, e.executions])).toEqual([
      ['first', 1],
      ['second', 1],
      ['third', 1],
    ]);
  });

  it('a worker killed with kill -9 in the middle of a step loses nothing: another worker resumes the stalled job', async () => {
    const child = ChildApp.fromSource('saga-worker', 'test/sagas/support/counting-saga-worker.child.ts', rt.childEnv({ SAGA_TEST_HANG_AT: 'second' })).start();
    try {
      await waitFor(() => `child worker ready:\n${child.log()}`, () => child.log().includes('saga worker ready'), { timeoutMs: 30_000 });
      const { state } = await rt.orchestrator.start('counting', { label: 'killed' });
      await waitFor('the child to be inside step two', async () => (await effects(state.id)).some((e) => e.step === 'second'), { timeoutMs: 20_000 });
      await child.kill9();
      await rt.startWorker();
      // The killed run's lease (5 s in the child) must run out before the step runs again.
      const done = await rt.orchestrator.awaitSettled(state.id, 45_000);
      const job = await rt.queue.queue.getJob(`${state.id}.v${done.version}`);
      const queued = job && { state: await job.getState(), attemptsMade: job.attemptsMade, stalledCounter: job.stalledCounter, failedReason: job.failedReason };
      expect({ status: done.status, saga: done, queued }).toMatchObject({ status: 'completed' });
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
    const { state } = await rt.orchestrator.start('counting', { label: 'lost' });
    // No worker yet: the first job waits in Redis. Wipe every key of this queue, as a restart of a
    // Redis without persistence would.
    const raw = new Queue('sagas', { connection: bullmqConnection(rt.redisUrl), prefix: rt.prefix });
    await raw.obliterate({ force: true });
    await raw.close();
    expect(await rt.queue.queue.getJob(`${state.id}.v1`)).toBeUndefined();
    await rt.startWorker();
    expect((await rt.orchestrator.awaitSettled(state.id, 20_000)).status).toBe('completed');
    expect((await effects(state.id)).every((e) => e.executions === 1)).toBe(true);
  });

  it('a duplicated job delivery changes nothing', async () => {
    await rt.startWorker();
    const { state } = await rt.orchestrator.start('counting', { label: 'dup' });
    await rt.orchestrator.awaitSettled(state.id, 20_000);
    // Deliver every version's job again, as a redelivery after a lost acknowledgement would.
    for (let version = 1; version <= 4; version++) expect(await rt.orchestrator.runJob({ sagaId: state.id, version })).toBe('stale');
    expect((await effects(state.id)).every((e) => e.executions === 1)).toBe(true);
  });
});
