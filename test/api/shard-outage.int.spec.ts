import { randomUUID } from 'node:crypto';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { ApiHarness, startApi } from '../support/api-harness';
import { TcpProxy } from '../support/tcp-proxy';
import { businessOnShard } from '../support/business-on-shard';
import { createTestDatabases, TestDatabases } from '../support/test-databases';

const DOWN = 2;

describe('a shard becomes unreachable mid-test', () => {
  let dbs: TestDatabases;
  let proxy: TcpProxy;
  let api: ApiHarness;
  let direct: ShardDatabases; // bypasses the proxy, to inspect what really landed

  beforeAll(async () => {
    dbs = await createTestDatabases(4);
    const target = dbs.config.shards[DOWN];
    proxy = new TcpProxy(target.host, target.port);
    const port = await proxy.start();
    api = await startApi(dbs.withShardAt(DOWN, '127.0.0.1', port));
    direct = new ShardDatabases(dbs.config);
  });
  afterAll(async () => {
    await api?.close();
    await proxy?.stop();
    await direct?.destroy();
    await dbs?.drop();
  });

  async function counts(shard: number) {
    const [rows] = await direct
      .shard(shard)
      .raw('SELECT (SELECT COUNT(*) FROM events) AS events, (SELECT COUNT(*) FROM outbox) AS outbox, (SELECT COUNT(*) FROM records) AS records');
    return { events: Number(rows[0].events), outbox: Number(rows[0].outbox), records: Number(rows[0].records) };
  }

  it('keeps the other shards serving, answers 503 for the lost one, writes nothing half, and a keyed retry completes the batch', async () => {
    const tag = randomUUID().slice(0, 8);
    const warm = await api.request('POST', '/api/v1/data/single', { business_id: businessOnShard(DOWN, tag), user_id: 1, data_content: {} });
    expect(warm).toHaveStatus(201);
    const onShard0 = await api.request('POST', '/api/v1/data/single', { business_id: businessOnShard(0, tag), user_id: 1, data_content: {} });

    // Writes are in flight on the doomed shard when it goes away.
    const inFlight = Array.from({ length: 150 }, (_, i) =>
      api.request('POST', '/api/v1/data/single', { business_id: businessOnShard(DOWN, `${tag}-f${i}`), user_id: 1, data_content: { i } }),
    );
    await new Promise((r) => setTimeout(r, 15));
    await proxy.stop();
    const flown = await Promise.all(inFlight);
    expect(flown.every((r) => r.status === 201 || r.status === 503)).toBe(true);

    const before = await Promise.all([0, 1, 2, 3].map(counts));
    const data = Array.from({ length: 40 }, (_, i) => ({ business_id: businessOnShard(i % 4, `${tag}-b${i % 4}`), user_id: i + 1, data_content: { i } }));
    const key = `batch-${tag}`;
    const started = Date.now();
    const partial = await api.request('POST', '/api/v1/data/batch', { data }, { 'idempotency-key': key });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(partial).toHaveStatus(207);
    for (const r of partial.body.results) expect(r.status).toBe(r.index % 4 === DOWN ? 503 : 201);
    expect(partial.body.results.find((r: { status: number }) => r.status === 503).error.code).toBe('EVENT_STORE.SHARD_UNAVAILABLE');

    const single = await api.request('POST', '/api/v1/data/single', { business_id: businessOnShard(DOWN, `${tag}-s`), user_id: 1, data_content: {} });
    expect([single.status, single.body.error.code]).toEqual([503, 'EVENT_STORE.SHARD_UNAVAILABLE']);
    expect(single.headers.get('retry-after')).toBe('1');
    expect(await api.request('GET', `/api/v1/data/${onShard0.body.business_id}/${onShard0.body.id}`)).toHaveStatus(200);
    expect(await api.request('GET', `/api/v1/data/${warm.body.business_id}/${warm.body.id}`)).toHaveStatus(503);
    expect(await api.request('GET', '/health/ready')).toHaveStatus(503);

    const during = await Promise.all([0, 1, 2, 3].map(counts));
    expect(during[DOWN]).toEqual(before[DOWN]);
    for (const s of [0, 1, 3]) expect(during[s].records - before[s].records).toBe(10);

    // Back again: the same key replays the landed parts and writes only the missing one.
    await proxy.start();
    const retried = await api.request('POST', '/api/v1/data/batch', { data }, { 'idempotency-key': key });
    expect(retried).toHaveStatus(201);
    for (const r of partial.body.results) if (r.status === 201) expect(retried.body.results[r.index].id).toBe(r.id);
    const after = await Promise.all([0, 1, 2, 3].map(counts));
    for (const s of [0, 1, 2, 3]) expect(after[s].records - before[s].records).toBe(10);

    // Nothing half-written anywhere: every event has its state row and outbox row (creates only here).
    for (const c of after) expect(c.events).toBe(c.records);
    for (const c of after) expect(c.outbox).toBe(c.records);
    // Every acknowledged in-flight write survived the outage.
    for (const r of flown.filter((x) => x.status === 201)) {
      const [rows] = await direct.shard(DOWN).raw('SELECT version FROM records WHERE id = ?', [r.body.id]);
      expect(rows).toEqual([{ version: 1 }]);
    }
  });
});
