import { randomBytes } from 'node:crypto';
import type { Client } from '@elastic/elasticsearch';
import { MysqlEventLogReader } from '@shardline/event-store/mysql';
import { envelopeOf, openEnvelope } from '@shardline/integration-events';
import { ElasticsearchRecordsSink } from '@shardline/projection-elasticsearch';
import { userKeysConfigFromEnv } from '@shardline/user-keys';
import { cachedMysqlUserKeys } from '@shardline/user-keys/mysql';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { sagaWorkerConfigFromEnv } from '../../apps/saga-worker/src/config';
import { startSagaWorkerApp, type SagaWorkerApp } from '../../apps/saga-worker/src/create-saga-worker-app';
import { allDocuments, dropIndexBase, randomTag, testEsClient } from '../projections/projection-fixtures';
import { ApiHarness, expectStatus, startApi } from '../support/api-harness';
import { businessOnShard } from '../support/business-on-shard';
import { ChildApp } from '../support/child-app';
import { TcpProxy } from '../support/tcp-proxy';
import { createTestDatabases, TestDatabases } from '../support/test-databases';
import { waitFor } from '../support/wait-for';

/**
 * The erase-user saga under faults: Elasticsearch unreachable at its step (the saga, past its
 * pivot, keeps retrying, never compensates), and the worker killed with kill -9 right then; the next
 * worker finishes it, and the report still counts what the first worker erased.
 */
describe('erase-user saga under faults', () => {
  let dbs: TestDatabases;
  let databases: ShardDatabases;
  let api: ApiHarness;
  let worker: SagaWorkerApp | undefined;
  let es: Client;
  const esProxy = new TcpProxy('127.0.0.1', Number(new URL(process.env.SHARDLINE_ES_URL ?? 'http://127.0.0.1:9200').port || 9200));
  const indexBase = `${randomTag()}-records`;
  const userId = String(9_000_000 + Math.floor(Math.random() * 1e6));
  const env = {
    SHARDLINE_SAGA_QUEUE_PREFIX: `t${randomBytes(4).toString('hex')}`,
    SHARDLINE_SAGA_RETRY_BACKOFF_MS: '20',
    SHARDLINE_USER_KEY_CACHE_TTL_MS: '300',
    SHARDLINE_CACHE_ENABLED: 'false',
    SHARDLINE_SAGA_LOCK_MS: '1500',
    SHARDLINE_SAGA_STALLED_CHECK_MS: '500',
  };
  const workerEnv = () => ({
    ...env,
    SHARDLINE_LOG_LEVEL: 'silent',
    SHARDLINE_SAGA_OPS_PORT: '0',
    SHARDLINE_SHARDS: dbs.shardUrls(),
    SHARDLINE_CONTROL_URL: dbs.controlUrl(),
    SHARDLINE_ES_URL: `http://127.0.0.1:${esProxy.port}`,
    SHARDLINE_ES_INDEX: indexBase,
  });

  beforeAll(async () => {
    dbs = await createTestDatabases(4);
    databases = new ShardDatabases(dbs.config);
    es = testEsClient();
    await esProxy.start();
    api = await startApi(dbs.config, env);
  });
  afterAll(async () => {
    await worker?.stop();
    await api?.close();
    if (esProxy.listening) await esProxy.stop();
    await dropIndexBase(es, indexBase);
    await es?.close();
    await databases?.destroy();
    await dbs?.drop();
  });

  it('a worker killed while Elasticsearch is down loses nothing; the next worker finishes and reports what both erased', async () => {
    for (let i = 0; i < 4; i++) expectStatus(await api.request('POST', '/api/v1/data/single', { business_id: businessOnShard(i, 'erasef'), user_id: userId, data_content: { i } }), 201);
    // The user's documents in the search read model, as the projector would have put them.
    const keys = cachedMysqlUserKeys(databases.control, userKeysConfigFromEnv({ SHARDLINE_USER_KEY_CACHE_TTL_MS: '0' }));
    const sink = new ElasticsearchRecordsSink({ client: es, indexBase });
    await sink.prepare();
    const reader = new MysqlEventLogReader(databases);
    for (let shard = 0; shard < 4; shard++) {
      const events = (await reader.readEventsAfter(shard, '0', 100)).map(envelopeOf);
      const found = await keys.existingKeys([userId]);
      expect(await sink.apply(events.map((e) => openEnvelope(e, found.get(e.user_id) ?? null)))).toEqual([]);
    }

    await esProxy.stop();
    const child = ChildApp.fromSource('saga-worker', 'apps/saga-worker/src/main.ts', { ...workerEnv(), SHARDLINE_LOG_LEVEL: 'warn', SHARDLINE_SAGA_RETRY_BACKOFF_MS: '2000' }).start();
    let statusUrl = '';
    try {
      const accepted = await api.request('POST', `/api/v1/users/${userId}/erasure`);
      expectStatus(accepted, 202);
      statusUrl = accepted.body.status_url;
      await waitFor(() => `the first worker to fail at erase-search:\n${child.log()}`, async () => {
        const state = (await api.request('GET', `/admin/sagas/${accepted.body.saga_id}`)).body;
        return (state.failures ?? []).some((f: { step: string }) => f.step === 'erase-search');
      }, { timeoutMs: 30_000 });
      await child.kill9();
      // Past the pivot: the key is gone and the records too; nothing is compensated.
      expect((await keys.existingKeys([userId])).get(userId)).toBeNull();
      expect((await api.request('GET', `/api/v1/data/page?user_id=${userId}`)).body.data).toEqual([]);
      expect((await api.request('GET', `/admin/sagas/${accepted.body.saga_id}`)).body).toMatchObject({ status: 'running', pivotPassed: true });
    } finally {
      await child.kill9();
      if (!esProxy.listening) await esProxy.start(esProxy.port);
    }
    worker = await startSagaWorkerApp(sagaWorkerConfigFromEnv(workerEnv()));
    await worker.started;
    const done = await waitFor('the erasure to complete', async () => {
      const status = await api.request('GET', statusUrl);
      return status.body.status === 'completed' && status.body;
    }, { timeoutMs: 60_000 });
    expect(done.result).toMatchObject({ key: { keyExisted: true }, records: { total: 4 }, search_documents: 4 });
    expect([...(await allDocuments(es, `${indexBase}-*`)).values()].filter((d) => d.user_id === userId)).toEqual([]);
  });
});
