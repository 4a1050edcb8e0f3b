import { z } from 'zod';

/** Longest one query may wait on an open shard connection unless configured (SHARDLINE_MYSQL_QUERY_TIMEOUT_MS). */
export const DEFAULT_QUERY_TIMEOUT_MS = 10_000;

export const connectionSchema = z.object({
  host: z.string().min(1),
  port: z.coerce.number().int().min(1).max(65535),
  user: z.string().min(1),
  password: z.string(),
  database: z.string().regex(/^[A-Za-z0-9_]{1,64}$/, 'database names are [A-Za-z0-9_]{1,64}'),
});
export type ConnectionConfig = z.infer<typeof connectionSchema>;

export const shardingConfigSchema = z.object({
  shards: z.array(connectionSchema).min(1).max(1024),
  control: connectionSchema,
  /** Connections per shard pool; group commit needs few (one in-flight group per connection). */
  poolMax: z.coerce.number().int().min(1).max(256).default(8),
  /** How long to wait for a shard before answering 503 instead of hanging the request. */
  connectTimeoutMs: z.coerce.number().int().min(100).max(60_000).default(2000),
  /**
   * innodb_lock_wait_timeout of every shard session (seconds): a write waiting on a row another
   * transaction holds gives up after this instead of InnoDB's 50 s default, and fails alone.
   */
  lockWaitTimeoutS: z.coerce.number().int().min(1).max(3600).default(3),
  /**
   * Longest one query may wait on a connection already open (a hung shard → 503 after this); the
   * write path, reads and the relay alike. 0: none (migrations and maintenance, which may run long).
   */
  queryTimeoutMs: z.coerce.number().int().min(0).max(600_000).default(DEFAULT_QUERY_TIMEOUT_MS),
  /** Connections to the control database (slot map, sagas, commit points). */
  controlPoolMax: z.coerce.number().int().min(1).max(256).default(8),
  /**
   * How often a process polls the control database's slot-map version (one primary-key read) to
   * learn a changed map or new shards without a restart (docs/adr/0008). A fenced write reloads at
   * once, so this bounds how long reads may go to a slot's old owner, not write correctness.
   */
  slotMapPollMs: z.coerce.number().int().min(50).max(600_000).default(1000),
});
export type ShardingConfig = z.infer<typeof shardingConfigSchema>;

/**
 * Reads the sharding settings from an environment map (apps pass process.env; libs never read it).
 *
 * SHARDLINE_SHARDS, when set, lists every shard as `mysql://user:pass@host:port/database`
 * separated by commas, so each shard can live on its own server. Otherwise SHARDLINE_SHARD_COUNT
 * databases named `${SHARDLINE_SHARD_DB_PREFIX}N` live on SHARDLINE_MYSQL_HOST:PORT.
 */
export function shardingConfigFromEnv(env: Record<string, string | undefined>): ShardingConfig {
  const server = {
    host: env.SHARDLINE_MYSQL_HOST ?? '127.0.0.1',
    port: env.SHARDLINE_MYSQL_PORT ?? '3306',
    user: env.SHARDLINE_MYSQL_USER ?? 'root',
    password: env.SHARDLINE_MYSQL_PASSWORD ?? '',
  };
  const count = Number(env.SHARDLINE_SHARD_COUNT ?? 4);
  const prefix = env.SHARDLINE_SHARD_DB_PREFIX ?? 'data_db_';
  const shards = env.SHARDLINE_SHARDS
    ? env.SHARDLINE_SHARDS.split(',').map((url) => parseMysqlUrl(url.trim()))
    : Array.from({ length: count }, (_, i) => ({ ...server, database: `${prefix}${i}` }));
  const control = env.SHARDLINE_CONTROL_URL
    ? parseMysqlUrl(env.SHARDLINE_CONTROL_URL)
    : { ...server, database: env.SHARDLINE_CONTROL_DB ?? 'shardline_control' };
  return shardingConfigSchema.parse({
    shards,
    control,
    poolMax: env.SHARDLINE_MYSQL_POOL_MAX,
    connectTimeoutMs: env.SHARDLINE_MYSQL_CONNECT_TIMEOUT_MS,
    controlPoolMax: env.SHARDLINE_CONTROL_POOL_MAX,
    lockWaitTimeoutS: env.SHARDLINE_MYSQL_LOCK_WAIT_TIMEOUT_S,
    queryTimeoutMs: env.SHARDLINE_MYSQL_QUERY_TIMEOUT_MS,
    slotMapPollMs: env.SHARDLINE_SLOT_MAP_POLL_MS,
  });
}

/**
 * `mysql://[user[:password]@]host[:port]/database`; a url without a user (or with the credentials'
 * user and no password) takes `credentials` (root and no password unless given: the shard registry
 * passes the control database's).
 */
export function parseMysqlUrl(text: string, credentials: { user: string; password: string } = { user: 'root', password: '' }): Record<string, string> {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`not a mysql:// url: ${text.replace(/\/\/[^@/]*@/, '//***@')}`);
  }
  if (url.protocol !== 'mysql:') throw new Error(`shard url must start with mysql://, got ${url.protocol}//${url.host}${url.pathname}`);
  const user = url.username === '' ? credentials.user : decodeURIComponent(url.username);
  // No password in the url: the credentials' own, when they are for the same user.
  const password = url.password !== '' ? decodeURIComponent(url.password) : user === credentials.user ? credentials.password : '';
  return {
    host: url.hostname,
    port: url.port || '3306',
    user,
    password,
    database: url.pathname.replace(/^\//, ''),
  };
}
