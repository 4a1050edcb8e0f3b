import { randomBytes } from 'node:crypto';
import { ApiHarness, ApiResponse, expectStatus, startApi } from '../support/api-harness';
import { createTestDatabases, TestDatabases } from '../support/test-databases';
import { TcpProxy } from '../support/tcp-proxy';
import { waitFor } from '../support/wait-for';

const REDIS_HOST = '127.0.0.1';
const REDIS_PORT = 6379;

/**
 * Anonymous clients (keyed by IP; the tests pick one per case with X-Forwarded-For, trustProxy
 * being on): 5 tokens a second, burst 10 (5 more over 2 s). Two processes expected, so while
 * Redis is down each one allows 2 + 2 on its own.
 */
const LIMITS = {
  SHARDLINE_RATE_LIMIT_ENABLED: 'true',
  SHARDLINE_RATE_LIMIT_ANONYMOUS: '5',
  SHARDLINE_RATE_LIMIT_ANONYMOUS_BURST: '10',
  SHARDLINE_RATE_LIMIT_PROCESSES: '2',
  SHARDLINE_RATE_LIMIT_BYTES_PER_TOKEN: '1024',
  SHARDLINE_SAGAS_ENABLED: 'false',
};

let nextClient = 0;
/** A client address of its own (TEST-NET-3, only ever a header value), so each case starts with a full bucket. */
const newClient = () => `203.0.113.${++nextClient}`;

/** A cheap, always-present route. */
const get = (api: ApiHarness, client: string) => api.request('GET', '/api/v1/openapi.json', undefined, { 'x-forwarded-for': client });
const burst = (api: ApiHarness, client: string, n: number) => Promise.all(Array.from({ length: n }, () => get(api, client)));
const statuses = (responses: ApiResponse[]) => responses.map((r) => r.status).sort();
const count = (responses: ApiResponse[], status: number) => responses.filter((r) => r.status === status).length;

async function refusals(api: ApiHarness, decidedBy: 'redis' | 'local'): Promise<number> {
  const res = await fetch(api.url.replace('[::1]', '127.0.0.1') + '/metrics', { headers: { 'x-forwarded-for': newClient() } });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET /metrics answered ${res.status}: ${text}`);
  const line = text.split('\n').find((l) => l.startsWith('shardline_rate_limit_refusals_total{') && l.includes('role="anonymous"') && l.includes(`decided_by="${decidedBy}"`));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('rate limits: per-key token buckets shared through Redis', () => {
  let dbs: TestDatabases;
  let a: ApiHarness;
  let b: ApiHarness;

  beforeAll(async () => {
    dbs = await createTestDatabases(1);
    const env = { ...LIMITS, SHARDLINE_RATE_LIMIT_KEY_PREFIX: `t${randomBytes(4).toString('hex')}:rl` };
    a = await startApi(dbs.config, { ...env, SHARDLINE_WORKER_ID: '31' });
    b = await startApi(dbs.config, { ...env, SHARDLINE_WORKER_ID: '32' });
    await Promise.all([get(a, newClient()), get(b, newClient())]); // first requests are slow (connections, JIT): not inside a case's window
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await dbs?.drop();
  });

  it('admits the burst, then answers 429 RATE_LIMIT.EXCEEDED with Retry-After and the RateLimit headers; other clients are unaffected', async () => {
    const client = newClient();
    const first = await get(a, client);
    expectStatus(first, 200);
    expect(first.headers.get('ratelimit-limit')).toBe('5');
    expect(first.headers.get('ratelimit-remaining')).toBe('4');
    expect(first.headers.get('ratelimit-policy')).toBe('5;w=1, 5;w=2');

    // Concurrently, so all of them fall in one per-second window.
    const rest = await burst(a, newClient(), 11);
    expect(statuses(rest)).toEqual([...Array(10).fill(200), 429]);
    const refused = rest.find((r) => r.status === 429)!;
    expect(refused.body.error.code).toBe('RATE_LIMIT.EXCEEDED');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(2);
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');
    expect(refused.headers.get('ratelimit-limit')).toBe('5');
    expect(Number(refused.headers.get('ratelimit-reset'))).toBeGreaterThanOrEqual(0);

    expectStatus(await get(a, newClient()), 200);
  });

  it('shares one bucket between two api processes', async () => {
    const client = newClient();
    const redisRefusalsBefore = await refusals(b, 'redis');
    const split = await Promise.all([burst(a, client, 5), burst(b, client, 5)]);
    expect(statuses(split.flat())).toEqual(Array(10).fill(200));
    expectStatus(await get(a, client), 429);
    expectStatus(await get(b, client), 429);
    expect(await refusals(b, 'redis')).toBe(redisRefusalsBefore + 1);
  });

  it('admits again once Retry-After has passed', async () => {
    const client = newClient();
    const responses = await burst(a, client, 11);
    const refused = responses.find((r) => r.status === 429);
    expect(refused).toBeDefined();
    await new Promise((resolve) => setTimeout(resolve, Number(refused!.headers.get('retry-after')) * 1000 + 50));
    expectStatus(await get(a, client), 200);
  });

  it('refuses before the body is read (malformed JSON gets 429, not 400), and charges a write by its declared size', async () => {
    const client = newClient();
    const first = await get(a, client);
    expect(first.headers.get('ratelimit-remaining')).toBe('4');
    // 3,000 bytes at 1,024 bytes per token: 3 tokens. Admitted, then refused by validation.
    const write = await a.request('POST', '/api/v1/data/batch', { data: [], pad: 'x'.repeat(2980) }, { 'x-forwarded-for': client });
    expectStatus(write, 400);
    expect(write.headers.get('ratelimit-remaining')).toBe('1');
    await burst(a, client, 6); // spends the rest of the second and the burst allowance
    const malformed = await a.request('POST', '/api/v1/data/single', '{"not json', { 'x-forwarded-for': client, 'content-type': 'application/json' });
    expectStatus(malformed, 429);
  });

  it('never limits the health endpoints', async () => {
    const client = newClient();
    await burst(a, client, 12);
    expectStatus(await get(a, client), 429);
    for (const path of ['/health/live', '/health/ready']) {
      const responses = await Promise.all(Array.from({ length: 15 }, () => a.request('GET', path, undefined, { 'x-forwarded-for': client })));
      expect(statuses(responses)).toEqual(Array(15).fill(200));
      expect(responses[0].headers.get('ratelimit-limit')).toBeNull();
    }
  });
});

describe('rate limits while Redis is unreachable', () => {
  let dbs: TestDatabases;
  let proxy: TcpProxy;
  let c: ApiHarness;
  let d: ApiHarness;

  beforeAll(async () => {
    dbs = await createTestDatabases(1);
    proxy = new TcpProxy(REDIS_HOST, REDIS_PORT);
    const port = await proxy.start();
    // The cache keeps the real Redis: only the buckets' connection goes through the proxy.
    const env = { ...LIMITS, SHARDLINE_RATE_LIMIT_KEY_PREFIX: `t${randomBytes(4).toString('hex')}:rl`, SHARDLINE_RATE_LIMIT_REDIS_URL: `redis://127.0.0.1:${port}` };
    c = await startApi(dbs.config, { ...env, SHARDLINE_WORKER_ID: '33' });
    d = await startApi(dbs.config, { ...env, SHARDLINE_WORKER_ID: '34' });
    await Promise.all([get(c, newClient()), get(d, newClient())]);
  });
  afterAll(async () => {
    await Promise.all([c?.close(), d?.close()]);
    await proxy?.stop();
    await dbs?.drop();
  });

  /** Whether the two processes share the bucket now: all 10 tokens spent on c leave none for d, and Redis (not d alone) says so. */
  const shared = async () => {
    const client = newClient();
    const before = await refusals(d, 'redis');
    const onC = await burst(c, client, 10);
    return count(onC, 200) === 10 && (await get(d, client)).status === 429 && (await refusals(d, 'redis')) === before + 1;
  };

  it('falls back to each process\'s local bucket (1/N of the limit: neither open nor closed), and shares through Redis again once it is back', async () => {
    // Precondition (the first calls through the proxy may still be connecting or loading the script).
    await waitFor('both processes to share the bucket through Redis', shared, { timeoutMs: 15_000, intervalMs: 200 });
    const localBefore = await refusals(c, 'local');

    await proxy.stop();
    const client = newClient();
    // Each process alone: 2 of the per-second tokens and 2 of the burst, out of the 5 + 5 shared ones.
    const onC = await burst(c, client, 8);
    const onD = await burst(d, client, 8);
    expect(count(onC, 200)).toBe(4);
    expect(count(onC, 429)).toBe(4);
    expect(count(onD, 200)).toBe(4);
    expect(count(onD, 429)).toBe(4);
    expect(onC.find((r) => r.status === 429)!.body.error.code).toBe('RATE_LIMIT.EXCEEDED');
    expect(await refusals(c, 'local')).toBe(localBefore + 4);
    // Not only a burst: the local buckets keep limiting for as long as Redis stays away.
    await new Promise((resolve) => setTimeout(resolve, 2100));
    expect(count(await burst(c, client, 8), 429)).toBe(4);

    await proxy.start(proxy.port);
    await waitFor('both processes to share the bucket through Redis again', shared, { timeoutMs: 15_000, intervalMs: 200 });
  });
});
