import { DynamicModule, Inject, Injectable, Module, OnApplicationShutdown, Provider } from '@nestjs/common';
import type { Registry } from 'prom-client';
import type Redis from 'ioredis';
import { METRICS_REGISTRY } from '@shardline/observability';
import { noRecordCache, RECORD_CACHE_INVALIDATOR, RECORD_STATE_READER_DECORATOR, RecordStateReader, RecordStateReaderDecorator } from '@shardline/records';
import { CachedRecordStateReader } from './cached-record-state.reader';
import { RecordCacheStore } from './record-cache-store.port';
import { StoreRecordCacheInvalidator } from './store-record-cache-invalidator';
import { connectCacheRedis } from './redis/cache-redis-client';
import { RedisRecordCacheStore } from './redis/redis-record-cache-store';

export interface RecordsCacheOptions {
  redisUrl: string;
  commandTimeoutMs: number;
  /** Shared by every writer and reader of one deployment. */
  keyPrefix: string;
  /** Idle lifetime of a record in Redis (ms). */
  redisTtlMs: number;
}

export interface RecordsReadCacheOptions extends RecordsCacheOptions {
  lruMaxEntries: number;
  lruTtlMs: number;
  afterShardRead?: (businessId: string, id: string) => Promise<void>;
}

export const CACHE_REDIS = Symbol('CacheRedis');
export const RECORD_CACHE_STORE = Symbol('RecordCacheStore');

@Injectable()
class CacheRedisLifecycle implements OnApplicationShutdown {
  constructor(@Inject(CACHE_REDIS) private readonly redis: Redis) {}
  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

function storeProviders(options: RecordsCacheOptions): Provider[] {
  return [
    { provide: CACHE_REDIS, useFactory: () => connectCacheRedis({ url: options.redisUrl, commandTimeoutMs: options.commandTimeoutMs }) },
    { provide: RECORD_CACHE_STORE, inject: [CACHE_REDIS], useFactory: (redis: Redis) => new RedisRecordCacheStore(redis, options.redisTtlMs) },
    CacheRedisLifecycle,
  ];
}

/** The records read cache on Redis: the write side (invalidator) and the read side (reader decorator). */
@Module({})
export class RecordsCacheModule {
  /** For apps that execute record commands: every acknowledged update/delete invalidates first. */
  static forWriters(options: RecordsCacheOptions): DynamicModule {
    return {
      module: RecordsCacheModule,
      global: true,
      providers: [
        ...storeProviders(options),
        {
          provide: RECORD_CACHE_INVALIDATOR,
          inject: [RECORD_CACHE_STORE],
          useFactory: (store: RecordCacheStore) => new StoreRecordCacheInvalidator(store, options.keyPrefix),
        },
      ],
      exports: [RECORD_CACHE_INVALIDATOR, RECORD_CACHE_STORE, CACHE_REDIS],
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
