import { Controller, Get, Inject, Optional, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type Redis from 'ioredis';
import { CACHE_REDIS } from '@shardline/records-cache';
import { ShardDatabases } from '@shardline/sharding/mysql';

type Check = { name: string; status: 'up' | 'down'; error?: string };

/**
 * Liveness, and readiness per dependency. The shards decide readiness; Redis is reported but
 * does not: without it reads bypass the cache and stay correct, only slower.
 */
@Controller()
export class QueryHealthController {
  constructor(
    private readonly databases: ShardDatabases,
    @Optional() @Inject(CACHE_REDIS) private readonly redis?: Redis,
  ) {}

  @Get('health/live')
  live() {
    return { status: 'ok' };
  }

  @Get('health/ready')
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    const shards = await Promise.all(
      this.databases.shardIndexes().map((shard) => probe(`shard${shard}`, () => this.databases.shard(shard).raw('SELECT 1'))),
    );
    const redis = this.redis ? await probe('redis', () => this.redis!.ping()) : { name: 'redis', status: 'down' as const, error: 'cache disabled' };
    const ok = shards.every((s) => s.status === 'up');
    reply.status(ok ? 200 : 503);
    return { status: ok ? 'ready' : 'degraded', shards, redis };
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
