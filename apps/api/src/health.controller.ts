import { Controller, Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ShardDatabases } from '@shardline/sharding/mysql';

/** Liveness (process up) and readiness (every shard answers), per dependency. */
@Controller()
export class HealthController {
  constructor(private readonly databases: ShardDatabases) {}

  @Get('health/live')
  live() {
    return { status: 'ok' };
  }

  @Get('health/ready')
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    const shards = await this.databases.probeShards();
    const ok = shards.every((s) => s.status === 'up');
    reply.status(ok ? 200 : 503);
    return { status: ok ? 'ready' : 'degraded', shards };
  }
}
