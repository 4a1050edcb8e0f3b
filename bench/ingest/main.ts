/**
 * Ingest benchmark: raw multi-row INSERT (physical limit) vs the batch API vs the single API,
 * in one run on the same tables; the single API beside a peer (Emmett on PostgreSQL) with the same
 * workload shape, in alternating rounds; then the single API with and without API keys (A/B,
 * alternating rounds on the same tables, each a fresh API process). See README.md beside this file.
 */
import { spawn, ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { ApiKeys } from '@shardline/auth';
import { MysqlApiKeyStore } from '@shardline/auth/mysql';
import autocannon from 'autocannon';
import { shardingConfigFromEnv } from '@shardline/sharding';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { migrateAll } from '../../migrations/migrate';
import { rawInsert } from './raw-insert';
import { emmettPeer } from './emmett-peer';
import { CpuMeter, formatCpu, mariadb, processOf, thisProcess } from './process-cpu';
import { makeRecord, percentile, USERS } from './workload';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const TOTAL = env('BENCH_RECORDS', 200_000);
const PER_REQUEST = 10_000;
const BATCH_CONCURRENCY = env('BENCH_BATCH_CONCURRENCY', 2);
const SINGLE_CONNECTIONS = env('BENCH_SINGLE_CONNECTIONS', 64);
const SINGLE_SECONDS = env('BENCH_SINGLE_SECONDS', 15);
const PAYLOAD = env('BENCH_PAYLOAD_BYTES', 200);
const PORT = env('BENCH_PORT', 3999);
/** Comma-separated subset of raw,batch,single,peer,auth (e.g. to profile one phase). */
const PHASES = new Set((process.env.BENCH_PHASES ?? 'raw,batch,single,peer,auth').split(','));
/** Rounds of single API then peer, alternating, so load from outside falls on both alike. */
const PEER_ROUNDS = env('BENCH_PEER_ROUNDS', 2);
/** Seconds of load before each measured single/peer round (JIT, pools, caches), not counted. */
const WARMUP_SECONDS = env('BENCH_WARMUP_SECONDS', 2);
/** Emmett's pg pool: the api's writer connections (SHARDLINE_MYSQL_POOL_MAX, 8, per shard x 4 shards). */
const PEER_POOL_MAX = env('BENCH_PEER_POOL_MAX', 32);
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
/**
 * The batch phase's user keys: `warm` (default) writes one record of every user first (not
 * measured), so that the phase measures records of users the api has seen, as a long-running api
 * mostly does; `cold` measures a fresh api, where half of the phase's records are a user's first
 * (a data key created, wrapped and stored: a once-per-user cost, bench/ingest/README.md).
 */
const BATCH_KEYS = process.env.BENCH_BATCH_KEYS ?? 'warm';
/** Extra node flags for the API process, e.g. BENCH_API_NODE_ARGS=--cpu-prof to profile it. */
const API_NODE_ARGS = (process.env.BENCH_API_NODE_ARGS ?? '').split(' ').filter(Boolean);
/** The api build to run: A/B of two builds, e.g. a copy of the one before a change under dist/before/ (BENCH_API_ENTRY=dist/before/apps/api/main.js). */
const API_ENTRY = process.env.BENCH_API_ENTRY ?? 'dist/apps/api/main.js';
/**
 * The bench's databases; BENCH_DB_PREFIX gives a run its own (e.g. a branch whose migrations differ
 * from the shared `bench_*` databases' must not migrate those: another branch's knex would then
 * refuse them for a migration it does not know).
 */
const DB_PREFIX = process.env.BENCH_DB_PREFIX ?? 'bench_';
const benchEnv = { SHARDLINE_SHARD_DB_PREFIX: `${DB_PREFIX}data_db_`, SHARDLINE_CONTROL_DB: `${DB_PREFIX}control` };

async function main(): Promise<void> {
  const config = shardingConfigFromEnv({ ...process.env, ...benchEnv });
  console.log(`# ingest benchmark: ${TOTAL} records per phase, ~${PAYLOAD} B data_content, ${config.shards.length} shards, node ${process.version}, api ${API_ENTRY}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  await resetTables(config);

  // The raw client's CPU is not printed: it built its SQL before the clock started.
  const rawCpu = new CpuMeter([mariadb]);
  rawCpu.begin();
  const raw = PHASES.has('raw') ? await rawInsert(config, TOTAL, PER_REQUEST, BATCH_CONCURRENCY, PAYLOAD) : NaN;
  if (PHASES.has('raw')) {
    console.log(`raw multi-row INSERT (events+outbox+records): ${fmt(raw)} records/s  [${BATCH_CONCURRENCY} concurrent 10k-record transactions x ${config.shards.length} shards; CPU ${formatCpu(rawCpu.end(TOTAL), 'record')}]`);
  }

  if (PHASES.has('batch') || PHASES.has('single') || PHASES.has('peer')) await apiPhases(raw);
  if (PHASES.has('auth')) await authPhase(config);
  console.log(`# load average at the end: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
}

/** The batch and single phases (and the peer beside the single one) on one API process, without API keys. */
async function apiPhases(raw: number): Promise<void> {
  const api = await startApi(unguardedEnv);
  try {
    const warmBeforeBatch = PHASES.has('batch') && BATCH_KEYS !== 'cold';
    if (warmBeforeBatch) await warmUserKeys('batch');
    const batch = PHASES.has('batch') ? await batchPhase(api.pid) : { rate: NaN, p50: NaN, p99: NaN, cpu: [], restCores: NaN };
    if (PHASES.has('batch')) {
      console.log(`batch API  POST /data/batch:                ${fmt(batch.rate)} records/s  [${BATCH_CONCURRENCY} concurrent requests of ${PER_REQUEST}; request p50 ${batch.p50.toFixed(0)} ms, p99 ${batch.p99.toFixed(0)} ms; CPU ${formatCpu(batch.cpu, 'record')}; ${restOf(batch.restCores)}; user keys ${warmBeforeBatch ? 'warm' : 'cold'}]`);
    }
    if (PHASES.has('raw') && PHASES.has('batch')) console.log(`ratio batch/raw: ${(batch.rate / raw).toFixed(2)}  (target >= 0.90)`);
    // A batch phase, warmed or writing a record of every user itself, leaves every key cached.
    const keysCached = PHASES.has('batch') && (warmBeforeBatch || TOTAL >= USERS);
    if (PHASES.has('single') && !keysCached) await warmUserKeys('single path');
    if (PHASES.has('single') || PHASES.has('peer')) await singleAndPeerRounds(api.pid);
  } finally {
    await stopApi(api);
  }
}

/**
 * The single API and its peer (Emmett on PostgreSQL, emmett-peer.ts) in alternating rounds of the
 * same shape: SINGLE_CONNECTIONS creates of one event on a new stream in flight for SINGLE_SECONDS.
 * Prints each round, the ratio of the totals and the verdict on the single path's target.
 */
async function singleAndPeerRounds(apiPid: number | undefined): Promise<void> {
  if (PHASES.has('single')) console.log(`# single path: ${SINGLE_CONNECTIONS} connections, ${SINGLE_SECONDS} s per round after ${WARMUP_SECONDS} s of warm-up, ${PEER_ROUNDS} rounds; MariaDB ${await mariadbDurability()}`);
  const ours: Array<Awaited<ReturnType<typeof singlePhase>>> = [];
  const peers: Array<{ rate: number; p99: number }> = [];
  let skipped: string | undefined;
  for (let round = 1; round <= PEER_ROUNDS; round++) {
    if (PHASES.has('single')) {
      if (WARMUP_SECONDS > 0) await singlePhase({}, WARMUP_SECONDS);
      const cpu = new CpuMeter([processOf('api', apiPid), mariadb, thisProcess]);
      const groups0 = await groupCommits();
      cpu.begin();
      const single = await singlePhase();
      const used = cpu.end(single.rate * SINGLE_SECONDS);
      const groups1 = await groupCommits();
      ours.push(single);
      const perGroup = (groups1.appends - groups0.appends) / Math.max(1, groups1.groups - groups0.groups);
      console.log(
        `single API POST /data/single (round ${round}):   ${fmt(single.rate)} records/s  [latency p50 ${single.p50} ms, p99 ${single.p99} ms; non-2xx ${single.errors}; ${perGroup.toFixed(1)} appends per group commit; CPU ${formatCpu(used, 'record')}; ${restOf(cpu.restCores)}]`,
      );
    }
    if (PHASES.has('peer') && !skipped) {
      const peer = await emmettPeer({ url: process.env.BENCH_PEER_PG_URL, connections: SINGLE_CONNECTIONS, seconds: SINGLE_SECONDS, warmupSeconds: WARMUP_SECONDS, payloadBytes: PAYLOAD, poolMax: PEER_POOL_MAX });
      if ('skipped' in peer) {
        skipped = peer.skipped;
        console.log(`peer Emmett on PostgreSQL: skipped — ${peer.skipped}`);
      } else {
        peers.push(peer);
        if (round === 1) console.log(`# peer: @event-driven-io/emmett-postgresql ${emmettVersion()} in this process, pg pool ${PEER_POOL_MAX}, ${peer.server}; ${peer.durability}`);
        console.log(
          `peer Emmett appendToStream (round ${round}):  ${fmt(peer.rate)} appends/s  [latency p50 ${peer.p50.toFixed(1)} ms, p99 ${peer.p99.toFixed(1)} ms; errors ${peer.errors}; CPU ${formatCpu(peer.cpu, 'append')}]`,
        );
      }
    }
  }
  if (ours.length === 0) return;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const rate = mean(ours.map((r) => r.rate));
  const p99 = Math.max(...ours.map((r) => r.p99));
  const peerRate = peers.length > 0 ? mean(peers.map((p) => p.rate)) : NaN;
  if (peers.length > 0) console.log(`ratio single API / Emmett on PostgreSQL: ${(rate / peerRate).toFixed(2)}  (means of ${ours.length} rounds: ${fmt(rate)} vs ${fmt(peerRate)} per s)`);
  const fastEnough = rate >= 10_000 || rate >= 3 * peerRate;
  console.log(
    `single: ${fastEnough && p99 < 50 ? 'meets' : 'misses'} target (>= 10,000/s, or >= 3x the peer where the machine cannot; p99 < 50 ms): ${fmt(rate)}/s, worst round p99 ${p99} ms${peers.length === 0 ? '; no peer measured' : ''}`,
  );
}

/** Group commits of the api so far (its /metrics; the bench runs it without API keys): transactions and the appends they carried. */
async function groupCommits(): Promise<{ groups: number; appends: number }> {
  const text = await (await fetch(`http://127.0.0.1:${PORT}/metrics`)).text();
  const total = (name: string) => text.split('\n').filter((l) => l.startsWith(`${name}{`)).reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  return { groups: total('shardline_group_commit_size_count'), appends: total('shardline_group_commit_size_sum') };
}

async function mariadbDurability(): Promise<string> {
  const dbs = new ShardDatabases(shardingConfigFromEnv({ ...process.env, ...benchEnv }));
  try {
    const [rows] = await dbs.shard(0).raw('SELECT @@version AS version, @@innodb_flush_log_at_trx_commit AS flush, @@sync_binlog AS sync_binlog, @@log_bin AS log_bin');
    const r = rows[0] as { version: string; flush: number; sync_binlog: number; log_bin: number };
    return `${r.version}: innodb_flush_log_at_trx_commit=${r.flush} sync_binlog=${r.sync_binlog} log_bin=${r.log_bin}`;
  } finally {
    await dbs.destroy();
  }
}

/** The installed Emmett's version, read off its package.json (its exports map hides the file from require). */
function emmettVersion(): string {
  try {
    let dir = dirname(require.resolve('@event-driven-io/emmett-postgresql'));
    while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
    return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '?';
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
  if (!existsSync(API_ENTRY)) throw new Error(`build the API first (npm run build): no ${API_ENTRY}`);
  const child = spawn(process.execPath, [...API_NODE_ARGS, API_ENTRY], {
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

async function batchPhase(apiPid: number | undefined) {
  const bodies: string[] = [];
  for (let start = 0; start < TOTAL; start += PER_REQUEST) {
    bodies.push(batchBody(TOTAL + start, Math.min(PER_REQUEST, TOTAL - start)));
  }
  const latencies: number[] = [];
  let next = 0;
  const cpu = new CpuMeter([processOf('api', apiPid), mariadb, thisProcess]);
  cpu.begin();
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
  const used = cpu.end(TOTAL);
  latencies.sort((a, b) => a - b);
  return { rate: TOTAL / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), cpu: used, restCores: cpu.restCores };
}

/**
 * A long-running api has its users' data keys cached; a fresh one creates or unwraps each user's
 * key on their first record (a control-database round trip and an AES unwrap, a once-per-user
 * cost). One pass of batch requests writing a record of every user (not measured) before a phase
 * makes it measure records, not first sightings (without it the first single round ran at ~2,560
 * creates/s and 361 µs of api CPU each against ~3,500 and 247 with the keys cached:
 * bench/ingest/README.md).
 */
async function warmUserKeys(phase: string): Promise<void> {
  const first = 5 * TOTAL;
  for (let start = 0; start < USERS; start += PER_REQUEST) {
    const body = batchBody(first + start, Math.min(PER_REQUEST, USERS - start));
    const res = await fetch(`http://127.0.0.1:${PORT}/api/v1/data/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    if (res.status !== 201) throw new Error(`warming the user keys failed: ${res.status} ${(await res.text()).slice(0, 300)}`);
  }
  console.log(`# ${phase}: the api's user keys warmed with one record of each of the ${USERS.toLocaleString('en-US')} users (batch requests, not measured)`);
}

/** A batch request's body: `count` of the workload's records numbered from `first`. */
function batchBody(first: number, count: number): string {
  return JSON.stringify({ data: Array.from({ length: count }, (_, k) => makeRecord(first + k, PAYLOAD)) });
}

/** Records the single phases create get numbers from here on, distinct across phases and rounds. */
let singleSeq = 3 * TOTAL;

async function singlePhase(headers: Record<string, string> = {}, seconds = SINGLE_SECONDS) {
  const result = await autocannon({
    url: `http://127.0.0.1:${PORT}`,
    connections: SINGLE_CONNECTIONS,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        path: '/api/v1/data/single',
        headers: { 'content-type': 'application/json', ...headers },
        setupRequest: (req) => ({ ...req, body: JSON.stringify(makeRecord(singleSeq++, PAYLOAD)) }),
      },
    ],
  });
  return {
    rate: result['2xx'] / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.non2xx + result.errors,
  };
}

/** The load the figure was taken beside: what the rest of the machine kept busy (CpuMeter.restCores). */
const restOf = (cores: number) => `rest of the machine ${Number.isFinite(cores) ? cores.toFixed(2) : 'n/a'} cores`;

const fmt = (n: number) => Math.round(n).toLocaleString('en-US').padStart(8);

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
