import { createKafka } from '@shardline/kafka';
import { ClickHouseEventsSide, ClickHouseLatestSide, createClickHouseGateway } from '@shardline/projection-clickhouse';
import { createElasticsearchClient, ElasticsearchRecordsSide } from '@shardline/projection-elasticsearch';
import { ConsumerGroupCatchUp, reprojectEvents, type ProjectionSink } from '@shardline/projections';
import { KafkaTopicOffsets } from '@shardline/projections/kafka';
import type { CatchUpGate, ReadModelName, ReadModelSide, RepairOutcome, RepairPorts } from '@shardline/reconciliation';
import { MysqlEventStoreSide, MysqlRecordsTableSide, RecordsRowRebuilder, repairOutcomeOf } from '@shardline/records-mysql/verification';
import { shardingConfigFromEnv } from '@shardline/sharding';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { cachedMysqlUserKeys } from '@shardline/user-keys/mysql';
import { projectorConfigFromEnv, type ProjectionName } from '../../../projector/src/config';
import { createSink, type OwnedSink } from '../../../projector/src/sinks';

export interface VerifyEngines {
  databases: ShardDatabases;
  store: MysqlEventStoreSide;
  models: ReadModelSide[];
  rebuilder: RecordsRowRebuilder;
  repair: RepairPorts;
  catchUpGate(model: ReadModelName): CatchUpGate | undefined;
  /** Makes what the repair wrote searchable before the re-check (Elasticsearch refresh). */
  afterRepair(): Promise<void>;
  close(): Promise<void>;
}

/** Longest one look at a consumer group's progress may take before it counts as unknown. */
const GATE_TIMEOUT_MS = 3000;

function within(ms: number, work: Promise<boolean | null>): Promise<boolean | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), ms)));
  return Promise.race([work.catch(() => null), timeout]).finally(() => clearTimeout(timer));
}

const engineOf = (model: ReadModelName): ProjectionName | null => (model === 'records' ? null : model === 'elasticsearch' ? 'elasticsearch' : 'clickhouse');

/**
 * The engines `verify` and `records:rebuild` talk to, from the same variables as the apps:
 * SHARDLINE_SHARDS / SHARDLINE_MYSQL_* (shards; no query timeout: a month's digest may take
 * minutes), the projector's SHARDLINE_ES_* / SHARDLINE_CLICKHOUSE_* (read models, and the sinks a
 * repair re-projects through), SHARDLINE_KAFKA_* / SHARDLINE_EVENTS_TOPIC /
 * SHARDLINE_PROJECTOR_GROUP_PREFIX (the consumer groups' progress, to settle re-checks), and the
 * user-key settings (sealed content is opened to rebuild `records` rows).
 */
export function openVerifyEngines(env: Record<string, string | undefined>, models: readonly ReadModelName[]): VerifyEngines {
  const engines = [...new Set(models.map(engineOf).filter((e): e is ProjectionName => e !== null))];
  const config = projectorConfigFromEnv({ ...env, SHARDLINE_PROJECTIONS: (engines.length > 0 ? engines : ['elasticsearch']).join(',') });
  const databases = new ShardDatabases({ ...shardingConfigFromEnv(env), queryTimeoutMs: 0 });
  const keys = cachedMysqlUserKeys(databases.control, config.userKeys);
  const store = new MysqlEventStoreSide(databases);
  const rebuilder = new RecordsRowRebuilder(databases, keys);
  const closers: Array<() => Promise<void>> = [];
  const sides: ReadModelSide[] = [];
  let refresh = async () => {};
  if (models.includes('records')) sides.push(new MysqlRecordsTableSide(databases));
  if (engines.includes('elasticsearch')) {
    const client = createElasticsearchClient(config.elasticsearch.client);
    closers.push(() => client.close());
    if (models.includes('elasticsearch')) sides.push(new ElasticsearchRecordsSide(client, config.elasticsearch.indexBase));
    refresh = async () => void (await client.indices.refresh({ index: config.elasticsearch.indexBase, ignore_unavailable: true, allow_no_indices: true }));
  }
  if (engines.includes('clickhouse')) {
    const gateway = createClickHouseGateway(config.clickhouse!);
    closers.push(() => gateway.close());
    if (models.includes('clickhouse-latest')) sides.push(new ClickHouseLatestSide(gateway, config.clickhouse!.database));
    if (models.includes('clickhouse-events')) sides.push(new ClickHouseEventsSide(gateway, config.clickhouse!.database));
  }

  // The consumer groups' progress (settling re-checks); quiet: an unreachable broker only means "unknown".
  const kafka = createKafka({ ...config.kafka, clientId: `${config.kafka.clientId}-verify` }, () => {});
  const offsets = new KafkaTopicOffsets(kafka);
  let connected: Promise<boolean> | undefined;
  // Only a topic that exists is asked about: kafkajs retries an unknown one for half a minute.
  const ready = async () => {
    await offsets.connect();
    const admin = kafka.admin();
    await admin.connect();
    try {
      return (await admin.listTopics()).includes(config.topics.events);
    } finally {
      await admin.disconnect();
    }
  };
  closers.push(() => offsets.disconnect());
  const catchUpGate = (model: ReadModelName): CatchUpGate | undefined => {
    const engine = engineOf(model);
    if (!engine) return undefined;
    const gate = new ConsumerGroupCatchUp(offsets, `${config.groupPrefix}${engine}`, config.topics.events);
    // Bounded: kafkajs retries an unknown topic or group for ~30 s; the re-check must not wait on that.
    return { caughtUp: () => within(GATE_TIMEOUT_MS, (async () => ((await (connected ??= ready().catch(() => false))) ? gate.caughtUp() : null))()) };
  };

  const sinks = new Map<ProjectionName, Promise<OwnedSink>>();
  const sinkOf = (engine: ProjectionName): Promise<ProjectionSink> => {
    if (!sinks.has(engine)) {
      sinks.set(engine, (async () => {
        const owned = createSink(engine, config);
        closers.push(() => owned.close());
        await owned.sink.prepare();
        return owned;
      })());
    }
    return sinks.get(engine)!.then((owned) => owned.sink);
  };

  const repair: RepairPorts = {
    records: async (shard, recordIds) => (await rebuilder.rebuildRecords(shard, recordIds)).map(repairOutcomeOf),
    readModel: async (model, streams) => {
      const sink = await sinkOf(engineOf(model)!);
      const outcomes: RepairOutcome[] = [];
      for (const shard of new Set(streams.map((s) => s.shard))) {
        const ids = streams.filter((s) => s.shard === shard).map((s) => s.recordId);
        const events = await store.publishedEvents(shard, ids);
        const result = await reprojectEvents(events, sink, { keys, retry: { initialMs: 200, maxMs: 5000 }, maxAttempts: 5 });
        for (const id of ids) {
          const refused = result.refused.filter((r) => r.streamId === `record-${id}`);
          outcomes.push(refused.length > 0 ? { model, recordId: id, status: 'rejected', reason: refused.map((r) => `v${r.streamVersion}: ${r.reason}`).join('; ') } : { model, recordId: id, status: 'repaired' });
        }
      }
      return outcomes;
    },
  };

  return {
    databases,
    store,
    models: sides,
    rebuilder,
    repair,
    catchUpGate,
    afterRepair: () => refresh(),
    close: async () => {
      for (const close of closers.reverse()) await close().catch(() => {});
      await databases.destroy();
    },
  };
}
