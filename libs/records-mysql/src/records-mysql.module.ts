import { DynamicModule, Inject, Injectable, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown, Provider } from '@nestjs/common';
import { EVENT_STORE, EventStore, GroupCommitMetrics, GroupCommitOptions } from '@shardline/event-store';
import { METRICS_REGISTRY } from '@shardline/observability';
import type { Registry } from 'prom-client';
import { DEVELOPMENT_MASTER_KEY_WARNING, SealingEventStore, type UserKeysConfig } from '@shardline/user-keys';
import { cachedMysqlUserKeys } from '@shardline/user-keys/mysql';
import { MysqlEventStore } from '@shardline/event-store/mysql';
import { MysqlCommitPoints } from '@shardline/commit-points/mysql';
import { SnowflakeIdGenerator, type WorkerIdLeaseConfig, WorkerIdLease } from '@shardline/ids';
import { MysqlWorkerIdLeaseStore } from '@shardline/ids/mysql';
import { CLOCK, ID_GENERATOR, type RecordStateChange, RECORD_MOVE_STORE, RECORD_STATE_READER, RECORD_STATE_READER_DECORATOR, RecordStateReaderDecorator } from '@shardline/records';
import { SHARD_ROUTER, ShardingConfig, type ShardRouter } from '@shardline/sharding';
import { LiveSlotMap, liveSlotMap, registerShardPoolMetrics, registerSlotMapMetrics, ShardDatabases } from '@shardline/sharding/mysql';
import { MysqlRecordMoveStore } from './mysql-record-move.store';
import { MysqlRecordStateReader, type RecordStateReaderOptions } from './mysql-record-state.reader';
import { openShardConnections } from './open-shard-connections';
import { RecordsInlineProjection } from './records-inline.projection';

export interface RecordsMysqlOptions {
  sharding: ShardingConfig;
  /** The Snowflake worker id is leased in the control database (libs/ids worker-id-lease.ts), unique among running processes. */
  workerIds: WorkerIdLeaseConfig;
  groupCommit: GroupCommitOptions;
  /** Seal personal content at write time with per-user keys (docs/adr/0005); null: stored in clear. */
  sealing: UserKeysConfig | null;
}

/** The slot map and its watcher (stopped at shutdown); SHARD_ROUTER is its router. */
const LIVE_SLOT_MAP = Symbol('LiveSlotMap');

/** The MySQL event store itself (drained at shutdown); EVENT_STORE may wrap it (sealing). */
const MYSQL_EVENT_STORE = Symbol('MysqlEventStore');

/** Opens the pools' connections at startup (ShardDatabases.warmUp); shuts down in order: finish queued group commits, then close the pools. */
@Injectable()
class RecordsMysqlLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(MYSQL_EVENT_STORE) private readonly store: MysqlEventStore<unknown>,
    private readonly databases: ShardDatabases,
    private readonly workerIds: WorkerIdLease,
    @Inject(LIVE_SLOT_MAP) private readonly slotMap: LiveSlotMap,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // The write path: every writer connection (group commits run on up to poolMax per shard), two for reads.
    await openShardConnections(this.databases, { writers: this.databases.config.poolMax, readers: 2 }, new Logger('mysql'));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.store.drain();
    await this.slotMap.watcher.stop();
    // Nothing mints ids any more: the worker id is free for the next process at once.
    await this.workerIds.stop();
    await this.databases.destroy();
  }
}

/** Leases this process's Snowflake worker id before anything can mint one; renews it until shutdown. */
async function leaseWorkerId(databases: ShardDatabases, config: WorkerIdLeaseConfig): Promise<WorkerIdLease> {
  const logger = new Logger('worker-id');
  const lease = new WorkerIdLease(new MysqlWorkerIdLeaseStore(databases.control), {
    ...config,
    onLost: (reason) => logger.warn(`${reason}; leasing another`),
    onRenewFailed: (error) => logger.warn(`worker-id lease not renewed (creates answer 503 IDS.WORKER_LEASE_LOST once it runs out): ${(error as Error).message}`),
  });
  const workerId = await lease.start();
  logger.log(`Snowflake worker id ${workerId} leased for ${config.ttlMs / 1000} s, renewed every ${config.renewEveryMs / 1000} s`);
  return lease;
}

/** Read side: opens the knex pools' connections at startup, closes them at shutdown. */
@Injectable()
class ShardPoolsLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    private readonly databases: ShardDatabases,
    @Inject(LIVE_SLOT_MAP) private readonly slotMap: LiveSlotMap,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await openShardConnections(this.databases, { writers: 0, readers: 2 }, new Logger('mysql'));
  }
  async onApplicationShutdown(): Promise<void> {
    await this.slotMap.watcher.stop();
    await this.databases.destroy();
  }
}

/**
 * Per-shard pools (MySQL warnings to the Nest logger, pool gauges on the app's METRICS_REGISTRY
 * when it provides one) and the slot-map router: both sides need them.
 */
function shardPoolsAndRouter(sharding: ShardingConfig): Provider[] {
  return [
    {
      provide: ShardDatabases,
      inject: [{ token: METRICS_REGISTRY, optional: true }],
      useFactory: (registry?: Registry) => {
        const logger = new Logger('mysql');
        const databases = new ShardDatabases(sharding, (level, message) => (level === 'error' ? logger.error(message) : logger.debug?.(message)));
        if (registry) registerShardPoolMetrics(registry, databases);
        return databases;
      },
    },
    {
      // Polls the control database's map version (SHARDLINE_SLOT_MAP_POLL_MS) and swaps the router's
      // map, opening new shards' pools, without a restart (docs/adr/0008).
      provide: LIVE_SLOT_MAP,
      inject: [ShardDatabases, { token: METRICS_REGISTRY, optional: true }],
      useFactory: async (databases: ShardDatabases, registry?: Registry) => {
        const logger = new Logger('slot-map');
        const live = await liveSlotMap(databases, {
          onError: (error) => logger.warn(`slot map not reloaded, keeping version in use: ${(error as Error).message}`),
          onChange: (snapshot, previous) => previous > 0 && logger.log(`slot map version ${previous} → ${snapshot.version} (${snapshot.shards.length} shards)`),
        });
        if (registry) registerSlotMapMetrics(registry, live.watcher);
        return live;
      },
    },
    { provide: SHARD_ROUTER, inject: [LIVE_SLOT_MAP], useFactory: (slotMap: LiveSlotMap) => slotMap.router },
  ];
}

/** The write path's event store: sealing personal content with per-user keys when configured (docs/adr/0005). */
export function sealedIfConfigured(store: MysqlEventStore<RecordStateChange>, databases: ShardDatabases, sealing: UserKeysConfig | null): EventStore<RecordStateChange> {
  if (!sealing) return store;
  if (sealing.developmentMasterKey) new Logger('user-keys').warn(DEVELOPMENT_MASTER_KEY_WARNING);
  return new SealingEventStore(store, cachedMysqlUserKeys(databases.control, sealing));
}

/** Infrastructure for RecordsModule on sharded MySQL (see RecordsModule.withInfrastructure). */
@Module({})
export class RecordsMysqlModule {
  static forRoot(options: RecordsMysqlOptions): DynamicModule {
    return {
      module: RecordsMysqlModule,
      global: true,
      providers: [
        ...shardPoolsAndRouter(options.sharding),
        {
          provide: MYSQL_EVENT_STORE,
          inject: [ShardDatabases, { token: METRICS_REGISTRY, optional: true }],
          useFactory: (databases: ShardDatabases, registry?: Registry) =>
            new MysqlEventStore(databases, new RecordsInlineProjection(), { groupCommit: options.groupCommit, metrics: registry && new GroupCommitMetrics(registry) }),
        },
        {
          provide: EVENT_STORE,
          inject: [ShardDatabases, MYSQL_EVENT_STORE],
          useFactory: (databases: ShardDatabases, store: MysqlEventStore<RecordStateChange>) => sealedIfConfigured(store, databases, options.sealing),
        },
        {
          provide: RECORD_STATE_READER,
          inject: [ShardDatabases, MYSQL_EVENT_STORE, SHARD_ROUTER],
          useFactory: (databases: ShardDatabases, store: MysqlEventStore<unknown>, router: ShardRouter) =>
            new MysqlRecordStateReader(
              databases,
              { commitPoints: new MysqlCommitPoints(databases.control), release: (shard, writeSet, streams) => store.releaseStaged(shard, writeSet, streams) },
              liveOwnership(router),
            ),
        },
        {
          provide: RECORD_MOVE_STORE,
          inject: [ShardDatabases],
          useFactory: (databases: ShardDatabases) => new MysqlRecordMoveStore(databases, new MysqlCommitPoints(databases.control)),
        },
        { provide: CLOCK, useValue: () => new Date() },
        { provide: WorkerIdLease, inject: [ShardDatabases], useFactory: (databases: ShardDatabases) => leaseWorkerId(databases, options.workerIds) },
        { provide: ID_GENERATOR, inject: [WorkerIdLease], useFactory: (lease: WorkerIdLease) => new SnowflakeIdGenerator(lease) },
        RecordsMysqlLifecycle,
      ],
      exports: [ShardDatabases, SHARD_ROUTER, EVENT_STORE, RECORD_STATE_READER, RECORD_MOVE_STORE, CLOCK, ID_GENERATOR],
    };
  }

  /**
   * Read-side infrastructure (RecordsModule.queriesWithInfrastructure): shard pools, router and the
   * state reader, wrapped by RECORD_STATE_READER_DECORATOR when a (global) module provides one.
   */
  static forQueries(options: { sharding: ShardingConfig }): DynamicModule {
    return {
      module: RecordsMysqlModule,
      global: true,
      providers: [
        ...shardPoolsAndRouter(options.sharding),
        {
          provide: RECORD_STATE_READER,
          inject: [ShardDatabases, SHARD_ROUTER, { token: RECORD_STATE_READER_DECORATOR, optional: true }],
          useFactory: (databases: ShardDatabases, router: ShardRouter, decorate?: RecordStateReaderDecorator) => {
            const reader = new MysqlRecordStateReader(databases, { commitPoints: new MysqlCommitPoints(databases.control) }, liveOwnership(router));
            return decorate ? decorate(reader) : reader;
          },
        },
        ShardPoolsLifecycle,
      ],
      exports: [ShardDatabases, SHARD_ROUTER, RECORD_STATE_READER],
    };
  }
}

/** How the state reader follows slot moves: pages keep rows from their owner, reads by id re-route after a reload. */
function liveOwnership(router: ShardRouter): Pick<RecordStateReaderOptions, 'shardOf' | 'ownerAfterRefresh'> {
  return {
    shardOf: (businessId) => router.shardFor(businessId),
    ownerAfterRefresh: async (businessId) => {
      await router.refresh();
      return router.shardFor(businessId);
    },
  };
}
