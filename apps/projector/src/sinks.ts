import { createClickHouseGateway, ClickHouseProjectionSink } from '@shardline/projection-clickhouse';
import { createElasticsearchClient, ElasticsearchRecordsSink } from '@shardline/projection-elasticsearch';
import type { ProjectionSink } from '@shardline/projections';
import type { ProjectionName, ProjectorConfig } from './config';

export interface OwnedSink {
  sink: ProjectionSink;
  /** Closes the engine client the sink was built on. */
  close(): Promise<void>;
}

/**
 * The one place that knows which engine backs which projection name. A new read model is a new
 * case here (plus its name in PROJECTION_NAMES); the runner, ops routes and rebuild take any sink.
 */
export function createSink(name: ProjectionName, config: ProjectorConfig): OwnedSink {
  switch (name) {
    case 'elasticsearch': {
      const client = createElasticsearchClient(config.elasticsearch.client);
      const sink = new ElasticsearchRecordsSink({ client, indexBase: config.elasticsearch.indexBase, index: config.elasticsearch.index });
      return { sink, close: () => client.close() };
    }
    case 'clickhouse': {
      const ch = config.clickhouse!;
      const gateway = createClickHouseGateway(ch);
      return { sink: new ClickHouseProjectionSink(gateway, ch.database), close: () => gateway.close() };
    }
  }
}
