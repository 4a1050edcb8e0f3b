import { DynamicModule, Global, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { createMetricsRegistry, METRICS_REGISTRY } from '@shardline/observability';
import { RecordsModule } from '@shardline/records';
import { RecordsCacheModule } from '@shardline/records-cache';
import { RecordsKafkaModule } from '@shardline/records-kafka';
import { RecordsMysqlModule } from '@shardline/records-mysql';
import { RecordsSagasModule } from '@shardline/records-sagas';
import { CommandIntakeConfig } from './config';

@Global()
@Module({ providers: [{ provide: METRICS_REGISTRY, useFactory: () => createMetricsRegistry('command-intake') }], exports: [METRICS_REGISTRY] })
class MetricsModule {}

/** Composition root: Kafka commands -> the same records command handlers (and cache invalidation) as REST. */
@Module({})
export class CommandIntakeModule {
  static forRoot(config: CommandIntakeConfig): DynamicModule {
    return {
      module: CommandIntakeModule,
      imports: [
        MetricsModule,
        LoggerModule.forRoot({ pinoHttp: { level: config.logLevel } }),
        config.cache.enabled ? RecordsCacheModule.forWriters(config.cache) : RecordsCacheModule.disabledForWriters(),
        RecordsModule.withInfrastructure(RecordsMysqlModule.forRoot(config.records)),
        RecordsKafkaModule,
        ...(config.sagas ? [RecordsSagasModule.forRoot(config.sagas)] : []),
      ],
    };
  }
}
