import { randomBytes, randomUUID } from 'node:crypto';
import { ApiHarness, startApi } from '../support/api-harness';
import { startQueryApi } from '../support/query-api-harness';
import { createTestDatabases, TestDatabases } from '../support/test-databases';
import { TcpProxy } from '../support/tcp-proxy';

const REDIS_HOST = '127.0.0.1';
const REDIS_PORT = 6379;

/** How a query-api instance answered reads so far, from its own /metrics. */
async function cacheCounts(app: ApiHarness): Promise<Record<string, number>> {
  const text = await (await fetch(app.url.replace('[::1]', '127.0.0.1') + '/metrics')).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^shardline_record_cache_(lookups|fills)_total\{result="(\w+)"[^}]*\} (\d+)/gm)) out[`${m[1]}.${m[2]}`] = Number(m[3]);
  return out;
}

async function eventually<T>(probe: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('record read cache (LRU -> Redis -> shard) across api and query-api instances', () => {
  let dbs: TestDatabases;
  let api: ApiHarness;
  let queryA: ApiHarness;
  let queryB: ApiHarness;
  // Private key space per test file: parallel test files never share cache entries.
  const env = { SHARDLINE_CACHE_KEY_PREFIX: `t${randomBytes(4).toString('hex')}:record:` };
  const biz = `cache-${randomUUID().slice(0, 8)}`;

  const create = async (content: Record<string, unknown> = { n: 0 }) => {
    const res = await api.request('POST', '/api/v1/data/single', { business_id: biz, user_id: 1, data_content: content });
    expect(res).toHaveStatus(201);
    return res.body as { id: string; version: number };
  };
  const patch = async (id: string, content: Record<string, unknown>, headers: Record<string, string> = {}, via = api) =>
    via.request('PATCH', `/api/v1/data/${biz}/${id}`, { data_content: content }, headers);
  const read = (app: ApiHarness, id: string) => app.request('GET', `/api/v1/data/${biz}/${id}`);

  beforeAll(async () => {
    dbs = await createTestDatabases(4);
    api = await startApi(dbs.config, env);
    queryA = await startQueryApi(dbs.config, env);
    queryB = await startQueryApi(dbs.config, env);
  });
  afterAll(async () => {
    await Promise.all([api?.close(), queryA?.close(), queryB?.close()]);
    await dbs?.drop();
  });

  it('never serves the old version after an acknowledged update, from either instance, while hits do come from the LRU', async () => {
    const rec = await create();
    const before = await cacheCounts(queryB);
    for (let v = 2; v <= 21; v++) {
      // Warm both instances (LRU + Redis) with the current version, twice so the second read is an LRU hit.
      for (const q of [queryA, queryB, queryA, queryB]) expect((await read(q, rec.id)).body.version).toBe(v - 1);
      const acked = await patch(rec.id, { n: v });
      expect(acked).toHaveStatus(200);
      expect(acked.body.version).toBe(v);
      // Immediately after the acknowledgement, both instances answer the new version.
      for (const q of [queryB, queryA]) {
        const got = await read(q, rec.id);
        expect([got.status, got.body.version, got.body.data_content.n]).toEqual([200, v, v]);
        expect(got.headers.get('etag')).toBe(`"${v}"`);
      }
    }
    const after = await cacheCounts(queryB);
    // The cache really served: without these hits the test above would prove nothing.
    expect((after['lookups.lru'] ?? 0) - (before['lookups.lru'] ?? 0)).toBeGreaterThanOrEqual(20);
  });

  it('a fill of a state read before a write loses against that write (stale-fill race forced with a barrier)', async () => {
    let reached!: () => void;
    let release!: () => void;
    const reachedShardRead = new Promise<void>((resolve) => (reached = resolve));
    const releaseFill = new Promise<void>((resolve) => (release = resolve));
    let armed = false;
    const racer = await startQueryApi(dbs.config, env, {
      afterShardRead: async () => {
        if (!armed) return;
        armed = false;
        reached();
        await releaseFill;
      },
    });
    try {
      const rec = await create({ n: 1 });
      armed = true;
      const slowRead = read(racer, rec.id); // loads v1 from the shard, then waits before filling
      await reachedShardRead;
      const acked = await patch(rec.id, { n: 2 }); // commits v2 and invalidates, then acknowledges
      expect(acked.body.version).toBe(2);
      release();
      expect((await slowRead).body.version).toBe(1); // began before the acknowledgement: v1 is a fair answer
      const fills = await cacheCounts(racer);
      expect(fills['fills.lost']).toBe(1);
      // After the acknowledgement, from the racer (LRU/Redis) and the others: v2.
      for (const q of [racer, racer, queryA, queryB]) expect((await read(q, rec.id)).body.version).toBe(2);
    } finally {
      release();
      await racer.close();
    }
  });

  it('answers 404 right after an acknowledged delete, though both instances had the record cached', async () => {
    const rec = await create();
    for (const q of [queryA, queryB, queryA, queryB]) expect(await read(q, rec.id)).toHaveStatus(200);
    const deleted = await api.request('DELETE', `/api/v1/data/${biz}/${rec.id}`);
    expect(deleted).toHaveStatus(200);
    for (const q of [queryA, queryB]) {
      const got = await read(q, rec.id);
      expect([got.status, got.body.error.code]).toEqual([404, 'RECORD.NOT_FOUND']);
    }
  });

  it('falls back to the shard while Redis is unreachable, never trusting in-process copies it cannot validate', async () => {
    const proxy = new TcpProxy(REDIS_HOST, REDIS_PORT);
    const port = await proxy.start();
    const cut = await startQueryApi(dbs.config, { ...env, SHARDLINE_REDIS_URL: `redis://127.0.0.1:${port}` });
    try {
      const rec = await create({ n: 1 });
      for (let i = 0; i < 2; i++) expect((await read(cut, rec.id)).body.version).toBe(1); // cached in its LRU
      await proxy.stop();
      expect((await patch(rec.id, { n: 2 })).body.version).toBe(2); // the api still reaches Redis
      const during = await read(cut, rec.id);
      expect([during.status, during.body.version]).toEqual([200, 2]);
      expect((await cacheCounts(cut))['lookups.bypass']).toBeGreaterThanOrEqual(1);
      expect((await patch(rec.id, { n: 3 })).body.version).toBe(3);
      expect((await read(cut, rec.id)).body.version).toBe(3);
      await proxy.start(port);
      // Reconnects by itself and caches again, still correct.
      const back = await eventually(
        async () => ({ got: await read(cut, rec.id), counts: await cacheCounts(cut) }),
        (r) => (r.counts['lookups.lru'] ?? 0) >= 2,
      );
      expect(back.got.body.version).toBe(3);
      expect(back.counts['lookups.lru']).toBeGreaterThanOrEqual(2);
    } finally {
      await cut.close();
      await proxy.stop();
    }
  });

  it('a writer that has not reached Redis since it started cannot fence readers: it does not acknowledge (503); the retry with the same key replays and invalidates', async () => {
    const proxy = new TcpProxy(REDIS_HOST, REDIS_PORT);
    const port = await proxy.start();
    await proxy.stop(); // before the writer starts: it never joins the fence (docs/adr/0006)
    const writer = await startApi(dbs.config, { ...env, SHARDLINE_REDIS_URL: `redis://127.0.0.1:${port}`, SHARDLINE_WORKER_ID: '7' });
    try {
      const rec = await create({ n: 1 });
      for (const q of [queryA, queryA]) expect((await read(q, rec.id)).body.version).toBe(1);
      const key = `cache-down-${randomUUID()}`;
      const failed = await patch(rec.id, { n: 2 }, { 'idempotency-key': key }, writer);
      expect([failed.status, failed.body.error.code]).toEqual([503, 'CACHE.INVALIDATION_FAILED']);
      await proxy.start(port);
      const retried = await eventually(
        () => patch(rec.id, { n: 2 }, { 'idempotency-key': key }, writer),
        (r) => r.status === 200,
      );
      expect([retried.status, retried.body.version, retried.headers.get('idempotent-replayed')]).toEqual([200, 2, 'true']);
      expect((await read(queryA, rec.id)).body.version).toBe(2);
    } finally {
      await writer.close();
      await proxy.stop();
    }
  });
});
