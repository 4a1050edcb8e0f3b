import { DynamicModule, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import type { Client } from '@elastic/elasticsearch';
import { ClickHouseAnalytics, ClickHouseConfig, ClickHouseGateway, createClickHouseGateway } from '@shardline/projection-clickhouse';
import { createElasticsearchClient, ElasticsearchRecordSearch, RECORD_SEARCH } from '@shardline/projection-elasticsearch';
import { AnalyticsHttpController, RECORD_ANALYTICS, SearchHttpController } from '@shardline/query-http';

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

/** Search (Elasticsearch read alias) and analytics (ClickHouse) routes, with their clients. */
@Module({})
export class ReadModelsModule {
  static forRoot(options: ReadModelsOptions): DynamicModule {
    return {
      module: ReadModelsModule,
      global: true,
      controllers: [SearchHttpController, AnalyticsHttpController],
      providers: [
        { provide: SEARCH_CLIENT, useFactory: () => createElasticsearchClient({ url: options.elasticsearch.url, requestTimeoutMs: options.elasticsearch.requestTimeoutMs, maxRetries: 1 }) },
        { provide: RECORD_SEARCH, inject: [SEARCH_CLIENT], useFactory: (client: Client) => new ElasticsearchRecordSearch(client, options.elasticsearch.index) },
        { provide: ANALYTICS_GATEWAY, useFactory: () => createClickHouseGateway(options.clickhouse) },
        { provide: RECORD_ANALYTICS, inject: [ANALYTICS_GATEWAY], useFactory: (gateway: ClickHouseGateway) => new ClickHouseAnalytics(gateway, options.clickhouse.database) },
        ReadModelClients,
      ],
      exports: [SEARCH_CLIENT, ANALYTICS_GATEWAY],
    };
  }
}
