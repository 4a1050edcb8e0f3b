import { randomBytes, randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { ApiHarness, expectStatus, startApi } from '../support/api-harness';
import { ChildApp } from '../support/child-app';
import { freePort } from '../support/free-port';
import { startQueryApi } from '../support/query-api-harness';
import { createTestDatabases, TestDatabases } from '../support/test-databases';
import { TcpProxy } from '../support/tcp-proxy';
import { waitFor } from '../support/wait-for';

const REDIS_HOST = '127.0.0.1';
const REDIS_PORT = 6379;

/** Fast fence settings for the tests that are about correctness, not the default bound. */
const FAST_FENCE = {
  SHARDLINE_CACHE_FENCE_HEARTBEAT_MS: '100',
  SHARDLINE_CACHE_FENCE_LEASE_MS: '600',
  SHARDLINE_CACHE_FENCE_CLOCK_ALLOWANCE_MS: '50',
  SHARDLINE_CACHE_FENCE_SWEEP_AFTER_MS: '1500',
  SHARDLINE_CACHE_FENCE_SWEEP_INTERVAL_MS: '300',
};
/** The documented bound of a fenced acknowledgement with the default settings: command timeout + lease + allowance + one shard write. */
const DEFAULT_FENCED_ACK_BOUND_MS = 250 + 1500 + 100 + 400;

async function counts(app: ApiHarness): Promise<Record<string, number>> {
  const text = await (await fetch(app.url.replace('[::1]', '127.0.0.1') + '/metrics')).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^shardline_record_cache_(lookups|fills)_total\{result="(\w+)"[^}]*\} (\d+)/gm)) out[`${m[1]}.${m[2]}`] = Number(m[3]);
  for (const m of text.matchAll(/^shardline_cache_pending_invalidations_total\{event="(\w+)"[^}]*\} (\d+)/gm)) out[`pending.${m[1]}`] = Number(m[2]);
  for (const m of text.matchAll(/^shardline_cache_fence_rejoins_total\{result="(\w+)"[^}]*\} (\d+)/gm)) out[`rejoins.${m[1]}`] = Number(m[2]);
  const state = text.match(/^shardline_cache_fence_state\{[^}]*\} (\d+)/m);
  if (state) out['fence.state'] = Number(state[1]);
  return out;
}

const cacheServed = (c: Record<string, number>) => (c['lookups.lru'] ?? 0) + (c['lookups.redis'] ?? 0);

describe('updates and deletes while the cache Redis is unreachable (docs/adr/0006)', () => {
  let dbs: TestDatabases;
  let shards: ShardDatabases;
  let redis: Redis;
  let api: ApiHarness;
  let reader: ApiHarness;
  const prefix = `t${randomBytes(4).toString('hex')}:record:`;
  const env = { SHARDLINE_CACHE_KEY_PREFIX: prefix, SHARDLINE_SAGAS_ENABLED: 'false' };
  const biz = `fence-${randomUUID().slice(0, 8)}`;

  const create = async (via: ApiHarness, content: Record<string, unknown> = { n: 1 }) => {
    const res = await via.request('POST', '/api/v1/data/single', { business_id: biz, user_id: 1, data_content: content });
    expectStatus(res, 201);
    return res.body as { id: string; version: number };
  };
  const read = (app: ApiHarness, id: string) => app.request('GET', `/api/v1/data/${biz}/${id}`);
  const pendingRows = async () => {
    let n = 0;
    for (const shard of shards.shardIndexes()) n += Number(((await shards.shard(shard).raw('SELECT COUNT(*) AS n FROM pending_cache_invalidations'))[0] as Array<{ n: number }>)[0].n);
    return n;
  };
  /** Reads until the reader answered from the cache 3 times again; every answer on the way must be `version`. */
  const readUntilCached = async (app: ApiHarness, id: string, version: number) => {
    const before = cacheServed(await counts(app));
    const answers = new Set<number>();
    await waitFor('reads answered from the cache again', async () => {
      answers.add((await read(app, id)).body.version);
      return cacheServed(await counts(app)) - before >= 3;
    });
    expect([...answers]).toEqual([version]);
  };

  beforeAll(async () => {
    dbs = await createTestDatabases(2);
    shards = new ShardDatabases(dbs.config);
    redis = new Redis(REDIS_PORT, REDIS_HOST);
    api = await startApi(dbs.config, { ...env, ...FAST_FENCE });
    reader = await startQueryApi(dbs.config, env);
  });
  afterAll(async () => {
    await Promise.all([api?.close(), reader?.close()]);
    await redis?.quit();
    await shards?.destroy();
    await dbs?.drop();
  });

  it('Redis down for everyone: PATCH and DELETE answer within the bound, are stored, and no read ever returns the old version', async () => {
    const proxy = new TcpProxy(REDIS_HOST, REDIS_PORT);
    const port = await proxy.start();
    const viaProxy = { ...env, SHARDLINE_REDIS_URL: `redis://127.0.0.1:${port}` };
    const writer = await startApi(dbs.config, { ...viaProxy, SHARDLINE_WORKER_ID: '7' }); // default fence settings
    const cutReader = await startQueryApi(dbs.config, viaProxy);
    try {
      const a = await create(writer);
      const b = await create(writer);
      for (const q of [cutReader, cutReader, reader, reader]) for (const id of [a.id, b.id]) expect((await read(q, id)).body.version).toBe(1);
      await proxy.stop();

      let started = Date.now();
      const patched = await writer.request('PATCH', `/api/v1/data/${biz}/${a.id}`, { data_content: { n: 2 } });
      const patchMs = Date.now() - started;
      expectStatus(patched, 200);
      expect(patched.body.version).toBe(2);
      started = Date.now();
      const deleted = await writer.request('DELETE', `/api/v1/data/${biz}/${b.id}`);
      const deleteMs = Date.now() - started;
      expectStatus(deleted, 200);
      expect(patchMs).toBeLessThan(DEFAULT_FENCED_ACK_BOUND_MS);
      expect(deleteMs).toBeLessThan(DEFAULT_FENCED_ACK_BOUND_MS);
      expect(await pendingRows()).toBe(2);
      // Stored: the event store says so (the api reads the shard).
      expect((await read(writer, a.id)).body.version).toBe(2);
      expect((await read(writer, b.id)).status).toBe(404);
      // Readers cut off too go to the shards; a reader that reaches Redis sees the fence.
      for (const q of [cutReader, reader]) {
        expect((await read(q, a.id)).body.version).toBe(2);
        expect((await read(q, b.id)).status).toBe(404);
      }
      expect((await counts(reader))['lookups.fenced']).toBeGreaterThanOrEqual(2);
      expect((await counts(writer))['fence.state']).toBe(1);

      await proxy.start(port);
      // Redis back: the writer replays and rejoins; readers use the cache again, never with the old version.
      for (const q of [cutReader, reader]) {
        await readUntilCached(q, a.id, 2);
        expect((await read(q, b.id)).status).toBe(404);
      }
      expect(await pendingRows()).toBe(0);
      const w = await counts(writer);
      // Replayed by the writer as it rejoined, or — on a slow machine, once the writer looked stale for
      // sweep-after — by the other api's sweeper (the writer then rejoins under a new id): either is right.
      expect([w['fence.state'], w['pending.recorded']]).toEqual([0, 2]);
      expect([undefined, 2]).toContain(w['pending.replayed']);
    } finally {
      await Promise.all([writer.close(), cutReader.close()]);
      await proxy.stop();
    }
  });

  it('partial partition: a writer cut off (hung Redis) acknowledges; a reader that still reaches Redis never serves the old copy after that', async () => {
    const proxy = new TcpProxy(REDIS_HOST, REDIS_PORT);
    const port = await proxy.start();
    // A lease far longer than a failing DEL takes: acknowledging without waiting for it would let the reader serve the old copy.
    const writer = await startApi(dbs.config, { ...env, ...FAST_FENCE, SHARDLINE_CACHE_FENCE_LEASE_MS: '2500', SHARDLINE_REDIS_URL: `redis://127.0.0.1:${port}`, SHARDLINE_WORKER_ID: '8' });
    try {
      const rec = await create(writer);
      for (let v = 2; v <= 4; v++) {
        for (let i = 0; i < 3; i++) expect((await read(reader, rec.id)).body.version).toBe(v - 1); // LRU + Redis hold v-1
        proxy.freeze();
        const acked = await writer.request('PATCH', `/api/v1/data/${biz}/${rec.id}`, { data_content: { n: v } });
        expectStatus(acked, 200);
        expect(acked.body.version).toBe(v);
        for (let i = 0; i < 3; i++) expect((await read(reader, rec.id)).body.version).toBe(v);
        proxy.thaw();
        await readUntilCached(reader, rec.id, v);
      }
      expect(await pendingRows()).toBe(0);
    } finally {
      proxy.thaw();
      await writer.close();
      await proxy.stop();
    }
  });

  it('a steady stream of PATCHes through a moment of hung Redis: the writer rejoins while the stream goes on, never answers 503, never lets a read go back', async () => {
    const proxy = new TcpProxy(REDIS_HOST, REDIS_PORT);
    const port = await proxy.start();
    // FAST_FENCE: swept 1.5 s after its lease ended. Before the fix the stream kept the writer from
    // rejoining (every fenced PATCH aborted the rejoin), so it was swept and answered 503 from then on.
    const writer = await startApi(dbs.config, { ...env, ...FAST_FENCE, SHARDLINE_REDIS_URL: `redis://127.0.0.1:${port}`, SHARDLINE_WORKER_ID: '9' });
    try {
      const records = await Promise.all(Array.from({ length: 8 }, () => create(writer)));
      for (const rec of records) expect((await read(reader, rec.id)).body.version).toBe(1);
      const acked = new Map(records.map((rec) => [rec.id, 1]));
      const refused: string[] = [];
      const wentBack: string[] = [];
      let patches = 0;
      let running = true;
      // One client per record, PATCHing back to back; one more reads them all through the reader.
      const patching = records.map(async (rec) => {
        while (running) {
          const res = await writer.request('PATCH', `/api/v1/data/${biz}/${rec.id}`, { data_content: { n: patches++ } });
          if (res.status === 200) acked.set(rec.id, Math.max(acked.get(rec.id)!, res.body.version));
          else refused.push(`${res.status} ${JSON.stringify(res.body)}`);
        }
      });
      const reading = (async () => {
        while (running) {
          for (const rec of records) {
            const floor = acked.get(rec.id)!; // acknowledged before this read started
            const got = (await read(reader, rec.id)).body.version;
            if (got < floor) wentBack.push(`${rec.id}: read v${got} after v${floor} was acknowledged`);
          }
        }
      })();
      try {
        await waitFor('some PATCHes before the freeze', () => patches >= 40);
        proxy.freeze(); // DELs miss their timeout: the writer fences itself
        await waitFor('the writer fenced', async () => (await counts(writer))['fence.state'] === 1, { timeoutMs: 10_000 });
        // At once: the PATCHes go on while it rejoins, and its lease must not stay ended for
        // sweep-after (1.5 s) while Redis is still frozen, or a sweep would refuse some legitimately.
        proxy.thaw();
        const thawedAt = Date.now();
        await waitFor('the writer rejoined under the stream', async () => (await counts(writer))['fence.state'] === 0, { timeoutMs: 10_000 });
        const rejoinMs = Date.now() - thawedAt;
        // Keep going past sweep-after + a sweep interval: nothing is refused any more.
        const rejoinedAt = patches;
        await new Promise((resolve) => setTimeout(resolve, 2_500));
        expect(patches - rejoinedAt).toBeGreaterThan(20);
        expect(rejoinMs).toBeLessThan(10_000);
      } finally {
        running = false;
        await Promise.all([...patching, reading]);
      }
      expect({ refused: refused.length, firstRefused: refused.slice(0, 3), wentBack }).toEqual({ refused: 0, firstRefused: [], wentBack: [] });
      const w = await counts(writer);
      expect(w['fence.state']).toBe(0);
      expect(w['pending.recorded']).toBeGreaterThanOrEqual(1);
      expect(w['rejoins.joined']).toBeGreaterThanOrEqual(1);
      expect(await pendingRows()).toBe(0);
      for (const rec of records) expect((await read(reader, rec.id)).body.version).toBe(acked.get(rec.id));
    } finally {
      proxy.thaw();
      await writer.close();
      await proxy.stop();
    }
  });

  it('a writer killed -9 after acknowledging, before replaying: readers bypass until the sweeper replayed and removed it', async () => {
    const proxy = new TcpProxy(REDIS_HOST, REDIS_PORT);
    const redisPort = await proxy.start();
    const httpPort = await freePort();
    const child = ChildApp.fromSource('api', 'apps/api/src/main.ts', {
      ...env,
      ...FAST_FENCE,
      // Only the in-process api sweeps in this test.
      SHARDLINE_CACHE_FENCE_SWEEP_INTERVAL_MS: '3600000',
      SHARDLINE_REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      SHARDLINE_SHARDS: dbs.shardUrls(),
      SHARDLINE_CONTROL_URL: dbs.controlUrl(),
      SHARDLINE_HTTP_HOST: '127.0.0.1',
      SHARDLINE_HTTP_PORT: String(httpPort),
      SHARDLINE_ACCESS_LOG: 'off',
      SHARDLINE_WORKER_ID: '612',
    }).start();
    const writer = new ApiHarness(undefined as never, `http://127.0.0.1:${httpPort}`);
    try {
      await child.waitUntilReady(`http://127.0.0.1:${httpPort}/health/ready`);
      const members = () => redis.hkeys(`${prefix}fence:writers`);
      const childJoined = await waitFor('the child writer in the fence', async () => ((await members()).length >= 2 ? members() : false));
      const rec = await create(writer);
      for (let i = 0; i < 3; i++) expect((await read(reader, rec.id)).body.version).toBe(1);
      proxy.freeze();
      const acked = await writer.request('PATCH', `/api/v1/data/${biz}/${rec.id}`, { data_content: { n: 2 } });
      expectStatus(acked, 200);
      await child.kill9();
      expect(await pendingRows()).toBe(1);
      expect((await read(reader, rec.id)).body.version).toBe(2);
      // Until the sweep, and after it: never v1. The dead writer's row is replayed, then it leaves the fence.
      await readUntilCached(reader, rec.id, 2);
      expect(await pendingRows()).toBe(0);
      expect((await members()).length).toBe(childJoined.length - 1);
    } finally {
      await child.kill9();
      proxy.thaw();
      await proxy.stop();
    }
  });
});
