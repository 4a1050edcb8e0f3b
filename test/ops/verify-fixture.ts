import type { Client } from '@elastic/elasticsearch';
import type { StoredEvent } from '@shardline/event-store';
import { MysqlEventLogReader } from '@shardline/event-store/mysql';
import { ClickHouseProjectionSink, clickHouseConfigFromEnv } from '@shardline/projection-clickhouse';
import { createClickHouseTestDatabase, type ClickHouseTestDatabase } from '../../libs/projection-clickhouse/src/testing/clickhouse-test-database';
import { ElasticsearchRecordsSink } from '@shardline/projection-elasticsearch';
import { reprojectEvents, type EnvelopeKeys, type ProjectionSink } from '@shardline/projections';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { userKeysConfigFromEnv } from '@shardline/user-keys';
import { cachedMysqlUserKeys } from '@shardline/user-keys/mysql';
import { startApi, expectStatus, type ApiHarness } from '../support/api-harness';
import { businessOnShard } from '../support/business-on-shard';
import { createTestDatabases, type TestDatabases } from '../support/test-databases';
import { dropIndexBase, randomTag, testEsClient } from '../projections/projection-fixtures';
import type { VerifyCommandOptions } from '../../apps/ops-cli/src/verify/verify-options';

/**
 * A whole small system for `verify`: 2 real shards written through the real API (content sealed
 * at write time), and the two read models (a private Elasticsearch index base, a private ClickHouse
 * database) fed by re-projecting the stored events through the projector's sinks — the test plays
 * the projector, so it decides which events a read model misses.
 */
export class VerifyFixture {
  readonly tag = randomTag();
  readonly esBase = `${this.tag}-records`;
  dbs!: TestDatabases;
  api!: ApiHarness;
  databases!: ShardDatabases;
  es!: Client;
  ch!: ClickHouseTestDatabase;
  esSink!: ElasticsearchRecordsSink;
  chSink!: ClickHouseProjectionSink;
  keys!: EnvelopeKeys;

  async start(shards = 2): Promise<this> {
    this.dbs = await createTestDatabases(shards);
    this.api = await startApi(this.dbs.config, { SHARDLINE_SAGAS_ENABLED: 'false' });
    this.databases = new ShardDatabases(this.dbs.config);
    this.keys = cachedMysqlUserKeys(this.databases.control, userKeysConfigFromEnv({}));
    this.es = testEsClient();
    this.esSink = new ElasticsearchRecordsSink({ client: this.es, indexBase: this.esBase });
    await this.esSink.prepare();
    this.ch = await createClickHouseTestDatabase(clickHouseConfigFromEnv(process.env));
    this.chSink = new ClickHouseProjectionSink(this.ch.gateway, this.ch.config.database);
    await this.chSink.prepare();
    return this;
  }

  async stop(): Promise<void> {
    await this.api?.close();
    await this.databases?.destroy();
    await this.dbs?.drop();
    await this.ch?.drop();
    if (this.es) {
      await dropIndexBase(this.es, this.esBase);
      await this.es.close();
    }
  }

  /** What the CLI would read from its environment to reach this system. */
  env(): Record<string, string> {
    return {
      SHARDLINE_SHARDS: this.dbs.shardUrls(),
      SHARDLINE_CONTROL_URL: this.dbs.controlUrl(),
      SHARDLINE_ES_INDEX: this.esBase,
      SHARDLINE_CLICKHOUSE_DATABASE: this.ch.config.database,
      SHARDLINE_PROJECTOR_GROUP_PREFIX: `${this.tag}.`,
      SHARDLINE_EVENTS_TOPIC: `${this.tag}.records.events`,
      SHARDLINE_LOG_LEVEL: 'silent',
    };
  }

  options(overrides: Partial<VerifyCommandOptions> = {}): VerifyCommandOptions {
    return { models: ['records', 'elasticsearch', 'clickhouse-latest', 'clickhouse-events'], json: false, repair: false, settleMs: 300, fanout: 4, leafMax: 3, ...overrides };
  }

  async create(shard: number, content: Record<string, unknown> = { n: 1 }): Promise<{ id: string; businessId: string }> {
    const businessId = businessOnShard(shard, `${this.tag}-b`, this.dbs.config.shards.length);
    const res = await this.api.request('POST', '/api/v1/data/single', { business_id: businessId, user_id: '42', data_content: content });
    expectStatus(res, 201);
    return { id: res.body.id, businessId };
  }

  async update(rec: { id: string; businessId: string }, content: Record<string, unknown>): Promise<void> {
    expectStatus(await this.api.request('PATCH', `/api/v1/data/${rec.businessId}/${rec.id}`, { data_content: content }), 200);
  }

  async remove(rec: { id: string; businessId: string }): Promise<void> {
    const res = await this.api.request('DELETE', `/api/v1/data/${rec.businessId}/${rec.id}`);
    if (res.status !== 200 && res.status !== 204) expectStatus(res, 200);
  }

  /** Every stored event of every shard, in position order. */
  async allEvents(): Promise<StoredEvent[]> {
    const reader = new MysqlEventLogReader(this.databases);
    const out: StoredEvent[] = [];
    for (const shard of this.databases.shardIndexes()) {
      for (let after = '0'; ; ) {
        const page = await reader.readEventsAfter(shard, after, 1000);
        if (page.length === 0) break;
        out.push(...page);
        after = page[page.length - 1].position;
      }
    }
    return out;
  }

  /** Plays the projector: these events into a read model through its sink (rejections are returned, as the DLQ would get them). */
  async project(events: StoredEvent[], sink: ProjectionSink) {
    const result = await reprojectEvents(events, sink, { keys: this.keys, retry: { initialMs: 50, maxMs: 200 }, maxAttempts: 3 });
    if (sink === this.esSink) await this.es.indices.refresh({ index: this.esBase });
    return result;
  }
}
