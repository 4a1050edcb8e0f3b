import { ConnectionConfig, connectionSchema, parseMysqlUrl, ShardingConfig } from './sharding.config';

/** A shard database as the control database's `shards` table lists it (docs/adr/0008). */
export interface RegisteredShard {
  shard: number;
  /** mysql://[user[:password]@]host[:port]/database; without a user, the control database's credentials apply. */
  url: string;
}

/** The url a configured shard is registered under: no password (it stays in the process's environment). */
export function registryUrlOf(connection: ConnectionConfig): string {
  return `mysql://${encodeURIComponent(connection.user)}@${connection.host}:${connection.port}/${connection.database}`;
}

/**
 * Where this process reaches each registered shard. A shard the process's own configuration lists
 * (SHARDLINE_SHARDS / SHARDLINE_SHARD_COUNT) is reached as configured — the same database may sit
 * behind another address or carry a password here; the others by their registered url, with the
 * control database's credentials when the url names no user (a password given in the environment
 * for the control database is never copied into the registry).
 */
export function connectionOfShard(config: ShardingConfig, entry: RegisteredShard): ConnectionConfig {
  const configured = config.shards[entry.shard];
  if (configured) return configured;
  // Validated like a configured shard: the database name is used in DDL (CREATE DATABASE).
  const parsed = connectionSchema.safeParse(parseMysqlUrl(entry.url, config.control));
  if (!parsed.success) throw new Error(`shard ${entry.shard}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}
