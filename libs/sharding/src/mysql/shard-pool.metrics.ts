import { Gauge, type Registry } from 'prom-client';
import type { ShardDatabases } from './shard-databases';

/**
 * Gauges of a process's shard pools, read from the pools at each scrape (nothing to update on the
 * query path): connections in use / idle and callers waiting, per pool kind (reader: knex,
 * writer: the event store's mysql2 pool, control) and shard; and `shardline_shard_up`, one
 * `SELECT 1` per shard per scrape (what readiness reports), bounded by PROBE_TIMEOUT_MS and skipped while
 * the shard's reader pool is saturated (the probe would only queue behind real work).
 */
export function registerShardPoolMetrics(registry: Registry, databases: ShardDatabases): void {
  const registers = [registry];
  const labelNames = ['pool', 'shard'] as const;
  const stat = (name: string, help: string, field: 'inUse' | 'idle' | 'waiting' | 'max') =>
    new Gauge({
      name,
      help,
      labelNames,
      registers,
      collect() {
        this.reset();
        for (const s of databases.poolStats()) this.set({ pool: s.pool, shard: s.shard }, s[field]);
      },
    });
  stat('shardline_shard_pool_connections_in_use', 'Connections checked out of the pool (pool: reader | writer | control)', 'inUse');
  stat('shardline_shard_pool_connections_idle', 'Open connections waiting in the pool', 'idle');
  stat('shardline_shard_pool_waiting', 'Callers queued for a connection of the pool', 'waiting');
  stat('shardline_shard_pool_max', 'Most connections the pool opens (SHARDLINE_MYSQL_POOL_MAX; control: SHARDLINE_CONTROL_POOL_MAX)', 'max');
  new Gauge({
    name: 'shardline_shard_up',
    help: '1 when the shard answered SELECT 1 at this scrape (or its reader pool is busy serving), 0 when it did not',
    labelNames: ['shard'],
    registers,
    async collect() {
      const busy = new Set(databases.poolStats().filter((s) => s.pool === 'reader' && s.idle === 0 && s.waiting > 0).map((s) => Number(s.shard)));
      await Promise.all(
        databases.shardIndexes().map(async (shard) => {
          // A saturated pool would queue the probe behind real work and make every scrape wait:
          // keep the last answer then (the pool waiting has its own gauge and alert).
          if (busy.has(shard)) return;
          this.set({ shard: String(shard) }, (await probeWithin(databases, shard, PROBE_TIMEOUT_MS)) ? 1 : 0);
        }),
      );
    },
  });
}

/** Longest a scrape waits for one shard's SELECT 1 (Prometheus' own scrape timeout is 10 s by default). */
const PROBE_TIMEOUT_MS = 3000;

async function probeWithin(databases: ShardDatabases, shard: number, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  const probe = databases
    .shard(shard)
    .raw('SELECT 1')
    .then(
      () => true,
      () => false,
    );
  try {
    return await Promise.race([probe, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
