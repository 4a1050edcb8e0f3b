// Smoke test: enqueue and process a BullMQ job on Redis (127.0.0.1:6379).
import { randomUUID } from 'node:crypto';
import { Queue, QueueEvents, Worker } from 'bullmq';

const connection = {
  host: process.env.SHARDLINE_REDIS_HOST ?? '127.0.0.1',
  port: Number(process.env.SHARDLINE_REDIS_PORT ?? 6379),
  maxRetriesPerRequest: null,
};

describe('stack: Redis + BullMQ', () => {
  const name = `stack-smoke-${randomUUID()}`;
  const queue = new Queue(name, { connection });
  const events = new QueueEvents(name, { connection });
  let worker: Worker | undefined;

  afterAll(async () => {
    await worker?.close();
    await queue.obliterate({ force: true }).catch(() => undefined);
    await events.close();
    await queue.close();
  });

  it('enqueues a job and a worker processes it', async () => {
    await events.waitUntilReady();
    worker = new Worker(name, async (job) => ({ doubled: (job.data as { n: number }).n * 2 }), { connection });
    const job = await queue.add('double', { n: 21 }, { removeOnComplete: false });
    const result = await job.waitUntilFinished(events, 30_000);
    expect(result).toEqual({ doubled: 42 });
    expect(await queue.getJobCountByTypes('completed')).toBe(1);
  });
});
