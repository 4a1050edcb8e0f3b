import { BeforeApplicationShutdown, DynamicModule, Inject, Injectable, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown, Provider } from '@nestjs/common';
import type { Registry } from 'prom-client';
import type Redis from 'ioredis';
import { METRICS_REGISTRY } from '@shardline/observability';
import { noRecordCache, RECORD_CACHE_INVALIDATOR, RECORD_STATE_READER_DECORATOR, RecordStateReader, RecordStateReaderDecorator } from '@shardline/records';
import { SHARD_ROUTER, type ShardRouter } from '@shardline/sharding';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { CachedRecordStateReader } from './cached-record-state.reader';
import { CacheFenceSettings, CacheWriterSide } from './fence/cache-writer-side';
import { MysqlPendingInvalidationStore } from './mysql/mysql-pending-invalidation.store';
import { RecordCacheStore } from './record-cache-store.port';
import { connectCacheRedis, evictionPolicyWarning } from './redis/cache-redis-client';
import { RedisRecordCacheStore } from './redis/redis-record-cache-store';
import { RedisWriterRegistry, writerLeasesKey } from './redis/redis-writer-registry';

export interface RecordsCacheOptions {
  redisUrl: string;
  commandTimeoutMs: number;
  /** Shared by every writer and reader of one deployment. */
  keyPrefix: string;
  /** Idle lifetime of a record in Redis (ms). */
  redisTtlMs: number;
}

export interface RecordsCacheWriterOptions extends RecordsCacheOptions {
  fence: CacheFenceSettings;
}

export interface RecordsReadCacheOptions extends RecordsCacheOptions {
  lruMaxEntries: number;
  lruTtlMs: number;
  afterShardRead?: (businessId: string, id: string) => Promise<void>;
}

export const CACHE_REDIS = Symbol('CacheRedis');
export const RECORD_CACHE_STORE = Symbol('RecordCacheStore');
export const CACHE_WRITER_SIDE = Symbol('CacheWriterSide');

@Injectable()
class CacheRedisLifecycle implements OnApplicationShutdown {
  constructor(@Inject(CACHE_REDIS) private readonly redis: Redis) {}
  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/** Joins the cache fence once the shards are open; leaves it before Redis and the pools close. */
@Injectable()
class CacheFenceLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    @Inject(CACHE_WRITER_SIDE) private readonly side: CacheWriterSide,
    @Inject(CACHE_REDIS) private readonly redis: Redis,
  ) {}
  async onApplicationBootstrap(): Promise<void> {
    const warning = await evictionPolicyWarning(this.redis);
    if (warning) fenceLogger.warn(warning);
    await this.side.start();
  }
  async beforeApplicationShutdown(): Promise<void> {
    await this.side.stop();
  }
}

const fenceLogger = new Logger('cache-fence');

function storeProviders(options: RecordsCacheOptions): Provider[] {
  return [
    { provide: CACHE_REDIS, useFactory: () => connectCacheRedis({ url: options.redisUrl, commandTimeoutMs: options.commandTimeoutMs }) },
    { provide: RECORD_CACHE_STORE, inject: [CACHE_REDIS], useFactory: (redis: Redis) => new RedisRecordCacheStore(redis, options.redisTtlMs, writerLeasesKey(options.keyPrefix)) },
    CacheRedisLifecycle,
  ];
}

/** The records read cache on Redis: the write side (invalidator) and the read side (reader decorator). */
@Module({})
export class RecordsCacheModule {
  /**
   * For apps that execute record commands: every acknowledged update/delete invalidates first, or,
   * while Redis is unreachable, records the invalidation and fences cached readers (docs/adr/0006).
   * Needs ShardDatabases and SHARD_ROUTER (RecordsMysqlModule.forRoot, global).
   */
  static forWriters(options: RecordsCacheWriterOptions): DynamicModule {
    return {
      module: RecordsCacheModule,
      global: true,
      providers: [
        ...storeProviders(options),
        {
          provide: CACHE_WRITER_SIDE,
          inject: [RECORD_CACHE_STORE, CACHE_REDIS, ShardDatabases, SHARD_ROUTER, { token: METRICS_REGISTRY, optional: true }],
          useFactory: (store: RecordCacheStore, redis: Redis, databases: ShardDatabases, router: ShardRouter, registry?: Registry) =>
            new CacheWriterSide({
              store,
              writers: new RedisWriterRegistry(redis, options.keyPrefix),
              pending: new MysqlPendingInvalidationStore(databases),
              keyPrefix: options.keyPrefix,
              fence: options.fence,
              shardFor: (businessId) => router.shardFor(businessId),
              registry,
              log: (level, message, extra) => fenceLogger[level === 'info' ? 'log' : level](extra ? `${message} ${JSON.stringify(extra)}` : message),
            }),
        },
        { provide: RECORD_CACHE_INVALIDATOR, inject: [CACHE_WRITER_SIDE], useFactory: (side: CacheWriterSide) => side.invalidator },
        CacheFenceLifecycle,
      ],
      exports: [RECORD_CACHE_INVALIDATOR, RECORD_CACHE_STORE, CACHE_REDIS, CACHE_WRITER_SIDE],
    };
  }

  /** Writers in a deployment that runs no cached readers: writes do not depend on Redis. */
  static disabledForWriters(): DynamicModule {
    return { module: RecordsCacheModule, global: true, providers: [{ provide: RECORD_CACHE_INVALIDATOR, useValue: noRecordCache }], exports: [RECORD_CACHE_INVALIDATOR] };
  }

  /** For read-side apps: RECORD_STATE_READER_DECORATOR puts LRU + Redis in front of the shard reader. */
  static forReaders(options: RecordsReadCacheOptions): DynamicModule {
    return {
      module: RecordsCacheModule,
      global: true,
      providers: [
        ...storeProviders(options),
        {
          provide: RECORD_STATE_READER_DECORATOR,
          inject: [RECORD_CACHE_STORE, { token: METRICS_REGISTRY, optional: true }],
          useFactory:
            (store: RecordCacheStore, registry?: Registry): RecordStateReaderDecorator =>
            (inner: RecordStateReader) =>
              new CachedRecordStateReader(inner, store, { ...options, registry }),
        },
      ],
      exports: [RECORD_STATE_READER_DECORATOR, RECORD_CACHE_STORE, CACHE_REDIS],
    };
  }
}
