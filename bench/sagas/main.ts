/**
 * Saga benchmark: atomic batches (the atomic-batch saga: stage → commit point → release) beside
 * plain batches of the same size, measured the same way in one run, with CPU per record per
 * process. See README.md beside this file.
 */
import { randomBytes } from 'node:crypto';
import { shardingConfigFromEnv } from '@shardline/sharding';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { migrateAll } from '../../migrations/migrate';
import { CpuUsage } from '../pipeline/cpu-usage';
import { ChildApp } from '../../test/support/child-app';
import { freePort } from '../../test/support/free-port';
import autocannon from 'autocannon';
import { makeRecord, percentile } from '../ingest/workload';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const PER_BATCH = env('BENCH_BATCH_RECORDS', 1000);
const BATCHES = env('BENCH_BATCHES', 60);
const CONCURRENCY = env('BENCH_CONCURRENCY', 4);
const PAYLOAD = env('BENCH_PAYLOAD_BYTES', 200);
const SINGLE_SECONDS = env('BENCH_SINGLE_SECONDS', 10);
const SINGLE_CONNECTIONS = env('BENCH_SINGLE_CONNECTIONS', 32);
/** Distinct users of the single creates: each one's key is looked up once per api process and cache TTL. */
const USERS = env('BENCH_USERS', 5000);
/** Comma-separated subset of atomic,sealing. */
const PHASES = new Set((process.env.BENCH_PHASES ?? 'atomic,sealing').split(','));
const benchEnv = { SHARDLINE_SHARD_DB_PREFIX: 'bench_saga_db_', SHARDLINE_CONTROL_DB: 'bench_saga_control', SHARDLINE_SAGA_QUEUE_PREFIX: `bench${randomBytes(3).toString('hex')}`, SHARDLINE_RATE_LIMIT_ENABLED: 'false' };

interface PhaseResult {
  name: string;
  records: number;
  seconds: number;
  rate: number;
  p50: number;
  p99: number;
  cpu: Array<{ name: string; percent: number }>;
}

let sequence = 0;
const batchBody = (atomic: boolean) => JSON.stringify({ atomic, data: Array.from({ length: PER_BATCH }, () => makeRecord(sequence++, PAYLOAD)) });

async function main(): Promise<void> {
  if (PHASES.has('atomic')) await atomicPhases();
  if (PHASES.has('sealing')) await sealingPhases();
}

/**
 * The write-path cost of erasability (docs/adr/0005): single creates with personal content sealed
 * at write time (SHARDLINE_SEAL_CONTENT=true, the default) against the same load stored in clear,
 * one api process each, one after the other in this run; CPU per record per process.
 */
async function sealingPhases(): Promise<void> {
  const config = shardingConfigFromEnv({ ...process.env, ...benchEnv });
  console.log(`# write-path cost of sealing: single creates, ${SINGLE_CONNECTIONS} connections, ${SINGLE_SECONDS} s per phase, ${USERS} distinct users, a fresh api process per phase (cold key cache)`);
  await resetTables(config);
  const results: Array<{ seal: boolean; rate: number; p50: number; p99: number; cpu: Array<{ name: string; percent: number }> }> = [];
  for (const seal of [false, true, false, true]) {
    const port = await freePort();
    const api = ChildApp.built('api', { ...benchEnv, SHARDLINE_SEAL_CONTENT: String(seal), SHARDLINE_HTTP_PORT: String(port), SHARDLINE_HTTP_HOST: '127.0.0.1', SHARDLINE_WORKER_ID: '903', SHARDLINE_LOG_LEVEL: 'warn' }).start();
    try {
      await api.waitUntilReady(`http://127.0.0.1:${port}/health/ready`);
      const cpu = new CpuUsage(() => ({ api: api.pid }));
      let i = 0;
      cpu.begin();
      const result = await autocannon({
        url: `http://127.0.0.1:${port}`,
        connections: SINGLE_CONNECTIONS,
        duration: SINGLE_SECONDS,
        requests: [{ method: 'POST', path: '/api/v1/data/single', headers: { 'content-type': 'application/json' }, setupRequest: (req) => ({ ...req, body: JSON.stringify({ ...makeRecord(i++, PAYLOAD), user_id: 1 + (i % USERS) }) }) }],
      });
      const usage = cpu.end();
      results.push({ seal, rate: result['2xx'] / SINGLE_SECONDS, p50: result.latency.p50, p99: result.latency.p99, cpu: usage });
      const perRecord = (name: string) => {
        const c = usage.find((u) => u.name === name);
        return c ? ((c.percent / 100) * SINGLE_SECONDS * 1e6) / Math.max(1, result['2xx']) : NaN;
      };
      console.log(
        `single creates, content ${seal ? 'sealed' : 'in clear'}: ${Math.round(result['2xx'] / SINGLE_SECONDS).toLocaleString('en-US')} records/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, non-2xx ${result.non2xx}; api ${perRecord('api').toFixed(1)} µs, MariaDB ${perRecord('mariadb').toFixed(1)} µs per record`,
      );
    } finally {
      await api.stop();
    }
  }
  const mean = (seal: boolean) => results.filter((r) => r.seal === seal).reduce((sum, r) => sum + r.rate, 0) / 2;
  console.log(`ratio sealed/clear single-create records/s: ${(mean(true) / mean(false)).toFixed(2)} (mean of two runs each, alternated)`);
}

async function atomicPhases(): Promise<void> {
  const config = shardingConfigFromEnv({ ...process.env, ...benchEnv });
  console.log(`# saga benchmark: batches of ${PER_BATCH} records over ${config.shards.length} shards, ${BATCHES} per phase, ${CONCURRENCY} concurrent clients, ~${PAYLOAD} B data_content, node ${process.version}`);
  await resetTables(config);
  const port = await freePort();
  const api = ChildApp.built('api', { ...benchEnv, SHARDLINE_HTTP_PORT: String(port), SHARDLINE_HTTP_HOST: '127.0.0.1', SHARDLINE_WORKER_ID: '902', SHARDLINE_LOG_LEVEL: 'warn' }).start();
  const worker = ChildApp.built('saga-worker', { ...benchEnv, SHARDLINE_SAGA_OPS_PORT: String(await freePort()), SHARDLINE_LOG_LEVEL: 'warn' }).start();
  const base = `http://127.0.0.1:${port}`;
  const cpu = new CpuUsage(() => ({ api: api.pid, 'saga-worker': worker.pid }));
  try {
    await api.waitUntilReady(`${base}/health/ready`);
    await closedLoop(base, false, 8, cpu); // warm-up: connections, JIT, buffer pool
    const plain = await closedLoop(base, false, BATCHES, cpu);
    report(plain);
    const atomic = await closedLoop(base, true, BATCHES, cpu);
    report(atomic);
    const completion = await sagaCompletion(base, BATCHES);
    console.log(`atomic saga completion (accepted → released, from the saga records): p50 ${completion.p50.toFixed(0)} ms, p99 ${completion.p99.toFixed(0)} ms`);
    const halfRate = plain.rate / 2;
    const paced = await openLoop(base, halfRate / PER_BATCH, BATCHES, cpu);
    report(paced);
    const pacedCompletion = await sagaCompletion(base, BATCHES);
    console.log(`atomic saga completion at half the plain rate: p50 ${pacedCompletion.p50.toFixed(0)} ms, p99 ${pacedCompletion.p99.toFixed(0)} ms`);
    console.log('');
    console.log(`ratio atomic/plain records/s: ${(atomic.rate / plain.rate).toFixed(2)}  (target >= 0.50): ${atomic.rate / plain.rate >= 0.5 ? 'met' : 'NOT met'}`);
    const p99 = Math.max(paced.p99, pacedCompletion.p99);
    console.log(`atomic completion p99 at half the plain rate: ${p99.toFixed(0)} ms  (target < 2000 ms): ${p99 < 2000 ? 'met' : 'NOT met'}`);
  } finally {
    await Promise.all([api.stop(), worker.stop()]);
  }
}

/** `clients` back-to-back clients until `count` batches are answered 201; latency = request to 201. */
async function closedLoop(base: string, atomic: boolean, count: number, cpu: CpuUsage): Promise<PhaseResult> {
  const bodies = Array.from({ length: count }, () => batchBody(atomic));
  const latencies: number[] = [];
  let next = 0;
  cpu.begin();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < bodies.length; i = next++) latencies.push(await post(base, bodies[i]));
    }),
  );
  return result(atomic ? 'atomic batch (201 = committed, visible)' : 'plain batch', count, started, latencies, cpu);
}

/** Atomic batches started at a fixed rate (batches/s), whatever the answers take: latency from the due time. */
async function openLoop(base: string, batchesPerSecond: number, count: number, cpu: CpuUsage): Promise<PhaseResult> {
  const bodies = Array.from({ length: count }, () => batchBody(true));
  const latencies: number[] = [];
  cpu.begin();
  const started = performance.now();
  await Promise.all(
    bodies.map(async (body, i) => {
      const due = started + (i * 1000) / batchesPerSecond;
      await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
      await post(base, body);
      latencies.push(performance.now() - due);
    }),
  );
  return result(`atomic batch at ${(batchesPerSecond * PER_BATCH).toFixed(0)} records/s offered (half the plain rate)`, count, started, latencies, cpu);
}

async function post(base: string, body: string): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(`${base}/api/v1/data/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const json = (await res.json()) as { created?: number };
  if (res.status !== 201 || json.created !== PER_BATCH) throw new Error(`batch answered ${res.status}: ${JSON.stringify(json).slice(0, 300)}`);
  return performance.now() - t0;
}

function result(name: string, batches: number, started: number, latencies: number[], cpu: CpuUsage): PhaseResult {
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { name, records: batches * PER_BATCH, seconds, rate: (batches * PER_BATCH) / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), cpu: cpu.end() };
}

function report(r: PhaseResult): void {
  console.log(`${r.name}: ${Math.round(r.rate).toLocaleString('en-US')} records/s (${r.records} in ${r.seconds.toFixed(1)} s); request p50 ${r.p50.toFixed(0)} ms, p99 ${r.p99.toFixed(0)} ms`);
  const perRecord = (percent: number) => ((percent / 100) * r.seconds * 1e6) / r.records;
  const shown = r.cpu.filter((c) => c.percent >= 0.5);
  console.log(`  CPU per record: ${shown.map((c) => `${c.name} ${perRecord(c.percent).toFixed(1)} µs (${c.percent.toFixed(0)} %)`).join(', ')}; all ${perRecord(shown.reduce((s, c) => s + c.percent, 0)).toFixed(1)} µs`);
}

/** Accepted → finished (released) of the newest `count` atomic-batch sagas, from their durable records. */
async function sagaCompletion(base: string, count: number): Promise<{ p50: number; p99: number }> {
  const durations: number[] = [];
  let before: string | undefined;
  while (durations.length < count) {
    const page = (await (await fetch(`${base}/admin/sagas?type=atomic-batch&limit=100${before ? `&before=${before}` : ''}`)).json()) as {
      data: Array<{ id: string; status: string; createdAt: string; finishedAt: string | null }>;
      next_before: string | null;
    };
    for (const s of page.data) {
      if (durations.length >= count) break;
      if (s.finishedAt === null) await waitFinished(base, s.id);
      const state = (await (await fetch(`${base}/admin/sagas/${s.id}`)).json()) as { createdAt: string; finishedAt: string };
      durations.push(Date.parse(state.finishedAt) - Date.parse(state.createdAt));
    }
    if (!page.next_before) break;
    before = page.next_before;
  }
  durations.sort((a, b) => a - b);
  return { p50: percentile(durations, 50), p99: percentile(durations, 99) };
}

async function waitFinished(base: string, id: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const state = (await (await fetch(`${base}/admin/sagas/${id}`)).json()) as { finishedAt: string | null };
    if (state.finishedAt) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`saga ${id} did not finish`);
}

async function resetTables(config: ReturnType<typeof shardingConfigFromEnv>): Promise<void> {
  await migrateAll(config);
  const dbs = new ShardDatabases(config);
  try {
    for (const shard of dbs.shardIndexes()) for (const t of ['events', 'outbox', 'records', 'processed_commands']) await dbs.shard(shard).raw(`TRUNCATE TABLE ${t}`);
    for (const t of ['sagas', 'saga_payloads', 'commit_points']) await dbs.control.raw(`TRUNCATE TABLE ${t}`);
  } finally {
    await dbs.destroy();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
