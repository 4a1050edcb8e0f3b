import { loadavg } from 'node:os';
import mysql from 'mysql2/promise';
import type { ShardingConfig } from '@shardline/sharding';
import type { ShardDatabases } from '@shardline/sharding/mysql';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/**
 * The engine settings a figure depends on, printed with it: InnoDB buffer pool and redo log of each
 * distinct shard server, the Elasticsearch heap, the ClickHouse version. A buffer pool far below the
 * working set (the issue's 128 MiB default) turns page reads into disk reads as the tables grow.
 */
export async function engineSettings(sharding: ShardingConfig, esUrl: string, chUrl: string): Promise<string> {
  const servers = new Map(sharding.shards.map((s) => [`${s.host}:${s.port}`, s]));
  const mariadb: string[] = [];
  for (const [address, s] of servers) {
    const conn = await mysql.createConnection({ host: s.host, port: s.port, user: s.user, password: s.password });
    try {
      const [rows] = await conn.query('SELECT @@version AS v, @@innodb_buffer_pool_size AS pool, @@innodb_log_file_size AS redo');
      const { v, pool, redo } = (rows as Array<{ v: string; pool: number; redo: number }>)[0];
      mariadb.push(`${address} ${v.split('-')[0]} pool ${size(Number(pool))} redo ${size(Number(redo))}`);
      if (Number(pool) < GiB) console.warn(`# WARNING: ${address} has a ${size(Number(pool))} InnoDB buffer pool: run scripts/stack/mariadb.sh up (sizes it for the machine) before measuring`);
    } finally {
      await conn.end();
    }
  }
  const jvm = await fetch(`${esUrl}/_nodes/jvm`)
    .then((r) => r.json() as Promise<{ nodes: Record<string, { version: string; jvm: { mem: { heap_max_in_bytes: number } } }> }>)
    .then((b) => Object.values(b.nodes).map((n) => `ES ${n.version} heap ${size(n.jvm.mem.heap_max_in_bytes)}`).join(', '))
    .catch((e: Error) => `ES unreachable (${e.message})`);
  const ch = await fetch(`${chUrl}/?query=${encodeURIComponent('SELECT version()')}`)
    .then((r) => r.text())
    .then((v) => `ClickHouse ${v.trim()}`)
    .catch((e: Error) => `ClickHouse unreachable (${e.message})`);
  return `MariaDB ${mariadb.join('; ')}; ${jvm}; ${ch}`;
}

/** Bytes on disk per store: shard tables (data + indexes), the Elasticsearch indices, the ClickHouse database. */
export async function storeSizes(databases: ShardDatabases, esUrl: string, esIndex: string, chUrl: string, chDatabase: string): Promise<string> {
  const tables = new Map<string, number>();
  for (const shard of databases.shardIndexes()) {
    const [rows] = await databases
      .shard(shard)
      .raw('SELECT table_name AS t, data_length + index_length AS b FROM information_schema.tables WHERE table_schema = DATABASE()');
    for (const { t, b } of rows as Array<{ t: string; b: number }>) tables.set(t, (tables.get(t) ?? 0) + Number(b));
  }
  const mysqlPart = [...tables].filter(([, b]) => b > 16 * MiB).map(([t, b]) => `${t} ${size(b)}`).join(', ');
  const es = await fetch(`${esUrl}/_cat/indices/${esIndex}*?format=json&bytes=b&h=index,docs.count,store.size`)
    .then((r) => r.json() as Promise<Array<{ index: string; 'docs.count': string; 'store.size': string }>>)
    .then((rows) => rows.reduce((n, r) => n + Number(r['store.size']), 0))
    .catch(() => NaN);
  const ch = await fetch(`${chUrl}/?query=${encodeURIComponent(`SELECT sum(bytes) FROM system.parts WHERE active AND database = '${chDatabase}'`)}`)
    .then((r) => r.text())
    .then(Number)
    .catch(() => NaN);
  return `shards (InnoDB, 4 together) ${mysqlPart}; Elasticsearch ${size(es)}; ClickHouse ${size(ch)}`;
}

function size(bytes: number): string {
  if (!Number.isFinite(bytes)) return '?';
  return bytes >= GiB ? `${(bytes / GiB).toFixed(1)} GiB` : `${Math.round(bytes / MiB)} MiB`;
}

/**
 * Waits (at most `maxMs`) until the engines are done with the work a load, a replay or a rollup
 * leaves behind — ClickHouse merges and mutations, and the machine's 1-minute load average
 * below `idleLoad` — so queries are measured on an idle box, as the issue asks. Returns what it
 * saw, for the log: a measurement that had to start busy says so.
 */
export async function settleEngines(chUrl: string, options: { maxMs?: number; idleLoad?: number } = {}): Promise<string> {
  const started = Date.now();
  const deadline = started + (options.maxMs ?? 300_000);
  const idleLoad = options.idleLoad ?? 1.0;
  const busyInClickHouse = () =>
    fetch(`${chUrl}/?query=${encodeURIComponent('SELECT (SELECT count() FROM system.merges) + (SELECT count() FROM system.mutations WHERE is_done = 0)')}`)
      .then((r) => r.text())
      .then(Number)
      .catch(() => 0);
  for (;;) {
    const merges = await busyInClickHouse();
    const load = loadavg()[0];
    const idle = merges === 0 && load < idleLoad;
    if (idle || Date.now() >= deadline) {
      return `${((Date.now() - started) / 1000).toFixed(0)} s waited; ClickHouse merges/mutations running ${merges}, load average ${load.toFixed(1)}${idle ? '' : ' (NOT idle: gave up waiting)'}`;
    }
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
}
