import { randomBytes } from 'node:crypto';
import type { Client } from '@elastic/elasticsearch';
import type { OpsHttpServer } from '@shardline/observability';
import { commandIntakeConfigFromEnv } from '../../apps/command-intake/src/config';
import { startCommandIntakeOps } from '../../apps/command-intake/src/command-intake-ops';
import { createCommandIntake, type CommandIntake } from '../../apps/command-intake/src/create-command-intake';
import { projectorConfigFromEnv } from '../../apps/projector/src/config';
import { startProjectorApp, type ProjectorApp } from '../../apps/projector/src/create-projector-app';
import { startRelayApp, type RelayApp } from '../../apps/relay/src/create-relay-app';
import { sagaWorkerConfigFromEnv } from '../../apps/saga-worker/src/config';
import { startSagaWorkerApp, type SagaWorkerApp } from '../../apps/saga-worker/src/create-saga-worker-app';
import { ApiHarness, expectStatus, startApi } from '../support/api-harness';
import { exposedSampleNames, usedMetricNames } from '../support/metric-names';
import { startQueryApi } from '../support/query-api-harness';
import { createTestDatabases, TestDatabases } from '../support/test-databases';
import { createTestKafka, dropIndexBase, projectorTestEnv, testEsClient, type TestKafka } from '../projections/projection-fixtures';
import { testRelayConfig, testTopic } from '../relay/relay-test-kit';
import { fastSagaEnv } from '../sagas/support/fast-saga-env';
import { waitFor } from '../support/wait-for';

/**
 * Every app of the system, started as production starts it (in-process, private databases, topics
 * and queue), scraped on its own /metrics: each metric name an alert rule (ops/prometheus/alerts.yml)
 * or a dashboard panel (ops/grafana/shardline.json) reads must be exported by at least one app, so
 * rules and dashboard cannot drift from the code. Also checks the new metrics carry real values.
 */
describe('metrics catalogue: what alerts and dashboard read, the apps export', () => {
  const tag = `m${randomBytes(4).toString('hex')}`;
  const sagaEnv = fastSagaEnv();
  let dbs: TestDatabases;
  let kafka: TestKafka;
  let es: Client;
  let api: ApiHarness;
  let query: ApiHarness;
  let relay: RelayApp;
  let projector: ProjectorApp;
  let worker: SagaWorkerApp;
  let intake: CommandIntake;
  let intakeOps: OpsHttpServer;
  const scraped = new Map<string, string>();

  const scrape = async (url: string) => {
    const res = await fetch(url);
    const text = await res.text();
    expect({ url, status: res.status, text: res.status === 200 ? '' : text }).toEqual({ url, status: 200, text: '' });
    return text;
  };
  const scrapeAll = async () => {
    const ops = (port: number) => `http://127.0.0.1:${port}/metrics`;
    const urls: Record<string, string> = {
      api: `${api.url.replace('[::1]', '127.0.0.1')}/metrics`,
      'query-api': `${query.url.replace('[::1]', '127.0.0.1')}/metrics`,
      relay: ops(relay.opsPort),
      projector: ops(projector.opsPort),
      'saga-worker': ops(worker.opsPort),
      'command-intake': ops(intakeOps.port),
    };
    for (const [app, url] of Object.entries(urls)) scraped.set(app, await scrape(url));
  };

  beforeAll(async () => {
    dbs = await createTestDatabases(4);
    kafka = await createTestKafka(tag, 2);
    es = testEsClient();
    const cacheEnv = { SHARDLINE_CACHE_KEY_PREFIX: `${tag}:record:` };
    api = await startApi(dbs.config, { ...sagaEnv, ...cacheEnv });
    query = await startQueryApi(dbs.config, cacheEnv);
    relay = await startRelayApp(testRelayConfig(dbs.config, testTopic(tag)));
    projector = await startProjectorApp(projectorConfigFromEnv(projectorTestEnv(tag, kafka.topics, { SHARDLINE_PROJECTIONS: 'elasticsearch' })));
    worker = await startSagaWorkerApp(
      sagaWorkerConfigFromEnv({ ...sagaEnv, ...cacheEnv, SHARDLINE_LOG_LEVEL: 'silent', SHARDLINE_SAGA_OPS_PORT: '0', SHARDLINE_SHARDS: dbs.shardUrls(), SHARDLINE_CONTROL_URL: dbs.controlUrl() }),
    );
    const intakeConfig = commandIntakeConfigFromEnv({
      ...sagaEnv,
      ...cacheEnv,
      SHARDLINE_COMMANDS_TOPIC: `${tag}.records.commands`,
      SHARDLINE_COMMAND_RESULTS_TOPIC: `${tag}.records.command-results`,
      SHARDLINE_COMMAND_INTAKE_GROUP_ID: `${tag}-intake`,
      SHARDLINE_COMMAND_INTAKE_OPS_PORT: '0',
      SHARDLINE_OPS_HOST: '127.0.0.1',
      SHARDLINE_WORKER_ID: '12',
      SHARDLINE_LOG_LEVEL: 'error',
    });
    intake = await createCommandIntake({ ...intakeConfig, records: { ...intakeConfig.records, sharding: dbs.config } });
    intakeOps = await startCommandIntakeOps(intake, intakeConfig);
    await Promise.all([relay.started, projector.started, worker.started]);
  });
  afterAll(async () => {
    await intakeOps?.close();
    await intake?.close();
    await worker?.stop();
    await projector?.stop();
    await relay?.stop();
    await query?.close();
    await api?.close();
    await kafka?.drop();
    if (es) {
      await dropIndexBase(es, `${tag}-records`);
      await es.close();
    }
    await dbs?.drop();
  });

  it('counts requests by route template and status, group commits, pools and shards on the apps that have them', async () => {
    const created = await api.request('POST', '/api/v1/data/single', { business_id: `${tag}-biz`, user_id: 7, data_content: { n: 1 } });
    expectStatus(created, 201);
    expectStatus(await query.request('GET', `/api/v1/data/${tag}-biz/${created.body.id}`), 200);
    expectStatus(await query.request('GET', `/api/v1/data/${tag}-biz/${created.body.id}`), 200);
    expectStatus(await query.request('GET', `/api/v1/data/${tag}-biz/999`), 404);
    expect((await fetch(`${query.url.replace('[::1]', '127.0.0.1')}/no/such/${tag}`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${relay.opsPort}/health/live`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${relay.opsPort}/no/such/${tag}`)).status).toBe(404);
    await scrapeAll();
    const apiText = scraped.get('api')!;
    const queryText = scraped.get('query-api')!;
    expect(apiText).toMatch(/shardline_http_requests_total\{method="POST",route="\/api\/v1\/data\/single",status="201",app="api"\} 1/);
    expect(apiText).toMatch(/shardline_http_request_duration_seconds_count\{app="api",method="POST",route="\/api\/v1\/data\/single",status="201"\} 1/);
    // Template, not path: the ids do not appear in any label; an unknown path is one "unmatched" series.
    expect(queryText).toMatch(/shardline_http_requests_total\{method="GET",route="\/api\/v1\/data\/:business_id\/:id",status="200",app="query-api"\} 2/);
    expect(queryText).toMatch(/shardline_http_requests_total\{method="GET",route="\/api\/v1\/data\/:business_id\/:id",status="404",app="query-api"\} 1/);
    expect(queryText).toMatch(/shardline_http_requests_total\{method="GET",route="unmatched",status="404",app="query-api"\} 1/);
    expect(queryText).not.toContain(`${tag}-biz`);
    // The hit ratio's inputs: the first read and the 404 went to the shard, the second read was a hit.
    expect(queryText).toMatch(/shardline_record_cache_lookups_total\{result="shard",app="query-api"\} 2/);
    expect(queryText).toMatch(/shardline_record_cache_lookups_total\{result="(lru|redis)",app="query-api"\} 1/);
    // One append on one shard: one group of size 1.
    expect(apiText).toMatch(/shardline_group_commit_size_count\{app="api",shard="\d"\} 1/);
    for (const [app, text] of scraped) {
      if (app === 'projector') continue; // talks to no shard
      expect({ app, up: text.match(/shardline_shard_up\{shard="\d",app="[^"]+"\} 1/g)?.length }).toEqual({ app, up: 4 });
      expect({ app, max: /shardline_shard_pool_max\{pool="reader",shard="0",app="[^"]+"\} [1-9]/.test(text) }).toEqual({ app, max: true });
    }
    expect(apiText).toMatch(/shardline_shard_pool_connections_idle\{pool="writer",shard="\d",app="api"\} [1-9]/);
    // The ops ports count their requests too, by route; unknown paths are one series.
    expect(scraped.get('relay')!).toMatch(/shardline_http_requests_total\{method="GET",route="\/health\/live",status="200",app="relay"\} 1/);
    expect(scraped.get('relay')!).toMatch(/shardline_http_requests_total\{method="GET",route="unmatched",status="404",app="relay"\} 1/);
    expect(scraped.get('relay')!).not.toContain(`/no/such/${tag}`);
  });

  it('exports every metric name used by an alert rule or a dashboard panel', async () => {
    await waitFor('relay leadership', async () => /shardline_relay_leader\{shard="3",app="relay"\} 1/.test(await scrape(`http://127.0.0.1:${relay.opsPort}/metrics`)), { timeoutMs: 20_000, intervalMs: 200 });
    await scrapeAll();
    const exported = new Map<string, string[]>();
    for (const [app, text] of scraped) for (const name of exposedSampleNames(text)) exported.set(name, [...(exported.get(name) ?? []), app]);
    const used = usedMetricNames();
    expect(used.size).toBeGreaterThan(30);
    const missing = [...used].filter(([name]) => !exported.has(name)).map(([name, where]) => `${name} (used by ${where.join(', ')})`);
    expect(missing).toEqual([]);
  });
});
