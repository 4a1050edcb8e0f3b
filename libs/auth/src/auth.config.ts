import { z } from 'zod';

const authEnvSchema = z.object({
  /** required (default): every route but health needs a key. off: no checks, actor null — set it explicitly, for development and tests. */
  SHARDLINE_AUTH: z.enum(['required', 'off']).default('required'),
  /** How long a key's verification is reused: the longest a revoked key keeps working in a process. */
  SHARDLINE_AUTH_CACHE_TTL_MS: z.coerce.number().int().min(0).max(60_000).default(5000),
  SHARDLINE_AUTH_CACHE_MAX_KEYS: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
});

export interface AuthConfig {
  required: boolean;
  cache: { ttlMs: number; maxEntries: number };
}

/** Authentication settings of the HTTP apps and the command intake; secure by default (keys required). */
export function authConfigFromEnv(env: Record<string, string | undefined>): AuthConfig {
  const parsed = authEnvSchema.safeParse(env);
  if (!parsed.success) throw new Error(`invalid configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const e = parsed.data;
  return { required: e.SHARDLINE_AUTH === 'required', cache: { ttlMs: e.SHARDLINE_AUTH_CACHE_TTL_MS, maxEntries: e.SHARDLINE_AUTH_CACHE_MAX_KEYS } };
}

export const AUTH_OFF_WARNING = 'SHARDLINE_AUTH=off: every request is accepted without an API key and events carry no actor — never in production';
