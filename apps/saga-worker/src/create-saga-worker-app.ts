import pino, { type Logger } from 'pino';
import type { Registry } from 'prom-client';
import type Redis from 'ioredis';
import { GroupCommitMetrics } from '@shardline/event-store';
import { MysqlEventStore } from '@shardline/event-store/mysql';
import { createMetricsRegistry, startOpsHttpServer } from '@shardline/observability';
import { noRecordCache } from '@shardline/records';
import { CacheWriterSide, connectCacheRedis, evictionPolicyWarning, RedisRecordCacheStore, RedisWriterRegistry, writerLeasesKey } from '@shardline/records-cache';
import { MysqlPendingInvalidationStore } from '@shardline/records-cache/mysql';
import type { ShardRouter } from '@shardline/sharding';
import { RecordsInlineProjection, sealedIfConfigured } from '@shardline/records-mysql';
import { ClickHouseUserErasure, createClickHouseGateway } from '@shardline/projection-clickhouse';
import { createElasticsearchClient, ElasticsearchUserErasure } from '@shardline/projection-elasticsearch';
import { cachedMysqlUserKeys } from '@shardline/user-keys/mysql';
import { createRecordsSagaRuntime } from '@shardline/records-sagas';
import { registerSagaStateMetrics, type SagaLog } from '@shardline/sagas';
import { MysqlSagaStore } from '@shardline/sagas/mysql';
import { BullmqSagaWorker } from '@shardline/sagas/bullmq';
import { liveSlotMap, registerShardPoolMetrics, registerSlotMapMetrics, ShardDatabases } from '@shardline/sharding/mysql';
import { registerSlotMoveEtaMetrics, registerSlotMoveStageMetrics, SlotMoveMetrics } from '@shardline/slot-moves';
import { MysqlSlotMoveEffects, MysqlSlotMoveStore } from '@shardline/slot-moves/mysql';
import { WorkerLifecycle } from '@shardline/worker';
import type { SagaWorkerConfig } from './config';

export interface SagaWorkerApp {
  readonly registry: Registry;
  readonly opsPort: number;
  /** Resolves once the worker takes jobs (retries while Redis is unreachable at start). */
  readonly started: Promise<void>;
  /** Graceful stop: no new jobs; running steps finish and save their state (bounded by the shutdown timeout). */
  stop(): Promise<void>;
}

/**
 * Composition root of the saga worker, a plain bootstrap like the relay: the records' event store
 * (staging, release, discard), the read cache a move's sources leave, and the saga runtime, a BullMQ worker driven by the worker lifecycle,
 * and the ops port (/metrics, /health/live, /health/ready). Operators use the api's /admin/sagas.
 */
export async function startSagaWorkerApp(config: SagaWorkerConfig, deps: { logger?: Logger } = {}): Promise<SagaWorkerApp> {
  const logger = deps.logger ?? pino({ name: 'shardline-saga-worker', level: config.logLevel });
  const log: SagaLog = (level, message, extra = {}) => logger[level](extra, message);
  const registry = createMetricsRegistry('saga-worker');
  const databases = new ShardDatabases(config.sharding, (level, message) => level !== 'deprecate' && logger.debug({ level }, message));
  registerShardPoolMetrics(registry, databases);
  // The map as it is now, and as it changes (new shards' pools, moved slots) without a restart.
  const slotMap = await liveSlotMap(databases, { onError: (error) => logger.warn({ err: error }, 'slot map not reloaded; keeping the one in use') });
  registerSlotMapMetrics(registry, slotMap.watcher);
  const mysqlStore = new MysqlEventStore(databases, new RecordsInlineProjection(), { groupCommit: config.groupCommit, metrics: new GroupCommitMetrics(registry) });
  const store = sealedIfConfigured(mysqlStore, databases, config.sealing);
  const userKeys = cachedMysqlUserKeys(databases.control, config.userKeys);
  const search = createElasticsearchClient({ url: config.elasticsearch.url, requestTimeoutMs: 30_000, maxRetries: 1 });
  const analytics = createClickHouseGateway(config.clickhouse);
  const cacheRedis = config.cache.enabled ? await connectCacheRedis({ url: config.cache.redisUrl, commandTimeoutMs: config.cache.commandTimeoutMs }) : null;
  const cacheSide = cacheRedis ? await cacheWriterSide(cacheRedis, databases, slotMap.router, config.cache, registry, logger) : null;
  const cache = cacheSide?.invalidator ?? noRecordCache;
  const erasure = {
    forgetKey: async (userId: string) => {
      const keyExisted = await userKeys.forget(userId);
      // Every process may use a key it looked up for at most the cache TTL: unreadable everywhere after it.
      return { keyExisted, unreadableFrom: new Date(Date.now() + userKeys.ttlMs).toISOString() };
    },
    search: new ElasticsearchUserErasure(search, config.elasticsearch.index),
    analytics: new ClickHouseUserErasure(analytics, config.clickhouse.database),
  };
  const slotMoves = new MysqlSlotMoveEffects(databases, config.slotMoves, new SlotMoveMetrics(registry));
  const runtime = createRecordsSagaRuntime({ databases, store, router: slotMap.router, cache, erasure, slotMoves, config: config.sagas, registry, log });
  registerSagaStateMetrics(registry, new MysqlSagaStore(databases.control));
  const moves = new MysqlSlotMoveStore(databases.control);
  registerSlotMoveStageMetrics(registry, () => moves.stageSummary());
  registerSlotMoveEtaMetrics(registry, moves);
  const worker = new BullmqSagaWorker(config.sagas.queue, runtime.orchestrator, config.sagas.worker, log);
  const lifecycle = new WorkerLifecycle(worker, { backoff: { initialMs: 200, maxMs: 10_000 }, log });

  const ops = await startOpsHttpServer(registry, {
    host: config.ops.host,
    port: config.ops.port,
    routes: {
      '/health/ready': async () => {
        const [ready, shards] = await Promise.all([lifecycle.isReady(), databases.probeShards()]);
        const ok = ready && shards.every((s) => s.status === 'up');
        return { status: ok ? 200 : 503, body: { status: ok ? 'ok' : 'unavailable', worker: ready, shards } };
      },
    },
  });
  await cacheSide?.start();
  const started = lifecycle.run().then((running) => {
    if (running) logger.info({ queue: config.sagas.queue.queue, concurrency: config.sagas.worker.concurrency, opsPort: ops.port }, 'saga worker started');
  });

  let stopped: Promise<void> | null = null;
  return {
    registry,
    opsPort: ops.port,
    started,
    stop() {
      stopped ??= (async () => {
        if (!(await lifecycle.stop({ timeoutMs: config.shutdownTimeoutMs }))) logger.warn('shutdown timeout: unfinished steps are redone by the next worker');
        await runtime.close();
        await cacheSide?.stop();
        await cacheRedis?.quit().catch(() => cacheRedis.disconnect());
        await mysqlStore.drain();
        await slotMap.watcher.stop();
        await ops.close();
        await databases.destroy();
      })();
      return stopped;
    },
  };
}

/** The saga steps' cache invalidation with its fence (docs/adr/0006), as the api and the command intake run it. */
async function cacheWriterSide(redis: Redis, databases: ShardDatabases, router: ShardRouter, cache: SagaWorkerConfig['cache'], registry: Registry, logger: Logger): Promise<CacheWriterSide> {
  const warning = await evictionPolicyWarning(redis);
  if (warning) logger.warn(warning);
  return new CacheWriterSide({
    store: new RedisRecordCacheStore(redis, cache.redisTtlMs, writerLeasesKey(cache.keyPrefix)),
    writers: new RedisWriterRegistry(redis, cache.keyPrefix),
    pending: new MysqlPendingInvalidationStore(databases),
    keyPrefix: cache.keyPrefix,
    fence: cache.fence,
    shardFor: (businessId) => router.shardFor(businessId),
    registry,
    log: (level, message, extra = {}) => logger[level](extra, message),
  });
}
