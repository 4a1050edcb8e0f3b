import { randomUUID } from 'node:crypto';
import { createServerPool } from '@shardline/sharding/mysql';
import { ApiHarness, ApiResponse, expectStatus, startApi } from '../support/api-harness';
import { businessOnShard } from '../support/business-on-shard';
import { TcpProxy } from '../support/tcp-proxy';
import { createTestDatabases, TestDatabases } from '../support/test-databases';

const SLOW = 1;
/**
 * Each chunk is this late each way, so anything the slow shard does takes at least one round trip,
 * 10 s — far above what any request takes on a starved machine (at load 12–16 on 2 cores, the api
 * in this process answered healthy requests in up to 4.2 s and refused with SHARD_BUSY in up to
 * 6.9 s: with shorter delays contention could not be told from waiting behind the slow shard).
 */
const DELAY_MS = 5000;
const SLOW_ROUND_TRIP_MS = 2 * DELAY_MS;
/** A healthy request this slow waited behind the slow shard. */
const HEALTHY_MAX_MS = SLOW_ROUND_TRIP_MS;
const WAIT_MS = 1500;
const QUEUE_MAX = 40;
/** Small on purpose: unbounded, the slow shard's waiting writes alone would fill it. */
const IN_FLIGHT_BYTES = 16 * 1024;

interface Timed {
  response: ApiResponse;
  ms: number;
}

async function timed(request: Promise<ApiResponse>): Promise<Timed> {
  const started = performance.now();
  const response = await request;
  return { response, ms: performance.now() - started };
}

/**
 * Security and operations issue, resilience: a shard that is slow, not down, must not take the
 * api with it. Each shard's waiting writes are bounded in number (SHARDLINE_SHARD_WRITE_QUEUE_MAX)
 * and in time (SHARDLINE_SHARD_WRITE_WAIT_MS); beyond, 503 EVENT_STORE.SHARD_BUSY at once, with
 * nothing written. So the slow shard holds a bounded share of the process's write admission, and
 * the other shards keep answering at their own speed.
 */
describe('a shard that is slow (not down)', () => {
  let dbs: TestDatabases;
  let proxy: TcpProxy;
  let api: ApiHarness;

  beforeAll(async () => {
    dbs = await createTestDatabases(4);
    const target = dbs.config.shards[SLOW];
    proxy = new TcpProxy(target.host, target.port);
    const port = await proxy.start();
    api = await startApi(
      { ...dbs.withShardAt(SLOW, '127.0.0.1', port), queryTimeoutMs: 30_000 },
      {
        SHARDLINE_SAGAS_ENABLED: 'false',
        // Five appends per group: a slow shard costs per row, as an overloaded disk would.
        SHARDLINE_GROUP_COMMIT_MAX: '5',
        SHARDLINE_SHARD_WRITE_QUEUE_MAX: String(QUEUE_MAX),
        SHARDLINE_SHARD_WRITE_WAIT_MS: String(WAIT_MS),
        SHARDLINE_HTTP_MAX_IN_FLIGHT_BYTES: String(IN_FLIGHT_BYTES),
      },
    );
  });
  afterAll(async () => {
    proxy?.slow(0);
    await api?.close();
    await proxy?.stop();
    await dbs?.drop();
  });

  const padding = 'x'.repeat(120);
  const create = (businessId: string) => api.request('POST', '/api/v1/data/single', { business_id: businessId, user_id: 1, data_content: { padding } });

  it('answers the other shards at their own speed, and the slow one with 201 or a quick 503 SHARD_BUSY that wrote nothing', async () => {
    const tag = randomUUID().slice(0, 8);
    for (const shard of [0, 1, 2, 3]) expectStatus(await create(businessOnShard(shard, `${tag}-warm`)), 201); // connections open
    const healthyRead = await create(businessOnShard(2, `${tag}-read`));
    expectStatus(healthyRead, 201);

    proxy.slow(DELAY_MS);
    const floodIds = Array.from({ length: 150 }, (_, i) => businessOnShard(SLOW, `${tag}-flood-${i}`));
    const flood = Promise.all(floodIds.map((id) => timed(create(id))));
    // Meanwhile, steady traffic to the healthy shards: writes and reads, six at a time.
    const healthy: Timed[] = [];
    for (let round = 0; round < 10; round++) {
      const batch = await Promise.all([
        ...[0, 2, 3].map((shard) => timed(create(businessOnShard(shard, `${tag}-ok-${round}-${shard}`)))),
        ...[0, 1, 2].map(() => timed(api.request('GET', `/api/v1/data/${healthyRead.body.business_id}/${healthyRead.body.id}`))),
      ]);
      healthy.push(...batch);
    }
    const floodAnswers = await flood;
    proxy.slow(0);

    for (const { response, ms } of healthy) {
      if (response.status !== 201 && response.status !== 200) throw new Error(`a healthy shard answered ${response.status}: ${JSON.stringify(response.body)}`);
      // Anything on the slow shard takes a 10 s round trip at least: a healthy request waiting behind it would show.
      expect(ms).toBeLessThan(HEALTHY_MAX_MS);
    }

    const codes = floodAnswers.map(({ response }) => response.body?.error?.code ?? response.status);
    console.log(`slow-shard flood: ${JSON.stringify(Object.fromEntries([...new Set(codes)].map((c) => [c, codes.filter((x) => x === c).length])))}, slowest ${Math.round(Math.max(...floodAnswers.map((a) => a.ms)))} ms; healthy slowest ${Math.round(Math.max(...healthy.map((h) => h.ms)))} ms`);
    const busy = floodAnswers.filter(({ response }) => response.body?.error?.code === 'EVENT_STORE.SHARD_BUSY');
    const created = floodAnswers.filter(({ response }) => response.status === 201);
    for (const { response } of floodAnswers) {
      if (response.status === 201) continue;
      expectStatus(response, 503);
      expect(['EVENT_STORE.SHARD_BUSY', 'SERVER.OVERLOADED']).toContain(response.body.error.code);
      expect(response.headers.get('retry-after')).toBeTruthy();
    }
    expect(busy.length).toBeGreaterThan(0);
    expect(created.length).toBeGreaterThan(0);
    // Refused at the wait bound (plus a starved machine's slack), before the slow shard could have served them.
    for (const { ms } of busy) expect(ms).toBeLessThan(SLOW_ROUND_TRIP_MS);

    // Nothing half-written: exactly the acknowledged creates are stored, read straight from the shard.
    const server = createServerPool(dbs.config.shards[SLOW]);
    try {
      const [rows] = await server.raw(`SELECT business_id FROM \`${dbs.config.shards[SLOW].database}\`.records WHERE business_id IN (${floodIds.map(() => '?').join(',')})`, floodIds);
      const stored = new Set((rows as Array<{ business_id: string }>).map((row) => row.business_id));
      expect([...stored].sort()).toEqual(created.map(({ response }) => response.body.business_id as string).sort());
    } finally {
      await server.destroy();
    }

    // Fast again: the slow shard answers as before.
    expectStatus(await create(businessOnShard(SLOW, `${tag}-after`)), 201);
  });

  it('answers reads of the slow shard within bounded time while the other shards keep answering theirs', async () => {
    const tag = randomUUID().slice(0, 8);
    const onSlow = await create(businessOnShard(SLOW, `${tag}-r`));
    const onFast = await create(businessOnShard(3, `${tag}-r`));
    expectStatus(onSlow, 201);
    expectStatus(onFast, 201);
    const read = (record: ApiResponse) => timed(api.request('GET', `/api/v1/data/${record.body.business_id}/${record.body.id}`));
    proxy.slow(DELAY_MS);
    try {
      const slowReads = Promise.all(Array.from({ length: 30 }, () => read(onSlow)));
      const fastReads = await Promise.all(Array.from({ length: 30 }, () => read(onFast)));
      for (const { response, ms } of fastReads) {
        expectStatus(response, 200);
        expect(ms).toBeLessThan(HEALTHY_MAX_MS);
      }
      for (const { response, ms } of await slowReads) {
        if (response.status !== 200) {
          expectStatus(response, 503);
          expect(response.body.error.code).toBe('EVENT_STORE.SHARD_UNAVAILABLE');
        }
        // Pool wait (connect timeout + 1 s) plus one slow query, never a pile-up of 30 reads on the pool.
        expect(ms).toBeLessThan(2 * SLOW_ROUND_TRIP_MS);
      }
    } finally {
      proxy.slow(0);
    }
  });
});
