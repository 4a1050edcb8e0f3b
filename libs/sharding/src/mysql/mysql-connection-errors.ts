import { knex } from 'knex';
import { UnavailableError } from '@shardline/errors';

/**
 * "The server cannot be reached", as mysql2/knex report it: refused, reset, a connect that timed out
 * (`connect ETIMEDOUT` from mysql2's own connect timer carries no code, only `fatal: true`), a lost
 * connection, or no pooled connection within the acquire timeout. The one classifier of every
 * MySQL adapter (shards and control database alike).
 */
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

/** The control database (sagas, commit points, user keys, slot map) cannot be reached: 503, retry later. */
export class ControlDatabaseUnavailableError extends UnavailableError {
  constructor(cause: unknown) {
    super('CONTROL_DB.UNAVAILABLE', `the control database is unavailable: ${(cause as Error | null)?.message ?? String(cause)}`, cause);
  }
}

/** Runs work on the control database, turning "cannot reach it" into ControlDatabaseUnavailableError (503). */
export async function guardControl<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isConnectionError(error)) throw new ControlDatabaseUnavailableError(error);
    throw error;
  }
}
