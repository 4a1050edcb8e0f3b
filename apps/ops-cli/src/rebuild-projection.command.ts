import pino from 'pino';
import { z } from 'zod';
import { createKafka } from '@shardline/kafka';
import { MysqlEventLogReader } from '@shardline/event-store/mysql';
import { isRebuildable, newRebuildId, type RebuildReport } from '@shardline/projections';
import { ensureProjectionTopics, rebuildProjection } from '@shardline/projections/kafka';
import { shardingConfigFromEnv } from '@shardline/sharding';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { cachedMysqlUserKeys } from '@shardline/user-keys/mysql';
import type { WorkerLog } from '@shardline/worker';
import { PROJECTION_NAMES, projectorConfigFromEnv, type ProjectionName } from '../../projector/src/config';
import { createSink } from '../../projector/src/sinks';

/**
 * How hard the replay of the tables pushes (step 2 of the rebuild): events per table read and per
 * sink write, and shards replayed at once. Larger batches cost the read model less per event (one
 * Elasticsearch bulk, one ClickHouse insert each); more shards at once overlap their reads and
 * writes. The defaults are the rebuild's own (1,000 / 2): gentle on a read model that is serving.
 */
const replayEnvSchema = z.object({
  SHARDLINE_REBUILD_BATCH_SIZE: z.coerce.number().int().min(1).max(50_000).default(1000),
  SHARDLINE_REBUILD_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
});

export function rebuildReplayOptionsFromEnv(env: Record<string, string | undefined>): { replayBatchSize: number; replayConcurrency: number } {
  const parsed = replayEnvSchema.safeParse(env);
  if (!parsed.success) throw new Error(`invalid configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return { replayBatchSize: parsed.data.SHARDLINE_REBUILD_BATCH_SIZE, replayConcurrency: parsed.data.SHARDLINE_REBUILD_CONCURRENCY };
}

/**
 * `npm run projections:rebuild -- <projection>`: replays every shard's event table into a fresh
 * index/table set, catches up from Kafka, and swaps it in while the live projection keeps
 * serving (see rebuildProjection for the protocol). Same configuration variables as the projector,
 * plus SHARDLINE_REBUILD_BATCH_SIZE / SHARDLINE_REBUILD_CONCURRENCY (rebuildReplayOptionsFromEnv).
 */
export async function rebuildProjectionCommand(projection: string | undefined, env: Record<string, string | undefined>): Promise<RebuildReport> {
  if (!projection || !(PROJECTION_NAMES as readonly string[]).includes(projection)) {
    throw new Error(`usage: ops-cli projections:rebuild <${PROJECTION_NAMES.join('|')}>`);
  }
  const name = projection as ProjectionName;
  const config = projectorConfigFromEnv({ ...env, SHARDLINE_PROJECTIONS: name });
  const replay = rebuildReplayOptionsFromEnv(env);
  const logger = pino({ name: 'shardline-rebuild', level: config.logLevel });
  const log: WorkerLog = (level, message, extra = {}) => logger[level](extra, message);
  const { sink, close } = createSink(name, config);
  const databases = new ShardDatabases(shardingConfigFromEnv(env));
  try {
    if (!isRebuildable(sink)) throw new Error(`projection ${name} cannot be rebuilt`);
    await sink.prepare();
    const kafka = createKafka({ ...config.kafka, clientId: `${config.kafka.clientId}-rebuild` }, log);
    // Same topic provisioning as the projector: offsets of a missing topic cannot be captured.
    await ensureProjectionTopics(kafka, config.topics);
    return await rebuildProjection({
      kafka,
      liveSink: sink,
      reader: new MysqlEventLogReader(databases),
      shards: databases.shardIndexes(),
      rebuildId: newRebuildId(),
      ...replay,
      topics: config.topics,
      liveGroupId: `${config.groupPrefix}${sink.name}`,
      // The catch-up from Kafka opens sealed envelopes like the live projector (the replayed tables are plain).
      keys: cachedMysqlUserKeys(databases.control, config.userKeys),
      log,
    });
  } finally {
    await databases.destroy();
    await close();
  }
}
