import { InMemorySagaJobQueue, InMemorySagaStore, SagaOrchestrator, StepAttemptFailed, type RegisteredSaga, type SagaOrchestratorOptions } from '@shardline/sagas';

/**
 * A saga definition run end to end by the real orchestrator over the in-memory store and queue,
 * with the effects a spec gives it: start sagas, then `drain()` delivers jobs as workers would
 * (a failed attempt is delivered again at once, no backoff), until none is left. A step that
 * returns continueLater runs again at once too: its delay is recorded on the queued job
 * (`queue.waiting[i].options.delayMs`) but not waited for, so specs stay untimed.
 */
export function sagaHarness(sagas: RegisteredSaga<any, any>[], options: Partial<Pick<SagaOrchestratorOptions, 'now' | 'log' | 'metrics'>> = {}) {
  const store = new InMemorySagaStore();
  const queue = new InMemorySagaJobQueue();
  const orchestrator = new SagaOrchestrator({ sagas, store, queue, ...options });
  return {
    store,
    queue,
    orchestrator,
    /** Runs waiting jobs until none is left, or `maxJobs` deliveries (a saga that never settles fails the spec instead of hanging it). */
    async drain(maxJobs = 500): Promise<void> {
      let delivered = 0;
      for (let job = queue.next(); job; job = queue.next()) {
        if (++delivered > maxJobs) throw new Error(`sagaHarness.drain: still jobs waiting after ${maxJobs} deliveries`);
        await orchestrator.runJob(job).catch((error) => {
          if (!(error instanceof StepAttemptFailed)) throw error;
          queue.waiting.push({ ...job!, options: { attempts: 1, backoffMs: 0 } });
        });
      }
    },
  };
}
