import { isConnectionError } from '@shardline/sharding/mysql';
import { ShardUnavailableError } from '../event-store.errors';

export { isConnectionError } from '@shardline/sharding/mysql';

interface MysqlLikeError {
  code?: string;
  message?: string;
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
