import { z } from 'zod';
import type { GroupCommitOptions } from './group-committer';

const groupCommitEnvSchema = z.object({
  SHARDLINE_GROUP_COMMIT_MAX: z.coerce.number().int().min(1).max(5000).default(500),
  SHARDLINE_GROUP_COMMIT_WINDOW_MS: z.coerce.number().min(0).max(100).default(2),
  SHARDLINE_GROUP_COMMIT_IN_FLIGHT: z.coerce.number().int().min(1).max(64).default(2),
  /** Appends of one shard that may wait for a group at once; beyond, 503 EVENT_STORE.SHARD_BUSY at once. */
  SHARDLINE_SHARD_WRITE_QUEUE_MAX: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  /** Longest a write waits for its turn on a shard (a group, a writer connection); then 503 EVENT_STORE.SHARD_BUSY, nothing sent. */
  SHARDLINE_SHARD_WRITE_WAIT_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
});

/**
 * Group commit and the per-shard bounds of waiting writes, from an environment map: the same
 * settings in every app that writes (api, command intake, saga worker).
 */
export function groupCommitConfigFromEnv(env: Record<string, string | undefined>): Required<GroupCommitOptions> {
  const parsed = groupCommitEnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new Error(`invalid configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const e = parsed.data;
  return {
    maxGroupSize: e.SHARDLINE_GROUP_COMMIT_MAX,
    windowMs: e.SHARDLINE_GROUP_COMMIT_WINDOW_MS,
    maxInFlight: e.SHARDLINE_GROUP_COMMIT_IN_FLIGHT,
    maxQueued: e.SHARDLINE_SHARD_WRITE_QUEUE_MAX,
    maxQueueWaitMs: e.SHARDLINE_SHARD_WRITE_WAIT_MS,
  };
}
