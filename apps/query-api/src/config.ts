import { z } from 'zod';
import { authConfigFromEnv } from '@shardline/auth';
import { shardingConfigFromEnv } from '@shardline/sharding';
import { recordsCacheConfigFromEnv } from '@shardline/records-cache';
import { rateLimitsConfigFromEnv } from '@shardline/rate-limits';
import { clickHouseConfigFromEnv } from '@shardline/projection-clickhouse';

const queryEnvSchema = z.object({
  SHARDLINE_QUERY_HTTP_HOST: z.string().default('0.0.0.0'),
  SHARDLINE_QUERY_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(3001),
  SHARDLINE_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SHARDLINE_ACCESS_LOG: z.enum(['errors', 'all', 'off']).default('errors'),
  SHARDLINE_ES_URL: z.string().min(1).default('http://127.0.0.1:9200'),
  /** The read alias the projector maintains (searches follow a rebuild's alias swap). */
  SHARDLINE_ES_INDEX: z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,80}$/, 'lowercase index name').default('records'),
  SHARDLINE_QUERY_SEARCH_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
});

export type QueryApiConfig = ReturnType<typeof queryApiConfigFromEnv>;

/** The only place the query API reads process.env; every setting is validated and has a default. */
export function queryApiConfigFromEnv(env: Record<string, string | undefined>) {
  const parsed = queryEnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new Error(`invalid configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const e = parsed.data;
  return {
    http: { host: e.SHARDLINE_QUERY_HTTP_HOST, port: e.SHARDLINE_QUERY_HTTP_PORT },
    log: { level: e.SHARDLINE_LOG_LEVEL, access: e.SHARDLINE_ACCESS_LOG },
    /** API keys (libs/auth): required unless SHARDLINE_AUTH=off. */
    auth: authConfigFromEnv(env),
    sharding: shardingConfigFromEnv(env),
    cache: recordsCacheConfigFromEnv(env),
    /** Per-key, per-role rate limits shared through Redis with the api (libs/rate-limits). */
    rateLimits: rateLimitsConfigFromEnv(env),
    readModels: {
      elasticsearch: { url: e.SHARDLINE_ES_URL, index: e.SHARDLINE_ES_INDEX, requestTimeoutMs: e.SHARDLINE_QUERY_SEARCH_TIMEOUT_MS },
      // Readers may use ClickHouse's read-only analyst user (SHARDLINE_CLICKHOUSE_USER/_PASSWORD).
      clickhouse: clickHouseConfigFromEnv(env),
    },
  };
}
