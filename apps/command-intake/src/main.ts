import 'reflect-metadata';
import { Logger } from 'nestjs-pino';
import { exitGracefullyOnSignals, runMain } from '@shardline/observability';
import { commandIntakeConfigFromEnv } from './config';
import { startCommandIntakeOps } from './command-intake-ops';
import { createCommandIntake } from './create-command-intake';

async function main(): Promise<void> {
  const config = commandIntakeConfigFromEnv(process.env);
  const app = await createCommandIntake(config);
  const ops = await startCommandIntakeOps(app, config);
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
