import { z } from 'zod';

/** Roles with limits of their own; an identity whose role is not listed is limited as `anonymous`. */
export const RATE_LIMITED_ROLES = ['anonymous', 'writer', 'reader', 'analyst', 'admin'] as const;
export type RateLimitedRole = (typeof RATE_LIMITED_ROLES)[number];

/** Per key of a role: `perSecond` tokens refill every second, and up to `burst` may be spent at once. */
export interface RoleLimit {
  perSecond: number;
  burst: number;
}

/**
 * Defaults per key (an API key, or a client IP for `anonymous`). Until API keys exist every client
 * is `anonymous`, so its default is high enough for one client's ordinary load; analytics queries
 * are expensive, hence the analyst's low rate.
 */
const DEFAULTS: Record<RateLimitedRole, RoleLimit> = {
  anonymous: { perSecond: 1000, burst: 2000 },
  writer: { perSecond: 2000, burst: 4000 },
  reader: { perSecond: 2000, burst: 4000 },
  analyst: { perSecond: 20, burst: 40 },
  admin: { perSecond: 50, burst: 100 },
};

const tokens = z.coerce.number().int().min(1).max(10_000_000);
const roleVariables = Object.fromEntries(
  RATE_LIMITED_ROLES.flatMap((role) => [
    [`SHARDLINE_RATE_LIMIT_${role.toUpperCase()}`, tokens.default(DEFAULTS[role].perSecond)],
    [`SHARDLINE_RATE_LIMIT_${role.toUpperCase()}_BURST`, tokens.default(DEFAULTS[role].burst)],
  ]),
) as Record<string, z.ZodDefault<typeof tokens>>;

const rateLimitEnvSchema = z.object({
  /** Off: nothing is limited and no RateLimit headers are sent. */
  SHARDLINE_RATE_LIMIT_ENABLED: z.enum(['true', 'false']).default('true'),
  /** The Redis holding the shared buckets (defaults to the cache's SHARDLINE_REDIS_URL). */
  SHARDLINE_RATE_LIMIT_REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').optional(),
  SHARDLINE_REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
  /** A bucket call slower than this is decided by the process's local bucket instead. */
  SHARDLINE_RATE_LIMIT_REDIS_TIMEOUT_MS: z.coerce.number().int().min(10).max(10_000).default(250),
  SHARDLINE_RATE_LIMIT_KEY_PREFIX: z.string().min(1).max(100).default('shardline:rl'),
  /** API processes expected to share the limits: while Redis is down each one allows 1/N of a limit on its own. */
  SHARDLINE_RATE_LIMIT_PROCESSES: z.coerce.number().int().min(1).max(1000).default(2),
  /** A write's body costs one token per this many bytes (about 100 records of ~1 KiB); every request costs at least 1. */
  SHARDLINE_RATE_LIMIT_BYTES_PER_TOKEN: z.coerce.number().int().min(1024).max(1024 * 1024 * 1024).default(100 * 1024),
  ...roleVariables,
});

export type RateLimitsConfig = ReturnType<typeof rateLimitsConfigFromEnv>;

/** Rate-limit settings from an environment map (apps pass process.env; the lib never reads it). */
export function rateLimitsConfigFromEnv(env: Record<string, string | undefined>) {
  const parsed = rateLimitEnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new Error(`invalid configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const e = parsed.data as z.infer<typeof rateLimitEnvSchema> & Record<string, number>;
  const roles = Object.fromEntries(
    RATE_LIMITED_ROLES.map((role) => {
      const name = `SHARDLINE_RATE_LIMIT_${role.toUpperCase()}`;
      return [role, { perSecond: e[name], burst: Math.max(e[`${name}_BURST`], e[name]) }];
    }),
  ) as Record<RateLimitedRole, RoleLimit>;
  return {
    enabled: e.SHARDLINE_RATE_LIMIT_ENABLED === 'true',
    redisUrl: e.SHARDLINE_RATE_LIMIT_REDIS_URL ?? e.SHARDLINE_REDIS_URL,
    redisTimeoutMs: e.SHARDLINE_RATE_LIMIT_REDIS_TIMEOUT_MS,
    keyPrefix: e.SHARDLINE_RATE_LIMIT_KEY_PREFIX,
    processes: e.SHARDLINE_RATE_LIMIT_PROCESSES,
    bytesPerToken: e.SHARDLINE_RATE_LIMIT_BYTES_PER_TOKEN,
    roles,
  };
}
