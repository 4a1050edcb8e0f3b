import { z } from 'zod';
import { groupCommitConfigFromEnv } from '@shardline/event-store';
import { recordsCacheConfigFromEnv } from '@shardline/records-cache';
import { sagaRuntimeConfigFromEnv } from '@shardline/sagas/bullmq';
import { clickHouseConfigFromEnv } from '@shardline/projection-clickhouse';
import { sealingConfigFromEnv, userKeysConfigFromEnv } from '@shardline/user-keys';
import { shardingConfigFromEnv } from '@shardline/sharding';

const workerEnvSchema = z.object({
  /** Ops port (metrics, health, admin) takes no keys: loopback unless deployed behind a private network (README "Security"). */
  SHARDLINE_SAGA_OPS_HOST: z.string().default('127.0.0.1'),
  SHARDLINE_SAGA_OPS_PORT: z.coerce.number().int().min(0).max(65535).default(9467),
  /** Longest a graceful shutdown waits for running steps (an unfinished one is redone by the next worker). */
  SHARDLINE_SAGA_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  /** The read models an erasure scrubs. */
  SHARDLINE_ES_URL: z.string().min(1).default('http://127.0.0.1:9200'),
  SHARDLINE_ES_INDEX: z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,80}$/, 'lowercase index name').default('records'),
  /** Slot moves (docs/adr/0008): rows per copy chunk (one chunk per saga job), and how long a position may stay uncommitted. */
  SHARDLINE_SLOT_MOVE_CHUNK_ROWS: z.coerce.number().int().min(10).max(100_000).default(5_000),
  SHARDLINE_SLOT_MOVE_SETTLE_MS: z.coerce.number().int().min(0).max(600_000).default(15_000),
  SHARDLINE_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type SagaWorkerConfig = ReturnType<typeof sagaWorkerConfigFromEnv>;

/** The only place the saga worker reads process.env; every setting is validated and has a default. */
export function sagaWorkerConfigFromEnv(env: Record<string, string | undefined>) {
  const parsed = workerEnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new Error(`invalid configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const e = parsed.data;
  return {
    sharding: shardingConfigFromEnv(env),
    sagas: sagaRuntimeConfigFromEnv(env),
    /** Write-time sealing, and the keys an erasure forgets (docs/adr/0005). */
    sealing: sealingConfigFromEnv(env),
    userKeys: userKeysConfigFromEnv(env),
    elasticsearch: { url: e.SHARDLINE_ES_URL, index: e.SHARDLINE_ES_INDEX },
    clickhouse: clickHouseConfigFromEnv(env),
    /** The read cache a moved record's source leaves once its move committed (same Redis and prefix as every writer). */
    cache: recordsCacheConfigFromEnv(env),
    groupCommit: groupCommitConfigFromEnv(env),
    ops: { host: e.SHARDLINE_SAGA_OPS_HOST, port: e.SHARDLINE_SAGA_OPS_PORT },
    shutdownTimeoutMs: e.SHARDLINE_SAGA_SHUTDOWN_TIMEOUT_MS,
    slotMoves: { chunkRows: e.SHARDLINE_SLOT_MOVE_CHUNK_ROWS, settleMs: e.SHARDLINE_SLOT_MOVE_SETTLE_MS },
    logLevel: e.SHARDLINE_LOG_LEVEL,
  };
}
