import { z } from 'zod';
import { sagaRuntimeConfigFromEnv } from '@shardline/sagas/bullmq';
import type { RecordsSagasOptions } from './records-sagas.module';

const envSchema = z.object({
  /** false: atomic batches and moves answer 501 and no saga route is served (the process needs no saga Redis). */
  SHARDLINE_SAGAS_ENABLED: z.enum(['true', 'false']).default('true'),
  /** How long an atomic batch request waits for its commit point before answering 202 with the status URL. */
  SHARDLINE_ATOMIC_BATCH_WAIT_MS: z.coerce.number().int().min(0).max(300_000).default(10_000),
  /** How long a move request waits for its commit point before answering 202 with the status URL. */
  SHARDLINE_MOVE_WAIT_MS: z.coerce.number().int().min(0).max(300_000).default(10_000),
});

/** The sagas of a request-serving app (api, command-intake), from an environment map; null when disabled. */
export function recordsSagasConfigFromEnv(env: Record<string, string | undefined>): RecordsSagasOptions | null {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) throw new Error(`invalid configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  if (parsed.data.SHARDLINE_SAGAS_ENABLED === 'false') return null;
  return { sagas: sagaRuntimeConfigFromEnv(env), atomicBatchWaitMs: parsed.data.SHARDLINE_ATOMIC_BATCH_WAIT_MS, moveWaitMs: parsed.data.SHARDLINE_MOVE_WAIT_MS };
}
