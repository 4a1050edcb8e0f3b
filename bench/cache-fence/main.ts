/**
 * Costs of the cache fence (docs/adr/0006), each against a baseline measured in the same run:
 *  1. read path: the lookup script with the writers' lease check vs without it, on the same
 *     records and connection, interleaved rounds (ratio with/without, Redis CPU per lookup);
 *  2. write path: PATCH latency through the real api while Redis is reachable vs while it is
 *     closed (the fenced path: record on the shard; the first write also waits out the lease);
 *  3. rejoin: Redis back while BENCH_REJOIN_CLIENTS clients keep PATCHing: time until the writer
 *     is a member again (readers use the cache again), and what those PATCHes answered meanwhile.
 * Run: node -r ./scripts/register-ts.cjs bench/cache-fence/main.ts (Nest needs decorator metadata).
 */
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { lookupScript, writerLeasesKey } from '@shardline/records-cache';
import { startApi } from '../../test/support/api-harness';
import { createTestDatabases } from '../../test/support/test-databases';
import { TcpProxy } from '../../test/support/tcp-proxy';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const LOOKUPS = env('BENCH_LOOKUPS', 200_000);
const IN_FLIGHT = env('BENCH_IN_FLIGHT', 64);
const WRITERS = env('BENCH_WRITERS', 5);
const PATCHES = env('BENCH_PATCHES', 300);
const REJOIN_CLIENTS = env('BENCH_REJOIN_CLIENTS', 4);
const REJOIN_TIMEOUT_MS = env('BENCH_REJOIN_TIMEOUT_MS', 30_000);
const ROUNDS = 4;

type Lookup = (key: string, leases: string, known: string, fresh: string, ttl: number) => Promise<unknown>;

async function main(): Promise<void> {
  console.log(`# cache fence costs, node ${process.version}`);
  await readPath();
  await writePath();
}

async function readPath(): Promise<void> {
  const redis = new Redis({ enableAutoPipelining: true });
  const prefix = `bench-fence-${randomBytes(3).toString('hex')}:`;
  const leases = writerLeasesKey(prefix);
  redis.defineCommand('withCheck', { numberOfKeys: 2, lua: lookupScript({ checkWriterLeases: true }) });
  redis.defineCommand('withoutCheck', { numberOfKeys: 2, lua: lookupScript({ checkWriterLeases: false }) });
  const [seconds] = await redis.time();
  for (let i = 0; i < WRITERS; i++) await redis.hset(leases, `writer-${i}`, String((Number(seconds) + 3600) * 1000));
  const keys = Array.from({ length: 1000 }, (_, i) => `${prefix}${1000 + i}:biz`);
  const payload = JSON.stringify({ id: '1', data_content: { text: 'x'.repeat(300) }, version: 3 });
  for (const key of keys) await redis.hset(key, 'g', 'tok', 'dg', 'tok', 'd', payload);
  const variants: Record<string, Lookup> = {
    'with lease check   ': (redis as unknown as { withCheck: Lookup }).withCheck.bind(redis),
    'without (baseline) ': (redis as unknown as { withoutCheck: Lookup }).withoutCheck.bind(redis),
  };
  const totals: Record<string, { ms: number; cpu: number; latencies: number[] }> = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, lookup] of Object.entries(variants)) {
      const cpuBefore = await redisCpuSeconds(redis);
      const started = performance.now();
      const latencies = await closedLoop(LOOKUPS / ROUNDS, IN_FLIGHT, (i) => lookup(keys[i % keys.length], leases, '', 'fresh', 600_000));
      const ms = performance.now() - started;
      const cpu = (await redisCpuSeconds(redis)) - cpuBefore;
      const t = (totals[name] ??= { ms: 0, cpu: 0, latencies: [] });
      // The first round warms up (script cache, JIT): not counted.
      if (round > 0) Object.assign(t, { ms: t.ms + ms, cpu: t.cpu + cpu, latencies: t.latencies.concat(latencies) });
    }
  }
  console.log(`## read path: lookup script, ${WRITERS} writer leases, ${IN_FLIGHT} in flight, ${((LOOKUPS / ROUNDS) * (ROUNDS - 1)).toLocaleString()} hits per variant (interleaved rounds)`);
  const rate = (name: string) => (totals[name].latencies.length / totals[name].ms) * 1000;
  for (const name of Object.keys(variants)) {
    const t = totals[name];
    console.log(`${name} ${Math.round(rate(name)).toLocaleString()} lookups/s, p50 ${pct(t.latencies, 50)} ms p99 ${pct(t.latencies, 99)} ms, Redis CPU ${((t.cpu / t.latencies.length) * 1e6).toFixed(1)} µs/lookup`);
  }
  const [withName, withoutName] = Object.keys(variants);
  const cpuRatio = totals[withName].cpu / totals[withName].latencies.length / (totals[withoutName].cpu / totals[withoutName].latencies.length);
  console.log(`ratio with/without: throughput ${(rate(withName) / rate(withoutName)).toFixed(2)}, Redis CPU per lookup ${cpuRatio.toFixed(2)} (Redis is shared: other load skews its CPU figures)`);
  await redis.del(leases, ...keys);
  await redis.quit();
}

async function writePath(): Promise<void> {
  const dbs = await createTestDatabases(2);
  const proxy = new TcpProxy('127.0.0.1', 6379);
  const port = await proxy.start();
  const api = await startApi(dbs.config, { SHARDLINE_REDIS_URL: `redis://127.0.0.1:${port}`, SHARDLINE_CACHE_KEY_PREFIX: `bench-fence-${randomBytes(3).toString('hex')}:`, SHARDLINE_SAGAS_ENABLED: 'false' });
  try {
    const ids: string[] = [];
    for (let i = 0; i < 50; i++) ids.push((await api.request('POST', '/api/v1/data/single', { business_id: `b${i % 7}`, user_id: 1, data_content: { n: 0 } })).body.id);
    let n = 0;
    const patch = async () => {
      const i = n++;
      const res = await api.request('PATCH', `/api/v1/data/b${(i % ids.length) % 7}/${ids[i % ids.length]}`, { data_content: { n: i } });
      if (res.status !== 200) throw new Error(`PATCH answered ${res.status}: ${JSON.stringify(res.body)}`);
    };
    await closedLoop(100, 1, patch); // warm-up
    const up = await closedLoop(PATCHES, 1, patch);
    await proxy.stop();
    const first = await closedLoop(1, 1, patch);
    const fenced = await closedLoop(PATCHES, 1, patch);
    console.log(`## write path: PATCH through the api, one client, default fence settings, ${PATCHES} per phase`);
    console.log(`Redis reachable (DEL)       p50 ${pct(up, 50)} ms p99 ${pct(up, 99)} ms`);
    console.log(`Redis closed, first write   ${first[0].toFixed(0)} ms (waits out the lease sent by the last heartbeat)`);
    console.log(`Redis closed, while fenced  p50 ${pct(fenced, 50)} ms p99 ${pct(fenced, 99)} ms (recorded on the shard, no wait)`);
    console.log(`ratio fenced/reachable: p50 ${(pct(fenced, 50) / pct(up, 50)).toFixed(2)}, p99 ${(pct(fenced, 99) / pct(up, 99)).toFixed(2)}`);
    await proxy.start(port);
    const rejoin = await timeToRejoin(api, ids);
    const answered = Object.entries(rejoin.statuses)
      .map(([status, count]) => `${count} × ${status}`)
      .join(', ');
    const took = rejoin.ms === null ? `NOT a member again after ${REJOIN_TIMEOUT_MS / 1000} s` : `member again after ${rejoin.ms.toFixed(0)} ms`;
    console.log(`Redis back, ${REJOIN_CLIENTS} clients PATCHing: ${took} (includes the client's reconnect); PATCHes meanwhile: ${answered || 'none'}`);
  } finally {
    await api.close();
    await proxy.stop();
    await dbs.drop();
  }
}

/** Redis is back: PATCHes go on from REJOIN_CLIENTS clients until the api's fence state reads 0 (member), or the timeout. */
async function timeToRejoin(api: Awaited<ReturnType<typeof startApi>>, ids: string[]): Promise<{ ms: number | null; statuses: Record<number, number> }> {
  const backAt = performance.now();
  const statuses: Record<number, number> = {};
  let ms: number | null = null;
  const going = () => ms === null && performance.now() - backAt < REJOIN_TIMEOUT_MS;
  let n = 0;
  const clients = Array.from({ length: REJOIN_CLIENTS }, async () => {
    while (going()) {
      const i = n++;
      const res = await api.request('PATCH', `/api/v1/data/b${(i % ids.length) % 7}/${ids[i % ids.length]}`, { data_content: { rejoin: i } });
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
    }
  });
  const watch = (async () => {
    while (going()) {
      const metrics = await (await fetch(api.url.replace('[::1]', '127.0.0.1') + '/metrics')).text();
      if (/^shardline_cache_fence_state(\{[^}]*\})? 0$/m.test(metrics)) ms = performance.now() - backAt;
      else await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  await Promise.all([...clients, watch]);
  return { ms, statuses };
}

/** Runs `count` operations with at most `inFlight` at once; answers each one's latency (ms). */
async function closedLoop(count: number, inFlight: number, op: (i: number) => Promise<unknown>): Promise<number[]> {
  const latencies: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < count) {
        const i = next++;
        const started = performance.now();
        await op(i);
        latencies.push(performance.now() - started);
      }
    }),
  );
  return latencies;
}

function pct(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Number(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))].toFixed(2));
}

async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const value = (name: string) => Number(info.match(new RegExp(`^${name}:([\\d.]+)`, 'm'))?.[1] ?? 0);
  return value('used_cpu_sys') + value('used_cpu_user');
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
