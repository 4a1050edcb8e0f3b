import { sagaWorkerConfigFromEnv } from '../../apps/saga-worker/src/config';
import { startSagaWorkerApp, type SagaWorkerApp } from '../../apps/saga-worker/src/create-saga-worker-app';
import { ApiHarness, expectStatus, startApi } from '../support/api-harness';
import { businessOnShard } from '../support/business-on-shard';
import { TcpProxy } from '../support/tcp-proxy';
import { createTestDatabases, TestDatabases } from '../support/test-databases';
import { fastSagaEnv } from './support/fast-saga-env';

/**
 * Soak finding 6: an atomic batch answered 500 INTERNAL on `connect ETIMEDOUT` of mysql2. The saga
 * starts in the control database (saga row, payload, later its commit point); when the api cannot
 * reach it, the answer must be 503 CONTROL_DB.UNAVAILABLE with Retry-After, nothing visible, and the
 * retry under the same Idempotency-Key must write the batch once.
 */
describe('atomic batch while the control database hangs (connect ETIMEDOUT)', () => {
  let dbs: TestDatabases;
  let api: ApiHarness;
  let worker: SagaWorkerApp | undefined;
  const proxy = new TcpProxy('127.0.0.1', 3306);
  const sagaEnv = fastSagaEnv();

  beforeAll(async () => {
    dbs = await createTestDatabases(4);
    await proxy.start();
    // The api reaches the control database through the proxy, with a short connect timeout.
    api = await startApi({ ...dbs.config, control: { ...dbs.config.control, port: proxy.port }, connectTimeoutMs: 300 }, sagaEnv);
    worker = await startSagaWorkerApp(sagaWorkerConfigFromEnv({ ...sagaEnv, SHARDLINE_LOG_LEVEL: 'silent', SHARDLINE_SAGA_OPS_PORT: '0', SHARDLINE_SHARDS: dbs.shardUrls(), SHARDLINE_CONTROL_URL: dbs.controlUrl() }));
    await worker.started;
  });
  afterAll(async () => {
    proxy.thaw();
    await worker?.stop();
    await api?.close();
    await proxy.stop();
    await dbs?.drop();
  });

  const userId = String(1 + Math.floor(Math.random() * 1e12));
  const body = { atomic: true, data: Array.from({ length: 6 }, (_, i) => ({ business_id: businessOnShard(i % 4, `cdb${i % 4}`), user_id: userId, data_content: { i } })) };
  const visible = async () => {
    const page = await api.request('GET', `/api/v1/data/page?user_id=${userId}&page_size=100`);
    expectStatus(page, 200);
    return page.body.data.length as number;
  };

  it('answers 503 CONTROL_DB.UNAVAILABLE with Retry-After, shows nothing, and the retry with the same key writes the batch once', async () => {
    proxy.freeze({ cut: true });
    const refused = await api.request('POST', '/api/v1/data/batch', body, { 'idempotency-key': 'cdb-k1' });
    expectStatus(refused, 503);
    expect(refused.body.error).toMatchObject({ code: 'CONTROL_DB.UNAVAILABLE', message: expect.stringMatching(/control database is unavailable: .*ETIMEDOUT/) });
    expect(refused.headers.get('retry-after')).toBeTruthy();
    // The saga status is read from the control database too: 503, not 500.
    const status = await api.request('GET', '/api/v1/sagas/ab-unknown');
    expectStatus(status, 503);
    expect(status.body.error.code).toBe('CONTROL_DB.UNAVAILABLE');
    proxy.thaw();
    expect(await visible()).toBe(0);

    const retried = await api.request('POST', '/api/v1/data/batch', body, { 'idempotency-key': 'cdb-k1' });
    expectStatus(retried, 201);
    expect(retried.body).toMatchObject({ created: 6, failed: 0 });
    const replayed = await api.request('POST', '/api/v1/data/batch', body, { 'idempotency-key': 'cdb-k1' });
    expectStatus(replayed, 201);
    expect(await visible()).toBe(6);
  });
});
