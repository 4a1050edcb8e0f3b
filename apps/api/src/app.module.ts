import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ErrorEnvelopeFilter, httpLoggerModule } from '@shardline/http';
import { RecordsModule } from '@shardline/records';
import { RecordsHttpModule } from '@shardline/records-http';
import { RecordsMysqlModule } from '@shardline/records-mysql';
import { RecordsCacheModule } from '@shardline/records-cache';
import { RecordsSagasModule } from '@shardline/records-sagas';
import { ApiConfig } from './config';
import { HealthController } from './health.controller';

/** Composition root: records use cases on sharded MySQL, served over REST. */
@Module({})
export class AppModule {
  static forRoot(config: ApiConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        httpLoggerModule(config.log),
        config.cache.enabled ? RecordsCacheModule.forWriters(config.cache) : RecordsCacheModule.disabledForWriters(),
        RecordsModule.withInfrastructure(RecordsMysqlModule.forRoot(config.records)),
        RecordsHttpModule,
        ...(config.sagas ? [RecordsSagasModule.forRoot(config.sagas)] : []),
      ],
      controllers: [HealthController],
      providers: [{ provide: APP_FILTER, useClass: ErrorEnvelopeFilter }],
    };
  }
}
