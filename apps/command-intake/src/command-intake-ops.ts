import type { Registry } from 'prom-client';
import { METRICS_REGISTRY, startOpsHttpServer, type OpsHttpServer } from '@shardline/observability';
import { ShardDatabases } from '@shardline/sharding/mysql';
import type { CommandIntakeConfig } from './config';
import type { CommandIntake } from './create-command-intake';

/** The intake's operations port (/metrics, /health/live, /health/ready), beside its Kafka consumer. */
export function startCommandIntakeOps(app: CommandIntake, config: Pick<CommandIntakeConfig, 'ops'>): Promise<OpsHttpServer> {
  const databases = app.get(ShardDatabases);
  return startOpsHttpServer(app.get<Registry>(METRICS_REGISTRY), {
    host: config.ops.host,
    port: config.ops.port,
    routes: {
      // Ready while consuming and every shard answers (a command for a down shard gets a 503 result,
      // not a stall). Kafka unreachable: alive, not ready, retrying.
      '/health/ready': async () => {
        const consuming = app.isReady();
        const shards = await databases.probeShards();
        const ok = consuming && shards.every((s) => s.status === 'up');
        return { status: ok ? 200 : 503, body: { status: ok ? 'ready' : 'degraded', consuming, shards } };
      },
    },
  });
}
