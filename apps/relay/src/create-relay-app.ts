import type { Kafka } from 'kafkajs';
import pino, { type Logger } from 'pino';
import type { Registry } from 'prom-client';
import { createKafka } from '@shardline/kafka';
import { createMetricsRegistry, startOpsHttpServer, type OpsHttpServer } from '@shardline/observability';
import { OutboxRelay, SealingEventPublisher, type EventPublisher, type RelayLog } from '@shardline/outbox-relay';
import { KafkaEventPublisher } from '@shardline/outbox-relay/kafka';
import { MysqlOutboxSource, MysqlShardLease } from '@shardline/outbox-relay/mysql';
import { liveSlotMap, registerShardPoolMetrics, registerSlotMapMetrics, ShardDatabases } from '@shardline/sharding/mysql';
import { DEVELOPMENT_MASTER_KEY_WARNING } from '@shardline/user-keys';
import { cachedMysqlUserKeys } from '@shardline/user-keys/mysql';
import { WorkerLifecycle } from '@shardline/worker';
import type { RelayConfig } from './config';

export interface RelayApp {
  readonly relay: OutboxRelay;
  readonly registry: Registry;
  readonly opsPort: number;
  /** Resolves once the topic exists and the shard loops run. */
  readonly started: Promise<void>;
  /** Graceful stop: no new polls, in-flight batches finish (bounded by the shutdown timeout), locks released, connections closed. */
  stop(): Promise<void>;
}

/**
 * Composition root of the relay, as a plain bootstrap rather than a Nest application context:
 * the relay serves no API and has no request scope, so Nest's DI and module scan would add start-up
 * time and nothing else; the ops port is the small node:http server every worker shares.
 * `deps.kafka` lets tests route the broker connections through a proxy they can cut.
 */
export async function startRelayApp(config: RelayConfig, deps: { kafka?: Kafka; logger?: Logger } = {}): Promise<RelayApp> {
  const logger = deps.logger ?? pino({ name: 'shardline-relay', level: config.logLevel });
  const log: RelayLog = (level, message, extra = {}) => logger[level](extra, message);
  const registry = createMetricsRegistry('relay');
  const databases = new ShardDatabases(config.sharding, (level, message) => level !== 'deprecate' && logger.debug({ level }, message));
  registerShardPoolMetrics(registry, databases);
  const kafka = deps.kafka ?? createKafka(config.kafka, log);
  const kafkaPublisher = new KafkaEventPublisher(kafka, { topic: config.topic, compression: config.compression, publishTimeoutMs: config.publishTimeoutMs }, log);
  // Sealing with the users' data keys (control database, cached): erasing a user forgets the key,
  // and every copy this relay ever put on Kafka is unreadable from then on.
  const publisher: EventPublisher = config.seal ? new SealingEventPublisher(kafkaPublisher, cachedMysqlUserKeys(databases.control, config.userKeys)) : kafkaPublisher;
  if (config.seal && config.userKeys.developmentMasterKey) logger.warn(DEVELOPMENT_MASTER_KEY_WARNING);
  if (!config.seal) logger.warn('SHARDLINE_RELAY_SEAL=false: events are published in clear; erasing a user cannot make these Kafka copies unreadable');
  const relayed = (shard: number) => ({
    source: new MysqlOutboxSource(databases, shard),
    lease: new MysqlShardLease(shard, databases.connectionOf(shard), { connectTimeoutMs: config.sharding.connectTimeoutMs, queryTimeoutMs: 5000, sessionTimeoutS: config.leaseSessionTimeoutS }, log),
  });
  // Every registered shard, also those `shards add` registers while the relay runs (the registry is
  // polled with the slot map, docs/adr/0008): events written there after a slot moves get published.
  let relay: OutboxRelay | undefined;
  const slotMap = await liveSlotMap(databases, {
    onError: (error) => logger.warn({ err: error }, 'shard registry not reloaded; relaying the shards known'),
    onChange: () => {
      for (const shard of databases.shardIndexes()) {
        if (relay && !relay.shardIndexes.includes(shard)) {
          relay.addShard(relayed(shard));
          logger.info({ shard }, 'relaying a newly registered shard');
        }
      }
    },
  });
  registerSlotMapMetrics(registry, slotMap.watcher);
  relay = new OutboxRelay(databases.shardIndexes().map(relayed), publisher, registry, config.relay, log);
  const shards = relay.shardIndexes;
  // The topic must exist with its partition count BEFORE the first publish (the relay's prepare).
  // Kafka being down at start delays publishing (rows wait in the outbox); it does not stop the process.
  const lifecycle = new WorkerLifecycle(relay, { backoff: { initialMs: 200, maxMs: config.relay.errorBackoffMaxMs }, log });

  const ops: OpsHttpServer = await startOpsHttpServer(registry, {
    host: config.ops.host,
    port: config.ops.port,
    routes: {
      '/health/ready': async () => {
        const readiness = await relay.readiness();
        const topicReady = lifecycle.prepared;
        const ready = readiness.ready && topicReady;
        return { status: ready ? 200 : 503, body: { ...readiness, status: ready ? 'ok' : 'unavailable', ready, topicReady } };
      },
      '/admin/relay': async () => ({ status: 200, body: { topic: config.topic, topicReady: lifecycle.prepared, shards: relay.status() } }),
    },
  });

  const started = lifecycle.run().then((running) => {
    if (running) logger.info({ topic: config.topic, shards: shards.length, opsPort: ops.port, seal: config.seal }, 'relay started');
  });

  let stopped: Promise<void> | null = null;
  return {
    relay,
    registry,
    opsPort: ops.port,
    started,
    stop() {
      stopped ??= shutdown();
      return stopped;
    },
  };

  async function shutdown(): Promise<void> {
    await slotMap.watcher.stop();
    const finished = await lifecycle.stop({ timeoutMs: config.shutdownTimeoutMs });
    // A batch still in flight after the timeout was not deleted: the next leader republishes it.
    if (!finished) logger.warn('shutdown timeout: leaving in-flight batches to be republished');
    await publisher.close();
    await ops.close();
    await databases.destroy();
  }
}
