import { randomUUID } from 'node:crypto';
import { ApiHarness, expectStatus, startApi } from '../support/api-harness';
import { businessOnShard } from '../support/business-on-shard';
import { TcpProxy } from '../support/tcp-proxy';
import { createTestDatabases, TestDatabases } from '../support/test-databases';

const HUNG = 1;

/**
 * Integrity issue, fault 2: a shard that stops answering on connections already open (a hung
 * server, a silent network loss) left appends pending forever — no 503, the group-commit slots
 * busy, graceful drain stuck — and reads of it never answered. Every query on a shard connection now
 * has a timeout (SHARDLINE_MYSQL_QUERY_TIMEOUT_MS).
 */
describe('a shard that hangs on open connections', () => {
  let dbs: TestDatabases;
  let proxy: TcpProxy;
  let api: ApiHarness;

  beforeAll(async () => {
    dbs = await createTestDatabases(4);
    const target = dbs.config.shards[HUNG];
    proxy = new TcpProxy(target.host, target.port);
    const port = await proxy.start();
    api = await startApi({ ...dbs.withShardAt(HUNG, '127.0.0.1', port), queryTimeoutMs: 1500 }, { SHARDLINE_SAGAS_ENABLED: 'false' });
  });
  afterAll(async () => {
    proxy?.thaw();
    await api?.close();
    await proxy?.stop();
    await dbs?.drop();
  });

  it('answers 503 within the query timeout for that shard while the others keep serving, and recovers when it answers again', async () => {
    const tag = randomUUID().slice(0, 8);
    const create = (shard: number) => api.request('POST', '/api/v1/data/single', { business_id: businessOnShard(shard, tag), user_id: 1, data_content: {} });
    expectStatus(await create(HUNG), 201); // the writer connections are open
    proxy.freeze();
    try {
      const started = Date.now();
      const [hung, other] = await Promise.all([create(HUNG), create(3)]);
      expectStatus(other, 201);
      expectStatus(hung, 503);
      expect(hung.body.error.code).toBe('EVENT_STORE.SHARD_UNAVAILABLE');
      expect(Date.now() - started).toBeLessThan(6_000);
    } finally {
      proxy.thaw();
    }
    expectStatus(await create(HUNG), 201);
  });

  it('answers a read of that shard with 503 within the query timeout, not a request that never ends', async () => {
    const tag = randomUUID().slice(0, 8);
    const businessId = businessOnShard(HUNG, tag);
    const created = await api.request('POST', '/api/v1/data/single', { business_id: businessId, user_id: 1, data_content: {} });
    expectStatus(created, 201);
    const read = () => api.request('GET', `/api/v1/data/${businessId}/${created.body.id}`);
    expectStatus(await read(), 200); // the reader's connection is open
    proxy.freeze();
    try {
      const started = Date.now();
      const hung = await read();
      expectStatus(hung, 503);
      expect(hung.body.error.code).toBe('EVENT_STORE.SHARD_UNAVAILABLE');
      expect(Date.now() - started).toBeLessThan(6_000);
    } finally {
      proxy.thaw();
    }
    expectStatus(await read(), 200);
  });
});
