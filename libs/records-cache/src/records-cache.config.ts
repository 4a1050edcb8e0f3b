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
});

export type RecordsCacheConfig = ReturnType<typeof recordsCacheConfigFromEnv>;

/** Cache settings from an environment map (apps pass process.env; the lib never reads it). */
export function recordsCacheConfigFromEnv(env: Record<string, string | undefined>) {
  const parsed = cacheEnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new Error(`invalid configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const e = parsed.data;
  return {
    enabled: e.SHARDLINE_CACHE_ENABLED === 'true',
    redisUrl: e.SHARDLINE_REDIS_URL,
    commandTimeoutMs: e.SHARDLINE_REDIS_COMMAND_TIMEOUT_MS,
    keyPrefix: e.SHARDLINE_CACHE_KEY_PREFIX,
    redisTtlMs: e.SHARDLINE_CACHE_REDIS_TTL_MS,
    lruMaxEntries: e.SHARDLINE_CACHE_LRU_MAX,
    lruTtlMs: e.SHARDLINE_CACHE_LRU_TTL_MS,
  };
}
