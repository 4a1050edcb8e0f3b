import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { connectCacheRedis } from '@shardline/records-cache';
import type { RateLimitsConfig } from './rate-limits.config';
import { limitRequestRates, type RateLimitOptions } from './rate-limit.hook';

/**
 * What an app calls (between refuseRequestsWhileClosing and the write admission): connects the
 * buckets' Redis with a fail-fast client (commands reject at once while it is unreachable, so
 * the local buckets decide without waiting; it reconnects in the background) and registers the
 * hook. Start-up never waits more than about a second for Redis and never fails for it.
 */
export async function enableRateLimits(fastify: FastifyInstance, config: RateLimitsConfig, registry: Registry, identify?: RateLimitOptions['identify']): Promise<void> {
  if (!config.enabled) return;
  const redis = await connectCacheRedis({ url: config.redisUrl, commandTimeoutMs: config.redisTimeoutMs });
  fastify.addHook('onClose', async () => redis.disconnect());
  limitRequestRates(fastify, { limits: config, redis, registry, identify });
}
