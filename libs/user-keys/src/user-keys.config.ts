import { z } from 'zod';
import { DEVELOPMENT_MASTER_KEY } from './key-wrapping';

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

const userKeysEnvSchema = z.object({
  /** base64 of 32 random bytes (`openssl rand -base64 32`); unset: the development key. */
  SHARDLINE_USER_KEY_MASTER: z
    .string()
    .refine((s) => BASE64.test(s) && Buffer.from(s, 'base64').length === 32, 'base64 of exactly 32 bytes')
    .optional(),
  /** How long a process may use a key it looked up: the bound on how long a forgotten key keeps working anywhere. */
  SHARDLINE_USER_KEY_CACHE_TTL_MS: z.coerce.number().int().min(0).max(600_000).default(30_000),
});

export interface UserKeysConfig {
  masterKey: Buffer;
  /** True when SHARDLINE_USER_KEY_MASTER was not set: apps warn loudly at start. */
  developmentMasterKey: boolean;
  cacheTtlMs: number;
}

/** The user-key settings from an environment map (apps pass process.env; libs never read it). Throws naming the variable. */
export function userKeysConfigFromEnv(env: Record<string, string | undefined>): UserKeysConfig {
  const parsed = userKeysEnvSchema.safeParse({ SHARDLINE_USER_KEY_MASTER: env.SHARDLINE_USER_KEY_MASTER || undefined, SHARDLINE_USER_KEY_CACHE_TTL_MS: env.SHARDLINE_USER_KEY_CACHE_TTL_MS });
  if (!parsed.success) {
    throw new Error(`invalid configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const master = parsed.data.SHARDLINE_USER_KEY_MASTER;
  return {
    masterKey: master ? Buffer.from(master, 'base64') : DEVELOPMENT_MASTER_KEY,
    developmentMasterKey: master === undefined,
    cacheTtlMs: parsed.data.SHARDLINE_USER_KEY_CACHE_TTL_MS,
  };
}

export const DEVELOPMENT_MASTER_KEY_WARNING =
  'SHARDLINE_USER_KEY_MASTER is not set: user data keys are wrapped with the PUBLIC development master key. Anyone with a copy of the control database can read every sealed event. Set it (base64 of 32 random bytes) in every environment but development.';

/**
 * Write-time sealing (api, command-intake, saga-worker): SHARDLINE_SEAL_CONTENT (default true) seals
 * the personal content of every event before it is stored (docs/adr/0005); false stores it in clear
 * (then only the relay's sealing, if on, protects the Kafka copies, and an erasure cannot reach the
 * event tables). Returns the key settings, or null when sealing is off.
 */
export function sealingConfigFromEnv(env: Record<string, string | undefined>): UserKeysConfig | null {
  const flag = env.SHARDLINE_SEAL_CONTENT ?? 'true';
  if (flag !== 'true' && flag !== 'false') throw new Error(`invalid configuration: SHARDLINE_SEAL_CONTENT: must be true or false, got ${flag}`);
  return flag === 'true' ? userKeysConfigFromEnv(env) : null;
}
