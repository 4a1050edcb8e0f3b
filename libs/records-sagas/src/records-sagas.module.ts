import { DynamicModule, Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { EVENT_STORE, type EventStore } from '@shardline/event-store';
import {
  ATOMIC_BATCHES,
  ID_GENERATOR,
  RECORD_CACHE_INVALIDATOR,
  RECORD_MOVE_STORE,
  RECORD_MOVES,
  USER_ERASURES,
  type IdGenerator,
  type RecordCacheInvalidator,
  type RecordMoveStore,
  type RecordStateChange,
} from '@shardline/records';
import { SAGA_ORCHESTRATOR } from '@shardline/sagas';
import type { SagaRuntimeConfig } from '@shardline/sagas/bullmq';
import { SagasHttpModule } from '@shardline/sagas-http';
import { SHARD_ROUTER, type ShardRouter } from '@shardline/sharding';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { createRecordsSagaRuntime, type RecordsSagaRuntime } from './records-saga.runtime';
import { SagaAtomicBatches } from './saga-atomic-batches';
import { SagaUserErasures } from './saga-user-erasures';
import { SagaRecordMoves } from './saga-record-moves';

export const RECORDS_SAGA_RUNTIME = Symbol('RecordsSagaRuntime');

export interface RecordsSagasOptions {
  sagas: SagaRuntimeConfig;
  /** How long an atomic batch request waits for its commit point before answering 202. */
  atomicBatchWaitMs: number;
  /** How long a move request waits for its commit point before answering 202. */
  moveWaitMs: number;
}

@Injectable()
class RecordsSagaRuntimeLifecycle implements OnApplicationShutdown {
  constructor(@Inject(RECORDS_SAGA_RUNTIME) private readonly runtime: RecordsSagaRuntime) {}
  async onApplicationShutdown(): Promise<void> {
    await this.runtime.close();
  }
}

/**
 * Sagas in a request-serving app (api, command-intake): atomic batches through the atomic-batch
 * saga (ATOMIC_BATCHES), moves through the move-records saga (RECORD_MOVES), the saga routes
 * (status URL, admin). Jobs run in apps/saga-worker.
 * Needs RecordsMysqlModule (ShardDatabases, SHARD_ROUTER, EVENT_STORE, RECORD_MOVE_STORE, ID_GENERATOR).
 */
@Module({})
export class RecordsSagasModule {
  static forRoot(options: RecordsSagasOptions): DynamicModule {
    const logger = new Logger('sagas');
    return {
      module: RecordsSagasModule,
      global: true,
      imports: [SagasHttpModule],
      providers: [
        {
          provide: RECORDS_SAGA_RUNTIME,
          inject: [ShardDatabases, EVENT_STORE, SHARD_ROUTER, { token: RECORD_CACHE_INVALIDATOR, optional: true }],
          useFactory: (databases: ShardDatabases, store: EventStore<RecordStateChange>, router: ShardRouter, cache?: RecordCacheInvalidator) =>
            createRecordsSagaRuntime({ databases, store, router, cache, config: options.sagas, log: (level, message) => logger[level === 'info' ? 'log' : level](message) }),
        },
        { provide: SAGA_ORCHESTRATOR, inject: [RECORDS_SAGA_RUNTIME], useFactory: (runtime: RecordsSagaRuntime) => runtime.orchestrator },
        {
          provide: ATOMIC_BATCHES,
          inject: [RECORDS_SAGA_RUNTIME],
          useFactory: (runtime: RecordsSagaRuntime) => new SagaAtomicBatches(runtime.orchestrator, { waitMs: options.atomicBatchWaitMs, statusUrl: (id) => `/api/v1/sagas/${id}` }),
        },
        {
          provide: RECORD_MOVES,
          inject: [RECORDS_SAGA_RUNTIME, RECORD_MOVE_STORE, ID_GENERATOR],
          useFactory: (runtime: RecordsSagaRuntime, rows: RecordMoveStore, ids: IdGenerator) =>
            new SagaRecordMoves(runtime.orchestrator, rows, ids, { waitMs: options.moveWaitMs, statusUrl: (id) => `/api/v1/sagas/${id}` }),
        },
        {
          provide: USER_ERASURES,
          inject: [RECORDS_SAGA_RUNTIME],
          useFactory: (runtime: RecordsSagaRuntime) => new SagaUserErasures(runtime.orchestrator, (id) => `/api/v1/sagas/${id}`),
        },
        RecordsSagaRuntimeLifecycle,
      ],
      exports: [RECORDS_SAGA_RUNTIME, SAGA_ORCHESTRATOR, ATOMIC_BATCHES, RECORD_MOVES, USER_ERASURES],
    };
  }
}
