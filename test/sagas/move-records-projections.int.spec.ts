import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { projectorConfigFromEnv } from '../../apps/projector/src/config';
import { startProjectorApp, type ProjectorApp } from '../../apps/projector/src/create-projector-app';
import { relayConfigFromEnv } from '../../apps/relay/src/config';
import { startRelayApp, type RelayApp } from '../../apps/relay/src/create-relay-app';
import { sagaWorkerConfigFromEnv } from '../../apps/saga-worker/src/config';
import { startSagaWorkerApp, type SagaWorkerApp } from '../../apps/saga-worker/src/create-saga-worker-app';
import { clickhouse, createPipelineTopics, dropReadModels, ES_URL, pipelineEnv, pipelineNames } from '../pipeline/pipeline-fixture';
import { ApiHarness, expectStatus, startApi } from '../support/api-harness';
import { businessOnShard } from '../support/business-on-shard';
import { createTestDatabases, TestDatabases } from '../support/test-databases';
import { waitFor } from '../support/wait-for';

jest.setTimeout(180_000);

/**
 * A move through the whole pipeline: api → move-records saga → outbox → relay → Kafka → projector →
 * Elasticsearch and ClickHouse. The read models must show the moved records under the new business
 * exactly once, and none of them under the old one.
 */
describe('a move as the read models see it (relay, Kafka, projector, Elasticsearch, ClickHouse)', () => {
  const names = pipelineNames();
  let dbs: TestDatabases;
  let kafka: Kafka;
  let api: ApiHarness;
  let worker: SagaWorkerApp;
  let relay: RelayApp;
  let projector: ProjectorApp;

  beforeAll(async () => {
    dbs = await createTestDatabases(4);
    kafka = await createPipelineTopics(names);
    const env = { ...pipelineEnv(names, dbs), SHARDLINE_SAGA_QUEUE_PREFIX: `t${randomBytes(4).toString('hex')}`, SHARDLINE_SAGA_RETRY_BACKOFF_MS: '20' };
    api = await startApi(dbs.config, env);
    worker = await startSagaWorkerApp(sagaWorkerConfigFromEnv({ ...env, SHARDLINE_LOG_LEVEL: 'silent', SHARDLINE_SAGA_OPS_PORT: '0' }));
    relay = await startRelayApp(relayConfigFromEnv({ ...env, SHARDLINE_LOG_LEVEL: 'silent', SHARDLINE_RELAY_OPS_PORT: '0', SHARDLINE_RELAY_OPS_HOST: '127.0.0.1' }), { kafka });
    projector = await startProjectorApp(projectorConfigFromEnv({ ...env, SHARDLINE_LOG_LEVEL: 'silent', SHARDLINE_PROJECTOR_OPS_PORT: '0', SHARDLINE_PROJECTOR_OPS_HOST: '127.0.0.1' }), { kafka });
    await Promise.all([worker.started, relay.started, projector.started]);
  });

  afterAll(async () => {
    await projector?.stop();
    await relay?.stop();
    await worker?.stop();
    await api?.close();
    await dbs?.drop();
    await dropReadModels(names);
  });

  /** Live (not tombstoned) documents of a business in the search read model. */
  async function searchable(businessId: string): Promise<Map<string, number>> {
    await fetch(`${ES_URL}/${names.esIndex}/_refresh`, { method: 'POST' });
    const response = await fetch(`${ES_URL}/${names.esIndex}/_search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ size: 100, version: true, query: { bool: { filter: [{ term: { business_id: businessId } }, { term: { deleted: false } }] } } }),
    });
    if (!response.ok) return new Map();
    const body = (await response.json()) as { hits: { hits: Array<{ _id: string; _version: number }> } };
    return new Map(body.hits.hits.map((h) => [h._id, h._version]));
  }

  const liveInClickHouse = async (businessId: string) =>
    (await clickhouse(`SELECT toString(record_id) FROM ${names.chDatabase}.records_latest FINAL WHERE business_id = '${businessId}' AND deleted = 0 ORDER BY record_id`)).map(([id]) => id);

  it('shows the moved records under the new business exactly once, and none under the old one', async () => {
    const from = businessOnShard(1, `rmf${names.tag}`);
    const to = businessOnShard(3, `rmt${names.tag}`);
    const created = await api.request('POST', '/api/v1/data/batch', { data: Array.from({ length: 12 }, (_, i) => ({ business_id: from, user_id: 5, data_content: { i, word: 'quokka' } })) });
    expectStatus(created, 201);
    const sources: string[] = created.body.results.map((r: { id: string }) => r.id);
    expectStatus(await api.request('PATCH', `/api/v1/data/${from}/${sources[0]}`, { data_content: { patched: true } }), 200);
    await waitFor('the sources in both read models', async () => (await searchable(from)).size === 12 && (await liveInClickHouse(from).catch(() => [])).length === 12, { timeoutMs: 90_000, intervalMs: 250 });

    const moved = await api.request('POST', '/api/v1/data/moves', { from_business_id: from, to_business_id: to });
    expectStatus(moved, 201);
    const copies: string[] = moved.body.moved.map((p: { to_id: string }) => p.to_id).sort();

    const search = await waitFor('Elasticsearch: the copies under the new business, nothing left under the old', async () => {
      const [now, before] = [await searchable(to), await searchable(from)];
      return now.size === 12 && before.size === 0 && now;
    }, { timeoutMs: 90_000, intervalMs: 250 });
    expect([...search.keys()].sort()).toEqual(copies);
    expect([...search.values()].every((version) => version === 1)).toBe(true);

    await waitFor('ClickHouse: the copies under the new business, nothing left under the old', async () => {
      const [now, before] = [await liveInClickHouse(to), await liveInClickHouse(from)];
      return now.length === 12 && before.length === 0;
    }, { timeoutMs: 90_000, intervalMs: 250 });
    expect((await liveInClickHouse(to)).sort()).toEqual(copies);
    const [[movedIn, movedOut, events]] = await clickhouse(
      `SELECT countIf(event_type = 'RecordMovedIn'), countIf(event_type = 'RecordMovedOut'), count() FROM ${names.chDatabase}.record_events FINAL WHERE business_id IN ('${from}', '${to}')`,
    );
    // 12 created + 1 update + 12 moved out + 12 moved in, each exactly once.
    expect([Number(movedIn), Number(movedOut), Number(events)]).toEqual([12, 12, 37]);
    const [[created_, deleted_]] = await clickhouse(
      `SELECT sum(records_created), sum(records_deleted) FROM ${names.chDatabase}.daily_business_stats WHERE business_id = '${to}'`,
    );
    expect([Number(created_), Number(deleted_)]).toEqual([12, 0]);
  });
});
