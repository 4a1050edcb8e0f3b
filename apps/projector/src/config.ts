import { z } from 'zod';
import { TOPICS } from '@shardline/integration-events';
import { kafkaConfigFromEnv } from '@shardline/kafka';
import { clickHouseConfigFromEnv } from '@shardline/projection-clickhouse';
import { shardingConfigFromEnv } from '@shardline/sharding';
import { userKeysConfigFromEnv } from '@shardline/user-keys';

export const PROJECTION_NAMES = ['elasticsearch', 'clickhouse'] as const;
export type ProjectionName = (typeof PROJECTION_NAMES)[number];

const topicName = z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, 'a Kafka topic name');

const projectorEnvSchema = z.object({
  /** Read models this process feeds, one consumer group each. */
  SHARDLINE_PROJECTIONS: z
    .string()
    .default('elasticsearch,clickhouse')
    .transform((s) => [...new Set(s.split(',').map((p) => p.trim()).filter(Boolean))])
    .pipe(z.array(z.enum(PROJECTION_NAMES)).min(1)),
  SHARDLINE_ES_URL: z.string().min(1).default('http://127.0.0.1:9200'),
  /** Index base: monthly indices `<base>-YYYY.MM`, read alias `<base>`. */
  SHARDLINE_ES_INDEX: z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,80}$/, 'lowercase index name').default('records'),
  SHARDLINE_ES_SHARDS: z.coerce.number().int().min(1).max(64).default(1),
  SHARDLINE_ES_REPLICAS: z.coerce.number().int().min(0).max(5).default(0),
  /** Part of the acknowledgement-to-visibility budget (target p99 < 1 s end to end). */
  SHARDLINE_ES_REFRESH_INTERVAL: z.string().regex(/^\d+(ms|s)$/, 'e.g. 500ms or 1s').default('1s'),
  SHARDLINE_ES_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(30_000),
  /** Topics (tests use private ones). */
  SHARDLINE_EVENTS_TOPIC: topicName.default(TOPICS.events),
  SHARDLINE_EVENTS_DLQ_TOPIC: topicName.default(TOPICS.eventsDeadLetter),
  /** Consumer group of a projection = prefix + its name (tests and side-by-side environments use their own). */
  SHARDLINE_PROJECTOR_GROUP_PREFIX: z.string().regex(/^[A-Za-z0-9._-]{1,200}$/).default('shardline-projection-'),
  /**
   * A partition's fetched batch is applied in chunks of at most this many events (each committed
   * after it was applied). Above what one fetch brings per partition (~1 MiB, ~1,100 bench events),
   * so a batch is not cut into a big and a small chunk that take two applies.
   */
  SHARDLINE_PROJECTOR_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(2000),
  /** Partitions each projection processes at the same time (default: all 8 of records.events, so their chunks share one apply). */
  SHARDLINE_PROJECTOR_PARTITION_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(8),
  /** Chunks of partitions ready at the same time are applied together, up to this many events per sink.apply (one ES bulk / one ClickHouse insert per table). */
  SHARDLINE_PROJECTOR_APPLY_MAX_EVENTS: z.coerce.number().int().min(1).max(50_000).default(10_000),
  /** Longest a chunk waits for the chunks of other partitions being decoded to join its apply (ms; 0 = never waits). */
  SHARDLINE_PROJECTOR_APPLY_LINGER_MS: z.coerce.number().int().min(0).max(1000).default(50),
  /**
   * Bytes the broker gathers before it answers a fetch (1 = answer at once with whatever is there),
   * and the longest it holds one waiting for them: the most that shape adds to the lag. Larger
   * fetches make larger applies, i.e. fewer ES bulks and ClickHouse inserts (parts) per event. Every
   * projection's group takes this shape unless its own is set (below). 1 MiB / 500 ms: ~1,000 events
   * per apply at 2,000 events/s. Against 512 KiB / 250 ms (~500): ClickHouse −33 to −55 µs of CPU per
   * event (bench/pipeline/README.md, 2026-12-03 evening), the projector −5 to −13 in five of five
   * alternating pairs and the pipeline −33 on average (2026-12-04, fourth session); the search lag
   * grows by up to the longer wait where the rate is too low to fill 1 MiB.
   */
  SHARDLINE_PROJECTOR_FETCH_MIN_BYTES: z.coerce.number().int().min(1).max(16 * 1024 * 1024).default(1024 * 1024),
  SHARDLINE_PROJECTOR_FETCH_MAX_WAIT_MS: z.coerce.number().int().min(1).max(10_000).default(500),
  /**
   * One projection's own fetch shape (its consumer group's), each setting falling back to the shared
   * one above: e.g. a search lag budget under a second with ~500-document bulks, Elasticsearch at
   * 524288 / 250 while ClickHouse keeps 1 MiB / 500 (ClickHouse pays per INSERT far more than
   * Elasticsearch per bulk).
   */
  SHARDLINE_PROJECTOR_ELASTICSEARCH_FETCH_MIN_BYTES: z.coerce.number().int().min(1).max(16 * 1024 * 1024).optional(),
  SHARDLINE_PROJECTOR_ELASTICSEARCH_FETCH_MAX_WAIT_MS: z.coerce.number().int().min(1).max(10_000).optional(),
  SHARDLINE_PROJECTOR_CLICKHOUSE_FETCH_MIN_BYTES: z.coerce.number().int().min(1).max(16 * 1024 * 1024).optional(),
  SHARDLINE_PROJECTOR_CLICKHOUSE_FETCH_MAX_WAIT_MS: z.coerce.number().int().min(1).max(10_000).optional(),
  /**
   * Messages each decoded and opened once for all the projections of this process (their groups
   * read the same messages a moment apart): 0 turns the cache off. 10,000 is 5 s at 2,000 events/s,
   * far more than the groups drift apart while both keep up; a group that fell behind just decodes
   * for itself. bench/pipeline/README.md "decoded-envelope cache".
   */
  SHARDLINE_PROJECTOR_DECODE_CACHE_ENTRIES: z.coerce.number().int().min(0).max(1_000_000).default(10_000),
  /** Message bytes the cache holds at most (it holds about 3x that with the decoded and opened copies). */
  SHARDLINE_PROJECTOR_DECODE_CACHE_MAX_BYTES: z.coerce.number().int().min(0).max(1024 * 1024 * 1024).default(16 * 1024 * 1024),
  SHARDLINE_PROJECTOR_RETRY_INITIAL_MS: z.coerce.number().int().min(1).max(60_000).default(200),
  SHARDLINE_PROJECTOR_RETRY_MAX_MS: z.coerce.number().int().min(1).max(600_000).default(30_000),
  SHARDLINE_PROJECTOR_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6000).max(300_000).default(30_000),
  /** Ops port (metrics, health, admin) takes no keys: loopback unless deployed behind a private network (README "Security"). */
  SHARDLINE_PROJECTOR_OPS_HOST: z.string().default('127.0.0.1'),
  SHARDLINE_PROJECTOR_OPS_PORT: z.coerce.number().int().min(0).max(65535).default(9465),
  SHARDLINE_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type ProjectorConfig = ReturnType<typeof projectorConfigFromEnv>;

/** The only place the projector (and the rebuild command) read process.env; validated, with defaults. */
export function projectorConfigFromEnv(env: Record<string, string | undefined>) {
  const parsed = projectorEnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new Error(`invalid configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const e = parsed.data;
  return {
    projections: e.SHARDLINE_PROJECTIONS,
    kafka: kafkaConfigFromEnv(env, 'projector'),
    topics: { events: e.SHARDLINE_EVENTS_TOPIC, deadLetter: e.SHARDLINE_EVENTS_DLQ_TOPIC },
    groupPrefix: e.SHARDLINE_PROJECTOR_GROUP_PREFIX,
    elasticsearch: {
      client: { url: e.SHARDLINE_ES_URL, requestTimeoutMs: e.SHARDLINE_ES_REQUEST_TIMEOUT_MS, maxRetries: 2 },
      indexBase: e.SHARDLINE_ES_INDEX,
      index: { shards: e.SHARDLINE_ES_SHARDS, replicas: e.SHARDLINE_ES_REPLICAS, refreshInterval: e.SHARDLINE_ES_REFRESH_INTERVAL },
    },
    // Parsed only when the ClickHouse projection is enabled (its own variables, see libs/projection-clickhouse).
    clickhouse: e.SHARDLINE_PROJECTIONS.includes('clickhouse') ? clickHouseConfigFromEnv(env) : undefined,
    // The users' data keys (control database) that open the sealed envelopes the relay publishes.
    userKeys: { control: controlOf(shardingConfigFromEnv(env)), ...userKeysConfigFromEnv(env) },
    runner: {
      batchSize: e.SHARDLINE_PROJECTOR_BATCH_SIZE,
      partitionsConsumedConcurrently: e.SHARDLINE_PROJECTOR_PARTITION_CONCURRENCY,
      coalesce: { maxEvents: e.SHARDLINE_PROJECTOR_APPLY_MAX_EVENTS, lingerMs: e.SHARDLINE_PROJECTOR_APPLY_LINGER_MS },
      fetch: { minBytes: e.SHARDLINE_PROJECTOR_FETCH_MIN_BYTES, maxWaitTimeInMs: e.SHARDLINE_PROJECTOR_FETCH_MAX_WAIT_MS },
      retry: { initialMs: e.SHARDLINE_PROJECTOR_RETRY_INITIAL_MS, maxMs: e.SHARDLINE_PROJECTOR_RETRY_MAX_MS },
      sessionTimeoutMs: e.SHARDLINE_PROJECTOR_SESSION_TIMEOUT_MS,
    },
    /** Each projection's fetch shape: its own settings where set, else the shared ones (runner.fetch). */
    fetchOf: {
      elasticsearch: { minBytes: e.SHARDLINE_PROJECTOR_ELASTICSEARCH_FETCH_MIN_BYTES ?? e.SHARDLINE_PROJECTOR_FETCH_MIN_BYTES, maxWaitTimeInMs: e.SHARDLINE_PROJECTOR_ELASTICSEARCH_FETCH_MAX_WAIT_MS ?? e.SHARDLINE_PROJECTOR_FETCH_MAX_WAIT_MS },
      clickhouse: { minBytes: e.SHARDLINE_PROJECTOR_CLICKHOUSE_FETCH_MIN_BYTES ?? e.SHARDLINE_PROJECTOR_FETCH_MIN_BYTES, maxWaitTimeInMs: e.SHARDLINE_PROJECTOR_CLICKHOUSE_FETCH_MAX_WAIT_MS ?? e.SHARDLINE_PROJECTOR_FETCH_MAX_WAIT_MS },
    } satisfies Record<ProjectionName, { minBytes: number; maxWaitTimeInMs: number }>,
    decodeCache: { maxEntries: e.SHARDLINE_PROJECTOR_DECODE_CACHE_ENTRIES, maxBytes: e.SHARDLINE_PROJECTOR_DECODE_CACHE_MAX_BYTES },
    ops: { host: e.SHARDLINE_PROJECTOR_OPS_HOST, port: e.SHARDLINE_PROJECTOR_OPS_PORT },
    logLevel: e.SHARDLINE_LOG_LEVEL,
  };
}

function controlOf(sharding: ReturnType<typeof shardingConfigFromEnv>) {
  return { connection: sharding.control, poolMax: sharding.controlPoolMax ?? 8, connectTimeoutMs: sharding.connectTimeoutMs };
}

/** The fetch shape of a sink's group: its projection's own where set, the shared one otherwise (and for sinks tests inject). */
export function fetchShapeOf(config: ProjectorConfig, sinkName: string): ProjectorConfig['runner']['fetch'] {
  return (PROJECTION_NAMES as readonly string[]).includes(sinkName) ? config.fetchOf[sinkName as ProjectionName] : config.runner.fetch;
}
