import type { Kafka } from 'kafkajs';
import pino, { type Logger } from 'pino';
import type { Registry } from 'prom-client';
import { TOPIC_SPECS } from '@shardline/integration-events';
import { createKafka, ensureTopics } from '@shardline/kafka';
import { createMetricsRegistry, startOpsHttpServer, type OpsHttpServer } from '@shardline/observability';
import { backoffDelay, ProjectionMetrics, ProjectionRunner, type ProjectionSink, type RunnerLog } from '@shardline/projections';
import type { ProjectorConfig } from './config';
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
 * `shardline-projection-<name>`) per configured read model, and the ops port
 * (/metrics, /health/live, /health/ready, /admin/lag). A plain bootstrap like the relay: no API,
 * no request scope. `deps.sinks` lets tests inject sinks (e.g. one that fails on purpose).
 */
export async function startProjectorApp(config: ProjectorConfig, deps: { kafka?: Kafka; logger?: Logger; sinks?: ProjectionSink[] } = {}): Promise<ProjectorApp> {
  const logger = deps.logger ?? pino({ name: 'shardline-projector', level: config.logLevel });
  const log: RunnerLog = (level, message, extra = {}) => logger[level](extra, message);
  const registry = createMetricsRegistry('projector');
  const metrics = new ProjectionMetrics(registry);
  const kafka = deps.kafka ?? createKafka(config.kafka, log);
  const owned: OwnedSink[] = deps.sinks ? deps.sinks.map((sink) => ({ sink, close: async () => {} })) : config.projections.map((name) => createSink(name, config));
  const runners = owned.map(
    ({ sink }) =>
      new ProjectionRunner({ kafka, sink, topics: config.topics, groupId: `${config.groupPrefix}${sink.name}`, metrics, log, ...config.runner }),
  );

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

  // Topics must exist with their partition counts before a consumer subscribes (the broker would
  // auto-create them with one partition). Kafka or a read model down at start delays consuming.
  const specs = [config.topics.events, config.topics.deadLetter].map((topic) => TOPIC_SPECS.find((t) => t.topic === topic) ?? { topic, numPartitions: topic === config.topics.events ? 8 : 1 });
  const started = (async () => {
    for (let attempt = 1; !stopping; attempt++) {
      try {
        await ensureTopics(kafka, specs);
        for (const runner of runners) if (!runner.isReady() && !stopping) await runner.start();
        logger.info({ projections: runners.map((r) => r.name), opsPort: ops.port }, 'projector started');
        return;
      } catch (error) {
        const delay = backoffDelay(attempt, config.runner.retry);
        logger.warn({ error: String(error), retryInMs: delay }, 'cannot start the projections yet; retrying');
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  })();

  return {
    runners,
    registry,
    opsPort: ops.port,
    started,
    async stop() {
      stopping = true;
      await Promise.all(runners.map((r) => r.stop()));
      await ops.close();
      await Promise.all(owned.map((o) => o.close().catch(() => {})));
    },
  };
}
