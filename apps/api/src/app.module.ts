import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ErrorEnvelopeFilter, httpLoggerModule, MetricsController } from '@shardline/http';
import { createMetricsRegistry, METRICS_REGISTRY } from '@shardline/observability';
import { RecordsModule } from '@shardline/records';
import { RecordsHttpModule } from '@shardline/records-http';
import { RecordsMysqlModule } from '@shardline/records-mysql';
import { RecordsCacheModule } from '@shardline/records-cache';
import { RecordsSagasModule } from '@shardline/records-sagas';
import { SAGA_ORCHESTRATOR, type SagaOrchestrator } from '@shardline/sagas';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { SlotMoveOperator } from '@shardline/slot-moves';
import { MysqlSlotMoveStore } from '@shardline/slot-moves/mysql';
import { SlotMovesHttpModule } from '@shardline/slot-moves-http';
import { AuthMysqlModule } from '@shardline/auth/mysql';
import { ApiConfig } from './config';
import { HealthController } from './health.controller';
import { ApiOpenApiController } from './openapi.http.controller';

/** One Prometheus registry for the process (the cache fence registers its metrics on it), served at /metrics. */
@Global()
@Module({ providers: [{ provide: METRICS_REGISTRY, useFactory: () => createMetricsRegistry('api') }], exports: [METRICS_REGISTRY] })
class MetricsModule {}

/** Composition root: records use cases on sharded MySQL, served over REST. */
@Module({})
export class AppModule {
  static forRoot(config: ApiConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        MetricsModule,
        httpLoggerModule(config.log),
        config.cache.enabled ? RecordsCacheModule.forWriters(config.cache) : RecordsCacheModule.disabledForWriters(),
        RecordsModule.withInfrastructure(RecordsMysqlModule.forRoot(config.records)),
        RecordsHttpModule,
        AuthMysqlModule.forRoot(config.auth, { adminRoutes: true }),
        ...(config.sagas
          ? [
              RecordsSagasModule.forRoot(config.sagas),
              SlotMovesHttpModule.forRoot({
                inject: [ShardDatabases, SAGA_ORCHESTRATOR],
                useFactory: (databases: ShardDatabases, sagas: SagaOrchestrator) => new SlotMoveOperator(new MysqlSlotMoveStore(databases.control), sagas),
              }),
            ]
          : []),
      ],
      controllers: [HealthController, MetricsController, ApiOpenApiController],
      providers: [{ provide: APP_FILTER, useClass: ErrorEnvelopeFilter }],
    };
  }
}
