import { z } from 'zod';
import { shardingConfigFromEnv } from '@shardline/sharding';
import { recordsCacheConfigFromEnv } from '@shardline/records-cache';

const queryEnvSchema = z.object({
  SHARDLINE_QUERY_HTTP_HOST: z.string().default('0.0.0.0'),
  SHARDLINE_QUERY_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(3001),
  SHARDLINE_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SHARDLINE_ACCESS_LOG: z.enum(['errors', 'all', 'off']).default('errors'),
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
    sharding: shardingConfigFromEnv(env),
    cache: recordsCacheConfigFromEnv(env),
  };
}
