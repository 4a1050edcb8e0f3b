import { randomUUID } from 'node:crypto';
import type { SagaJob, SagaJobQueue } from '@shardline/sagas';

export interface SagaJobQueueFixture {
  queue: SagaJobQueue;
  /** Jobs waiting for a worker (waiting or delayed), in any order. */
  waiting(): Promise<SagaJob[]>;
  /** Every waiting job is delivered and fails for good: the queue gives up on it (it stays, failed). */
  exhaust(): Promise<void>;
  close(): Promise<void>;
}

/**
 * What the saga step queue must do, run against the in-memory queue (unit) and BullMQ
 * (integration): one job per (saga, version), however often it is enqueued, and `ensure` (the
 * resumer's call) reviving a job the queue gave up on, which a plain enqueue does not.
 */
export function sagaJobQueueContract(name: string, open: () => Promise<SagaJobQueueFixture>) {
  describe(`SagaJobQueue contract: ${name}`, () => {
    let f: SagaJobQueueFixture;
    beforeAll(async () => {
      f = await open();
    });
    afterAll(async () => f?.close());
    const once = { attempts: 1, backoffMs: 10 };
    const ids = (jobs: SagaJob[]) => jobs.map((j) => `${j.sagaId}.v${j.version}`).sort();

    it('keeps one job per (saga, version): enqueueing it again, or ensuring it, adds nothing; another version is another job', async () => {
      const saga = `s-${randomUUID()}`;
      await f.queue.enqueue({ sagaId: saga, version: 1 }, once);
      await f.queue.enqueue({ sagaId: saga, version: 1 }, once);
      await f.queue.ensure({ sagaId: saga, version: 1 }, once);
      await f.queue.enqueue({ sagaId: saga, version: 2 }, once);
      expect(ids((await f.waiting()).filter((j) => j.sagaId === saga))).toEqual([`${saga}.v1`, `${saga}.v2`]);
      await f.exhaust();
    });

    it('a job the queue gave up on is not added again by enqueue; ensure revives it', async () => {
      const saga = `s-${randomUUID()}`;
      await f.queue.enqueue({ sagaId: saga, version: 1 }, once);
      await f.exhaust();
      expect((await f.waiting()).filter((j) => j.sagaId === saga)).toEqual([]);
      await f.queue.enqueue({ sagaId: saga, version: 1 }, once);
      expect((await f.waiting()).filter((j) => j.sagaId === saga)).toEqual([]);
      await f.queue.ensure({ sagaId: saga, version: 1 }, once);
      expect((await f.waiting()).filter((j) => j.sagaId === saga)).toEqual([{ sagaId: saga, version: 1 }]);
    });

    // Last: its job stays delayed a moment, and `exhaust` waits until nothing waits.
    it('keeps a delayed job (a continued step) as the one job of its (saga, version) until it is due', async () => {
      const saga = `s-${randomUUID()}`;
      await f.queue.enqueue({ sagaId: saga, version: 3 }, { ...once, delayMs: 300 });
      await f.queue.enqueue({ sagaId: saga, version: 3 }, once);
      await f.queue.ensure({ sagaId: saga, version: 3 }, { ...once, delayMs: 300 });
      expect((await f.waiting()).filter((j) => j.sagaId === saga)).toEqual([{ sagaId: saga, version: 3 }]);
      await f.exhaust();
    });
  });
}
