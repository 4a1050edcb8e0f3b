import type { Kafka } from 'kafkajs';
import pino, { type Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';
import { createKafka } from '@shardline/kafka';
import { createMetricsRegistry, startOpsHttpServer, type OpsHttpServer } from '@shardline/observability';
import { DecodedEnvelopeCache, ProjectionMetrics, type EnvelopeKeys, type ProjectionSink } from '@shardline/projections';
import { ProjectionRunner } from '@shardline/projections/kafka';
import { createPool } from '@shardline/sharding/mysql';
import { DEVELOPMENT_MASTER_KEY_WARNING } from '@shardline/user-keys';
import { cachedMysqlUserKeys } from '@shardline/user-keys/mysql';
import { WorkerLifecycle, type WorkerLog } from '@shardline/worker';
import { fetchShapeOf, type ProjectorConfig } from './config';
import { createSink, type OwnedSink } from './sinks';

export interface ProjectorApp {
  readonly runners: readonly ProjectionRunner[];
  readonly registry: Registry;
  readonly opsPort: number;
  /** Resolves once every runner consumes (retries while Kafka or a read model is unreachable at start). */
  readonly started: Promise<void>;
  /** Graceful stop: each runner finishes and commits its current chunk, then leaves its group. */
  stop(): Promise<void>;
}

/**
 * Composition root of the projector: one ProjectionRunner (consumer group
 * `shardline-projection-<name>`) per configured read model, each run by a WorkerLifecycle (topics
 * ensured, sink prepared, group joined, retried while Kafka or the read model is down at start),
 * and the ops port (/metrics, /health/live, /health/ready, /admin/lag). A plain bootstrap like the
 * relay: no API, no request scope. `deps.sinks` lets tests inject sinks (e.g. one that fails on purpose).
 */
export async function startProjectorApp(config: ProjectorConfig, deps: { kafka?: Kafka; logger?: Logger; sinks?: ProjectionSink[]; keys?: EnvelopeKeys } = {}): Promise<ProjectorApp> {
  const logger = deps.logger ?? pino({ name: 'shardline-projector', level: config.logLevel });
  const log: WorkerLog = (level, message, extra = {}) => logger[level](extra, message);
  const registry = createMetricsRegistry('projector');
  const metrics = new ProjectionMetrics(registry);
  const kafka = deps.kafka ?? createKafka(config.kafka, log);
  const keys = deps.keys ? { keys: deps.keys, close: async () => {} } : userKeysOf(config, logger);
  const owned: OwnedSink[] = deps.sinks ? deps.sinks.map((sink) => ({ sink, close: async () => {} })) : config.projections.map((name) => createSink(name, config));
  // One decode and open per message for all the groups of this process (they read the same topic).
  // Opened events are kept no longer than the keys that opened them may be (the key cache's TTL).
  const maxAgeMs = config.userKeys.cacheTtlMs;
  const decodedCache = owned.length > 1 && config.decodeCache.maxEntries > 0 && maxAgeMs > 0 ? new DecodedEnvelopeCache({ ...config.decodeCache, consumers: owned.length, maxAgeMs }) : undefined;
  const sweeping = decodedCache ? setInterval(() => decodedCache.sweep(), Math.min(maxAgeMs, 5000)).unref() : undefined;
  if (decodedCache) observeDecodedCache(decodedCache, registry);
  const runners = owned.map(
    ({ sink }) =>
      new ProjectionRunner({ kafka, sink, keys: keys.keys, decodedCache, topics: config.topics, groupId: `${config.groupPrefix}${sink.name}`, provisionTopics: true, metrics, log, ...config.runner, fetch: fetchShapeOf(config, sink.name) }),
  );
  const lifecycles = runners.map((runner) => new WorkerLifecycle(runner, { backoff: config.runner.retry, log }));

  let stopping = false;
  const ops: OpsHttpServer = await startOpsHttpServer(registry, {
    host: config.ops.host,
    port: config.ops.port,
    routes: {
      '/health/ready': async () => {
        const projections = runners.map((r) => ({ projection: r.name, ready: r.isReady() }));
        const ready = !stopping && projections.every((p) => p.ready);
        return { status: ready ? 200 : 503, body: { status: ready ? 'ok' : 'unavailable', projections } };
      },
      '/admin/lag': async () => ({ status: 200, body: { projections: await Promise.all(runners.map((r) => r.lag().catch((error) => ({ projection: r.name, error: String(error) })))) } }),
    },
  });

  const started = Promise.all(lifecycles.map((lifecycle) => lifecycle.run())).then((running) => {
    if (running.every(Boolean)) logger.info({ projections: runners.map((r) => r.name), opsPort: ops.port }, 'projector started');
  });

  return {
    runners,
    registry,
    opsPort: ops.port,
    started,
    async stop() {
      stopping = true;
      clearInterval(sweeping);
      await Promise.all(lifecycles.map((lifecycle) => lifecycle.stop()));
      await ops.close();
      await Promise.all(owned.map((o) => o.close().catch(() => {})));
      await keys.close().catch(() => {});
    },
  };
}

/**
 * The keys that open sealed envelopes: the control database (its own small pool: the projector
 * talks to no shard) behind the TTL cache, so a forgotten key stops opening anything here within
 * SHARDLINE_USER_KEY_CACHE_TTL_MS. The pool connects on the first sealed chunk, not at start.
 */
function userKeysOf(config: ProjectorConfig, logger: Logger): { keys: EnvelopeKeys; close(): Promise<void> } {
  const { control: db, ...userKeys } = config.userKeys;
  if (userKeys.developmentMasterKey) logger.warn(DEVELOPMENT_MASTER_KEY_WARNING);
  const control = createPool(db.connection, { poolMax: db.poolMax, connectTimeoutMs: db.connectTimeoutMs });
  return { keys: cachedMysqlUserKeys(control, userKeys), close: () => control.destroy() };
}

/** How often the second group found a message decoded and opened (step: decode | open; result: hit | miss), and what the cache holds. */
function observeDecodedCache(cache: DecodedEnvelopeCache, registry: Registry): void {
  new Gauge({
    name: 'shardline_projector_decode_cache_messages',
    help: 'Messages looked up in the decoded-envelope cache since start, by step (decode | open) and result (hit | miss)',
    labelNames: ['step', 'result'],
    registers: [registry],
    collect() {
      const { decodeHits, decodeMisses, openHits, openMisses } = cache.stats;
      this.set({ step: 'decode', result: 'hit' }, decodeHits);
      this.set({ step: 'decode', result: 'miss' }, decodeMisses);
      this.set({ step: 'open', result: 'hit' }, openHits);
      this.set({ step: 'open', result: 'miss' }, openMisses);
    },
  });
  new Gauge({
    name: 'shardline_projector_decode_cache_entries',
    help: 'Messages held by the decoded-envelope cache',
    registers: [registry],
    collect() {
      this.set(cache.size);
    },
  });
}
