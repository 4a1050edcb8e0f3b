import pino from 'pino';
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
 * `npm run projections:rebuild -- <projection>`: replays every shard's event table into a fresh
 * index/table set, catches up from Kafka, and swaps it in while the live projection keeps
 * serving (see rebuildProjection for the protocol). Same configuration variables as the projector.
 */
export async function rebuildProjectionCommand(projection: string | undefined, env: Record<string, string | undefined>): Promise<RebuildReport> {
  if (!projection || !(PROJECTION_NAMES as readonly string[]).includes(projection)) {
    throw new Error(`usage: ops-cli projections:rebuild <${PROJECTION_NAMES.join('|')}>`);
  }
  const name = projection as ProjectionName;
  const config = projectorConfigFromEnv({ ...env, SHARDLINE_PROJECTIONS: name });
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
