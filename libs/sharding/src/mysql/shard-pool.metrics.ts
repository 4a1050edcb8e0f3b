import { Gauge, type Registry } from 'prom-client';
import type { ShardDatabases } from './shard-databases';

/**
 * Gauges of a process's shard pools, read from the pools at each scrape (nothing to update on the
 * query path): connections in use / idle and callers waiting, per pool kind (reader: knex,
 * writer: the event store's mysql2 pool, control) and shard; and `shardline_shard_up`, one
 * `SELECT 1` per shard per scrape (what readiness reports), bounded by the connect timeout.
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
  stat('shardline_shard_pool_max', 'Most connections the pool opens (SHARDLINE_DB_POOL_MAX, control: its own)', 'max');
  new Gauge({
    name: 'shardline_shard_up',
    help: '1 when the shard answered SELECT 1 at this scrape, 0 when it did not',
    labelNames: ['shard'],
    registers,
    async collect() {
      for (const probe of await databases.probeShards()) this.set({ shard: String(probe.shard) }, probe.status === 'up' ? 1 : 0);
    },
  });
}
