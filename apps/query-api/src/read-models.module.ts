import { DynamicModule, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import type { Client } from '@elastic/elasticsearch';
import { ClickHouseAnalytics, ClickHouseConfig, ClickHouseGateway, createClickHouseGateway } from '@shardline/projection-clickhouse';
import { createElasticsearchClient, ElasticsearchRecordSearch } from '@shardline/projection-elasticsearch';
import { AnalyticsHttpController, SearchHttpController } from '@shardline/query-http';
import { RECORD_ANALYTICS, RECORD_SEARCH, type RecordAnalytics, type RecordSearch } from '@shardline/read-models';

export const SEARCH_CLIENT = Symbol('SearchClient');
export const ANALYTICS_GATEWAY = Symbol('AnalyticsGateway');

export interface ReadModelsOptions {
  elasticsearch: { url: string; index: string; requestTimeoutMs: number };
  clickhouse: ClickHouseConfig;
}

@Injectable()
class ReadModelClients implements OnApplicationShutdown {
  constructor(
    @Inject(SEARCH_CLIENT) private readonly search: Client,
    @Inject(ANALYTICS_GATEWAY) private readonly analytics: ClickHouseGateway,
  ) {}
  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([this.search.close(), this.analytics.close()]);
  }
}

/**
 * Search and analytics routes with the engines behind their ports: the one place that knows the
 * search port is answered by Elasticsearch (its read alias) and the analytics port by ClickHouse.
 */
@Module({})
export class ReadModelsModule {
  static forRoot(options: ReadModelsOptions): DynamicModule {
    return {
      module: ReadModelsModule,
      global: true,
      controllers: [SearchHttpController, AnalyticsHttpController],
      providers: [
        { provide: SEARCH_CLIENT, useFactory: () => createElasticsearchClient({ url: options.elasticsearch.url, requestTimeoutMs: options.elasticsearch.requestTimeoutMs, maxRetries: 1 }) },
        { provide: RECORD_SEARCH, inject: [SEARCH_CLIENT], useFactory: (client: Client): RecordSearch => new ElasticsearchRecordSearch(client, options.elasticsearch.index) },
        { provide: ANALYTICS_GATEWAY, useFactory: () => createClickHouseGateway(options.clickhouse) },
        { provide: RECORD_ANALYTICS, inject: [ANALYTICS_GATEWAY], useFactory: (gateway: ClickHouseGateway): RecordAnalytics => new ClickHouseAnalytics(gateway, options.clickhouse.database) },
        ReadModelClients,
      ],
      exports: [SEARCH_CLIENT, ANALYTICS_GATEWAY],
    };
  }
}
