// The whole pipeline against the real engines: REST and Kafka writes -> event store -> relay ->
// Kafka -> projector -> Elasticsearch and ClickHouse -> query API. The relay and the projector run
// as child processes so they can be killed with SIGKILL mid-stream and restarted.
import type { Kafka, Producer } from 'kafkajs';
import { commandIntakeConfigFromEnv } from '../../apps/command-intake/src/config';
import { createCommandIntake, type CommandIntake } from '../../apps/command-intake/src/create-command-intake';
import { rebuildProjectionCommand } from '../../apps/ops-cli/src/rebuild-projection.command';
import { ApiHarness, startApi } from '../support/api-harness';
import { ChildApp } from '../support/child-app';
import { freePort } from '../support/free-port';
import { startQueryApi } from '../support/query-api-harness';
import { createTestDatabases, TestDatabases } from '../support/test-databases';
import { waitFor } from '../support/wait-for';
import { ShardDatabases } from '@shardline/sharding/mysql';
import {
  clickhouse,
  ES_URL,
  createPipelineTopics,
  dropReadModels,
  elasticsearchDocuments,
  pipelineEnv,
  pipelineNames,
} from './pipeline-fixture';

jest.setTimeout(300_000);

describe('event pipeline end to end (MariaDB, Kafka, Elasticsearch, ClickHouse, Redis)', () => {
  const names = pipelineNames();
  let dbs: TestDatabases;
  let databases: ShardDatabases;
  let kafka: Kafka;
  let producer: Producer;
  let env: Record<string, string>;
  let api: ApiHarness;
  let query: ApiHarness;
  let intake: CommandIntake;
  let relay: ChildApp;
  let projector: ChildApp;
  let relayReady: string;
  let projectorReady: string;

  beforeAll(async () => {
    dbs = await createTestDatabases(4);
    databases = new ShardDatabases(dbs.config);
    kafka = await createPipelineTopics(names);
    producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    env = pipelineEnv(names, dbs);
    const [relayPort, projectorPort] = [await freePort(), await freePort()];
    relayReady = `http://127.0.0.1:${relayPort}/health/live`;
    projectorReady = `http://127.0.0.1:${projectorPort}/health/ready`;
    relay = ChildApp.fromSource('relay', 'apps/relay/src/main.ts', { ...env, SHARDLINE_RELAY_OPS_PORT: String(relayPort), SHARDLINE_RELAY_OPS_HOST: '127.0.0.1' }).start();
    projector = ChildApp.fromSource('projector', 'apps/projector/src/main.ts', {
      ...env,
      SHARDLINE_PROJECTOR_OPS_PORT: String(projectorPort),
      SHARDLINE_PROJECTOR_OPS_HOST: '127.0.0.1',
      SHARDLINE_PROJECTOR_RETRY_MAX_MS: '2000',
    }).start();
    api = await startApi(dbs.config, { ...env, SHARDLINE_WORKER_ID: '21' });
    query = await startQueryApi(dbs.config, env);
    const intakeConfig = commandIntakeConfigFromEnv({ SHARDLINE_AUTH: 'off', ...env, SHARDLINE_WORKER_ID: '22' });
    intake = await createCommandIntake({ ...intakeConfig, records: { ...intakeConfig.records, sharding: dbs.config } });
    await intake.listen();
    await relay.waitUntilReady(relayReady);
    await projector.waitUntilReady(projectorReady);
  });

  afterAll(async () => {
    await relay?.stop();
    await projector?.stop();
    await intake?.close();
    await query?.close();
    await api?.close();
    await producer?.disconnect();
    await databases?.destroy();
    await dbs?.drop();
    await dropReadModels(names);
  });


  /** The truth (every stream's last version, deleted or not, and the event count) from the event tables. */
  async function eventStoreTruth() {
    const expected = new Map<string, { version: number; deleted: boolean }>();
    let totalEvents = 0;
    for (const shard of databases.shardIndexes()) {
      const [rows] = await databases.shard(shard).raw(
        `SELECT e.stream_id, e.stream_version, e.event_type FROM events e
           JOIN (SELECT stream_id, MAX(stream_version) v FROM events GROUP BY stream_id) m ON m.stream_id = e.stream_id AND m.v = e.stream_version`,
      );
      for (const row of rows as { stream_id: string; stream_version: number; event_type: string }[]) {
        expected.set(row.stream_id.replace(/^record-/, ''), { version: Number(row.stream_version), deleted: row.event_type === 'RecordDeleted' });
      }
      const [[count]] = await databases.shard(shard).raw('SELECT COUNT(*) AS n FROM events');
      totalEvents += Number(count.n);
    }
    return { expected, totalEvents };
  }

  /** Elasticsearch and ClickHouse hold every event exactly once and every record at its last version. */
  async function expectReadModelsToMatchTheEventStore(minRecords: number) {
    const { expected, totalEvents } = await eventStoreTruth();
    expect(expected.size).toBeGreaterThanOrEqual(minRecords);
    await waitFor(
      'Elasticsearch to match the event store',
      async () => {
        const docs = await elasticsearchDocuments(names.esIndex);
        if (docs.size !== expected.size) return false;
        for (const [id, want] of expected) {
          const doc = docs.get(id);
          if (!doc || doc.version !== want.version || doc.deleted !== want.deleted) return false;
        }
        return true;
      },
      { timeoutMs: 120_000, intervalMs: 250 },
    );
    const db = names.chDatabase;
    await waitFor(
      'ClickHouse to match the event store',
      async () => {
        const [[events, distinct]] = await clickhouse(`SELECT count(), uniqExact(stream_id, stream_version) FROM ${db}.record_events FINAL`);
        if (Number(events) !== totalEvents || Number(distinct) !== totalEvents) return false;
        const latest = await clickhouse(`SELECT toString(record_id), version, deleted FROM ${db}.records_latest FINAL`);
        if (latest.length !== expected.size) return false;
        return latest.every(([id, version, deleted]) => {
          const want = expected.get(id);
          return want !== undefined && want.version === Number(version) && want.deleted === (deleted === '1');
        });
      },
      { timeoutMs: 120_000, intervalMs: 250 },
    );
  }

  /** At a timeout: how far the records of a business got along the pipeline, stage by stage. */
  async function whereTheRecordsAre(business: string): Promise<string> {
    const stages: string[] = [];
    let records = 0;
    let outbox = 0;
    for (const shard of databases.shardIndexes()) {
      const [[r]] = await databases.shard(shard).raw('SELECT COUNT(*) AS n FROM records WHERE business_id = ?', [business]);
      const [[o]] = await databases.shard(shard).raw('SELECT COUNT(*) AS n FROM outbox');
      records += Number(r.n);
      outbox += Number(o.n);
    }
    stages.push(`event store: ${records} records of ${business}, ${outbox} outbox rows unpublished`);
    const docs = await elasticsearchDocuments(names.esIndex).then((d) => `${d.size} documents`, (e) => `unreadable (${String(e)})`);
    stages.push(`Elasticsearch ${names.esIndex}: ${docs}`);
    stages.push(`search answered ${JSON.stringify(await search('zebraphone', business).catch((e) => String(e)))}`);
    for (const [name, url] of [['relay', relayReady], ['projector', projectorReady]]) {
      const health = await fetch(url).then(async (r) => `${r.status} ${await r.text()}`, (e) => String(e));
      stages.push(`${name} ${health}`);
    }
    return `both records in search; ${stages.join('; ')}`;
  }

  const biz = (n: number) => `e2e-${names.tag}-${n}`;
  const search = async (keyword: string, business_id: string) =>
    (await query.request('POST', '/api/v1/data/search', { keyword, business_id, page_size: 10, sort: 'created_time_desc' })).body;

  it('shows a record written through REST and one written through Kafka in search and analytics', async () => {
    const rest = await api.request('POST', '/api/v1/data/single', { business_id: biz(1), user_id: 7, data_content: { note: 'zebraphone via rest' } });
    expect(rest).toHaveStatus(201);
    await producer.send({
      topic: names.commands,
      messages: [{ key: biz(1), value: JSON.stringify({ command_id: `cmd-${names.tag}-1`, type: 'create', business_id: biz(1), user_id: 8, data_content: { note: 'zebraphone via kafka' } }) }],
    });

    const hits = await waitFor(() => whereTheRecordsAre(biz(1)), async () => {
      const body = await search('zebraphone', biz(1));
      return body?.data?.length === 2 ? body.data : undefined;
    }, { timeoutMs: 90_000, intervalMs: 250 });
    expect(hits.map((h: { user_id: string }) => h.user_id).sort()).toEqual(['7', '8']);
    expect(hits.map((h: { id: string }) => h.id)).toContain(rest.body.id);

    const day = new Date().toISOString().slice(0, 10);
    const perDay = await waitFor('analytics row', async () => {
      const r = await query.request('GET', `/api/v1/analytics/records-per-day?from=${day}&to=${day}&business_id=${biz(1)}`);
      return r.status === 200 && r.body.rows?.[0]?.records_created === 2 ? r.body.rows[0] : undefined;
    }, { timeoutMs: 90_000, intervalMs: 250 });
    expect(perDay).toMatchObject({ business_id: biz(1), records_created: 2 });
  });

  it('carries the content sealed on Kafka (no plaintext in records.events) while search and analytics hold it in clear', async () => {
    const marker = `narwhalbell${names.tag}`;
    const created = await api.request('POST', '/api/v1/data/single', { business_id: biz(1), user_id: 11, data_content: { note: `${marker} sealed in transit` } });
    expect(created).toHaveStatus(201);
    await waitFor('the record in search', async () => (await search(marker, biz(1)))?.data?.length === 1, { timeoutMs: 90_000, intervalMs: 250 });
    const [[data]] = await waitFor('the record in ClickHouse', async () => {
      const rows = await clickhouse(`SELECT data FROM ${names.chDatabase}.records_latest FINAL WHERE record_id = ${created.body.id}`);
      return rows.length === 1 ? rows : undefined;
    }, { timeoutMs: 90_000, intervalMs: 250 });
    expect(JSON.parse(data)).toEqual({ note: `${marker} sealed in transit` });

    const consumer = kafka.consumer({ groupId: `t${names.tag}-raw-reader` });
    const values: Buffer[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: names.events, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void values.push(message.value ?? Buffer.alloc(0)) });
    try {
      await waitFor('the record on the topic', () => values.some((v) => v.includes(created.body.id)), { timeoutMs: 30_000, intervalMs: 200 });
    } finally {
      await consumer.disconnect();
    }
    expect(values.some((v) => v.includes(marker) || v.includes('zebraphone'))).toBe(false);
    expect(values.map((v) => JSON.parse(v.toString()).envelope_version)).toEqual(values.map(() => 2));
  });

  it('after kill -9 of the relay and the projector mid-stream, every acknowledged event is in Elasticsearch and ClickHouse exactly once', async () => {
    const created: { id: string; business_id: string }[] = [];
    let writing = true;
    let round = 0;
    // Writes keep going (creates, then updates and deletes of earlier records) while the crashes happen.
    const writer = (async () => {
      while (writing) {
        round++;
        const batch = await api.request('POST', '/api/v1/data/batch', {
          data: Array.from({ length: 40 }, (_, i) => ({ business_id: biz(2 + (i % 6)), user_id: 100 + i, data_content: { round, i } })),
        });
        expect(batch).toHaveStatus(201);
        created.push(...batch.body.results.map((r: { id: string; business_id: string }) => ({ id: r.id, business_id: r.business_id })));
        for (const target of created.slice(-40, -35)) {
          const patched = await api.request('PATCH', `/api/v1/data/${target.business_id}/${target.id}`, { data_content: { touched: round } });
          expect(patched).toHaveStatus(200);
        }
        const doomed = created[created.length - 20];
        if (doomed) expect(await api.request('DELETE', `/api/v1/data/${doomed.business_id}/${doomed.id}`)).toHaveStatus(200);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();

    await waitFor('some records written', async () => created.length >= 200, { timeoutMs: 90_000, intervalMs: 250 });
    await relay.kill9();
    await waitFor('writes while the relay is dead', async () => created.length >= 400, { timeoutMs: 90_000, intervalMs: 250 });
    await projector.kill9();
    relay.start();
    await waitFor('writes while the projector is dead', async () => created.length >= 600, { timeoutMs: 90_000, intervalMs: 250 });
    projector.start();
    await relay.waitUntilReady(relayReady);
    await projector.waitUntilReady(projectorReady);
    await waitFor('writes after the restarts', async () => created.length >= 800, { timeoutMs: 90_000, intervalMs: 250 });
    writing = false;
    await writer;

    await expectReadModelsToMatchTheEventStore(800);
  });

  it('sends a poison event to the dead-letter topic and keeps projecting', async () => {
    await producer.send({ topic: names.events, messages: [{ key: biz(9), value: '{"envelope_version": 99, "garbage": true}' }] });
    const after = await api.request('POST', '/api/v1/data/single', { business_id: biz(9), user_id: 9, data_content: { note: 'quokkastone after poison' } });
    expect(after).toHaveStatus(201);

    const consumer = kafka.consumer({ groupId: `t${names.tag}-dlq-reader` });
    await consumer.connect();
    await consumer.subscribe({ topic: names.deadLetter, fromBeginning: true });
    const letters: { value: string; headers: Record<string, string> }[] = [];
    await consumer.run({
      eachMessage: async ({ message }) => {
        letters.push({
          value: message.value?.toString() ?? '',
          headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])),
        });
      },
    });
    try {
      const letter = await waitFor('the poison event in the DLQ', async () => letters.find((l) => l.value.includes('"garbage"')), { timeoutMs: 90_000, intervalMs: 250 });
      expect(letter.headers['x-shardline-error']).toMatch(/envelope/i);
      await waitFor('the next event projected', async () => (await search('quokkastone', biz(9)))?.data?.length === 1, { timeoutMs: 90_000, intervalMs: 250 });
    } finally {
      await consumer.disconnect();
    }
  });

  it('rebuilds both read models from the event store while writes go on, and the swapped-in models match it exactly', async () => {
    let writing = true;
    const writer = (async () => {
      for (let round = 0; writing; round++) {
        const batch = await api.request('POST', '/api/v1/data/batch', {
          data: Array.from({ length: 20 }, (_, i) => ({ business_id: biz(20 + (i % 3)), user_id: 500 + i, data_content: { rebuild: round } })),
        });
        expect(batch).toHaveStatus(201);
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    try {
      const rebuildEnv = { ...process.env, ...env };
      const es = await rebuildProjectionCommand('elasticsearch', rebuildEnv);
      const ch = await rebuildProjectionCommand('clickhouse', rebuildEnv);
      expect(es.rebuildId).toMatch(/^r\d+$/);
      expect(ch.rebuildId).toMatch(/^r\d+$/);
    } finally {
      writing = false;
      await writer;
    }
    // Reads now go to the rebuilt generation / tables...
    const aliases = (await (await fetch(`${ES_URL}/_alias/${names.esIndex}`)).json()) as Record<string, unknown>;
    expect(Object.keys(aliases).length).toBeGreaterThan(0);
    expect(Object.keys(aliases).every((index) => /-r\d+-\d{4}\.\d{2}$/.test(index))).toBe(true);
    const retired = await clickhouse(`SELECT name FROM system.tables WHERE database = '${names.chDatabase}' AND name LIKE '%__before_%'`);
    expect(retired.length).toBeGreaterThan(0);
    // ...and they hold exactly what the event store holds, including the writes made during the rebuild.
    await expectReadModelsToMatchTheEventStore(800);
  });
});
