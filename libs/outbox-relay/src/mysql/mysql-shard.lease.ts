import { createHash } from 'node:crypto';
import { createConnection, type Connection } from 'mysql2/promise';
import type { ConnectionConfig } from '@shardline/sharding';
import { withQueryTimeouts, type RawConnection } from '@shardline/sharding/mysql';
import type { RelayLog, ShardLease } from '../outbox-relay.ports';

export interface MysqlShardLeaseOptions {
  connectTimeoutMs: number;
  /** A lease query that takes longer counts as a lost connection (a hung network must not keep us publishing). */
  queryTimeoutMs: number;
  /**
   * wait_timeout of the lock's session (seconds): the server ends it, and so frees the lock, once
   * no query came for this long. A holder that vanished without a TCP reset (host crash, VM freeze,
   * partition) thus loses the shard after this, not after the server's default (8 hours). The live
   * holder queries before every publish and at least every second while idle (isHeld), far more often. Default 30.
   */
  sessionTimeoutS?: number;
}

/**
 * The shard's relay lease as a MySQL user lock, `GET_LOCK('shardline-relay:<database>', 0)`, held
 * on a dedicated connection to the shard's own server. The server releases a user lock when the
 * connection that holds it ends, so a relay that is kill -9'ed (or loses its network) frees the
 * shard for a standby without any expiry to tune; there is no lock table to clean up.
 *
 * A holder that vanished without closing its connection (no TCP reset reaches the server) loses
 * the lock when its session's wait_timeout (sessionTimeoutS) passes without a query.
 *
 * The holder stops relaying the moment it cannot prove the lock is still its own: the connection
 * emitting 'error'/'end' marks the lease lost at once, and `isHeld()` — run by the relay before
 * every publish, and every second while the outbox is empty — asks the server `IS_USED_LOCK(name) = CONNECTION_ID()`. A failing or slow
 * answer counts as "not held". (Between that check and the broker's ack another relay may
 * already have started: both then publish the same rows, which at-least-once delivery allows.)
 */
export class MysqlShardLease implements ShardLease {
  private connection: Connection | null = null;
  private lost = false;
  readonly lockName: string;

  constructor(
    readonly shard: number,
    private readonly server: ConnectionConfig,
    private readonly options: MysqlShardLeaseOptions,
    private readonly log: RelayLog = () => {},
  ) {
    this.lockName = relayLockName(server.database);
  }

  async tryAcquire(): Promise<boolean> {
    try {
      const connection = await this.connect();
      const [rows] = await connection.query({ sql: 'SELECT GET_LOCK(?, 0) AS got', timeout: this.options.queryTimeoutMs }, [this.lockName]);
      return Number((rows as Array<{ got: number | null }>)[0]?.got) === 1;
    } catch (error) {
      this.drop(error);
      return false;
    }
  }

  async isHeld(): Promise<boolean> {
    const connection = this.connection;
    if (!connection || this.lost) return false;
    try {
      const [rows] = await connection.query(
        { sql: 'SELECT IS_USED_LOCK(?) = CONNECTION_ID() AS mine', timeout: this.options.queryTimeoutMs },
        [this.lockName],
      );
      if (Number((rows as Array<{ mine: number | null }>)[0]?.mine) === 1) return true;
      this.drop(new Error('lock no longer held by this connection'));
      return false;
    } catch (error) {
      this.drop(error);
      return false;
    }
  }

  async release(): Promise<void> {
    const connection = this.connection;
    this.connection = null;
    if (!connection) return;
    try {
      if (!this.lost) await connection.query({ sql: 'SELECT RELEASE_LOCK(?)', timeout: this.options.queryTimeoutMs }, [this.lockName]);
      await connection.end();
    } catch {
      connection.destroy(); // closing the connection releases the lock anyway
    }
  }

  private async connect(): Promise<Connection> {
    if (this.connection && !this.lost) return this.connection;
    this.lost = false;
    const connection = await createConnection({
      host: this.server.host,
      port: this.server.port,
      user: this.server.user,
      password: this.server.password,
      database: this.server.database,
      connectTimeout: this.options.connectTimeoutMs,
      enableKeepAlive: true,
    });
    const onLost = (error?: unknown) => {
      if (this.connection !== connection) return;
      this.lost = true;
      this.log('warn', 'relay lock connection lost', { shard: this.shard, error: error ? String(error) : 'closed' });
    };
    connection.on('error', onLost);
    connection.on('end', () => onLost());
    // A query answered with this connection's loss must not leave its timer holding the process open.
    withQueryTimeouts((connection as unknown as { connection: RawConnection }).connection);
    await connection.query({ sql: `SET SESSION wait_timeout = ${Math.max(1, Math.round(this.options.sessionTimeoutS ?? 30))}`, timeout: this.options.queryTimeoutMs });
    this.connection = connection;
    return connection;
  }

  private drop(error: unknown): void {
    const connection = this.connection;
    this.connection = null;
    this.lost = false;
    if (connection) {
      this.log('warn', 'relay lock connection dropped', { shard: this.shard, error: String(error) });
      connection.destroy();
    }
  }
}

/** GET_LOCK names are limited to 64 characters: long database names are hashed. */
export function relayLockName(database: string): string {
  const name = `shardline-relay:${database}`;
  return name.length <= 64 ? name : `shardline-relay:${createHash('sha256').update(database).digest('hex').slice(0, 40)}`;
}
