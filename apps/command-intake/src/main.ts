import 'reflect-metadata';
import { Logger } from 'nestjs-pino';
import type { Registry } from 'prom-client';
import { TOPIC_SPECS } from '@shardline/integration-events';
import { createKafka, ensureTopics } from '@shardline/kafka';
import { exitGracefullyOnSignals, METRICS_REGISTRY, runMain, startOpsHttpServer } from '@shardline/observability';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { commandIntakeConfigFromEnv } from './config';
import { createCommandIntake } from './create-command-intake';

async function main(): Promise<void> {
  const config = commandIntakeConfigFromEnv(process.env);
  const partitionsOf = (topic: string) => TOPIC_SPECS.find((t) => t.topic === topic)?.numPartitions ?? 8;
  await ensureTopics(
    createKafka(config.kafka),
    [config.topics.commands, config.topics.results].map((topic) => ({ topic, numPartitions: partitionsOf(topic) })),
  );
  const app = await createCommandIntake(config);
  await app.listen();
  const databases = app.get(ShardDatabases);
  const ops = await startOpsHttpServer(app.get<Registry>(METRICS_REGISTRY), {
    host: config.ops.host,
    port: config.ops.port,
    routes: {
      // Ready while every shard answers (a command for a down shard gets a 503 result, not a stall).
      '/health/ready': async () => {
        const shards = await databases.probeShards();
        const ok = shards.every((s) => s.status === 'up');
        return { status: ok ? 200 : 503, body: { status: ok ? 'ready' : 'degraded', shards } };
      },
    },
  });
  app.get(Logger).log(`shardline command-intake consuming ${config.topics.commands} -> ${config.topics.results}; ops on :${ops.port}`);
  // Stop consuming first (the in-flight command finishes and its result is published), then pools close.
  exitGracefullyOnSignals(async () => {
    await ops.close();
    await app.close();
  });
}

runMain(main);
