import knex, { Knex } from 'knex';
import { createPool as createMysqlPool, Pool as MysqlPool } from 'mysql2/promise';
import { ConnectionConfig, DEFAULT_QUERY_TIMEOUT_MS, ShardingConfig } from '../sharding.config';

/**
 * One knex pool per shard plus one for the control database. Only this lib and the MySQL
 * adapters built on it talk to mysql2.
 */
export class ShardDatabases {
  private readonly shardPools: Knex[] = [];
  private readonly writerPools: MysqlPool[] = [];
  private readonly connections: ConnectionConfig[] = [];
  readonly control: Knex;

  /**
   * `log` receives knex's own warnings (e.g. "acquire connection error" while a shard is down);
   * callers already see those failures as ShardUnavailableError, so the default drops them.
   */
  constructor(
    readonly config: ShardingConfig,
    private readonly log: PoolLog = () => {},
  ) {
    config.shards.forEach((connection, shard) => this.addShard(shard, connection));
    this.control = createPool(config.control, { ...config, poolMax: config.controlPoolMax ?? 8 }, log);
  }

  /**
   * Adds the pools of a shard registered after start (docs/adr/0008): `shard` must be the next
   * index; one already known is left as it is (a configured connection wins over the registry's).
   * Creating a pool opens no connection: the first query on the shard does.
   */
  addShard(shard: number, connection: ConnectionConfig): void {
    if (shard < this.shardPools.length) return;
    if (shard !== this.shardPools.length) throw new RangeError(`shard ${shard} added before shard ${this.shardPools.length}`);
    const writer = createWriterPool(connection, this.config);
    writer.pool.on('connection', (c) => {
      withQueryTimeouts(c as unknown as RawConnection); // the event store sets each query's own timeout
      c.query(sessionSettingsSql(this.config.lockWaitTimeoutS));
    });
    this.shardPools.push(createPool(connection, this.config, this.log));
    this.writerPools.push(writer);
    this.connections.push(connection);
  }

  /** Where this process reaches shard `index` (configured, or from the registry). */
  connectionOf(index: number): ConnectionConfig {
    const connection = this.connections[index];
    if (!connection) throw new RangeError(`no shard ${index} (have ${this.connections.length})`);
    return connection;
  }

  get count(): number {
    return this.shardPools.length;
  }

  shard(index: number): Knex {
    const pool = this.shardPools[index];
    if (!pool) throw new RangeError(`no shard ${index} (have ${this.shardPools.length})`);
    return pool;
  }

  /**
   * The event store's write path: plain mysql2 with multi-statement packets, so one group commit
   * costs one or two round trips instead of one per statement. Only the event store uses it, and
   * only with values escaped by mysql2's own formatter.
   */
  writer(index: number): MysqlPool {
    const pool = this.writerPools[index];
    if (!pool) throw new RangeError(`no shard ${index} (have ${this.writerPools.length})`);
    return pool;
  }

  shardIndexes(): number[] {
    return this.shardPools.map((_, i) => i);
  }

  /** One `SELECT 1` per shard, in parallel: what every app's readiness reports per shard. */
  async probeShards(): Promise<ShardProbe[]> {
    return Promise.all(
      this.shardIndexes().map((shard) =>
        this.shard(shard)
          .raw('SELECT 1')
          .then(
            (): ShardProbe => ({ shard, status: 'up' }),
            (error: Error): ShardProbe => ({ shard, status: 'down', error: error.message }),
          ),
      ),
    );
  }

  /**
   * Opens connections now (at startup) so that a burst of traffic does not also pay for
   * connection setup: `writers` (default 0) per shard in the writer pool, `readers` (default 2)
   * per shard in the knex pool, each at most poolMax. Under CPU overload a lazily opened connection
   * can miss its connect timeout because the event loop is too busy to answer the server's
   * handshake in time; the write then fails with 503 although the shard is fine (seen in
   * bench/pipeline at 10,000 events/s on 2 cores). Best effort: a shard that is down is not an
   * error here (readiness reports it, and the pools connect once it is back).
   */
  async warmUp(options: { writers?: number; readers?: number } = {}): Promise<ShardProbe[]> {
    const cap = (n: number) => Math.max(0, Math.min(n, this.config.poolMax));
    const writers = cap(options.writers ?? 0);
    const readers = cap(options.readers ?? 2);
    return Promise.all(
      this.shardIndexes().map(async (shard): Promise<ShardProbe> => {
        // allSettled, not all: the connections that did open must go back to the pool even when
        // others failed (a shard at max_connections, or restarting), or they stay checked out for good.
        const opened = await Promise.allSettled(Array.from({ length: writers }, () => this.writer(shard).getConnection()));
        for (const result of opened) if (result.status === 'fulfilled') result.value.release();
        const read = await Promise.allSettled(Array.from({ length: readers }, () => this.shard(shard).raw('SELECT 1')));
        const failed = [...opened, ...read].find((result): result is PromiseRejectedResult => result.status === 'rejected');
        return failed ? { shard, status: 'down', error: (failed.reason as Error).message } : { shard, status: 'up' };
      }),
    );
  }

  /**
   * Connections of every pool right now: the knex (tarn) reader pool and the mysql2 writer pool of
   * each shard, and the control pool. `waiting` is callers queued for a connection: above 0 for
   * long, the pool (poolMax) or the shard is the bottleneck.
   */
  poolStats(): PoolStats[] {
    const readers = this.shardPools.map((pool, shard) => knexPoolStats(pool, 'reader', String(shard), this.config.poolMax));
    const writers = this.writerPools.map((pool, shard): PoolStats => {
      // mysql2 keeps these as private queues of its core pool; its public API has no counts.
      const core = (pool as unknown as { pool: { _allConnections: Sized; _freeConnections: Sized; _connectionQueue: Sized } }).pool;
      const open = core._allConnections.length;
      const idle = core._freeConnections.length;
      return { pool: 'writer', shard: String(shard), inUse: open - idle, idle, waiting: core._connectionQueue.length, max: this.config.poolMax };
    });
    return [...readers, ...writers, knexPoolStats(this.control, 'control', 'control', this.config.controlPoolMax ?? 8)];
  }

  async destroy(): Promise<void> {
    await Promise.all([...this.shardPools, this.control].map((pool) => pool.destroy()));
    await Promise.all(this.writerPools.map((pool) => pool.end()));
  }
}

const IDLE_CONNECTION_MS = 300_000;

/** One pool's connections (ShardDatabases.poolStats); `shard` is the shard index, or "control". */
export interface PoolStats {
  pool: 'reader' | 'writer' | 'control';
  shard: string;
  inUse: number;
  idle: number;
  waiting: number;
  max: number;
}

interface Sized {
  length: number;
}

interface TarnPool {
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
}

function knexPoolStats(db: Knex, pool: PoolStats['pool'], shard: string, max: number): PoolStats {
  // knex creates its tarn pool lazily and drops it on destroy: no pool = nothing open.
  const tarn = (db.client as { pool?: TarnPool }).pool;
  if (!tarn) return { pool, shard, inUse: 0, idle: 0, waiting: 0, max };
  return { pool, shard, inUse: tarn.numUsed(), idle: tarn.numFree(), waiting: tarn.numPendingAcquires(), max };
}

export type ShardProbe = { shard: number; status: 'up' } | { shard: number; status: 'down'; error: string };

export type PoolLog = (level: 'warn' | 'error' | 'deprecate', message: string) => void;

/**
 * What every session on a shard or the control database starts with:
 * - a row-lock wait of at most lockWaitTimeoutS (not InnoDB's 50 s);
 * - backslash escapes ON whatever the server's sql_mode says: the write path's SQL text
 *   (event-store sql-statements.ts), mysql2's and knex's escaping all write a quote as \' — under
 *   NO_BACKSLASH_ESCAPES that would END the string, and record content could then write SQL.
 */
export function sessionSettingsSql(lockWaitTimeoutS = 3): string {
  return `SET SESSION innodb_lock_wait_timeout = ${Math.round(lockWaitTimeoutS)}, sql_mode = REPLACE(@@SESSION.sql_mode, 'NO_BACKSLASH_ESCAPES', '')`;
}

/** A mysql2 connection in its callback API (knex's afterCreate, the writer pool's 'connection' event). */
export interface RawConnection {
  query(...args: unknown[]): unknown;
}

/**
 * The query timeouts of a connection. With `defaultTimeoutMs`, every query gets a timeout unless it
 * brings its own: knex has no pool-wide query timeout, and a shard that hangs on an open connection
 * (server stuck, silent network loss) would otherwise hold a read, or the relay's outbox read,
 * forever. mysql2 fails the query with PROTOCOL_SEQUENCE_TIMEOUT and closes the connection, which
 * the callers already treat as the shard being unavailable (503, the relay standing down).
 *
 * Always: mysql2 clears a query's inactivity timer when the query completes, not when its
 * connection dies under it (killed, reset); the timer then holds the process open until it fires,
 * up to the timeout after the error was answered. It is cleared with the answer, whatever it is.
 */
export function withQueryTimeouts(raw: RawConnection, defaultTimeoutMs?: number): void {
  const query = raw.query.bind(raw);
  raw.query = (first: unknown, ...rest: unknown[]) => {
    const options = typeof first === 'string' ? { sql: first } : (first as Record<string, unknown>);
    const withTimeout = defaultTimeoutMs !== undefined && options && options.timeout === undefined ? { ...options, timeout: defaultTimeoutMs } : first;
    const callback = typeof rest[rest.length - 1] === 'function' ? (rest.pop() as (...args: unknown[]) => void) : undefined;
    if (!callback) return query(withTimeout, ...rest);
    // `let`: on a connection already closed mysql2 answers synchronously, before `query` returns.
    let command: { queryTimeout?: ReturnType<typeof setTimeout> | null } | undefined;
    command = query(withTimeout, ...rest, (...args: unknown[]) => {
      if (command?.queryTimeout) {
        clearTimeout(command.queryTimeout);
        command.queryTimeout = null; // as mysql2 leaves it after a completed query
      }
      callback(...args);
    }) as typeof command;
    return command;
  };
}

export function createPool(
  connection: ConnectionConfig,
  options: Pick<ShardingConfig, 'poolMax' | 'connectTimeoutMs'> & { lockWaitTimeoutS?: number; queryTimeoutMs?: number },
  log: PoolLog = () => {},
): Knex {
  return knex({
    log: {
      warn: (m: unknown) => log('warn', String(m)),
      error: (m: unknown) => log('error', String(m)),
      deprecate: (m: unknown) => log('deprecate', String(m)),
      debug: () => {},
    },
    client: 'mysql2',
    connection: {
      ...connection,
      charset: 'utf8mb4',
      timezone: 'Z',
      // 64-bit ids and user ids stay exact: BIGINTs come back as strings, never lossy numbers.
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: false,
      connectTimeout: options.connectTimeoutMs,
      // Multi-row group inserts are built client-side; keep statements in one round trip.
      multipleStatements: false,
    },
    // Idle reader connections are kept for minutes, not seconds: a reconnect during a burst is
    // what risks a connect timeout (see ShardDatabases.warmUp). min stays 0 so that a shard that
    // is down is not reconnected to in the background; after 5 idle minutes the next reads connect again.
    pool: {
      min: 0,
      max: options.poolMax,
      idleTimeoutMillis: IDLE_CONNECTION_MS,
      afterCreate: (raw: RawConnection, done: (error: Error | null, connection: unknown) => void) => {
        const queryTimeoutMs = options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
        withQueryTimeouts(raw, queryTimeoutMs > 0 ? queryTimeoutMs : undefined);
        raw.query(sessionSettingsSql(options.lockWaitTimeoutS), (error: Error | null) => done(error, raw));
      },
    },
    acquireConnectionTimeout: options.connectTimeoutMs + 1000,
  });
}

/** Connects to the server of `connection` without selecting a database (to create it). */
export function createServerPool(connection: ConnectionConfig, connectTimeoutMs = 2000): Knex {
  const { database: _database, ...server } = connection;
  return knex({
    client: 'mysql2',
    connection: { ...server, charset: 'utf8mb4', connectTimeout: connectTimeoutMs },
    pool: { min: 0, max: 1 },
  });
}

function createWriterPool(connection: ConnectionConfig, options: Pick<ShardingConfig, 'poolMax' | 'connectTimeoutMs'>): MysqlPool {
  return createMysqlPool({
    ...connection,
    charset: 'utf8mb4',
    timezone: 'Z',
    supportBigNumbers: true,
    bigNumberStrings: true,
    connectTimeout: options.connectTimeoutMs,
    multipleStatements: true,
    // The write path sends SQL it already escaped (event-store sql-statements.ts). mysql2 would
    // otherwise scan every multi-megabyte packet for '?' placeholders even with no values.
    queryFormat: (sql: string, values: unknown) => {
      if (values === undefined || (Array.isArray(values) && values.length === 0)) return sql;
      throw new Error('the shard writer pool takes pre-escaped SQL only; use the knex pool for parameterised queries');
    },
    connectionLimit: options.poolMax,
    // Bounded waiting: beyond this many callers queued for a connection (a slow shard), more are
    // refused at once (the event store answers 503 EVENT_STORE.SHARD_BUSY, nothing sent) instead
    // of piling up; how long each may wait is bounded by the event store (acquireWriter).
    queueLimit: Math.max(64, options.poolMax * 8),
    // maxIdle = connectionLimit: mysql2 only closes idle connections beyond maxIdle, so the writer
    // connections opened at startup stay open (until the server or the network drops one).
    maxIdle: options.poolMax,
    idleTimeout: IDLE_CONNECTION_MS,
    enableKeepAlive: true,
  });
}
