import 'reflect-metadata';
import { Logger } from 'nestjs-pino';
import { TOPIC_SPECS } from '@shardline/integration-events';
import { createKafka, ensureTopics } from '@shardline/kafka';
import { exitGracefullyOnSignals, runMain } from '@shardline/observability';
import { commandIntakeConfigFromEnv } from './config';
import { startCommandIntakeOps } from './command-intake-ops';
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
  const ops = await startCommandIntakeOps(app, config);
  app.get(Logger).log(`shardline command-intake consuming ${config.topics.commands} -> ${config.topics.results}; ops on :${ops.port}`);
  // Stop consuming first (the in-flight command finishes and its result is published), then pools close.
  exitGracefullyOnSignals(async () => {
    await ops.close();
    await app.close();
  });
}

runMain(main);
