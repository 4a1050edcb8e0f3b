import 'reflect-metadata';
import { Logger } from 'nestjs-pino';
import { apiConfigFromEnv } from './config';
import { exitGracefullyOnSignals, runMain } from '@shardline/observability';
import { closeHttpApp } from '@shardline/http';
import { createApiApp } from './create-api-app';

async function main(): Promise<void> {
  const config = apiConfigFromEnv(process.env);
  const app = await createApiApp(config);
  await app.listen(config.http.port, config.http.host);
  const logger = app.get(Logger);
  logger.log(`shardline api listening on ${await app.getUrl()} (${config.records.sharding.shards.length} shards)`);
  // Graceful shutdown: stop accepting, let in-flight commands finish, then the module destroy
  // hooks drain the group commits and close the pools (in that order: see closeHttpApp).
  exitGracefullyOnSignals(() => closeHttpApp(app), (message) => logger.log(message));
}

runMain(main);
