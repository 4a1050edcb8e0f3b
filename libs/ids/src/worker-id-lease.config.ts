import { hostname } from 'node:os';
import { z } from 'zod';
import { MAX_WORKER_ID } from './snowflake';
import type { WorkerIdLeaseOptions } from './worker-id-lease';

const leaseEnvSchema = z.object({
  /** Tried first when leasing (e.g. to keep a process's ids recognisable); any free id otherwise. */
  SHARDLINE_WORKER_ID: z.coerce.number().int().min(0).max(MAX_WORKER_ID).optional(),
  /** Lease length: a crashed process's worker id is free again this long after its last renewal. */
  SHARDLINE_WORKER_LEASE_TTL_S: z.coerce.number().int().min(10).max(86_400).default(300),
});

export type WorkerIdLeaseConfig = Omit<WorkerIdLeaseOptions, 'onLost' | 'onRenewFailed'>;

/** The worker-id lease of an app that mints ids (api, command intake), from an environment map. */
export function workerIdLeaseConfigFromEnv(env: Record<string, string | undefined>, app: string): WorkerIdLeaseConfig {
  const parsed = leaseEnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new Error(`invalid configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const ttlMs = parsed.data.SHARDLINE_WORKER_LEASE_TTL_S * 1000;
  return {
    preferred: parsed.data.SHARDLINE_WORKER_ID,
    ttlMs,
    // Six renewals per lease: a control database that is away for less than ~5/6 of a ttl costs nothing.
    renewEveryMs: Math.floor(ttlMs / 6),
    holderName: `${app}@${hostname()}:${process.pid}`,
  };
}
