import { randomBytes } from 'node:crypto';
import { ShardingConfig, shardingConfigFromEnv } from '@shardline/sharding';
import { createServerPool } from '@shardline/sharding/mysql';
import { migrateAll } from '../../migrations/migrate';

/**
 * A private, migrated set of shard databases (+ control) per test file, named with a random
 * prefix so test files never see each other's rows and need no cleanup between runs.
 * Server address comes from the same SHARDLINE_MYSQL_* variables the apps use.
 */
export async function createTestDatabases(shardCount = 4): Promise<TestDatabases> {
  const prefix = `t${randomBytes(4).toString('hex')}_`;
  const base = shardingConfigFromEnv({ ...process.env, SHARDLINE_SHARDS: undefined, SHARDLINE_CONTROL_URL: undefined });
  const server = base.control;
  const config: ShardingConfig = {
    ...base,
    connectTimeoutMs: 1500,
    shards: Array.from({ length: shardCount }, (_, i) => ({ ...server, database: `${prefix}data_db_${i}` })),
    control: { ...server, database: `${prefix}control` },
  };
  // Setup tolerates a starved machine (a connect can take seconds at load 20 on 2 cores); the apps
  // under test keep the short timeout, which their outage tests rely on.
  await migrateAll({ ...config, connectTimeoutMs: 10_000 });
  return new TestDatabases(config);
}

export class TestDatabases {
  constructor(readonly config: ShardingConfig) {}

  /** Points shard `index` at another address (e.g. a proxy the test can cut). */
  withShardAt(index: number, host: string, port: number): ShardingConfig {
    return { ...this.config, shards: this.config.shards.map((s, i) => (i === index ? { ...s, host, port } : s)) };
  }

  /** SHARDLINE_SHARDS for an app reaching these shards (shard `via.shard` through port `via.port`, e.g. a TcpProxy). */
  shardUrls(via?: { shard: number; port: number }): string {
    return this.config.shards.map((s, i) => mysqlUrl(s, via && i === via.shard ? via.port : s.port)).join(',');
  }

  /** SHARDLINE_CONTROL_URL of the control database (through `port` when given). */
  controlUrl(port?: number): string {
    return mysqlUrl(this.config.control, port ?? this.config.control.port);
  }

  async drop(): Promise<void> {
    const server = createServerPool(this.config.control);
    try {
      for (const { database } of [this.config.control, ...this.config.shards]) await server.raw(`DROP DATABASE IF EXISTS \`${database}\``);
    } finally {
      await server.destroy();
    }
  }
}

function mysqlUrl(c: { user: string; password: string; host: string; port: number; database: string }, port: number): string {
  return `mysql://${encodeURIComponent(c.user)}:${encodeURIComponent(c.password)}@${c.host}:${port}/${c.database}`;
}
