import { knex } from 'knex';
import { ShardUnavailableError } from '../event-store.errors';

/** Classifies mysql2/knex errors into what the event store must do about them. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
]);
// 2006 server gone away, 2013 lost connection during query, 1053 server shutdown, 1927 connection killed.
const CONNECTION_ERRNOS = new Set([2006, 2013, 1053, 1927]);

interface MysqlLikeError {
  code?: string;
  errno?: number;
  message?: string;
  fatal?: boolean;
}

export function isConnectionError(error: unknown): boolean {
  const e = error as MysqlLikeError | null;
  if (!e) return false;
  if (error instanceof knex.KnexTimeoutError) return true; // no connection could be acquired in time
  if (e.code && CONNECTION_CODES.has(e.code)) return true;
  if (e.errno && CONNECTION_ERRNOS.has(e.errno)) return true;
  if (e.fatal) return true;
  return /closed state|Connection lost|connect ETIMEDOUT/i.test(e.message ?? '');
}

export function isDuplicateKey(error: unknown, keyName?: string): boolean {
  const e = error as MysqlLikeError | null;
  if (e?.code !== 'ER_DUP_ENTRY') return false;
  return keyName === undefined || (e.message ?? '').includes(`'${keyName}'`);
}

/**
 * A statement waited for a row lock longer than innodb_lock_wait_timeout (set short per session,
 * see ShardDatabases): the row is busy, the shard is fine. It concerns the command that touched the
 * row, not the others of its group.
 */
export function isLockWaitTimeout(error: unknown): boolean {
  return (error as MysqlLikeError | null)?.code === 'ER_LOCK_WAIT_TIMEOUT';
}

/** InnoDB chose this transaction as a deadlock victim and rolled it back: run it again, at most this many times in all. */
export const MAX_DEADLOCK_ATTEMPTS = 3;

export function isDeadlock(error: unknown): boolean {
  return (error as MysqlLikeError | null)?.code === 'ER_LOCK_DEADLOCK';
}

/** Runs a read against a shard, turning "cannot reach it" into ShardUnavailableError (503). */
export async function guardShard<T>(shard: number, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isConnectionError(error)) throw new ShardUnavailableError(shard, error);
    throw error;
  }
}

/** JSON columns arrive as text or already parsed, depending on server (MariaDB/MySQL) and driver version. */
export function jsonColumn(value: unknown): unknown {
  return typeof value === 'string' ? JSON.parse(value) : value;
}
