import type { Pool, PoolConnection } from 'mysql2/promise';

/** No writer connection came free within the wait bound; the write was never sent. */
export class WriterWaitTimeoutError extends Error {
  constructor(readonly waitedMs: number) {
    super(`no writer connection within ${waitedMs} ms`);
  }
}

/**
 * A writer connection within `waitMs`, or WriterWaitTimeoutError. mysql2's pool has no acquire
 * timeout of its own: behind a slow shard, writes would wait for its connections as long as the
 * shard takes. A connection that arrives after the caller gave up goes straight back to the pool
 * unused, so a refused write is never written late.
 */
export function acquireWriter(pool: Pool, waitMs: number): Promise<PoolConnection> {
  return new Promise((resolve, reject) => {
    let gaveUp = false;
    const timer = setTimeout(() => {
      gaveUp = true;
      reject(new WriterWaitTimeoutError(waitMs));
    }, waitMs);
    pool.getConnection().then(
      (connection) => {
        if (gaveUp) return connection.release();
        clearTimeout(timer);
        resolve(connection);
      },
      (error: unknown) => {
        if (gaveUp) return;
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** mysql2's refusal when `queueLimit` callers already wait for a connection of the pool. */
export function isWriterQueueFull(error: unknown): boolean {
  return error instanceof Error && error.message === 'Queue limit reached.';
}
