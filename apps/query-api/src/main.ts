import 'reflect-metadata';
import { Logger } from 'nestjs-pino';
import { queryApiConfigFromEnv } from './config';
import { exitGracefullyOnSignals, runMain } from '@shardline/observability';
import { closeHttpApp } from '@shardline/http';
import { createQueryApiApp } from './create-query-api-app';

async function main(): Promise<void> {
  const config = queryApiConfigFromEnv(process.env);
  const app = await createQueryApiApp(config);
  await app.listen(config.http.port, config.http.host);
  const logger = app.get(Logger);
  logger.log(`shardline query-api listening on ${await app.getUrl()} (cache ${config.cache.enabled ? 'on' : 'off'})`);
  exitGracefullyOnSignals(() => closeHttpApp(app), (message) => logger.log(message));
}

runMain(main);
