// A saga worker process for the kill -9 test of continueLater: runs the chunked saga's jobs from
// the queue named by the environment, hanging in chunk SAGA_TEST_HANG_AT_CHUNK.
import { ShardDatabases } from '@shardline/sharding/mysql';
import { SagaOrchestrator } from '@shardline/sagas';
import { BullmqSagaJobQueue, BullmqSagaWorker, DEFAULT_SAGA_WORKER_OPTIONS } from '@shardline/sagas/bullmq';
import { MysqlSagaStore } from '@shardline/sagas/mysql';
import { chunkedSaga } from './chunked-saga';

const env = process.env;
const queueConfig = { redisUrl: env.SAGA_TEST_REDIS_URL!, prefix: env.SAGA_TEST_PREFIX!, queue: 'sagas' };
const databases = new ShardDatabases(JSON.parse(env.SAGA_TEST_SHARDING!));
const orchestrator = new SagaOrchestrator({
  sagas: [{ definition: chunkedSaga, effects: { db: databases.control, hangAtChunk: Number(env.SAGA_TEST_HANG_AT_CHUNK) } }],
  store: new MysqlSagaStore(databases.control),
  queue: new BullmqSagaJobQueue(queueConfig),
});
const worker = new BullmqSagaWorker(queueConfig, orchestrator, { ...DEFAULT_SAGA_WORKER_OPTIONS, lockDurationMs: 1500, stalledIntervalMs: 500 });
void worker.start().then(() => process.stdout.write('saga worker ready\n'));
