import { Controller, Get, Inject, Optional, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type Redis from 'ioredis';
import type { Client } from '@elastic/elasticsearch';
import type { ClickHouseGateway } from '@shardline/projection-clickhouse';
import { CACHE_REDIS } from '@shardline/records-cache';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { ANALYTICS_GATEWAY, SEARCH_CLIENT } from './read-models.module';

type Check = { name: string; status: 'up' | 'down'; error?: string };

/**
 * Liveness, and readiness per dependency. The shards decide readiness (id reads and pages need
 * them); Redis, Elasticsearch and ClickHouse are reported but do not: without Redis reads bypass
 * the cache and stay correct, and a shared search/analytics engine being down would otherwise
 * take every instance out of the load balancer, id reads included (those routes answer 503).
 */
@Controller()
export class QueryHealthController {
  constructor(
    private readonly databases: ShardDatabases,
    @Inject(SEARCH_CLIENT) private readonly search: Client,
    @Inject(ANALYTICS_GATEWAY) private readonly analytics: ClickHouseGateway,
    @Optional() @Inject(CACHE_REDIS) private readonly redis?: Redis,
  ) {}

  @Get('health/live')
  live() {
    return { status: 'ok' };
  }

  @Get('health/ready')
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    const shards: Check[] = (await this.databases.probeShards()).map(({ shard, ...probed }) => ({ name: `shard${shard}`, ...probed }));
    const redis = this.redis ? await probe('redis', () => this.redis!.ping()) : { name: 'redis', status: 'down' as const, error: 'cache disabled' };
    const [elasticsearch, clickhouse] = await Promise.all([
      probe('elasticsearch', () => this.search.cluster.health()),
      probe('clickhouse', () => this.analytics.select('SELECT 1')),
    ]);
    const ok = shards.every((s) => s.status === 'up');
    reply.status(ok ? 200 : 503);
    return { status: ok ? 'ready' : 'degraded', shards, redis, elasticsearch, clickhouse };
  }
}

async function probe(name: string, check: () => Promise<unknown>): Promise<Check> {
  try {
    await check();
    return { name, status: 'up' };
  } catch (error) {
    return { name, status: 'down', error: (error as Error).message };
  }
}
