import { z } from 'zod';

const cacheEnvSchema = z.object({
  SHARDLINE_REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').default('redis://127.0.0.1:6379'),
  /** Off: writers do not invalidate and readers do not cache. Every writer and reader of a deployment must agree. */
  SHARDLINE_CACHE_ENABLED: z.enum(['true', 'false']).default('true'),
  SHARDLINE_CACHE_KEY_PREFIX: z.string().min(1).max(100).default('shardline:record:'),
  SHARDLINE_CACHE_REDIS_TTL_MS: z.coerce.number().int().min(1000).default(600_000),
  SHARDLINE_CACHE_LRU_MAX: z.coerce.number().int().min(0).max(10_000_000).default(10_000),
  SHARDLINE_CACHE_LRU_TTL_MS: z.coerce.number().int().min(1).default(60_000),
  SHARDLINE_REDIS_COMMAND_TIMEOUT_MS: z.coerce.number().int().min(10).max(60_000).default(250),
  // The cache fence (docs/adr/0006), read by writers; readers only check the leases in Redis.
  /** How often a writer renews its lease. */
  SHARDLINE_CACHE_FENCE_HEARTBEAT_MS: z.coerce.number().int().min(10).max(60_000).default(500),
  /** A lease lasts this long after its heartbeat was sent; an update/delete whose invalidation fails waits at most about this long. */
  SHARDLINE_CACHE_FENCE_LEASE_MS: z.coerce.number().int().min(50).max(600_000).default(1500),
  /** Added to that wait for the rate difference and small steps of Redis's clock. */
  SHARDLINE_CACHE_FENCE_CLOCK_ALLOWANCE_MS: z.coerce.number().int().min(0).max(60_000).default(100),
  /** A writer whose lease ended this long ago is removed by the sweeper (after every pending invalidation was replayed). */
  SHARDLINE_CACHE_FENCE_SWEEP_AFTER_MS: z.coerce.number().int().min(100).max(86_400_000).default(30_000),
  SHARDLINE_CACHE_FENCE_SWEEP_INTERVAL_MS: z.coerce.number().int().min(50).max(3_600_000).default(10_000),
});

export type RecordsCacheConfig = ReturnType<typeof recordsCacheConfigFromEnv>;

/** Cache settings from an environment map (apps pass process.env; the lib never reads it). */
export function recordsCacheConfigFromEnv(env: Record<string, string | undefined>) {
  const parsed = cacheEnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new Error(`invalid configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const e = parsed.data;
  // A lease must outlive the gap between two heartbeats plus one slow heartbeat, or members flap stale.
  if (e.SHARDLINE_CACHE_FENCE_LEASE_MS <= e.SHARDLINE_CACHE_FENCE_HEARTBEAT_MS + e.SHARDLINE_REDIS_COMMAND_TIMEOUT_MS) {
    throw new Error('invalid configuration: SHARDLINE_CACHE_FENCE_LEASE_MS must exceed SHARDLINE_CACHE_FENCE_HEARTBEAT_MS + SHARDLINE_REDIS_COMMAND_TIMEOUT_MS');
  }
  return {
    enabled: e.SHARDLINE_CACHE_ENABLED === 'true',
    redisUrl: e.SHARDLINE_REDIS_URL,
    commandTimeoutMs: e.SHARDLINE_REDIS_COMMAND_TIMEOUT_MS,
    keyPrefix: e.SHARDLINE_CACHE_KEY_PREFIX,
    redisTtlMs: e.SHARDLINE_CACHE_REDIS_TTL_MS,
    lruMaxEntries: e.SHARDLINE_CACHE_LRU_MAX,
    lruTtlMs: e.SHARDLINE_CACHE_LRU_TTL_MS,
    fence: {
      heartbeatMs: e.SHARDLINE_CACHE_FENCE_HEARTBEAT_MS,
      leaseMs: e.SHARDLINE_CACHE_FENCE_LEASE_MS,
      clockAllowanceMs: e.SHARDLINE_CACHE_FENCE_CLOCK_ALLOWANCE_MS,
      sweepAfterMs: e.SHARDLINE_CACHE_FENCE_SWEEP_AFTER_MS,
      sweepIntervalMs: e.SHARDLINE_CACHE_FENCE_SWEEP_INTERVAL_MS,
    },
  };
}
