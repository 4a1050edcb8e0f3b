/**
 * Id-lookup benchmark of the query API: the same hot set of records read through a query-api
 * with the cache (LRU -> Redis -> shard) and through one with the cache off (shard every time).
 * Prints p50/p99 per mode and where the cached instance answered from. See README.md.
 */
import { spawn, ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import autocannon from 'autocannon';
import { shardingConfigFromEnv } from '@shardline/sharding';
import { migrateAll } from '../../migrations/migrate';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const RECORDS = env('BENCH_RECORDS', 5_000);
/** Closed-loop concurrency levels, each run for BENCH_SECONDS (comma-separated). */
const CONNECTION_LEVELS = (process.env.BENCH_CONNECTIONS ?? '8,32').split(',').map(Number);
const SECONDS = env('BENCH_SECONDS', 10);
const PORT = env('BENCH_PORT', 3998);
const benchEnv = {
  SHARDLINE_SHARD_DB_PREFIX: 'bench_data_db_',
  SHARDLINE_CONTROL_DB: 'bench_control',
  SHARDLINE_CACHE_KEY_PREFIX: `bench:${Date.now()}:record:`,
  SHARDLINE_LOG_LEVEL: 'warn',
  // One client drives far more than the anonymous limit: this bench measures reads, not limits (bench:ingest does).
  SHARDLINE_RATE_LIMIT_ENABLED: 'false',
};

async function main(): Promise<void> {
  const config = shardingConfigFromEnv({ ...process.env, ...benchEnv });
  await migrateAll(config);
  const paths = await seed();
  console.log(`# id-lookup benchmark: ${paths.length} records read in rotation, ${CONNECTION_LEVELS.join('/')} connections, ${SECONDS}s per mode, node ${process.version}`);
  for (const mode of ['cache', 'shard'] as const) {
    const port = PORT + (mode === 'cache' ? 0 : 1);
    const child = await startQueryApi(port, mode === 'cache');
    try {
      await load(port, paths, 3, 8); // warm-up: JIT, pools, and (cache mode) fill Redis and the LRU
      const label = mode === 'cache' ? 'cache hit (LRU->Redis)' : 'shard (cache off)     ';
      let worstP99 = 0;
      for (const connections of CONNECTION_LEVELS) {
        const r = await load(port, paths, SECONDS, connections);
        worstP99 = Math.max(worstP99, r.latency.p99);
        console.log(`${label} ${String(connections).padStart(3)} connections: ${summary(r)}`);
      }
      if (mode === 'cache') {
        console.log(`  answered from: ${await answeredFrom(port)}`);
        console.log(`target id lookup p99 < 10 ms on cache hit: ${worstP99 < 10 ? 'met' : 'missed'} (worst p99 ${worstP99} ms)`);
      }
    } finally {
      child.kill('SIGTERM');
    }
  }
}

/** Creates the records through the real API (built, in its own process; only for seeding). */
async function seed(): Promise<string[]> {
  const api = await startApp('dist/apps/api/main.js', PORT + 2, { SHARDLINE_HTTP_PORT: String(PORT + 2), SHARDLINE_HTTP_HOST: '127.0.0.1', SHARDLINE_WORKER_ID: '902' });
  const url = `http://127.0.0.1:${PORT + 2}`;
  const paths: string[] = [];
  try {
    for (let start = 0; start < RECORDS; start += 1000) {
      const data = Array.from({ length: Math.min(1000, RECORDS - start) }, (_, i) => ({
        business_id: `bench-biz-${(start + i) % 97}`,
        user_id: 1 + ((start + i) % 1000),
        data_content: { n: start + i, text: 'x'.repeat(200) },
      }));
      const res = await fetch(`${url}/api/v1/data/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ data }) });
      const body = (await res.json()) as { results: Array<{ id: string; business_id: string }> };
      paths.push(...body.results.map((r) => `/api/v1/data/${r.business_id}/${r.id}`));
    }
  } finally {
    api.kill('SIGTERM');
  }
  return paths;
}

function startQueryApi(port: number, cache: boolean): Promise<ChildProcess> {
  return startApp('dist/apps/query-api/main.js', port, { SHARDLINE_QUERY_HTTP_PORT: String(port), SHARDLINE_QUERY_HTTP_HOST: '127.0.0.1', SHARDLINE_CACHE_ENABLED: String(cache) });
}

async function startApp(main: string, port: number, extraEnv: Record<string, string>): Promise<ChildProcess> {
  if (!existsSync(main)) throw new Error(`build it first (${main}): npm run build && npm run build:query-api`);
  const child = spawn(process.execPath, [main], { env: { ...process.env, SHARDLINE_AUTH: 'off', ...benchEnv, ...extraEnv }, stdio: ['ignore', 'inherit', 'inherit'] });
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health/ready`)).ok) return child;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill();
  throw new Error(`${main} did not become ready`);
}

function summary(r: autocannon.Result): string {
  return `p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, max ${r.latency.max} ms, ${Math.round(r.requests.average)} req/s, non-2xx ${r.non2xx}`;
}

function load(port: number, paths: string[], seconds: number, connections: number): Promise<autocannon.Result> {
  let next = 0;
  return autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration: seconds,
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: paths[next++ % paths.length] }) }],
  });
}

async function answeredFrom(port: number): Promise<string> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const counts = [...text.matchAll(/^shardline_record_cache_lookups_total\{result="(\w+)"[^}]*\} (\d+)/gm)].map((m) => `${m[1]}=${m[2]}`);
  return counts.join(' ');
}

void main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
