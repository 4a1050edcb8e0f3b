/**
 * Ingest benchmark: raw multi-row INSERT (physical limit) vs the batch API vs the single API,
 * in one run on the same tables; then the single API with and without API keys (A/B, alternating
 * rounds on the same tables, each a fresh API process). See README.md beside this file.
 */
import { spawn, ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { ApiKeys } from '@shardline/auth';
import { MysqlApiKeyStore } from '@shardline/auth/mysql';
import autocannon from 'autocannon';
import { shardingConfigFromEnv } from '@shardline/sharding';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { migrateAll } from '../../migrations/migrate';
import { rawInsert } from './raw-insert';
import { makeRecord, percentile } from './workload';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const TOTAL = env('BENCH_RECORDS', 200_000);
const PER_REQUEST = 10_000;
const BATCH_CONCURRENCY = env('BENCH_BATCH_CONCURRENCY', 2);
const SINGLE_CONNECTIONS = env('BENCH_SINGLE_CONNECTIONS', 64);
const SINGLE_SECONDS = env('BENCH_SINGLE_SECONDS', 15);
const PAYLOAD = env('BENCH_PAYLOAD_BYTES', 200);
const PORT = env('BENCH_PORT', 3999);
/** Comma-separated subset of raw,batch,single,auth (e.g. to profile one phase). */
const PHASES = new Set((process.env.BENCH_PHASES ?? 'raw,batch,single,auth').split(','));
/** Neither API keys nor rate limits: the baseline of the auth phase and the API of batch/single. */
const unguardedEnv = { SHARDLINE_AUTH: 'off', SHARDLINE_RATE_LIMIT_ENABLED: 'false' };
/** API keys required and rate limiting on, with limits no client of this bench reaches (their overhead, not their refusals). */
const guardedEnv = {
  SHARDLINE_AUTH: 'required',
  SHARDLINE_RATE_LIMIT_ENABLED: 'true',
  SHARDLINE_RATE_LIMIT_WRITER: '10000000',
  SHARDLINE_RATE_LIMIT_WRITER_BURST: '10000000',
  SHARDLINE_RATE_LIMIT_KEY_PREFIX: `bench:${process.pid}:rl`,
};
/** Rounds of the auth A/B (each: single without keys and limits, then with both; the ratio is of the means). */
const AUTH_ROUNDS = env('BENCH_AUTH_ROUNDS', 2);
/** Extra node flags for the API process, e.g. BENCH_API_NODE_ARGS=--cpu-prof to profile it. */
const API_NODE_ARGS = (process.env.BENCH_API_NODE_ARGS ?? '').split(' ').filter(Boolean);
const benchEnv = { SHARDLINE_SHARD_DB_PREFIX: 'bench_data_db_', SHARDLINE_CONTROL_DB: 'bench_control' };

async function main(): Promise<void> {
  const config = shardingConfigFromEnv({ ...process.env, ...benchEnv });
  console.log(`# ingest benchmark: ${TOTAL} records per phase, ~${PAYLOAD} B data_content, ${config.shards.length} shards, node ${process.version}`);
  await resetTables(config);

  const raw = PHASES.has('raw') ? await rawInsert(config, TOTAL, PER_REQUEST, BATCH_CONCURRENCY, PAYLOAD) : NaN;
  if (PHASES.has('raw')) console.log(`raw multi-row INSERT (events+outbox+records): ${fmt(raw)} records/s  [${BATCH_CONCURRENCY} concurrent 10k-record transactions x ${config.shards.length} shards]`);

  if (PHASES.has('batch') || PHASES.has('single')) await apiPhases(raw);
  if (PHASES.has('auth')) await authPhase(config);
}

/** The batch and single phases on one API process, without API keys. */
async function apiPhases(raw: number): Promise<void> {
  const api = await startApi(unguardedEnv);
  try {
    const batch = PHASES.has('batch') ? await batchPhase() : { rate: NaN, p50: NaN, p99: NaN };
    if (PHASES.has('batch')) console.log(`batch API  POST /data/batch:                ${fmt(batch.rate)} records/s  [${BATCH_CONCURRENCY} concurrent requests of ${PER_REQUEST}; request p50 ${batch.p50.toFixed(0)} ms, p99 ${batch.p99.toFixed(0)} ms]`);
    const single = PHASES.has('single') ? await singlePhase() : { rate: NaN, p50: NaN, p99: NaN, errors: 0 };
    if (PHASES.has('single')) console.log(
      `single API POST /data/single:               ${fmt(single.rate)} records/s  [${SINGLE_CONNECTIONS} connections, ${SINGLE_SECONDS}s; latency p50 ${single.p50} ms, p99 ${single.p99} ms; non-2xx ${single.errors}]`,
    );
    if (PHASES.has('raw') && PHASES.has('batch')) console.log(`ratio batch/raw: ${(batch.rate / raw).toFixed(2)}  (target >= 0.70)`);
    if (PHASES.has('single')) console.log(`single: ${single.rate >= 5000 && single.p99 < 50 ? 'meets' : 'misses'} target (>= 5,000/s at p99 < 50 ms)`);
  } finally {
    await stopApi(api);
  }
}

/**
 * The overhead of authentication + rate limiting on the single path: alternating rounds of a fresh
 * API with neither and with both (every request carrying a writer key, taking a token in Redis), same tables, same
 * load. Prints each round, the ratio of the mean rates (target >= 0.9) and the API process's CPU
 * per record (steadier than rates on a shared machine).
 */
async function authPhase(config: ReturnType<typeof shardingConfigFromEnv>): Promise<void> {
  const dbs = new ShardDatabases(config);
  const token = (await new ApiKeys(new MysqlApiKeyStore(dbs.control)).create({ name: 'bench', roles: ['writer'] }).finally(() => dbs.destroy())).token;
  const rounds: Record<'off' | 'keys', Array<{ rate: number; p99: number; cpuUs: number }>> = { off: [], keys: [] };
  for (let round = 0; round < AUTH_ROUNDS; round++) {
    for (const mode of ['off', 'keys'] as const) {
      const api = await startApi(mode === 'off' ? unguardedEnv : guardedEnv);
      try {
        const cpu0 = cpuMicros(api.pid!);
        const r = await singlePhase(mode === 'keys' ? { authorization: `Bearer ${token}` } : {});
        const cpuUs = (cpuMicros(api.pid!) - cpu0) / Math.max(1, r.rate * SINGLE_SECONDS);
        rounds[mode].push({ rate: r.rate, p99: r.p99, cpuUs });
        console.log(`single API, auth ${mode.padEnd(4)} (round ${round + 1}): ${fmt(r.rate)} records/s  [p50 ${r.p50} ms, p99 ${r.p99} ms; non-2xx ${r.errors}; api CPU ${cpuUs.toFixed(0)} µs/record]`);
      } finally {
        await stopApi(api);
      }
    }
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const on = mean(rounds.keys.map((r) => r.rate));
  const off = mean(rounds.off.map((r) => r.rate));
  const cpuOn = mean(rounds.keys.map((r) => r.cpuUs));
  const cpuOff = mean(rounds.off.map((r) => r.cpuUs));
  console.log(`ratio single with keys + rate limits / without: ${(on / off).toFixed(2)}  (target >= 0.90; means of ${AUTH_ROUNDS} rounds: ${fmt(on)} vs ${fmt(off)} records/s)`);
  console.log(`api CPU per record with keys / without: ${(cpuOn / cpuOff).toFixed(2)}  (${cpuOn.toFixed(0)} vs ${cpuOff.toFixed(0)} µs/record)`);
}

/** User + system CPU of a process so far, in microseconds (Linux /proc; clock ticks of 10 ms). */
function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

async function stopApi(api: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => api.once('exit', resolve));
  api.kill('SIGTERM');
  await exited;
}

async function resetTables(config: ReturnType<typeof shardingConfigFromEnv>): Promise<void> {
  await migrateAll(config);
  const dbs = new ShardDatabases(config);
  try {
    for (const shard of dbs.shardIndexes()) for (const t of ['events', 'outbox', 'records', 'processed_commands']) await dbs.shard(shard).raw(`TRUNCATE TABLE ${t}`);
  } finally {
    await dbs.destroy();
  }
}

async function startApi(extraEnv: Record<string, string>): Promise<ChildProcess> {
  if (!existsSync('dist/apps/api/main.js')) throw new Error('build the API first: npm run build');
  const child = spawn(process.execPath, [...API_NODE_ARGS, 'dist/apps/api/main.js'], {
    env: { ...process.env, ...benchEnv, SHARDLINE_HTTP_PORT: String(PORT), SHARDLINE_HTTP_HOST: '127.0.0.1', SHARDLINE_WORKER_ID: '901', SHARDLINE_LOG_LEVEL: 'warn', ...extraEnv },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${PORT}/health/ready`)).ok) return child;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill();
  throw new Error('API did not become ready');
}

async function batchPhase() {
  const bodies: string[] = [];
  for (let start = 0; start < TOTAL; start += PER_REQUEST) {
    bodies.push(JSON.stringify({ data: Array.from({ length: Math.min(PER_REQUEST, TOTAL - start) }, (_, k) => makeRecord(TOTAL + start + k, PAYLOAD)) }));
  }
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: BATCH_CONCURRENCY }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++];
        const t0 = performance.now();
        const res = await fetch(`http://127.0.0.1:${PORT}/api/v1/data/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        const json = (await res.json()) as { created: number };
        if (res.status !== 201 || json.created !== PER_REQUEST) throw new Error(`batch failed: ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { rate: TOTAL / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

async function singlePhase(headers: Record<string, string> = {}) {
  let i = 0;
  const result = await autocannon({
    url: `http://127.0.0.1:${PORT}`,
    connections: SINGLE_CONNECTIONS,
    duration: SINGLE_SECONDS,
    requests: [
      {
        method: 'POST',
        path: '/api/v1/data/single',
        headers: { 'content-type': 'application/json', ...headers },
        setupRequest: (req) => ({ ...req, body: JSON.stringify(makeRecord(3 * TOTAL + i++, PAYLOAD)) }),
      },
    ],
  });
  return {
    rate: result['2xx'] / SINGLE_SECONDS,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.non2xx + result.errors,
  };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US').padStart(8);

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
