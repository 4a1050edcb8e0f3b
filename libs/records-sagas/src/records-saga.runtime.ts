import type { Registry } from 'prom-client';
import { MysqlCommitPoints } from '@shardline/commit-points/mysql';
import type { EventStore } from '@shardline/event-store';
import { noRecordCache, type RecordCacheInvalidator, type RecordStateChange } from '@shardline/records';
import { MysqlRecordMoveStore, MysqlUserRecordStore } from '@shardline/records-mysql';
import { atomicBatchSaga, eraseUserSaga, moveRecordsSaga, slotMoveSaga, type SlotMoveEffects } from '@shardline/saga-definitions';
import { SagaMetrics, SagaOrchestrator, type SagaLog } from '@shardline/sagas';
import { BullmqSagaJobQueue, type SagaRuntimeConfig } from '@shardline/sagas/bullmq';
import { MysqlSagaStore } from '@shardline/sagas/mysql';
import type { ShardRouter } from '@shardline/sharding';
import type { ShardDatabases } from '@shardline/sharding/mysql';
import { RecordsAtomicBatchEffects } from './records-atomic-batch.effects';
import { RecordsMoveEffects } from './records-move.effects';
import { RecordsEraseUserEffects, type RecordsEraseUserDeps } from './records-erase-user.effects';

export interface RecordsSagaRuntime {
  orchestrator: SagaOrchestrator;
  queue: BullmqSagaJobQueue;
  close(): Promise<void>;
}

/**
 * The saga runtime of the records application, as every process needs it: the api and the Kafka
 * intake start sagas and wait for them; the saga worker also runs their jobs. State and commit
 * points in the control database, jobs on BullMQ, each saga registered with its effects.
 */
export function createRecordsSagaRuntime(deps: {
  databases: ShardDatabases;
  store: EventStore<RecordStateChange>;
  /** The live slot map's router: saga steps address the shard that owns a business now (docs/adr/0008). */
  router: ShardRouter;
  config: SagaRuntimeConfig;
  /** The read cache a move's sources leave once it committed (none: no cached readers to tell). */
  cache?: RecordCacheInvalidator;
  /** What an erasure needs beyond the shards; absent in processes that only start erasures (the api). */
  erasure?: Pick<RecordsEraseUserDeps, 'forgetKey' | 'search' | 'analytics'>;
  /** Slot moves' effects (docs/adr/0008); absent in processes that only show them (the api). */
  slotMoves?: SlotMoveEffects;
  registry?: Registry;
  log?: SagaLog;
}): RecordsSagaRuntime {
  const commitPoints = new MysqlCommitPoints(deps.databases.control);
  const queue = new BullmqSagaJobQueue(deps.config.queue);
  const moveRows = new MysqlRecordMoveStore(deps.databases, commitPoints);
  const orchestrator = new SagaOrchestrator({
    sagas: [
      { definition: atomicBatchSaga, effects: new RecordsAtomicBatchEffects(deps.store, commitPoints, deps.router) },
      { definition: moveRecordsSaga, effects: new RecordsMoveEffects(deps.store, commitPoints, moveRows, deps.router, deps.cache) },
      {
        definition: eraseUserSaga,
        effects: deps.erasure && new RecordsEraseUserEffects({ ...deps.erasure, store: deps.store, users: new MysqlUserRecordStore(deps.databases), shardCount: () => deps.databases.count, router: deps.router, cache: deps.cache ?? noRecordCache }),
      },
      { definition: slotMoveSaga, effects: deps.slotMoves },
    ],
    store: new MysqlSagaStore(deps.databases.control),
    queue,
    retryBackoffMs: deps.config.retryBackoffMs,
    metrics: deps.registry ? new SagaMetrics(deps.registry) : undefined,
    log: deps.log,
  });
  return { orchestrator, queue, close: () => queue.close() };
}
