import 'reflect-metadata';
import { Logger } from 'nestjs-pino';
import type { Registry } from 'prom-client';
import { exitGracefullyOnSignals, METRICS_REGISTRY, runMain, startOpsHttpServer } from '@shardline/observability';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { commandIntakeConfigFromEnv } from './config';
import { createCommandIntake } from './create-command-intake';

async function main(): Promise<void> {
  const config = commandIntakeConfigFromEnv(process.env);
  const app = await createCommandIntake(config);
  const databases = app.get(ShardDatabases);
  const ops = await startOpsHttpServer(app.get<Registry>(METRICS_REGISTRY), {
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
  const logger = app.get(Logger);
  logger.log(`shardline command-intake ${config.topics.commands} -> ${config.topics.results}; ops on :${ops.port}`);
  // Kafka down at start delays consuming (retried with backoff); it does not end the process.
  void app.listen().then((consuming) => consuming && logger.log('command-intake consuming'));
  exitGracefullyOnSignals(async () => {
    await ops.close();
    await app.close();
  });
}

runMain(main);
