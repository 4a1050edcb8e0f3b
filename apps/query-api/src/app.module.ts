import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ErrorEnvelopeFilter, httpLoggerModule, MetricsController } from '@shardline/http';
import { createMetricsRegistry, METRICS_REGISTRY } from '@shardline/observability';
import { RecordsModule } from '@shardline/records';
import { RecordsCacheModule } from '@shardline/records-cache';
import { RecordsReadHttpModule } from '@shardline/records-http';
import { QueryOpenApiController } from '@shardline/query-http';
import { RecordsMysqlModule } from '@shardline/records-mysql';
import { AuthMysqlModule } from '@shardline/auth/mysql';
import { QueryApiConfig } from './config';
import { QueryHealthController } from './health.http.controller';
import { ReadModelsModule } from './read-models.module';

/** Test seams that never come from the environment. */
export interface QueryApiHooks {
  /** Runs between a cache miss's shard read and its fill (forces the stale-fill race in tests). */
  afterShardRead?: (businessId: string, id: string) => Promise<void>;
}

/** One Prometheus registry for the process, visible to every module (the cache registers its counters on it). */
@Global()
@Module({ providers: [{ provide: METRICS_REGISTRY, useFactory: () => createMetricsRegistry('query-api') }], exports: [METRICS_REGISTRY] })
class MetricsModule {}

/** Composition root of the read side: cached id reads and pages on the shards, search (Elasticsearch), analytics (ClickHouse). */
@Module({})
export class QueryAppModule {
  static forRoot(config: QueryApiConfig, hooks: QueryApiHooks = {}): DynamicModule {
    return {
      module: QueryAppModule,
      imports: [
        MetricsModule,
        httpLoggerModule(config.log),
        ...(config.cache.enabled ? [RecordsCacheModule.forReaders({ ...config.cache, afterShardRead: hooks.afterShardRead })] : []),
        RecordsModule.queriesWithInfrastructure(RecordsMysqlModule.forQueries({ sharding: config.sharding })),
        RecordsReadHttpModule,
        ReadModelsModule.forRoot(config.readModels),
        AuthMysqlModule.forRoot(config.auth, { adminRoutes: false }),
      ],
      controllers: [QueryHealthController, MetricsController, QueryOpenApiController],
      providers: [{ provide: APP_FILTER, useClass: ErrorEnvelopeFilter }],
    };
  }
}
