/**
 * Ingest benchmark: raw multi-row INSERT (physical limit) vs the batch API vs the single API,
 * in one run on the same tables. See README.md beside this file.
 */
import { spawn, ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
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
/** Alternating rounds (limits off, on) of the 'limited' phase. */
const LIMITED_ROUNDS = env('BENCH_LIMITED_ROUNDS', 3);
/** Comma-separated subset of raw,batch,single,limited (e.g. to profile one phase). */
const PHASES = new Set((process.env.BENCH_PHASES ?? 'raw,batch,single,limited').split(','));
/** Extra node flags for the API process, e.g. BENCH_API_NODE_ARGS=--cpu-prof to profile it. */
const API_NODE_ARGS = (process.env.BENCH_API_NODE_ARGS ?? '').split(' ').filter(Boolean);
const benchEnv = { SHARDLINE_SHARD_DB_PREFIX: 'bench_data_db_', SHARDLINE_CONTROL_DB: 'bench_control' };
/** The 'limited' phase: rate limiting on, with limits no client of this bench reaches (its overhead, not its refusals). */
const limitedEnv = {
  SHARDLINE_RATE_LIMIT_ENABLED: 'true',
  SHARDLINE_RATE_LIMIT_ANONYMOUS: '10000000',
  SHARDLINE_RATE_LIMIT_ANONYMOUS_BURST: '10000000',
  SHARDLINE_RATE_LIMIT_KEY_PREFIX: `bench:${process.pid}:rl`,
};

async function main(): Promise<void> {
  const config = shardingConfigFromEnv({ ...process.env, ...benchEnv });
  console.log(`# ingest benchmark: ${TOTAL} records per phase, ~${PAYLOAD} B data_content, ${config.shards.length} shards, node ${process.version}`);
  await resetTables(config);

  const raw = PHASES.has('raw') ? await rawInsert(config, TOTAL, PER_REQUEST, BATCH_CONCURRENCY, PAYLOAD) : NaN;
  if (PHASES.has('raw')) console.log(`raw multi-row INSERT (events+outbox+records): ${fmt(raw)} records/s  [${BATCH_CONCURRENCY} concurrent 10k-record transactions x ${config.shards.length} shards]`);

  const api = await startApi({ SHARDLINE_RATE_LIMIT_ENABLED: 'false' });
  try {
    const batch = PHASES.has('batch') ? await batchPhase() : { rate: NaN, p50: NaN, p99: NaN };
    if (PHASES.has('batch')) console.log(`batch API  POST /data/batch:                ${fmt(batch.rate)} records/s  [${BATCH_CONCURRENCY} concurrent requests of ${PER_REQUEST}; request p50 ${batch.p50.toFixed(0)} ms, p99 ${batch.p99.toFixed(0)} ms]`);
    const single = PHASES.has('single') ? await singlePhase(api) : { rate: NaN, p50: NaN, p99: NaN, errors: 0, cpuUs: NaN };
    if (PHASES.has('single')) console.log(
      `single API POST /data/single:               ${fmt(single.rate)} records/s  [${SINGLE_CONNECTIONS} connections, ${SINGLE_SECONDS}s; latency p50 ${single.p50} ms, p99 ${single.p99} ms; non-2xx ${single.errors}; api CPU ${single.cpuUs.toFixed(0)} µs/record]`,
    );
    if (PHASES.has('limited')) {
      // The same single path on a second API process with rate limiting on (every request takes a
      // token in Redis), measured in turns with the first one so that load from outside the bench
      // falls on both alike; the ratio is of the totals.
      const limitedApi = await startApi(limitedEnv, PORT + 1);
      try {
        const totals = { off: 0, on: 0, offCpu: 0, onCpu: 0 };
        for (let round = 0; round < LIMITED_ROUNDS; round++) {
          const off = await singlePhase(api);
          const on = await singlePhase(limitedApi, PORT + 1);
          totals.off += off.rate;
          totals.on += on.rate;
          totals.offCpu += off.cpuUs / LIMITED_ROUNDS;
          totals.onCpu += on.cpuUs / LIMITED_ROUNDS;
          console.log(`  round ${round + 1}: limits off ${fmt(off.rate)} records/s (p99 ${off.p99} ms), on ${fmt(on.rate)} records/s (p99 ${on.p99} ms, non-2xx ${on.errors})`);
        }
        console.log(`ratio single with/without rate limits: ${(totals.on / totals.off).toFixed(2)}  over ${LIMITED_ROUNDS} alternating rounds of ${SINGLE_SECONDS}s; api CPU ${totals.onCpu.toFixed(0)} vs ${totals.offCpu.toFixed(0)} µs/record  (issue 10 target >= 0.90 for authentication + rate limits together)`);
      } finally {
        limitedApi.kill('SIGTERM');
      }
    }
    console.log(`ratio batch/raw: ${(batch.rate / raw).toFixed(2)}  (target >= 0.70)`);
    console.log(`single: ${single.rate >= 5000 && single.p99 < 50 ? 'meets' : 'misses'} target (>= 5,000/s at p99 < 50 ms)`);
  } finally {
    api.kill('SIGTERM');
  }
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

async function startApi(extraEnv: Record<string, string>, port = PORT): Promise<ChildProcess> {
  if (!existsSync('dist/apps/api/main.js')) throw new Error('build the API first: npm run build');
  const child = spawn(process.execPath, [...API_NODE_ARGS, 'dist/apps/api/main.js'], {
    env: { ...process.env, ...benchEnv, SHARDLINE_HTTP_PORT: String(port), SHARDLINE_HTTP_HOST: '127.0.0.1', SHARDLINE_WORKER_ID: String(901 + port - PORT), SHARDLINE_LOG_LEVEL: 'warn', ...extraEnv },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health/ready`)).ok) return child;
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

/** CPU time (user + system) a process has used so far, in microseconds (Linux /proc; clock ticks of 10 ms). */
function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

let singleRuns = 0;
async function singlePhase(api: ChildProcess, port = PORT) {
  let i = 0;
  const offset = (3 + singleRuns++) * TOTAL * 10; // ids of their own per run
  const cpuBefore = cpuMicros(api.pid!);
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: SINGLE_CONNECTIONS,
    duration: SINGLE_SECONDS,
    requests: [
      {
        method: 'POST',
        path: '/api/v1/data/single',
        headers: { 'content-type': 'application/json' },
        setupRequest: (req) => ({ ...req, body: JSON.stringify(makeRecord(offset + i++, PAYLOAD)) }),
      },
    ],
  });
  return {
    cpuUs: (cpuMicros(api.pid!) - cpuBefore) / Math.max(1, result['2xx']),
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
