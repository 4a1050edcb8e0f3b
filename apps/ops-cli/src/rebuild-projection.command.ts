import pino from 'pino';
import { TOPIC_SPECS } from '@shardline/integration-events';
import { createKafka, ensureTopics } from '@shardline/kafka';
import { MysqlEventLogReader } from '@shardline/event-store/mysql';
import { isRebuildable, newRebuildId, rebuildProjection, type RebuildReport, type RunnerLog } from '@shardline/projections';
import { shardingConfigFromEnv } from '@shardline/sharding';
import { ShardDatabases } from '@shardline/sharding/mysql';
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
  const log: RunnerLog = (level, message, extra = {}) => logger[level](extra, message);
  const { sink, close } = createSink(name, config);
  const databases = new ShardDatabases(shardingConfigFromEnv(env));
  try {
    if (!isRebuildable(sink)) throw new Error(`projection ${name} cannot be rebuilt`);
    await sink.prepare();
    const kafka = createKafka({ ...config.kafka, clientId: `${config.kafka.clientId}-rebuild` }, log);
    // Same topic provisioning as the projector: offsets of a missing topic cannot be captured.
    await ensureTopics(
      kafka,
      [config.topics.events, config.topics.deadLetter].map((topic) => TOPIC_SPECS.find((t) => t.topic === topic) ?? { topic, numPartitions: topic === config.topics.events ? 8 : 1 }),
    );
    return await rebuildProjection({
      kafka,
      liveSink: sink,
      reader: new MysqlEventLogReader(databases),
      shards: databases.shardIndexes(),
      rebuildId: newRebuildId(),
      topics: config.topics,
      liveGroupId: `${config.groupPrefix}${sink.name}`,
      log,
    });
  } finally {
    await databases.destroy();
    await close();
  }
}
