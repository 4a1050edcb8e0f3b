import { randomBytes } from 'node:crypto';
import type { Client } from '@elastic/elasticsearch';
import { envelopeOf, openEnvelope } from '@shardline/integration-events';
import { MysqlEventLogReader } from '@shardline/event-store/mysql';
import { clickHouseConfigFromEnv, ClickHouseProjectionSink, liveTables, sqlUInt64 } from '@shardline/projection-clickhouse';
import { createClickHouseTestDatabase, type ClickHouseTestDatabase } from '../../libs/projection-clickhouse/src/testing/clickhouse-test-database';
import { ElasticsearchRecordsSink } from '@shardline/projection-elasticsearch';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { userKeysConfigFromEnv } from '@shardline/user-keys';
import { cachedMysqlUserKeys } from '@shardline/user-keys/mysql';
import { sagaWorkerConfigFromEnv } from '../../apps/saga-worker/src/config';
import { startSagaWorkerApp, type SagaWorkerApp } from '../../apps/saga-worker/src/create-saga-worker-app';
import { allDocuments, dropIndexBase, randomTag, testEsClient } from '../projections/projection-fixtures';
import { ApiHarness, expectStatus, startApi } from '../support/api-harness';
import { businessOnShard } from '../support/business-on-shard';
import { createTestDatabases, TestDatabases } from '../support/test-databases';
import { waitFor } from '../support/wait-for';

/**
 * Erasing a user end to end (docs/adr/0005): payloads are sealed when written, the erase-user saga
 * forgets the key, deletes the records on every shard and scrubs Elasticsearch and ClickHouse, and
 * its status URL ends with the report.
 */
describe('erase a user across every shard and read model (saga on MariaDB + BullMQ)', () => {
  let dbs: TestDatabases;
  let databases: ShardDatabases;
  let api: ApiHarness;
  let worker: SagaWorkerApp;
  let es: Client;
  let ch: ClickHouseTestDatabase;
  const indexBase = `${randomTag()}-records`;
  const env = {
    SHARDLINE_SAGA_QUEUE_PREFIX: `t${randomBytes(4).toString('hex')}`,
    SHARDLINE_SAGA_RETRY_BACKOFF_MS: '20',
    SHARDLINE_USER_KEY_CACHE_TTL_MS: '300',
    SHARDLINE_CACHE_ENABLED: 'false',
  };
  const [erased, kept] = [String(7_000_000 + Math.floor(Math.random() * 1e6)), String(8_000_000 + Math.floor(Math.random() * 1e6))];
  const secret = `secret-${randomBytes(6).toString('hex')}`;

  beforeAll(async () => {
    dbs = await createTestDatabases(4);
    databases = new ShardDatabases(dbs.config);
    es = testEsClient();
    ch = await createClickHouseTestDatabase(clickHouseConfigFromEnv(process.env));
    api = await startApi(dbs.config, env);
    worker = await startSagaWorkerApp(
      sagaWorkerConfigFromEnv({
        ...env,
        SHARDLINE_LOG_LEVEL: 'silent',
        SHARDLINE_SAGA_OPS_PORT: '0',
        SHARDLINE_SHARDS: dbs.shardUrls(),
        SHARDLINE_CONTROL_URL: dbs.controlUrl(),
        SHARDLINE_ES_INDEX: indexBase,
        SHARDLINE_CLICKHOUSE_DATABASE: ch.config.database,
      }),
    );
    await worker.started;
  });
  afterAll(async () => {
    await worker?.stop();
    await api?.close();
    await dropIndexBase(es, indexBase);
    await es?.close();
    await ch?.drop();
    await databases?.destroy();
    await dbs?.drop();
  });

  /** Projects every event of the shards into ES and ClickHouse, as the projector would (opened with the keys). */
  const project = async () => {
    const keys = cachedMysqlUserKeys(databases.control, userKeysConfigFromEnv({ SHARDLINE_USER_KEY_CACHE_TTL_MS: '0' }));
    const reader = new MysqlEventLogReader(databases);
    const esSink = new ElasticsearchRecordsSink({ client: es, indexBase });
    const chSink = new ClickHouseProjectionSink(ch.gateway, ch.config.database);
    await esSink.prepare();
    await chSink.prepare();
    for (let shard = 0; shard < 4; shard++) {
      const events = (await reader.readEventsAfter(shard, '0', 10_000)).map(envelopeOf);
      const opened = await keys.existingKeys([...new Set(events.map((e) => e.user_id))]);
      const plain = events.map((e) => openEnvelope(e, opened.get(e.user_id) ?? null));
      expect(await esSink.apply(plain)).toEqual([]);
      expect(await chSink.apply(plain)).toEqual([]);
    }
  };
  const rawEventsOf = async (userId: string) => {
    const out: string[] = [];
    for (let shard = 0; shard < 4; shard++) {
      const [rows] = await databases.shard(shard).raw("SELECT CAST(data AS CHAR) AS data FROM events WHERE JSON_VALUE(data, '$.user_id') = ?", [userId]);
      out.push(...(rows as Array<{ data: string }>).map((r) => r.data));
    }
    return out;
  };
  const chRowsOf = async (userId: string) => {
    const t = liveTables(ch.config.database);
    const [events] = await ch.gateway.select<{ n: string }>(`SELECT count() AS n FROM ${t.events} WHERE user_id = ${sqlUInt64(userId)}`);
    return Number(events.n);
  };

  it('seals payloads at write time, erases records, events, search and analytics of one user, reports it, and refuses new data for them', async () => {
    const created: Array<{ business_id: string; id: string }> = [];
    for (let i = 0; i < 8; i++) {
      const userId = i < 6 ? erased : kept;
      const answer = await api.request('POST', '/api/v1/data/single', { business_id: businessOnShard(i % 4, 'erase'), user_id: userId, data_content: { secret, i } });
      expectStatus(answer, 201);
      if (userId === erased) created.push(answer.body);
    }
    const patched = await api.request('PATCH', `/api/v1/data/${created[0].business_id}/${created[0].id}`, { data_content: { more: secret } });
    expectStatus(patched, 200);
    // The event store holds ciphertext only: the content never reaches a row in clear.
    const before = await rawEventsOf(erased);
    expect(before).toHaveLength(7);
    for (const data of before) expect(data).not.toContain(secret);
    await project();
    expect([...(await allDocuments(es, `${indexBase}-*`)).values()].filter((d) => d.user_id === erased)).toHaveLength(6);
    expect(await chRowsOf(erased)).toBe(7);

    const accepted = await api.request('POST', `/api/v1/users/${erased}/erasure`, undefined, { 'idempotency-key': `erase-${erased}` });
    expectStatus(accepted, 202);
    expect(accepted.headers.get('location')).toBe(accepted.body.status_url);
    const done = await waitFor('the erasure to complete', async () => {
      const status = await api.request('GET', accepted.body.status_url);
      return status.body.status === 'completed' && status.body;
    }, { timeoutMs: 60_000 });
    expect(done.result).toMatchObject({ user_id: erased, key: { keyExisted: true }, records: { total: 6 }, search_documents: 6, analytics_rows: 13 }); // 7 raw events + 6 latest-state rows
    expect(done.result.records.by_shard.map((s: { records: number }) => s.records)).toEqual([2, 2, 1, 1]);

    // MySQL: the records are gone; the events stay sealed and no longer open (the key is forgotten).
    for (const record of created) expectStatus(await api.request('GET', `/api/v1/data/${record.business_id}/${record.id}`), 404);
    const keys = cachedMysqlUserKeys(databases.control, userKeysConfigFromEnv({ SHARDLINE_USER_KEY_CACHE_TTL_MS: '0' }));
    expect((await keys.existingKeys([erased])).get(erased)).toBeNull();
    const after = await rawEventsOf(erased);
    for (const data of after) expect(data).not.toContain(secret);
    expect(after.filter((d) => d.includes('erased_time'))).toHaveLength(6);
    // The read models: nothing of the user; the other user untouched.
    expect([...(await allDocuments(es, `${indexBase}-*`)).values()].filter((d) => d.user_id === erased)).toEqual([]);
    expect(await chRowsOf(erased)).toBe(0);
    expect(await chRowsOf(kept)).toBe(2);
    const page = await api.request('GET', `/api/v1/data/page?user_id=${kept}`);
    expect(page.body.data).toHaveLength(2);

    // Erasure is final: after the key caches expire, new personal data for the user is refused.
    await new Promise((resolve) => setTimeout(resolve, 400));
    const refused = await api.request('POST', '/api/v1/data/single', { business_id: businessOnShard(0, 'erase'), user_id: erased, data_content: { again: true } });
    expectStatus(refused, 422);
    expect(refused.body.error).toMatchObject({ code: 'USER.ERASED', details: [{ field: 'user_id' }] });

    // The same key finds the same erasure; a second erasure finds nothing more.
    const repeat = await api.request('POST', `/api/v1/users/${erased}/erasure`, undefined, { 'idempotency-key': `erase-${erased}` });
    expect(repeat.body.saga_id).toBe(accepted.body.saga_id);
    const second = await api.request('POST', `/api/v1/users/${erased}/erasure`);
    const secondDone = await waitFor('the second erasure', async () => {
      const status = await api.request('GET', second.body.status_url);
      return status.body.status === 'completed' && status.body;
    }, { timeoutMs: 60_000 });
    expect(secondDone.result).toMatchObject({ key: { keyExisted: false }, records: { total: 0 }, search_documents: 0, analytics_rows: 0 });
  });
});
