import Redis from 'ioredis';

export interface CacheRedisOptions {
  url: string;
  /** A cache call slower than this fails (readers go to the shard; writers answer 503). */
  commandTimeoutMs: number;
}

/**
 * A Redis client that fails fast instead of queueing: while Redis is unreachable, commands
 * reject at once (no offline queue, no per-command retries), and the client keeps reconnecting
 * in the background. Waits up to one timeout for the first connection, but never fails start-up:
 * a cache outage must not stop the process.
 */
export async function connectCacheRedis(options: CacheRedisOptions): Promise<Redis> {
  const redis = new Redis(options.url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs,
    connectTimeout: Math.max(options.commandTimeoutMs, 1000),
    retryStrategy: (attempt) => Math.min(50 * attempt, 1000),
    // Concurrent lookups of one event-loop tick share one write to the socket.
    enableAutoPipelining: true,
  });
  redis.on('error', () => undefined); // reconnects on its own; callers see failed commands
  await redis.connect().catch(() => undefined);
  return redis;
}
