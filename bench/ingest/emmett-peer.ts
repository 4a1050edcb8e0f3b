import { CpuMeter, postgres, thisProcess } from './process-cpu';
import { makeRecord, percentile } from './workload';

/**
 * The peer of the single phase: Emmett (github.com/event-driven-io/emmett, npm
 * @event-driven-io/emmett-postgresql, a devDependency) on the machine's PostgreSQL, measured in
 * the same run with the same workload shape: one RecordCreated event appended to a new stream
 * (expected version: the stream does not exist) per operation, `connections` operations in flight
 * for `seconds`, the same ~payload-sized data as the single API stores. Emmett runs in this process
 * (no HTTP in front of it, so the peer is spared the HTTP layer our figure pays for) on a fresh
 * database, with its own defaults but the connection pool sized like the api's writers.
 *
 * Where PostgreSQL cannot be reached (or Emmett is not installed) it returns why, and the caller
 * prints that note instead of a ratio.
 */
export interface PeerOptions {
  /** Server to use (BENCH_PEER_PG_URL); unset: 127.0.0.1:5432, database `test`, as user postgres, then root (trust auth). */
  url?: string;
  connections: number;
  seconds: number;
  warmupSeconds: number;
  payloadBytes: number;
  /** Connections of Emmett's pool (BENCH_PEER_POOL_MAX). */
  poolMax: number;
}

export type PeerResult =
  | { skipped: string }
  | { rate: number; p50: number; p99: number; errors: number; cpu: Array<{ name: string; usPerUnit: number }>; durability: string; server: string };

type Pg = typeof import('pg');

const DEFAULT_URLS = ['postgres://postgres@127.0.0.1:5432/test', 'postgres://root@127.0.0.1:5432/test'];

export async function emmettPeer(options: PeerOptions): Promise<PeerResult> {
  let pg: Pg;
  let emmett: typeof import('@event-driven-io/emmett-postgresql');
  let STREAM_DOES_NOT_EXIST: typeof import('@event-driven-io/emmett').STREAM_DOES_NOT_EXIST;
  try {
    pg = await import('pg');
    emmett = await import('@event-driven-io/emmett-postgresql');
    ({ STREAM_DOES_NOT_EXIST } = await import('@event-driven-io/emmett'));
  } catch (error) {
    return { skipped: `Emmett is not installed (npm ci installs the devDependencies): ${(error as Error).message.split('\n')[0]}` };
  }
  const admin = await reachable(pg, options.url ? [options.url] : DEFAULT_URLS);
  if ('skipped' in admin) return admin;
  const database = `bench_emmett_${process.pid}`;
  try {
    await admin.client.query(`CREATE DATABASE ${database}`);
  } catch (error) {
    await admin.client.end();
    return { skipped: `cannot create a database for the peer on ${admin.server}: ${(error as Error).message}` };
  }
  const url = new URL(admin.url);
  url.pathname = `/${database}`;
  try {
    const durability = await durabilityOf(admin.client);
    // Emmett's own pool is pg's default (10 connections); this one is sized like the api's writers.
    const pool = new pg.Pool({ connectionString: url.toString(), max: options.poolMax });
    const store = emmett.getPostgreSQLEventStore(url.toString(), { connectionOptions: { pooled: true, pool } });
    try {
      await store.schema.migrate();
      let next = 0;
      const append = () => {
        const record = makeRecord(next++, options.payloadBytes);
        const id = `${Date.now()}${String(next).padStart(6, '0')}`;
        return store.appendToStream(
          `record-${id}`,
          [{ type: 'RecordCreated', data: { id, business_id: record.business_id, user_id: String(record.user_id), data_content: record.data_content, created_time: new Date().toISOString() } }],
          { expectedStreamVersion: STREAM_DOES_NOT_EXIST },
        );
      };
      await closedLoop(options.connections, options.warmupSeconds, append);
      const cpu = new CpuMeter([{ ...thisProcess, name: 'emmett client' }, postgres]);
      cpu.begin();
      const run = await closedLoop(options.connections, options.seconds, append);
      return { ...run, cpu: cpu.end(run.done), durability, server: admin.server };
    } finally {
      await store.close();
      await pool.end();
    }
  } finally {
    await admin.client.query(`DROP DATABASE IF EXISTS ${database}`).catch(() => undefined);
    await admin.client.end();
  }
}

/** `connections` callers, each starting its next operation when the last one ends, for `seconds`. */
async function closedLoop(connections: number, seconds: number, operation: () => Promise<unknown>) {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: unknown;
  const started = performance.now();
  const until = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < until) {
        const t0 = performance.now();
        try {
          await operation();
          latencies.push(performance.now() - t0);
        } catch (error) {
          errors++;
          firstError ??= error;
        }
      }
    }),
  );
  if (firstError) console.error(`peer: ${errors} appends failed, the first with:`, firstError);
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { done: latencies.length, rate: latencies.length / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99), errors };
}

type AdminConnection = { client: InstanceType<Pg['Client']>; url: string; server: string };

async function reachable(pg: Pg, urls: string[]): Promise<AdminConnection | { skipped: string }> {
  const failures: string[] = [];
  for (const url of urls) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      const { rows } = await client.query<{ version: string }>('SELECT version()');
      return { client, url, server: `${rows[0].version.split(' on ')[0]} at ${new URL(url).host} as ${decodeURIComponent(new URL(url).username)}` };
    } catch (error) {
      failures.push(`${redacted(url)}: ${(error as Error).message}`);
      await client.end().catch(() => undefined);
    }
  }
  return { skipped: `PostgreSQL not reachable (${failures.join('; ')}); set BENCH_PEER_PG_URL to measure the peer` };
}

async function durabilityOf(client: InstanceType<Pg['Client']>): Promise<string> {
  const settings: string[] = [];
  for (const name of ['fsync', 'synchronous_commit', 'wal_sync_method']) settings.push(`${name}=${(await client.query(`SHOW ${name}`)).rows[0][name]}`);
  return settings.join(' ');
}

function redacted(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}
