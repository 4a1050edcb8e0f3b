import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { SagaOrchestrator, type RegisteredSaga } from '@shardline/sagas';
import { BullmqSagaJobQueue, BullmqSagaWorker, DEFAULT_SAGA_WORKER_OPTIONS, type SagaQueueConfig } from '@shardline/sagas/bullmq';
import { MysqlSagaStore } from '@shardline/sagas/mysql';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { createTestDatabases, type TestDatabases } from '../../support/test-databases';

const REDIS_URL = process.env.SHARDLINE_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Worker settings that notice a killed worker and an idle saga within a test's patience. */
export const FAST_SAGA_WORKER = { ...DEFAULT_SAGA_WORKER_OPTIONS, lockDurationMs: 1500, stalledIntervalMs: 500, resumeIntervalMs: 300, resumeIdleMs: 1000 };

/**
 * The saga runtime on its real adapters for one test file: a private control database, a BullMQ
 * queue under a random prefix, an orchestrator over both, and the in-process worker a test starts
 * (stopped after each test). `forThisFile` registers the jest hooks.
 */
export class RealSagaRuntime {
  readonly redisUrl = REDIS_URL;
  readonly prefix = `t-sagas-${randomUUID().slice(0, 8)}`;
  readonly queueConfig: SagaQueueConfig = { redisUrl: REDIS_URL, prefix: this.prefix, queue: 'sagas' };
  testDbs!: TestDatabases;
  databases!: ShardDatabases;
  queue!: BullmqSagaJobQueue;
  orchestrator!: SagaOrchestrator;
  private worker: BullmqSagaWorker | undefined;

  /** `prepare` creates the tables the sagas' effects write; `sagas` registers them with their effects. */
  static forThisFile(setup: { prepare(control: Knex): Promise<void>; sagas(control: Knex): RegisteredSaga<any, any>[] }): RealSagaRuntime {
    const runtime = new RealSagaRuntime();
    beforeAll(async () => {
      runtime.testDbs = await createTestDatabases(1);
      runtime.databases = new ShardDatabases(runtime.testDbs.config);
      await setup.prepare(runtime.databases.control);
      runtime.queue = new BullmqSagaJobQueue(runtime.queueConfig);
      runtime.orchestrator = new SagaOrchestrator({ sagas: setup.sagas(runtime.databases.control), store: new MysqlSagaStore(runtime.databases.control), queue: runtime.queue, retryBackoffMs: 50 });
    });
    afterEach(() => runtime.stopWorker());
    afterAll(async () => {
      await runtime.queue?.queue.obliterate({ force: true }).catch(() => undefined);
      await runtime.queue?.close();
      await runtime.databases?.destroy();
      await runtime.testDbs?.drop();
    });
    return runtime;
  }

  async startWorker(): Promise<BullmqSagaWorker> {
    this.worker = new BullmqSagaWorker(this.queueConfig, this.orchestrator, FAST_SAGA_WORKER);
    await this.worker.start();
    return this.worker;
  }

  /** Graceful: a run under way finishes and saves. */
  async stopWorker(): Promise<void> {
    await this.worker?.stop();
    this.worker = undefined;
  }

  /** The environment of a child worker process (test/sagas/support/*.child.ts) on the same database and queue. */
  childEnv(extra: Record<string, string> = {}): Record<string, string> {
    return { SAGA_TEST_SHARDING: JSON.stringify(this.testDbs.config), SAGA_TEST_REDIS_URL: this.redisUrl, SAGA_TEST_PREFIX: this.prefix, ...extra };
  }
}
