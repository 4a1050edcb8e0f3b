// A saga worker process for the kill -9 test: runs the counting saga's jobs from the queue named
// by the environment, hanging in the step SAGA_TEST_HANG_AT.
import { ShardDatabases } from '@shardline/sharding/mysql';
import { SagaOrchestrator } from '@shardline/sagas';
import { BullmqSagaJobQueue, BullmqSagaWorker, DEFAULT_SAGA_WORKER_OPTIONS } from '@shardline/sagas/bullmq';
import { MysqlSagaStore } from '@shardline/sagas/mysql';
import { countingSaga } from './counting-saga';

const env = process.env;
const config = JSON.parse(env.SAGA_TEST_SHARDING!);
const queueConfig = { redisUrl: env.SAGA_TEST_REDIS_URL!, prefix: env.SAGA_TEST_PREFIX!, queue: 'sagas' };
const databases = new ShardDatabases(config);
const queue = new BullmqSagaJobQueue(queueConfig);
const orchestrator = new SagaOrchestrator({
  sagas: [{ definition: countingSaga, effects: { db: databases.control, hangAt: env.SAGA_TEST_HANG_AT } }],
  store: new MysqlSagaStore(databases.control),
  queue,
  // Short, so the test waits seconds for the killed run's lease rather than the default 15 s; long
  // enough that a loaded machine's late renewal does not let a second run overlap this one.
  runLeaseMs: 5000,
});
const worker = new BullmqSagaWorker(queueConfig, orchestrator, { ...DEFAULT_SAGA_WORKER_OPTIONS, lockDurationMs: 1500, stalledIntervalMs: 500 });
void worker.start().then(() => process.stdout.write('saga worker ready\n'));
