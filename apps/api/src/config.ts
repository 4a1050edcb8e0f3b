import { z } from 'zod';
import { groupCommitConfigFromEnv } from '@shardline/event-store';
import { workerIdLeaseConfigFromEnv } from '@shardline/ids';
import { authConfigFromEnv } from '@shardline/auth';
import { shardingConfigFromEnv } from '@shardline/sharding';
import { sealingConfigFromEnv } from '@shardline/user-keys';
import { recordsCacheConfigFromEnv } from '@shardline/records-cache';
import { rateLimitsConfigFromEnv } from '@shardline/rate-limits';
import { recordsSagasConfigFromEnv } from '@shardline/records-sagas';

const apiEnvSchema = z.object({
  SHARDLINE_HTTP_HOST: z.string().default('0.0.0.0'),
  SHARDLINE_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Largest accepted request body; a 10,000-record batch of ~1 KiB records is ~10 MiB. */
  SHARDLINE_HTTP_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(256 * 1024 * 1024).default(16 * 1024 * 1024),
  /**
   * Request-body bytes of writes this process works on at once; beyond, writes get 503
   * SERVER.OVERLOADED with Retry-After at once (load shedding, see libs/http write-admission.ts).
   */
  SHARDLINE_HTTP_MAX_IN_FLIGHT_BYTES: z.coerce.number().int().min(1024).max(4 * 1024 * 1024 * 1024).default(64 * 1024 * 1024),
  SHARDLINE_HTTP_RETRY_AFTER_SECONDS: z.coerce.number().int().min(1).max(3600).default(1),
  SHARDLINE_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** 'errors' logs 4xx/5xx requests only (cheap at 10k req/s); 'all' logs every request. */
  SHARDLINE_ACCESS_LOG: z.enum(['errors', 'all', 'off']).default('errors'),
});

export type ApiConfig = ReturnType<typeof apiConfigFromEnv>;

/** The only place the API reads process.env; every setting is validated and has a default. */
export function apiConfigFromEnv(env: Record<string, string | undefined>) {
  const parsed = apiEnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new Error(`invalid configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const e = parsed.data;
  return {
    http: {
      host: e.SHARDLINE_HTTP_HOST,
      port: e.SHARDLINE_HTTP_PORT,
      bodyLimit: e.SHARDLINE_HTTP_BODY_LIMIT_BYTES,
      writeAdmission: { maxInFlightBytes: e.SHARDLINE_HTTP_MAX_IN_FLIGHT_BYTES, retryAfterSeconds: e.SHARDLINE_HTTP_RETRY_AFTER_SECONDS },
    },
    log: { level: e.SHARDLINE_LOG_LEVEL, access: e.SHARDLINE_ACCESS_LOG },
    /** API keys (libs/auth): required unless SHARDLINE_AUTH=off. */
    auth: authConfigFromEnv(env),
    /** Read cache shared with query-api: the api invalidates it on every acknowledged update/delete. */
    cache: recordsCacheConfigFromEnv(env),
    /** Per-key, per-role rate limits shared through Redis (libs/rate-limits). */
    rateLimits: rateLimitsConfigFromEnv(env),
    /** Atomic batches and the saga routes (null: disabled, atomic batches answer 501). */
    sagas: recordsSagasConfigFromEnv(env),
    records: {
      sharding: shardingConfigFromEnv(env),
      workerIds: workerIdLeaseConfigFromEnv(env, 'api'),
      sealing: sealingConfigFromEnv(env),
      groupCommit: groupCommitConfigFromEnv(env),
    },
  };
}
