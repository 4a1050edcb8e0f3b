import { randomBytes } from 'node:crypto';
import { MysqlEventStore } from '@shardline/event-store/mysql';
import { ClickHouseUserErasure, clickHouseConfigFromEnv } from '@shardline/projection-clickhouse';
import { ElasticsearchUserErasure } from '@shardline/projection-elasticsearch';
import type { RecordStateChange } from '@shardline/records';
import { RecordsInlineProjection, sealedIfConfigured } from '@shardline/records-mysql';
import { createRecordsSagaRuntime, type RecordsSagaRuntime } from '@shardline/records-sagas';
import { sagaRuntimeConfigFromEnv } from '@shardline/sagas/bullmq';
import { SlotMap, SlotMapShardRouter } from '@shardline/sharding';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { userKeysConfigFromEnv } from '@shardline/user-keys';
import { cachedMysqlUserKeys } from '@shardline/user-keys/mysql';
import { createClickHouseTestDatabase, type ClickHouseTestDatabase } from '../../libs/projection-clickhouse/src/testing/clickhouse-test-database';
import { dropIndexBase, randomTag, testEsClient } from '../projections/projection-fixtures';
import { ApiHarness, expectStatus, startApi } from '../support/api-harness';
import { businessOnShard } from '../support/business-on-shard';
import { createTestDatabases, TestDatabases } from '../support/test-databases';

const REDIS_URL = process.env.SHARDLINE_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * An erasure meeting another saga over the same user's records, step by step (the test delivers
 * every job): an atomic batch of the user staged before the erasure began is waited for (its rows
 * are held), then erased with the rest; one staged after the key was forgotten is refused
 * (USER.ERASED) and compensated, so nothing of it ever becomes visible.
 */
describe('erase-user meets an atomic batch of the same user', () => {
  let dbs: TestDatabases;
  let databases: ShardDatabases;
  let api: ApiHarness;
  let runtime: RecordsSagaRuntime;
  let store: MysqlEventStore<RecordStateChange>;
  let ch: ClickHouseTestDatabase;
  const es = testEsClient();
  const indexBase = `${randomTag()}-records`;
  const env = { SHARDLINE_SAGA_QUEUE_PREFIX: `t${randomBytes(4).toString('hex')}`, SHARDLINE_ATOMIC_BATCH_WAIT_MS: '0', SHARDLINE_USER_KEY_CACHE_TTL_MS: '0', SHARDLINE_CACHE_ENABLED: 'false' };
  const userId = String(6_000_000 + Math.floor(Math.random() * 1e6));

  beforeAll(async () => {
    dbs = await createTestDatabases(4);
    databases = new ShardDatabases(dbs.config);
    ch = await createClickHouseTestDatabase(clickHouseConfigFromEnv(process.env));
    api = await startApi(dbs.config, env);
    store = new MysqlEventStore(databases, new RecordsInlineProjection(), { groupCommit: { maxGroupSize: 100, windowMs: 1, maxInFlight: 2 } });
    const keys = cachedMysqlUserKeys(databases.control, userKeysConfigFromEnv(env));
    runtime = createRecordsSagaRuntime({
      databases,
      store: sealedIfConfigured(store, databases, userKeysConfigFromEnv(env)),
      router: new SlotMapShardRouter(SlotMap.modulo(4)),
      config: sagaRuntimeConfigFromEnv({ ...env, SHARDLINE_REDIS_URL: REDIS_URL }),
      erasure: {
        forgetKey: async (id) => ({ keyExisted: await keys.forget(id), unreadableFrom: new Date().toISOString() }),
        search: new ElasticsearchUserErasure(es, indexBase),
        analytics: new ClickHouseUserErasure(ch.gateway, ch.config.database),
      },
    });
  });
  afterAll(async () => {
    await api?.close();
    await runtime?.close();
    await store?.drain();
    await dropIndexBase(es, indexBase);
    await es.close();
    await ch?.drop();
    await databases?.destroy();
    await dbs?.drop();
  });

  const step = async (sagaId: string) => {
    const { version } = (await api.request('GET', `/admin/sagas/${sagaId}`)).body;
    return runtime.orchestrator.runJob({ sagaId, version }).catch((error: Error) => `failed: ${error.message}`);
  };
  const atomicBatch = async (n: number) => {
    const accepted = await api.request(
      'POST',
      '/api/v1/data/batch',
      { atomic: true, data: Array.from({ length: n }, (_, i) => ({ business_id: businessOnShard(i % 4, 'eraseheld'), user_id: userId, data_content: { i } })) },
      { prefer: 'respond-async' },
    );
    expectStatus(accepted, 202);
    return accepted.body.saga_id as string;
  };
  const visible = async () => (await api.request('GET', `/api/v1/data/page?user_id=${userId}&page_size=100`)).body.data.length as number;

  it('waits for the rows a batch staged before the erasure, erases them once released, and refuses a batch staged after', async () => {
    expectStatus(await api.request('POST', '/api/v1/data/single', { business_id: businessOnShard(0, 'eraseheld'), user_id: userId, data_content: { plain: true } }), 201);
    const batch = await atomicBatch(8);
    expect(await step(batch)).toBe('moved'); // staged: 8 rows held by the batch, invisible

    const erasure = (await api.request('POST', `/api/v1/users/${userId}/erasure`)).body.saga_id as string;
    expect(await step(erasure)).toBe('moved'); // forget-key (the pivot)
    expect(await step(erasure)).toMatch(/^failed: record \d+ is held by saga/); // erase-records waits for the batch
    expect(await step(batch)).toBe('moved'); // commit point: the batch is visible (sealed with the key it had)
    expect(await step(batch)).toBe('moved'); // release
    expect(await visible()).toBe(9);
    expect(await step(erasure)).toBe('moved'); // erase-records: the plain record and the batch's 8
    expect(await step(erasure)).toBe('moved'); // erase-search
    expect(await step(erasure)).toBe('moved'); // erase-analytics
    const report = (await api.request('GET', `/api/v1/sagas/${erasure}`)).body;
    expect(report).toMatchObject({ status: 'completed', result: { key: { keyExisted: true }, records: { total: 9 } } });
    expect(await visible()).toBe(0);

    // A batch staged after the key was forgotten cannot be sealed: refused for good, compensated, never visible.
    const late = await atomicBatch(4);
    expect(await step(late)).toBe('moved'); // stage fails for good (USER.ERASED) → compensation
    while ((await api.request('GET', `/admin/sagas/${late}`)).body.status === 'compensating') await step(late);
    const status = (await api.request('GET', `/api/v1/sagas/${late}`)).body;
    expect(status).toMatchObject({ status: 'compensated', error: { code: 'USER.ERASED' } });
    expect(await visible()).toBe(0);
  });
});
