import { randomUUID } from 'node:crypto';
import { Worker } from 'bullmq';
import type { SagaJob } from '@shardline/sagas';
import { BullmqSagaJobQueue, bullmqConnection } from '@shardline/sagas/bullmq';
import { sagaJobQueueContract } from '@shardline/testing/contracts';
import { waitFor } from '../support/wait-for';

const REDIS_URL = process.env.SHARDLINE_REDIS_URL ?? 'redis://127.0.0.1:6379';

sagaJobQueueContract('BullMQ (a private prefix)', async () => {
  const config = { redisUrl: REDIS_URL, prefix: `t-sagaq-${randomUUID().slice(0, 8)}`, queue: 'sagas' };
  const jobs = new BullmqSagaJobQueue(config);
  const waiting = async (): Promise<SagaJob[]> => (await jobs.queue.getJobs(['waiting', 'delayed', 'prioritized'])).map((j) => ({ sagaId: j.data.sagaId, version: j.data.version }));
  return {
    queue: jobs,
    waiting,
    // A worker whose every delivery fails: jobs enqueued with one attempt end failed at once.
    exhaust: async () => {
      const worker = new Worker<SagaJob>(config.queue, async () => Promise.reject(new Error('step failed')), { connection: bullmqConnection(REDIS_URL), prefix: config.prefix });
      try {
        await waitFor('every waiting job failed', async () => (await waiting()).length === 0 && (await jobs.queue.getActiveCount()) === 0, { timeoutMs: 10_000, intervalMs: 50 });
      } finally {
        await worker.close();
      }
    },
    close: async () => {
      await jobs.queue.obliterate({ force: true });
      await jobs.close();
    },
  };
});
