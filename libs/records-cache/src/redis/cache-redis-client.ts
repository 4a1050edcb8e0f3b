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

/**
 * The fence's leases have no TTL and must never be evicted (an evicted lease would lift the fence
 * of a writer that acknowledged a pending invalidation). Record entries all have a TTL, so a
 * volatile-* policy (or noeviction) evicts only those; allkeys-* could evict the leases. Best
 * effort: managed Redis services may refuse CONFIG.
 */
export async function evictionPolicyWarning(redis: Redis): Promise<string | null> {
  try {
    const [, policy] = (await redis.config('GET', 'maxmemory-policy')) as [string, string];
    return policy?.startsWith('allkeys-') ? `cache Redis maxmemory-policy is ${policy}: it may evict the writers' leases of the cache fence; use volatile-lru (or another volatile-* policy)` : null;
  } catch {
    return null;
  }
}
