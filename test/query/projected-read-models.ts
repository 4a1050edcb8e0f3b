import type { Client } from '@elastic/elasticsearch';
import type { RecordEventEnvelope } from '@shardline/integration-events';
import { ElasticsearchRecordsSink } from '@shardline/projection-elasticsearch';
import { ClickHouseProjectionSink, clickHouseConfigFromEnv } from '@shardline/projection-clickhouse';
import { type ClickHouseTestDatabase, createClickHouseTestDatabase } from '../../libs/projection-clickhouse/src/testing/clickhouse-test-database';
import { dropIndexBase, testEsClient } from '../projections/projection-fixtures';

/** A private Elasticsearch index base and ClickHouse database holding `events`, projected, for a query-api to read. */
export class ProjectedReadModels {
  private constructor(
    readonly es: Client,
    readonly ch: ClickHouseTestDatabase,
    readonly indexBase: string,
  ) {}

  static async create(indexBase: string, events: RecordEventEnvelope[]): Promise<ProjectedReadModels> {
    const es = testEsClient();
    const sink = new ElasticsearchRecordsSink({ client: es, indexBase });
    await sink.prepare();
    expect(await sink.apply(events)).toEqual([]);
    await es.indices.refresh({ index: indexBase });
    const ch = await createClickHouseTestDatabase(clickHouseConfigFromEnv(process.env));
    const chSink = new ClickHouseProjectionSink(ch.gateway, ch.config.database);
    await chSink.prepare();
    expect(await chSink.apply(events)).toEqual([]);
    return new ProjectedReadModels(es, ch, indexBase);
  }

  /** The query-api settings that point at them. */
  get env(): Record<string, string> {
    return { SHARDLINE_ES_INDEX: this.indexBase, SHARDLINE_CLICKHOUSE_DATABASE: this.ch.config.database };
  }

  async drop(): Promise<void> {
    await this.ch.drop();
    await dropIndexBase(this.es, this.indexBase);
    await this.es.close();
  }
}
